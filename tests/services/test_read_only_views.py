"""Readers never wait for writers (issue 15): the read-only view functions run in read transactions.

Each function below only reads, so it opens ``session_scope(read=True)``. On SQLite the proof is a
second connection holding the write lock (``BEGIN IMMEDIATE``, as a long save would) while the view
runs with a 0.2 s busy timeout: a view that still opened a writing transaction would fail with
``Busy`` (the control: a real write does). On both databases every view runs in its read scope, where
any write raises ``WriteInReadScope`` (PostgreSQL: READ ONLY), and returns what it returned before.

Left out on purpose — they read but may write: ``monitor.reports.history`` / ``home_summary`` and
``monitor.review.queue`` / ``detail`` confirm frozen reports whose two minutes are up
(``freeze.settle``); ``monitor.reviewers.me`` / ``subordinates`` create a missing reviewer row
(``sync_reviewers``)."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from config import settings
from db import engine as db_engine
from services.core.errors import Busy
from services.docs import documents as docs
from services.forms import definitions, responses
from services.identity import accounts, auth
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.quality.shipped import raw

BUSY_SECONDS = 0.2


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another connection holds SQLite's write lock until the block ends."""
    con = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=5)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield
    finally:
        con.execute("ROLLBACK")
        con.close()


@pytest.fixture
def views(db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Callable[[], Any]]:
    """The read-only view functions, each bound to data it finds."""
    monkeypatch.setattr(settings, "docs_storage", "database")
    monkeypatch.setattr(settings, "docs_dir", tmp_path / "documents")
    national, admin, colleague = make_admin(None), make_admin("320000"), make_admin("320100")
    [fid] = docs.upload(admin, "personal", None, [("月报说明.txt", "第一版".encode())])
    gone = docs.create_folder(admin, "personal", None, "旧资料")
    docs.delete(admin, gone)
    docs.create_group(admin, "江苏监测组")
    vid = definitions.save_draft(national, raw())
    definitions.publish(national, vid)
    user, _ = make_enterprise_user("320102")
    rid = responses.open_response(user, vid)
    token, _ = auth.sign_in(user.username, PASSWORD, client="test-read-views")
    return {
        "auth.resume": lambda: auth.resume(token),                       # every rerun of every page
        "docs.list_folder": lambda: docs.list_folder(admin, "personal"),
        "docs.search": lambda: docs.search(admin, "personal", "月报"),
        "docs.folders": lambda: docs.folders(admin, "personal"),
        "docs.versions": lambda: docs.versions(admin, fid),
        "docs.download": lambda: docs.download(admin, fid),
        "docs.recycle_bin": lambda: docs.recycle_bin(admin, "personal"),
        "docs.list_groups": lambda: docs.list_groups(admin),
        "docs.member_candidates": lambda: [u for u, _ in docs.member_candidates(admin) if u == colleague.username],
        "responses.get_response": lambda: responses.get_response(user, rid),
        "responses.my_responses": lambda: responses.my_responses(user),
        "the control, a write": lambda: accounts.update_profile(user, "改名", "13800000001", ""),
    }
    return views


def test_the_views_find_their_data_in_a_read_scope(views: dict[str, Callable[[], Any]]) -> None:
    out = {name: call() for name, call in views.items()}
    assert out["auth.resume"] is not None and out["auth.resume"].org_id is not None
    assert [r.name for r in out["docs.list_folder"]] == ["月报说明.txt"]
    assert [r.name for r in out["docs.search"]] == ["月报说明.txt"]
    assert [r.name for r in out["docs.recycle_bin"]] == ["旧资料"]
    assert out["docs.download"].data == "第一版".encode() and len(out["docs.versions"]) == 1
    assert [g.name for g in out["docs.list_groups"]] == ["江苏监测组"]
    assert len(out["docs.member_candidates"]) == 1  # the Nanjing colleague, same province
    assert out["responses.get_response"].status == "draft" and len(out["responses.my_responses"]) == 1


def test_a_view_returns_while_a_writer_holds_the_lock(views: dict[str, Callable[[], Any]], db: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never take a lock a writer holds: the SQLite case is the one to prove")
    control = views.pop("the control, a write")
    before = {name: repr(call()) for name, call in views.items()}
    monkeypatch.setattr(settings, "sqlite_busy_seconds", BUSY_SECONDS)
    db_engine.configure(db)  # new connections wait at most BUSY_SECONDS for a lock
    try:
        with write_lock_held(db):
            with pytest.raises(Busy):  # the lock bites: a writing transaction cannot start
                control()
            during = {name: repr(call()) for name, call in views.items()}
    finally:
        monkeypatch.undo()
        db_engine.configure(db)
    assert during == before
