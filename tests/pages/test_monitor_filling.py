"""Issue 12 through the real app: 当期报送's step ② shows every error at its cell above the buttons,
going back never validates, and re-opening lands on the step the user reached."""
from __future__ import annotations

from typing import Any

from sqlalchemy import update

import clock
from db.account import Account
from db.engine import session_scope
from db.organisation import Organisation
from services.monitor import reports
from tests.monitor.conftest import _basic, indicators, save
from tests.pages.helpers import assert_clean, joined, shown, texts
from tests.pages.test_monitor_pages import (INBOX, REPORT, REVIEW, People, open_page, people,  # noqa: F401
                                            response_of)

MAY = "2025-06-10T10:00:00+08:00"  # reporting 2025-05 (a quarter month)
NEW_NAME = "玄武新名称精密机械有限公司"


def _flat(node: Any) -> list[Any]:
    """The page's elements in the order they are shown."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    return [x for key in sorted(children) for x in _flat(children[key])]


def _on_step_two(people: People) -> tuple[Any, int, int]:
    at = open_page(people.ent.username, REPORT)
    report_id = reports.open_report(people.ent, "2025-05")
    rid = response_of(people.ent, report_id)
    at.button(key=f"fr_{rid}_next").click().run()
    assert [h.value for h in at.subheader] == ["二、企业主要经济指标"]
    return at, report_id, rid


def test_step_two_shows_every_error_at_its_cell_above_the_buttons(people: People) -> None:
    with clock.travel(MAY):
        at, _, rid = _on_step_two(people)
        # AppTest cannot type into st.data_editor: the values typed so far are what the form keeps between runs
        at.session_state[f"fr_{rid}_live"] = {"ind": {"revenue": {"cur_m": "-5"}, "employees": {"cur_m": "-3"}}}
        at.button(key=f"fr_{rid}_next").click().run()
    assert_clean(at)
    assert [h.value for h in at.subheader] == ["二、企业主要经济指标"]
    errors = joined(at.error)
    for message in ("主要经济指标 › 营业收入 › 本年本月：不能为负数", "主要经济指标 › 从业人员 › 本年本月：不能为负数",
                    "主要经济指标 › 负债总计 › 上年1-本月：必填项，请填写。", "主要经济指标 › 营业成本 › 本年本月：必填项，请填写。"):
        assert message in errors
    grid = next(d.value for d in at.dataframe if "营业收入" in d.value.index)
    assert grid.loc["营业收入", "本年本月"] == "不能为负数"
    assert grid.loc["负债总计", "上年1-本月"] == "必填项，请填写。"
    order = [getattr(e, "key", None) or type(e).__name__ for e in _flat(at.main)]
    assert order.index("Error") < order.index(f"fr_{rid}_next")  # the errors sit above the buttons


def test_going_back_from_an_empty_step_two_never_blocks(people: People) -> None:
    with clock.travel(MAY):
        at, _, rid = _on_step_two(people)
        at.button(key=f"fr_{rid}_prev").click().run()  # 上一步
        assert_clean(at)
        assert [h.value for h in at.subheader] == ["一、企业基本信息"] and not at.error
        at.button(key=f"fr_{rid}_next").click().run()
        at.session_state[f"fr_{rid}_live"] = {"ind": {"revenue": {"cur_m": "-5"}}}
        at.button(key=f"fr_{rid}_nav_basic").click().run()  # the section button, with a wrong value typed
        assert_clean(at)
        assert [h.value for h in at.subheader] == ["一、企业基本信息"] and not at.error
        assert "「二、企业主要经济指标」有 1 处内容未通过校验，本部分的修改未保存。" in joined(at.warning)


def test_reopening_lands_on_the_step_reached(people: People) -> None:
    with clock.travel(MAY):
        at, report_id, rid = _on_step_two(people)
        save(people.ent, report_id, "indicators", indicators(period="2025-05"))
        at = open_page(people.ent.username, REPORT)
        at.button(key=f"fr_{rid}_next").click().run()
        assert [h.value for h in at.subheader] == ["三、企业主要产品产销存"]
        at.button(key=f"fr_{rid}_next").click().run()
        assert [h.value for h in at.subheader] == ["四、调查问卷"]
        again = open_page(people.ent.username, REPORT)  # a new session
        assert [h.value for h in again.subheader] == ["四、调查问卷"]
        again.button(key=f"mr_back_{report_id}").click().run()
        assert [h.value for h in again.subheader] == ["三、企业主要产品产销存"]
        third = open_page(people.ent.username, REPORT)
        assert [h.value for h in third.subheader] == ["三、企业主要产品产销存"]


def test_a_message_opens_its_report_without_an_empty_list_message(people: People) -> None:
    with clock.travel(MAY):
        report_id = reports.open_report(people.ent, "2025-05")
        save(people.ent, report_id, "basic", {**_basic(people.ent, report_id), "org_name": NEW_NAME})  # freezes it
        inbox = open_page("m_xw", INBOX)
        opens = [b for b in inbox.button if b.label == "查看"]
        assert len(opens) == 1
        opens[0].click().run()
        assert_clean(inbox)
        assert [t.value for t in inbox.title] == ["月报审核"]
        assert "没有符合条件的月报。" not in joined(inbox.info)
        assert inbox.selectbox(key="mrv_pick").value == report_id
        assert any(h.endswith(" · 2025-05") for h in texts(inbox.subheader))
        assert inbox.selectbox(key="mrv_status").value == "all"


def test_the_sidebar_shows_the_confirmed_new_name(people: People) -> None:
    with session_scope() as s:  # the enterprise's account shows the organisation's name (as in the demo)
        s.execute(update(Account).where(Account.id == people.ent.account_id)
                  .values(display_name=s.get(Organisation, people.ent.org_id).name))  # type: ignore[union-attr]
    with clock.travel(MAY):
        report_id = reports.open_report(people.ent, "2025-05")
        save(people.ent, report_id, "basic", {**_basic(people.ent, report_id), "org_name": NEW_NAME})
        admin = open_page("m_xw", REVIEW)
        admin.button(key=f"mrv_confirm_{report_id}").click().run()
        assert_clean(admin)
        at = open_page(people.ent.username, REPORT)  # a fresh sign-in
    assert NEW_NAME in at.sidebar.markdown[0].value


def test_the_enterprise_home_page_shows_this_month(people: People) -> None:
    with clock.travel("2025-06-12T10:00:00+08:00"):
        at = open_page(people.ent.username, "pages/common/home.py")
    assert "本月月报：2025-05" in texts(at.subheader)
    metrics = {m.label: shown(m.value) for m in at.metric}
    assert metrics == {"月报状态": "未填报", "报送截止": "2025-06-10", "未读消息": "0"}
    assert [m.proto.delta for m in at.metric if m.label == "报送截止"] == ["已逾期 2 天"]
