"""Filling, designing and analysing definitions through the real app (AppTest)."""

import yaml
from streamlit.testing.v1 import AppTest

import clock
from services.forms import definitions, responses
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import APP, sign_in
from tests.pages.helpers import texts


LAST_YEAR = str(clock.today().year - 1)  # the fill page's default period for a yearly survey


def _publish_sample() -> int:
    definitions.sync_specs()
    return definitions.published_version("digital_transformation_needs").id


def _open_fill(at: AppTest) -> int:
    at.switch_page("pages/forms/forms_fill.py").run()
    at.button(key=next(b.key for b in at.button if b.label == "开始 / 继续填报")).click().run()
    return int(at.session_state["active_response"])


def test_fill_section_by_section_and_submit(app) -> None:  # type: ignore[no-untyped-def]
    _publish_sample()
    user, _ = make_enterprise_user()
    at = sign_in(app, user.username, PASSWORD)
    rid = _open_fill(at)
    assert [h.value for h in at.subheader] == ["一、数字化基础"]
    assert "共 6 题，已答 0 题，进度 0/6" in [c.value for c in at.caption]
    k = lambda name: f"fr_{rid}_{name}"  # noqa: E731
    at.text_input(key=k("it_staff")).input("-2")
    at.button(key=k("save")).click().run()
    assert [e.value for e in at.error] == ["信息化专职人员数：不能为负数"]  # 保存 skips "required", not wrong values
    assert responses.get_response(user, rid).answers == {}  # nothing half-saved
    at.text_input(key=k("it_staff")).input("4")
    at.button(key=k("save")).click().run()
    assert "已保存。" in [s.value for s in at.success]
    at.button(key=k("next")).click().run()
    assert "上年度信息化投入：必填项，请填写。" in [e.value for e in at.error]  # moving on needs the whole section
    at.text_input(key=k("it_staff")).input("4")
    at.text_input(key=k("it_budget")).input("100")
    at.radio(key=k("has_systems")).set_value("1")
    at.checkbox(key=k("systems__opt_erp")).check()
    at.button(key=k("next")).click().run()
    assert [h.value for h in at.subheader] == ["二、服务需求"]
    assert not at.text_input(key=k("budget_next")).value
    assert k("wanted_other") not in [t.key for t in at.text_input]
    at.checkbox(key=k("wanted__opt_other")).check().run()
    assert k("wanted_other") in [t.key for t in at.text_input]  # show_if reacts on the same page
    at.text_input(key=k("wanted_other")).input("数据治理")
    at.radio(key=k("urgency")).set_value("4")
    at.button(key=k("next")).click().run()
    assert not at.exception, at.exception
    at.button(key=k("submit")).click().run()
    assert not at.exception
    view = responses.get_response(user, rid)
    assert view.status == "submitted" and view.answers["wanted_other"] == "数据治理" and view.answers["systems"] == ["erp"]


def test_resume_where_the_user_stopped(app) -> None:  # type: ignore[no-untyped-def]
    vid = _publish_sample()
    user, _ = make_enterprise_user()
    rid = responses.open_response(user, vid, LAST_YEAR)
    responses.save_section(user, rid, "basic", {"it_staff": "2", "it_budget": "5", "has_systems": "0"}, 0,
                           move_to="needs")
    at = sign_in(app, user.username, PASSWORD)
    assert _open_fill(at) == rid
    assert [h.value for h in at.subheader] == ["二、服务需求"]


