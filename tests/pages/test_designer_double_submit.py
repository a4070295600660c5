"""Double submits in 问卷调查管理 do nothing twice: one click of 新增问卷 makes one questionnaire however often
the page reruns; a click that Streamlit handles again in the run that follows (a second click interrupting the
run that handled the first, carried into the rerun) reuses the request id, so the service replays it; 复制 and
停用 honour the request id too (components/feedback.py, services/forms)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.engine import session_scope
from db.forms import FormDefinition, FormVersion
from services.forms import definitions, designer as D, questionnaires
from tests.factories import PASSWORD, make_admin
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, by_label

PAGE = "pages/forms/forms_visual_designer.py"


def _versions(title_prefix: str) -> int:
    with session_scope(read=True) as s:
        return int(s.scalar(select(func.count()).select_from(FormVersion).join(FormDefinition)
                            .where(FormDefinition.title.like(f"{title_prefix}%"))) or 0)


def test_one_click_of_new_makes_one_questionnaire(app: AppTest) -> None:
    make_admin("320000", "js_dbl")
    at = sign_in(app, "js_dbl", PASSWORD)
    at.switch_page(PAGE).run()
    by_label(at.text_input, "问卷名称").input("双击调查")
    by_label(at.button, "保存并进入问题定义").click().run()
    assert_clean(at)
    at.run()
    at.run()
    assert _versions("双击调查") == 1


def _double_click_script() -> None:
    """A button whose click, handled once, is carried into the rerun that interrupts the run (as Streamlit does
    with a second click arriving while the first one's run is still going)."""
    import streamlit as st

    from components import feedback

    rids = st.session_state.setdefault("rids", [])
    with feedback.renewing_requests(), feedback.error_boundary():
        if st.button("确认") or st.session_state.pop("carried", False):
            feedback.run_action("k", lambda rid: rids.append(rid) or True)
            if len(rids) == 1:
                st.session_state["carried"] = True
                st.rerun()


def test_a_click_handled_again_by_the_next_run_keeps_its_request_id() -> None:
    at = AppTest.from_function(_double_click_script, default_timeout=30).run()
    at.button[0].click().run()
    first, again = at.session_state["rids"]
    assert again == first          # the service's replay guard sees the same id: nothing is done twice
    at.button[0].click().run()     # a later click (after a run that ended) is a new submission
    assert at.session_state["rids"][2] != first


@pytest.fixture
def js(db: str):  # type: ignore[no-untyped-def]
    return make_admin("320000", "js_dbl_svc")


def test_replayed_create_copy_and_stop_do_nothing_twice(js) -> None:  # type: ignore[no-untyped-def]
    national = make_admin(None, "cn_dbl_svc")
    cn = questionnaires.create(national, D.Theme("全国重放", "month"), "rid-cn")
    mine = definitions.copy_to_draft(js, cn, request_id="rid-copy-js")   # not the province's: a new definition
    assert definitions.copy_to_draft(js, cn, request_id="rid-copy-js") == mine
    assert _versions("全国重放") == 2
    vid = questionnaires.create(js, D.Theme("省重放", "month"), "rid-new")
    assert questionnaires.create(js, D.Theme("省重放", "month"), "rid-new") == vid
    assert _versions("省重放") == 1
    definitions.publish(js, vid, "rid-pub")
    copy = definitions.copy_to_draft(js, vid, request_id="rid-copy")
    assert definitions.copy_to_draft(js, vid, request_id="rid-copy") == copy
    assert _versions("省重放") == 2                 # v1 and its one copy (v2)
    definitions.stop(js, vid, "rid-stop")
    definitions.stop(js, vid, "rid-stop")            # replayed: no Conflict for the second submit
