"""Issue 14 item 5: text a user typed meets Markdown only through ``components.text.md``.

An enterprise named ``[重新登录](http://evil.example/x)![](http://evil.example/t)`` registered fine and was
shown on 注册审核 as a live link and a remote image (the administrator's browser fetched it). Here:

- the helper itself against every construct Streamlit 1.67 renders (the Chromium check of the real
  renderer is tests/e2e/test_markdown_escape.py);
- the pages, through the real app (AppTest), with that name and a Markdown-laden return reason:
  注册审核, 消息中心, 单位注册信息, 月报审核 and its 冻结确认, 当期报送, 历史报送, 自诊断记录查询 — no element
  that renders Markdown holds an unescaped ``](http`` or ``![``, and the name still reads as typed.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from components.text import md, md_table
from db.engine import session_scope
from db.organisation import Organisation
from services.orgs import registration
from services.cmmm import diagnosis as dx
from services.forms import definitions
from services.monitor import reports, review, reviewers
from tests.cmmm.conftest import EFFECTIVENESS, run_levels
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.monitor.conftest import _basic, filled, save
from tests.pages.conftest import _navigation_mode, app  # noqa: F401 - fixtures: AppTest runs app.py
from tests.pages.helpers import assert_clean, shown, signed_in
from tests.security.markdown_cases import ATTACK, CONSTRUCTS, REASON, typed

_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _raw_punctuation(markdown: str) -> list[str]:
    """Return ASCII punctuation characters in ``markdown`` that are not backslash-escaped."""
    out, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in _PUNCT:
            out.append(markdown[i])
        i += 1
    return out


# --- the helper ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", CONSTRUCTS, ids=lambda t: t[:12])
def test_md_keeps_the_text_and_leaves_no_markdown_syntax(text: str) -> None:
    out = md(text)
    assert shown(out) == typed(text)  # the same characters, nothing dropped or added
    assert _raw_punctuation(out) == []  # every link, image, HTML, emphasis, heading, table, $ … is escaped
    assert "\n" not in out
    assert "](http" not in out and "![" not in out and "<" not in out.replace("\\<", "")


@pytest.mark.parametrize("text", CONSTRUCTS, ids=lambda t: t[:12])
def test_md_defeats_the_plugins_that_work_on_unescaped_text(text: str) -> None:
    """Streamlit's emoji, :streamlit:, arrow and GFM autolink plugins see the text *after* escapes are
    undone; LaTeX and :material/ are detected in the raw source. The patterns are Streamlit 1.67's."""
    out = md(text)
    node_text = re.sub(r"\\(.)", r"\1", out)  # the text node those plugins get
    assert not re.search(r":[\w+-][\w_+-]*:", node_text)  # emoji shortcodes, :streamlit:
    assert not re.search(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)", node_text)  # typographic arrows
    assert not re.search(r"(?i)https?://|www\.|[\w.+-]@[\w-]", node_text)  # GFM autolinks
    assert not re.search(r":[a-z][a-z0-9-]*\[", node_text)  # :red[ … ] directives
    assert ":material/" not in out  # replaced in the raw source before parsing
    assert not re.search(r"(?<!\\)\$", out)  # LaTeX is switched on only by an unescaped $


def test_md_multiline_keeps_lines_and_never_makes_code_blocks() -> None:
    out = md("第一行\n    第二行\n\n## 第三行", multiline=True)
    assert out == "第一行  \n第二行  \n  \n\\#\\# 第三行"


def test_md_table_escapes_every_cell() -> None:
    table = md_table(["项目", "内容"], [("企业名称", ATTACK), ("a|b", None)])
    assert table.splitlines()[1] == "| --- | --- |"
    assert "](http" not in table and "![" not in table and "| a\\|b |  |" in table


# --- the pages --------------------------------------------------------------------------------------
MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "success", "info", "warning", "error",
                     "toast")
LABELLED = ("button", "checkbox", "radio", "selectbox", "multiselect", "text_input", "text_area", "number_input",
            "date_input", "toggle")


def rendered(at: AppTest) -> Iterator[str]:
    """Every string the page hands Streamlit to render as Markdown: bodies, labels, options, metrics, help."""
    for kind in MARKDOWN_ELEMENTS:
        for e in getattr(at, kind):
            yield str(e.value)
    for m in at.metric:
        yield m.label
        yield str(m.value)
    for kind in LABELLED:
        for w in getattr(at, kind):
            yield w.label
            if getattr(w, "help", None):
                yield w.help
    for r in at.radio:
        yield from (str(o) for o in r.options)
    yield from (e.label for e in at.expander)
    yield from (t.label for t in at.tabs)
    yield from (p.proto.popover.label for p in at.get("popover"))


