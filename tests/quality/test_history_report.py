"""自评估历史 and the PDF report (SQLite and PostgreSQL): the organisation's attempts with the overall tier,
开始新的评估 only after the current one is finished (the old one stays), the report's tiers and the kept
企业信息, evidence files read only through the snapshot, and the PDF only for the actor's own finished attempt."""
from __future__ import annotations

import re

import pytest
from fpdf import FPDF

from services.assessment import flow, graded, quality
from services.core.errors import Conflict, NotFound
from services.forms import definitions, responses
from services.quality import history, profile, report
from tests.factories import make_admin, make_enterprise_user
from tests.quality.profile_data import valid_profile
from tests.quality.shipped import all_clauses, clause, raw
from tests.quality.test_evidence import PDF, PNG
from tests.quality.test_graded import _fill, _perf

KIND = quality.KIND


@pytest.fixture
def user(db: str):  # type: ignore[no-untyped-def]
    national = make_admin(None)
    definitions.publish(national, definitions.save_draft(national, raw()))
    return make_enterprise_user("320102", background=False)[0]


def _finished(actor, answers=None) -> int:  # type: ignore[no-untyped-def]
    aid = flow.start(KIND, actor, [])
    profile.confirm(actor, aid, valid_profile())
    rid = flow.get(KIND, actor, aid).response_id
    _fill(rid, answers or all_clauses("2"))
    responses.save_section(actor, rid, "perf", _perf(), 0)
    graded.submit(KIND, actor, aid)
    return aid


def test_history_lists_attempts_and_a_new_one_only_after_finishing(user) -> None:  # type: ignore[no-untyped-def]
    assert history.attempts(user) == []
    answers = all_clauses("2")
    answers.update(clause("c643_41", "0"))                    # 6.4.3 不符合 at 预防级 → overall 保证级
    first = _finished(user, answers)
    second = flow.start(KIND, user, [])                        # 开始新的评估: the old one stays
    with pytest.raises(Conflict, match="已有一份进行中"):
        flow.start(KIND, user, [])                             # an unfinished one allows only 继续评估
    rows = history.attempts(user)
    assert [(r.id, r.status, r.tier_label) for r in rows] == [(second, "in_progress", "—"), (first, "completed", "保证级")]
    assert rows[1].completed_at and rows[0].completed_at is None
    other, _ = make_enterprise_user("320102", background=False)
    assert history.attempts(other) == []


def test_the_report_has_every_tier_and_the_profile_of_that_time(user) -> None:  # type: ignore[no-untyped-def]
    answers = all_clauses("2")
    answers.update(clause("c643_41", "0"))
    aid = _finished(user, answers)
    profile.save(user, valid_profile(contact_name="后来的人"))   # a later edit does not change the report
    rep = history.report(user, aid)
    assert rep.overall_label == "保证级" and rep.profile_kept
    assert [(r.name, r.label) for r in rep.first_level] == [
        ("6.2 质量管理体系的有效性", "卓越级"), ("6.3 质量管理数字化", "卓越级"), ("6.4 持续改进提升的能力", "保证级")]
    tiers = {r.name: r.label for r in rep.second_level}
    assert tiers["6.4.3 质量文化与品牌"] == "保证级" and tiers["6.2.1 顾客需求关注"] == "卓越级"
    assert len(rep.second_level) == len(quality.indicators(quality.snapshot(user, aid).definition))
    assert dict(rep.profile_rows)["联系人·联系人姓名"] == "王五"
    assert len(rep.perf) == 11 and all(p.value is not None for p in rep.perf)


def test_an_unfinished_attempt_has_no_report(user) -> None:  # type: ignore[no-untyped-def]
    aid = flow.start(KIND, user, [])
    with pytest.raises(Conflict, match="尚未完成"):
        history.report(user, aid)
    with pytest.raises(Conflict):
        report.build_pdf(user, aid)


def test_the_pdf_report_and_its_scope(user) -> None:  # type: ignore[no-untyped-def]
    aid = _finished(user)
    data = report.build_pdf(user, aid)
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 2                                        # summary + tiers, then the performance parameters
    other, _ = make_enterprise_user("320102", background=False)
    with pytest.raises(NotFound):
        report.build_pdf(other, aid)                         # another organisation's attempt looks absent


def test_the_bar_chart_is_drawn_as_vectors() -> None:
    from services.io.pdf import font_path
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_font("cjk", fname=font_path())
    pdf.add_page()
    rows = [history.TierRow("总体", "", 3, "保证级"), history.TierRow("6.2", "", 0, "未达到经验级")]
    bottom = report.tier_bar_chart(pdf, rows, ["经验级", "检验级", "保证级", "预防级", "卓越级"], 10, 20, 190)
    assert bottom == 20 + 6 * 2 + 7
    content = bytes(pdf.output())
    assert content.count(b" re f") >= 2 and b"/Subtype /Image" not in content   # filled rectangles, no bitmap


def test_evidence_is_read_only_through_the_snapshot(user, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from config import settings
    from services.assessment import evidence
    monkeypatch.setattr(settings, "upload_dir", tmp_path)
    snap = quality.snapshot(user, flow.start(KIND, user, []))
    files = evidence.add_files(snap.definition, "c621_11", None, [("现场.png", PNG), ("制度.pdf", PDF)], tmp_path)
    snap = quality.Snapshot(snap.attempt, snap.definition, {**snap.answers, "c621_11_files": files},
                            snap.clause_states, snap.perf_version)
    name, data, kind = history.evidence_file(snap, "c621_11", files[1]["sha256"])
    assert (name, data, kind) == ("制度.pdf", PDF, "pdf")
    with pytest.raises(NotFound):
        history.evidence_file(snap, "c621_12", files[1]["sha256"])        # not named by that clause
    bad = quality.Snapshot(snap.attempt, snap.definition,
                           {"c621_11_files": [{"name": "x", "sha256": "s", "path": "../secret"}]}, {}, 0)
    with pytest.raises(NotFound):
        history.evidence_file(bad, "c621_11", "s")
