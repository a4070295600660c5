"""问卷调查管理 through the real app (AppTest): create a questionnaire with two questions and a branch using
only the widgets, preview it (the branch hides the second question), enable it; a county administrator
sees it once it is distributed."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from services.forms import definitions, designer as D, questionnaires
from tests.factories import PASSWORD, make_admin
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label, fresh_app, joined

PAGE = "pages/forms/forms_visual_designer.py"


def _add(at: AppTest, qtype: str, label: str, options: str = "", required: bool = False) -> None:
    by_label(at.selectbox, "题型").set_value(qtype)
    by_label(at.text_input, "题目").input(label)
    if options:
        by_label(at.text_area, "选项（选择题、矩阵选择题的列；每行一项）").input(options)
    if required:
        by_label(at.checkbox, "必填").check()
    by_label(at.button, "添加题目").click().run()
    assert_clean(at)
    assert not at.error, joined(at.error)


def test_design_preview_and_enable_through_the_widgets(app: AppTest) -> None:
    js = make_admin("320000", "js_vd")
    at = sign_in(app, "js_vd", PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    by_label(at.text_input, "问卷名称").input("限电影响调查")
    by_label(at.button, "保存并进入问题定义").click().run()
    assert_clean(at)
    vid = int(at.session_state["vd_version"])
    assert at.radio(key=f"vd_step_{vid}").value == "问题定义"
    _add(at, "single", "本月是否受限电影响", "是\n否", required=True)
    _add(at, "integer", "本月限电天数")
    doc = questionnaires.document(js, vid)
    assert [(q.type, q.label) for q in D.questions(doc)][1:] == [("single", "本月是否受限电影响"), ("integer", "本月限电天数")]

    at.radio(key=f"vd_step_{vid}").set_value("逻辑分支定义").run()
    at.selectbox(key=f"vd_bq_{vid}").set_value("q1").run()
    by_label(at.multiselect, "勾选需要跳转的选项").set_value(["2"])
    by_label(at.selectbox, "跳转到").set_value(D.END)
    by_label(at.button, "保存分支").click().run()
    assert_clean(at)
    doc = questionnaires.document(js, vid)
    assert [(b.question, b.options, b.to) for b in D.branches(doc)] == [("q1", ("2",), D.END)]
    assert doc["sections"][0]["questions"][1]["goto"] == [{"if": "selected(${q1}, '2')", "to": "end"}]

    at.radio(key=f"vd_step_{vid}").set_value("主题定义").run()      # the editor's theme form beside 新增问卷's
    assert_clean(at)
    titles = [t for t in at.text_input if t.label == "问卷名称"]
    assert [t.value for t in titles] == ["", "限电影响调查"]
    titles[1].input("限电影响调查（2027）")
    next(b for b in at.button if b.label == "保存主题").click().run()
    assert_clean(at)
    assert questionnaires.document(js, vid)["title"] == "限电影响调查（2027）"

    at.radio(key=f"vd_step_{vid}").set_value("预览").run()
    assert_clean(at)
    assert f"fr_pv{vid}_q2" in {t.key for t in at.text_input}
    at.radio(key=f"fr_pv{vid}_q1").set_value("2").run()            # 否 → the questionnaire ends
    assert f"fr_pv{vid}_q2" not in {t.key for t in at.text_input}
    assert definitions.version_document(vid) == {**doc, "title": "限电影响调查（2027）"}  # a preview saves nothing

    at.radio(key=f"vd_action_{vid}").set_value("启用").run()
    by_label(at.button, "确认启用").click().run()
    assert_clean(at)
    row = next(r for r in questionnaires.list_rows(js) if r.id == vid)
    assert row.status == "published"
    assert "编辑" not in at.radio(key=f"vd_action_{vid}").options   # enabled: no more editing
    assert {"分发", "停用", "查看", "分析", "导出"} <= set(at.radio(key=f"vd_action_{vid}").options)


def test_a_distributed_questionnaire_reaches_the_county_page(app: AppTest) -> None:
    js = make_admin("320000", "js_vd2")
    vid = questionnaires.create(js, D.Theme("南京专项调查", "month", regions=("320100",)))
    definitions.publish(js, vid)
    make_admin("320102", "xw_vd")
    at = sign_in(app, "xw_vd", PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert "没有符合条件的问卷" in joined(at.info)           # not distributed yet
    questionnaires.distribute(js, vid, ["320100"])
    other = sign_in(fresh_app(), "xw_vd", PASSWORD)
    other.switch_page(PAGE).run()
    assert_clean(other)
    other.selectbox(key="vd_version").set_value(vid).run()
    assert set(other.radio(key=f"vd_action_{vid}").options) == {"预览", "查看", "分析", "导出"}
