"""Issue 14 item 2 — the attacks as reported, on the shipped definitions (SQLite and PostgreSQL):
a province administrator cannot stop or version national definitions; a province's copy reaches
only its own enterprises; answers to an earlier version stay viewable in 问卷结果."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from db.engine import session_scope
from services.core.errors import NotFound, PermissionDenied
from services.forms import analysis, definitions, responses
from services.monitor import reports, reviewers
from services.core.permissions import Actor
from tests.factories import make_admin, make_enterprise_user

MONTHLY_ANSWERS = {"orders": "up", "costs": "flat", "funding": "ok", "problems": ["none"]}


@dataclass
class World:
    cn: Actor
    js: Actor
    gd: Actor
    xw_ent: Actor      # an enterprise in 江苏省 南京市 玄武区
    sz_ent: Actor      # an enterprise in 广东省 深圳市 福田区


@pytest.fixture
def world(db: str) -> World:
    definitions.sync_specs()
    cn, js, gd = make_admin(None, "admin_cn"), make_admin("320000", "admin_js"), make_admin("440000", "admin_gd")
    make_admin("320100", "admin_nj"), make_admin("320102", "admin_xw")
    make_admin("440300", "admin_sz"), make_admin("440304", "admin_ft")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    return World(cn, js, gd, make_enterprise_user("320102")[0], make_enterprise_user("440304")[0])


def month_codes(ent: Actor) -> tuple[int, set[str]]:
    """Open the enterprise's current month; return the report id and the codes of its questionnaires (step ④)."""
    report_id = reports.open_report(ent, reports.current_period())
    return report_id, {q.code for q in reports.questionnaires(ent, report_id)}


def test_province_admin_cannot_stop_national_definitions(world: World) -> None:
    report = definitions.published_version("sme_monthly_report")
    diagnosis = definitions.published_version("cmmm_self_diagnosis")
    for version in (report, diagnosis):
        with pytest.raises(PermissionDenied, match="该定义属于全国，只有国家级管理员"):
            definitions.stop(world.gd, version.id)
    # 江苏 enterprises still have their monthly report and the self-diagnosis model
    assert definitions.published_version("sme_monthly_report").id == report.id
    assert definitions.published_version("cmmm_self_diagnosis").id == diagnosis.id
    report_id, _ = month_codes(world.xw_ent)
    from services.monitor.review import detail
    assert responses.get_response(world.xw_ent, detail(world.xw_ent, report_id).response_id).version_id == report.id


def test_province_admin_cannot_publish_a_version_of_the_national_monthly_report(world: World) -> None:
    report = definitions.published_version("sme_monthly_report")
    document = {k: v for k, v in definitions.version_document(report.id).items() if k != "version"}
    with pytest.raises(PermissionDenied, match="无权新建版本"):
        definitions.save_draft(world.gd, {**document, "title": "广东版月报"})
    # 复制为新草稿 → 发布 gives 广东 its own report form; the national one is untouched
    copy = definitions.copy_to_draft(world.gd, report.id)
    definitions.publish(world.gd, copy)
    own = {v.id: v for v in definitions.list_versions(world.gd)}[copy]
    assert (own.code, own.owner_label, own.version) == ("sme_monthly_report_440000", "广东省", 1)
    current = definitions.published_version("sme_monthly_report")
    assert (current.id, current.version) == (report.id, report.version)
    month_codes(world.xw_ent)  # 江苏 still files against the national report
    with pytest.raises(PermissionDenied):
        definitions.publish(world.gd, definitions.copy_to_draft(world.cn, report.id))  # the national draft


def test_jiangsu_copy_of_the_monthly_survey_never_reaches_shenzhen(world: World) -> None:
    national = definitions.published_version("sme_monthly_survey")
    copy = definitions.copy_to_draft(world.js, national.id)   # 复制为新草稿 → 发布, as in the browser
    definitions.publish(world.js, copy)
    copy_code = {v.id: v for v in definitions.list_versions(world.js)}[copy].code
    assert copy_code == "sme_monthly_survey_320000"
    assert definitions.published_version("sme_monthly_survey").id == national.id  # v1 still published
    sz_report, sz_codes = month_codes(world.sz_ent)
    _, xw_codes = month_codes(world.xw_ent)
    assert "sme_monthly_survey" in sz_codes and copy_code not in sz_codes
    assert {"sme_monthly_survey", copy_code} <= xw_codes
    with pytest.raises(NotFound):
        reports.open_questionnaire(world.sz_ent, sz_report, copy)
    with pytest.raises(NotFound):
        responses.open_response(world.sz_ent, copy, reports.current_period(), in_monthly_report=True)


def test_regional_survey_reaches_only_its_region_in_online_filling(world: World) -> None:
    vid = definitions.save_draft(world.js, {
        "code": "js_needs", "kind": "survey", "title": "江苏企业需求调查",
        "sections": [{"name": "s", "title": "需求", "questions": [{"name": "q", "type": "integer", "label": "人数"}]}]})
    definitions.publish(world.js, vid)
    assert vid in {v.id for v in definitions.fillable(world.xw_ent)}
    offered = {v.code for v in definitions.fillable(world.sz_ent)}
    assert "js_needs" not in offered and "digital_transformation_needs" in offered
    with pytest.raises(NotFound):
        responses.open_response(world.sz_ent, vid)
    assert responses.open_response(world.xw_ent, vid)


def test_answers_to_every_version_stay_viewable(world: World) -> None:
    v1 = definitions.published_version("sme_monthly_survey")
    report_id, _ = month_codes(world.xw_ent)
    rid = reports.open_questionnaire(world.xw_ent, report_id, v1.id)
    responses.save_section(world.xw_ent, rid, "main", MONTHLY_ANSWERS, 0)
    responses.submit(world.xw_ent, rid)
    # 江苏's copy is published, then the national owner publishes v2: v1's answer must not vanish
    definitions.publish(world.js, definitions.copy_to_draft(world.js, v1.id))
    v2 = definitions.copy_to_draft(world.cn, v1.id)
    definitions.publish(world.cn, v2)
    for admin in (world.cn, world.js):
        listed = {v.id: v for v in definitions.answered_versions(admin)}
        assert listed[v1.id].status_label == "已停用" and v2 in listed
        assert analysis.response_count(admin, v1.id) == 1
        assert [r["状态"] for r in analysis.responses_table(admin, v1.id)] == ["已提交"]
    assert analysis.response_count(world.gd, v1.id) == 0  # outside 广东's jurisdiction
