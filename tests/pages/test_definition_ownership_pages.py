"""问卷设计 shows each definition's owner scope and offers only the actions the user may take;
问卷结果 keeps every version's answers (AppTest through the real app)."""
from __future__ import annotations

from services.forms import definitions, responses
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label, texts


def test_province_designer_sees_owner_and_copies_a_national_survey_into_its_own(app) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin("320000", "js_designer")
    national = definitions.published_version("sme_monthly_survey")
    at = sign_in(app, "js_designer", PASSWORD)
    at.switch_page("pages/forms/forms_designer.py").run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert set(table["归属"]) == {"全国"}
    at.selectbox(key="def_version").set_value(national.id).run()
    assert "该定义属于全国，您不能发布、修改、停用或新建版本；「复制为新草稿」将创建江苏省自己的新定义（新代码）。" in texts(at.info)
    assert by_label(at.button, "停用").disabled
    by_label(at.button, "复制为新草稿").click().run()
    assert_clean(at)
    draft = at.session_state["def_version"]
    mine = {v.id: v for v in definitions.list_versions(actor_of("js_designer"))}[draft]
    assert (mine.code, mine.owner_label, mine.status) == ("sme_monthly_survey_320000", "江苏省", "draft")
    assert "江苏省" in set(at.dataframe[0].value["归属"])
    assert not by_label(at.button, "发布").disabled
    by_label(at.button, "发布").click().run()
    assert_clean(at)
    assert definitions.published_version("sme_monthly_survey_320000").id == draft
    assert definitions.published_version("sme_monthly_survey").id == national.id  # the national one untouched


def test_results_page_lists_the_answers_of_a_stopped_version(app) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    designer = make_admin(None, "cn_results")
    v1 = definitions.published_version("digital_transformation_needs").id
    user, _ = make_enterprise_user("320102")
    rid = responses.open_response(user, v1)
    responses.save_section(user, rid, "basic", {"it_staff": "2", "it_budget": "5", "has_systems": "0"}, 0)
    responses.save_section(user, rid, "needs", {"wanted": ["cloud"], "urgency": "3"}, 0)
    responses.submit(user, rid)
    v2 = definitions.copy_to_draft(designer, v1)
    definitions.publish(designer, v2)
    at = sign_in(app, "cn_results", PASSWORD)
    at.switch_page("pages/forms/forms_results.py").run()
    assert_clean(at)
    box = at.selectbox(key="res_version")
    mine = [o for o in box.options if "数字化转型需求调查" in o]
    assert len(mine) == 2 and all("全国" in o for o in mine)
    assert any("第 1 版 · 已停用" in o for o in mine) and any("第 2 版 · 已发布" in o for o in mine)
    box.set_value(v1).run()
    assert "辖区内已提交 1 份" in texts(at.caption)
