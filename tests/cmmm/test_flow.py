"""The self-diagnosis flow and scoring on a real database (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import select

from db.cmmm import Diagnosis
from db.engine import session_scope
from services.cmmm import admin, diagnosis as dx
from services.cmmm.report import build_pdf
from services.cmmm.results import result
from services.core.errors import Conflict, NotFound, ValidationFailed
from tests.cmmm.conftest import EFFECTIVENESS, level_answers, run_levels, section_version
from tests.factories import make_admin, make_enterprise_user


def test_level_by_level_to_results(model: int) -> None:
    user, org_id = make_enterprise_user("320102")
    did = dx.start(user, [])
    outcomes = run_levels(user, did, ["1", "0.8", "0.5"])
    assert [(o.level, o.achieved) for o in outcomes] == [(1, True), (2, True), (3, False)]
    assert outcomes[0].next_section == "level2" and outcomes[2].next_section == "effectiveness"
    assert "未达到本级要求" in outcomes[2].message
    with pytest.raises(Conflict, match="当前等级"):
        dx.submit_level(user, did, 4, level_answers(4, "1"), 0)
    view = dx.finish(user, did, EFFECTIVENESS, 0)
    assert view.status == "completed" and view.total_score == pytest.approx(2.3) and view.level == 2
    assert view.level_label == "二级 规范级"
    res = result(user, did)
    assert [r[0] for r in res.level_rows] == ["一级 规划级", "二级 规范级", "三级 集成级"]
    assert res.level_rows[2][1] == pytest.approx(0.5)
    assert {k for k, _ in res.domains} >= {"组织战略", "数据", "生产"}
    pdf = build_pdf(res)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_effectiveness_indicators_are_required(model: int) -> None:
    user, _ = make_enterprise_user()
    did = dx.start(user, [])
    run_levels(user, did, ["0"])
    with pytest.raises(ValidationFailed, match="必填"):
        dx.finish(user, did, {}, 0)
    assert dx.finish(user, did, EFFECTIVENESS, section_version(user, did, "effectiveness")).level == 0


def test_tailoring_leaves_the_denominator_and_cannot_change(model: int) -> None:
    user, _ = make_enterprise_user()
    tail = ("design", "logistics", "sales", "service")
    did = dx.start(user, list(tail))
    outcome = run_levels(user, did, ["1"], tail)[0]
    assert outcome.score == pytest.approx(1.0)  # tailored groups were not answered and do not count
    with pytest.raises(ValidationFailed, match="不能裁剪"):
        dx.start(user, ["production"])


def test_save_and_continue_later(model: int) -> None:
    user, _ = make_enterprise_user()
    did = dx.start(user, [])
    partial = dict(list(level_answers(1, "0.8").items())[:3])
    v = dx.save(user, did, "level1", partial, 0)
    assert v == 1
    d, ev = dx.evaluation(user, did)
    assert ev.progress["level1"][0] == 3
    with pytest.raises(ValidationFailed):  # submitting the level needs every question
        dx.submit_level(user, did, 1, partial, v)


def test_monthly_limit_and_one_in_progress(model: int) -> None:
    user, _ = make_enterprise_user()
    first = dx.start(user, [])
    with pytest.raises(Conflict, match="进行中"):
        dx.start(user, [])
    dx.abandon(user, first)  # abandoned ones do not count
    for _ in range(3):
        did = dx.start(user, [])
        run_levels(user, did, ["0"])
        dx.finish(user, did, EFFECTIVENESS, 0)
    with pytest.raises(Conflict, match="每个自然月最多"):
        dx.start(user, [])
    with session_scope() as s:
        rows = s.scalars(select(Diagnosis).where(Diagnosis.org_id == user.org_id, Diagnosis.status == "completed")).all()
        assert sorted(r.is_latest for r in rows) == [False, False, True]  # statistics use the latest only


def test_other_enterprise_and_jurisdiction(model: int) -> None:
    a, _ = make_enterprise_user("320102")
    b, _ = make_enterprise_user("320106")
    did = dx.start(a, [])
    run_levels(a, did, ["0"])
    dx.finish(a, did, EFFECTIVENESS, 0)
    with pytest.raises(NotFound):
        dx.get(b, did)
    with pytest.raises(NotFound):
        result(b, did)
    assert result(make_admin("320100"), did).diagnosis_id == did
    with pytest.raises(NotFound):
        result(make_admin("320106"), did)
    total, rows = admin.query_records(make_admin("320106"), admin.Filters())
    assert total == 0 and rows == []
    total, rows = admin.query_records(make_admin("320000"), admin.Filters(level=0))
    assert total == 1 and rows[0].org_name


def test_peer_averages_need_three_enterprises(model: int) -> None:
    users = [make_enterprise_user("320102")[0] for _ in range(3)]
    ids = []
    for u, v in zip(users, ["1", "0.8", "0"]):
        did = dx.start(u, [])
        run_levels(u, did, [v] * 5)
        dx.finish(u, did, EFFECTIVENESS, 0)
        ids.append(did)
    res = result(users[0], ids[0])
    assert res.total_score == pytest.approx(5.0) and res.level == 5
    province = res.peers[2]
    assert province.count == 3 and province.average == pytest.approx((5 + 4 + 0) / 3)


def test_excel_exports_content(model: int) -> None:
    import io

    import openpyxl
    user, org_id = make_enterprise_user("320102")
    did = dx.start(user, ["sales"])
    run_levels(user, did, ["1", "0.5"], ("sales",))
    dx.finish(user, did, EFFECTIVENESS, 0)
    nj = make_admin("320100")
    ws = openpyxl.load_workbook(io.BytesIO(admin.export_records(nj, admin.Filters()))).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == admin.EXPORT_COLUMNS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["省"] == "江苏省" and row["区县"] == "玄武区" and row["行政区划代码"] == "320102"
    assert row["成熟度等级"] == "一级 规划级" and row["总分"] == 1.5 and row["一级得分"] == 1 and row["二级得分"] == 0.5
    assert row["裁剪的能力域"] == "销售" and ws.cell(2, 3).data_type == "s"  # credit code stays text
    sheet = openpyxl.load_workbook(io.BytesIO(admin.answer_sheet(nj, did))).active
    answers = [[c.value for c in r] for r in sheet.iter_rows()]
    assert answers[0] == ["部分", "能力子域", "题号", "题目", "回答", "得分"]
    assert any(r[4] == "全部满足" and r[5] == 1 for r in answers[1:])
    assert not any(r[1] == "销售" for r in answers[1:])  # tailored out: not answered
    with pytest.raises(NotFound):
        admin.answer_sheet(make_admin("320106"), did)
    counts, total, rows2 = admin.progress(nj)
    assert counts["completed"] == 1 and total == 1 and rows2[0].status_label == "已完成"