def assert_escaped(at: AppTest, *expected: str) -> None:
    """No Markdown the page renders holds a live link or image, and ``expected`` texts read as typed."""
    assert_clean(at)
    texts = list(rendered(at))
    live = [t for t in texts if "](http" in t or "![" in t or re.search(r"(?<!\\)<img", t)]
    assert not live, live
    seen = "\n".join(shown(t) for t in texts)
    for text in expected:
        assert text in seen, (text, seen[:2000])


def rename(org_id: int, name: str = ATTACK) -> None:
    with session_scope() as session:
        session.execute(update(Organisation).where(Organisation.id == org_id).values(name=name))


def test_registration_review_inbox_and_the_applicants_page(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_mdi")
    applicant, org_id = make_enterprise_user("320102", status="pending")
    rename(org_id)
    at = signed_in("admin_mdi", PASSWORD)
    at.switch_page("pages/orgs/review_registrations.py").run()
    assert_escaped(at, f"### {ATTACK}", f"| 企业名称 | {ATTACK} |")
    assert list(at.dataframe[0].value["企业名称"]) == [ATTACK]  # a grid cell is plain text
    at.button(key=f"approve_{org_id}").click().run()
    assert_escaped(at, f"「{ATTACK}」已通过")
    inbox = signed_in(applicant.username, PASSWORD)
    inbox.switch_page("pages/common/inbox.py").run()
    assert_escaped(inbox, f"「{ATTACK}」的注册信息已由所在地区管理员审核通过")


def test_a_markdown_return_reason_reaches_the_applicant_as_text(app) -> None:  # type: ignore[no-untyped-def]
    admin = make_admin("320102", username="admin_mdr")
    applicant, org_id = make_enterprise_user("320102", status="pending")
    rename(org_id)
    registration.return_for_changes(admin, org_id, REASON)
    at = signed_in(applicant.username, PASSWORD)
    at.switch_page("pages/orgs/my_registration.py").run()
    assert_escaped(at, f"退回原因：{REASON}")
    at.switch_page("pages/common/inbox.py").run()
    assert_escaped(at, REASON)


@pytest.fixture
def chain_pages(app):  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin(None, "md_cn"), make_admin("320000", "md_js"), make_admin("320100", "md_nj")
    xw = make_admin("320102", "md_xw")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    ent, org_id = make_enterprise_user("320102")
    rename(org_id)
    return xw, ent


def test_monthly_review_history_and_report_pages(chain_pages) -> None:  # type: ignore[no-untyped-def]
    xw, ent = chain_pages
    report_id = filled(ent, reports.current_period())
    reports.submit_report(ent, report_id)
    at = signed_in("md_xw", PASSWORD)
    at.switch_page("pages/monitor/monitor_review.py").run()
    assert_escaped(at, f"{ATTACK} · {reports.current_period()}")
    at.text_area(key=f"mrv_reason_{report_id}").input(REASON)
    at.button(key=f"mrv_return_{report_id}").click().run()
    assert_escaped(at, f"已退回「{ATTACK}」")
    inbox = signed_in("md_xw", PASSWORD)
    inbox.switch_page("pages/common/inbox.py").run()
    assert_escaped(inbox, f"{ATTACK} 上报了")
    mine = signed_in(ent.username, PASSWORD)
    mine.switch_page("pages/monitor/monitor_report.py").run()
    assert_escaped(mine, f"退回原因：{REASON}")
    mine.switch_page("pages/monitor/monitor_history.py").run()
    assert_escaped(mine, REASON)
    mine.session_state["mh_view"] = report_id
    mine.run()
    assert_escaped(mine, f"{ATTACK}（")


def test_freeze_confirmation_shows_the_name_as_text(chain_pages) -> None:  # type: ignore[no-untyped-def]
    xw, ent = chain_pages
    report_id = reports.open_report(ent, reports.current_period())
    save(ent, report_id, "basic", {**_basic(ent, report_id), "org_name": "**新名称** :red[改]"})
    assert review.detail(ent, report_id).status == "frozen"
    at = signed_in("md_xw", PASSWORD)
    at.switch_page("pages/monitor/monitor_review.py").run()
    assert_escaped(at, f"**{ATTACK}** · {reports.current_period()}")  # 冻结确认


def test_self_diagnosis_records_show_the_name_as_text(app) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    user, org_id = make_enterprise_user("320102")
    rename(org_id)
    did = dx.start(user, [])
    run_levels(user, did, ["1", "0"])
    dx.finish(user, did, EFFECTIVENESS, 0)
    make_admin("320100", "md_rec")
    at = signed_in("md_rec", PASSWORD)
    at.switch_page("pages/cmmm/cmmm_records.py").run()
    at.button(key="rec_enter").click().run()
    assert_escaped(at, f"{ATTACK}** 的全部自诊断")