def test_second_save_of_same_section_shows_the_other_persons_change(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    vid = _publish_sample()
    a, org_id = make_enterprise_user()
    from services.identity.accounts import create_account
    create_account("colleague_b", PASSWORD, ["enterprise"], org_id=org_id)
    rid = responses.open_response(a, vid, LAST_YEAR)
    first = sign_in(AppTest.from_file(APP, default_timeout=60), a.username, PASSWORD)
    second = sign_in(AppTest.from_file(APP, default_timeout=60), "colleague_b", PASSWORD)
    for at in (first, second):
        assert _open_fill(at) == rid
    fill = {"it_staff": "3", "it_budget": "10"}
    for name, v in fill.items():
        first.text_input(key=f"fr_{rid}_{name}").input(v)
    first.radio(key=f"fr_{rid}_has_systems").set_value("0")
    first.button(key=f"fr_{rid}_save").click().run()
    assert "已保存。" in [s.value for s in first.success]
    second.text_input(key=f"fr_{rid}_it_staff").input("7")
    second.text_input(key=f"fr_{rid}_it_budget").input("1")
    second.radio(key=f"fr_{rid}_has_systems").set_value("0")
    second.button(key=f"fr_{rid}_save").click().run()
    message = " ".join(e.value for e in second.error)
    assert "已被" in message and "信息化专职人员数" in message and "3" in message
    assert responses.get_response(a, rid).answers["it_staff"] == "3"  # not overwritten
    second.button(key=f"fr_{rid}_reload").click().run()
    assert second.text_input(key=f"fr_{rid}_it_staff").value == "3"


def test_designer_edits_draft_and_publishes(app) -> None:  # type: ignore[no-untyped-def]
    make_admin(None, "designer_p")
    vid = _publish_sample()
    at = sign_in(app, "designer_p", PASSWORD)
    at.switch_page("pages/forms/forms_designer.py").run()
    assert not at.exception
    assert at.selectbox(key="def_version").value is None and not at.tabs  # opens light: no version loaded
    at.selectbox(key="def_version").set_value(vid).run()
    at.button(key=next(b.key for b in at.button if b.label == "复制为新草稿")).click().run()
    draft = at.session_state["def_version"]
    assert draft != vid
    doc = definitions.version_document(draft)
    doc["title"] = "数字化转型需求调查（修订）"
    at.text_area(key=f"def_text_{draft}").input(yaml.safe_dump(doc, allow_unicode=True))
    at.button(key=f"def_save_{draft}").click().run()
    assert "草稿已保存（已通过校验）。" in [s.value for s in at.success]
    bad = yaml.safe_dump({**doc, "sections": [{"name": "x", "questions": [{"name": "q", "type": "nope", "label": "Q"}]}]},
                         allow_unicode=True)
    at.text_area(key=f"def_text_{draft}").input(bad)
    at.button(key=f"def_save_{draft}").click().run()
    assert any("D002" in e.value for e in at.error)
    at.button(key=next(b.key for b in at.button if b.label == "发布")).click().run()
    assert definitions.published_version("digital_transformation_needs").title == "数字化转型需求调查（修订）"


def test_results_page_table_export_and_stats(app) -> None:  # type: ignore[no-untyped-def]
    vid = _publish_sample()
    for staff in ("2", "6"):
        user, _ = make_enterprise_user("320102")
        rid = responses.open_response(user, vid)
        responses.save_section(user, rid, "basic", {"it_staff": staff, "it_budget": "5", "has_systems": "0"}, 0)
        responses.save_section(user, rid, "needs", {"wanted": ["cloud"], "urgency": "3"}, 0)
        responses.submit(user, rid)
    make_admin("320102", "xw_results")
    at = sign_in(app, "xw_results", PASSWORD)
    at.switch_page("pages/forms/forms_results.py").run()
    assert not at.exception
    # opens light: nothing chosen, nothing computed (the 240-question model used to be loaded first)
    assert at.selectbox(key="res_version").value is None and not at.dataframe
    assert not any("辖区内已提交" in c.value for c in at.caption)
    assert "请选择问卷；明细、导出与逐题统计在选择后按需计算。" in [i.value for i in at.info]
    at.selectbox(key="res_version").set_value(vid).run()
    assert "辖区内已提交 2 份" in [c.value for c in at.caption]
    assert not at.dataframe  # the table is computed on demand
    at.button(key=f"res_show_{vid}").click().run()
    assert len(at.dataframe[0].value) == 2
    at.button(key="res_xlsx_prepare").click().run()
    assert [b.label for b in at.get("download_button")] == ["导出 Excel"]
    at.radio(key="res_view").set_value("逐题统计").run()
    assert not at.metric
    at.selectbox(key=f"res_question_{vid}").set_value("it_staff").run()
    assert [m.value for m in at.metric][:2] == ["2", "4.00"]


def test_designer_and_results_name_kinds_in_chinese(app) -> None:  # type: ignore[no-untyped-def]
    """Definition kinds read 自诊断模型 / 调查问卷 / 月报表, never self_diagnosis / survey / monthly_report."""
    definitions.sync_specs()
    make_admin(None, "kinds_p")
    at = sign_in(app, "kinds_p", PASSWORD)
    at.switch_page("pages/forms/forms_designer.py").run()
    assert not at.exception
    kinds = set(at.dataframe[0].value["类型"])
    assert {"自诊断模型", "调查问卷", "月报表"} <= kinds
    codes = {"survey", "self_diagnosis", "self_assessment", "monthly_report"}
    assert not kinds & codes
    assert any("月报表" in option for option in at.selectbox(key="def_version").options)
    at.switch_page("pages/forms/forms_results.py").run()
    assert not at.exception
    options = at.selectbox(key="res_version").options
    assert any("调查问卷" in o for o in options) and not any(code in o for o in options for code in codes)


def test_fill_page_offers_the_services_months_and_no_monthly_report_questionnaire(app) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    designer = make_admin(None, "fill_designer")
    vid = definitions.save_draft(designer, {
        "code": "monthly_costs", "kind": "survey", "title": "月度成本调查", "period": "month",
        "sections": [{"name": "s", "title": "成本", "questions": [{"name": "cost", "type": "decimal", "label": "成本"}]}]})
    definitions.publish(designer, vid)
    user, _ = make_enterprise_user()
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/forms/forms_fill.py").run()
    offered = at.selectbox[0].options
    assert any("月度成本调查" in o for o in offered)
    assert not any("中小企业经济月度调查问卷" in o for o in offered)  # filled only in 当期报送 step ④
    at.selectbox[0].set_value(vid).run()
    month = at.selectbox(key="fill_period_month")  # the service's periods: no month 13 can be typed
    assert month.options == responses.period_choices("month").options and len(month.options) == 12
    assert month.value == clock.today().strftime("%Y-%m")
    month.set_value(month.options[2])
    at.button(key=next(b.key for b in at.button if b.label == "开始 / 继续填报")).click().run()
    assert not at.exception and not at.error
    assert responses.get_response(user, int(at.session_state["active_response"])).period == month.options[2]
