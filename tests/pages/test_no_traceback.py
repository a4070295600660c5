"""No traceback, ever: every page as every demo role; sign-out forgets the previous user's screens;
a database lock and a non-finite number get Chinese messages; unexpected errors get an error id."""
from __future__ import annotations

import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from components import nav
from config import settings
from db import engine as db_engine
from services.cmmm.demo import seed_diagnoses
from services.core.demo import DEMO_PASSWORD, seed_demo
from services.forms import definitions
from services.monitor.demo import seed_reports
from services.quality.agencies import seed_demo_agency
from tests.conftest import use_database_url
from tests.factories import actor_of
from tests.pages.helpers import by_label, signed_in

ROLES = ["sysadmin", "admin_cn", "admin_js", "admin_nj", "admin_xw", "final_js", "operator", "expert", "assessor",
         "qiye_demo", "qiye_pending", "qiye_returned", "fuwu_demo"]
LEAKS = ("Traceback", "Error:", "Exception", "services.", "sqlalchemy", ".py\"", "/work/", "File \"")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo instance (every demo account, diagnoses, monthly reports) in its own SQLite file."""
    from tests.conftest import use_database
    url = f"sqlite:///{tmp_path_factory.mktemp('walk') / 'demo.db'}"
    use_database(url)
    definitions.sync_specs()
    seed_demo(60, seed=5)
    seed_diagnoses()
    seed_reports(share=0.1)
    seed_demo_agency()
    return url


def _assert_no_leak(at: AppTest, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])
    leaked = [s for s in LEAKS if s in "\n".join(str(e.value) for e in at.error)]
    assert not leaked, (where, leaked, [e.value for e in at.error])


@pytest.mark.parametrize("username", ROLES)
def test_every_page_as_every_demo_role(demo: str, username: str) -> None:
    use_database_url(demo)
    at = signed_in(username, DEMO_PASSWORD)
    pages = [p.path for p in nav.visible_pages(actor_of(username, DEMO_PASSWORD))]
    assert pages, username
    for path in pages:
        at.switch_page(path).run()
        _assert_no_leak(at, f"{username} {path}")


def test_sign_out_forgets_the_previous_users_screens(demo: str) -> None:
    """admin_js drills down to 南京市 on the map, signs out; admin_xw signs in in the same tab: a clean
    start, no PermissionDenied for the previous user's drill-down path."""
    use_database_url(demo)
    at = signed_in("admin_js", DEMO_PASSWORD)
    at.switch_page("pages/stats/stats_map.py").run()
    at.session_state["stats_path"] = ["320100"]  # what clicking 南京市 on the map stores
    at.session_state["rec_name"] = "某企业"
    at.run()
    _assert_no_leak(at, "admin_js 南京")
    at.button(key="signout").click().run()
    assert "stats_path" not in at.session_state and "rec_name" not in at.session_state
    at.text_input(key="signin_username").input("admin_xw")
    at.text_input(key="signin_password").input(DEMO_PASSWORD)
    at.button(key="FormSubmitter:signin-登录").click().run()
    at.run()
    assert "stats_path" not in at.session_state
    at.switch_page("pages/stats/stats_map.py").run()
    _assert_no_leak(at, "admin_xw after admin_js")
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["actor"].username == "admin_xw"


def test_a_previous_path_outside_the_jurisdiction_is_a_message_not_a_traceback(demo: str) -> None:
    """Even if a stale path reaches the page, the error boundary shows the Chinese refusal."""
    use_database_url(demo)
    at = signed_in("admin_xw", DEMO_PASSWORD)
    at.switch_page("pages/stats/stats_map.py").run()
    at.session_state["stats_path"] = ["440300"]
    at.run()
    assert not at.exception
    assert at.error and all("Permission" not in str(e.value) for e in at.error)


def test_a_locked_database_says_busy_and_saves_nothing(demo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer holds SQLite's lock past the wait: 保存 says the system is busy, nothing is written,
    and the same click works once the lock is gone."""
    use_database_url(demo)
    at = signed_in("admin_xw", DEMO_PASSWORD)
    at.switch_page("pages/common/profile.py").run()
    name_box = [w for w in at.text_input if w.label == "名称"]
    assert name_box, [w.label for w in at.text_input]
    monkeypatch.setattr(settings, "sqlite_busy_seconds", 0.2)
    db_engine.configure(demo)
    holder = sqlite3.connect(demo.split("///", 1)[1], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        name_box[0].input("玄武区 管理员 新名")
        by_label(at.button, "保存").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("系统繁忙" in str(e.value) and "未保存" in str(e.value) for e in at.error), \
            [e.value for e in at.error]
    finally:
        holder.rollback()
        holder.close()
    assert actor_of("admin_xw", DEMO_PASSWORD).display_name != "玄武区 管理员 新名"
    at.run()  # the user tries again once the other writer is done: the page is back and the save goes through
    by_label(at.text_input, "名称").input("玄武区 管理员 新名")
    by_label(at.button, "保存").click().run()
    assert not at.error and actor_of("admin_xw", DEMO_PASSWORD).display_name == "玄武区 管理员 新名"
    monkeypatch.undo()
    db_engine.configure(demo)


def test_an_unexpected_error_shows_an_id_and_no_details(demo: str, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    use_database_url(demo)
    from services.core import notify

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise KeyError("/work/secret/path.py")
    monkeypatch.setattr(notify, "inbox", broken)
    at = signed_in("admin_xw", DEMO_PASSWORD)
    at.switch_page("pages/common/inbox.py").run()
    assert not at.exception
    msgs = [str(e.value) for e in at.error]
    assert any("错误编号" in m for m in msgs) and not any("KeyError" in m or "/work/" in m for m in msgs), msgs
    eid = next(m for m in msgs if "错误编号" in m).rsplit(" ", 1)[-1].rstrip("。")
    assert any(eid in r.getMessage() for r in caplog.records)
