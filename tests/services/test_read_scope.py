"""Readers never wait for writers, and writers never wait for readers (issue 15).

On SQLite every writing transaction takes the write lock at BEGIN IMMEDIATE; reading work runs in
``session_scope(read=True)``, a deferred transaction on a WAL snapshot. The order of events proves it
(no timing): if a reader had to wait for the writer, the writer would commit first."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from db.engine import WriteInReadScope, session_scope
from db.organisation import Organisation
from tests.factories import make_enterprise_user

WAIT = 20  # seconds a thread waits for the other before it gives up (a failure, never reached when right)


def _rename(org_id: int, name: str, hold: threading.Event | None = None, events: list[str] | None = None) -> None:
    with session_scope() as session:
        session.execute(update(Organisation).where(Organisation.id == org_id).values(name=name))
        session.flush()
        if events is not None:
            events.append("writer holds the lock")
        if hold is not None:
            hold.wait(WAIT)
    if events is not None:
        events.append("writer committed")


def _name(org_id: int) -> str:
    with session_scope(read=True) as session:
        return str(session.scalar(select(Organisation.name).where(Organisation.id == org_id)))


def test_a_reader_does_not_wait_for_a_writer(db: str) -> None:
    _, org_id = make_enterprise_user()
    before = _name(org_id)
    events: list[str] = []
    reader_done = threading.Event()
    writer = threading.Thread(target=_rename, args=(org_id, "新名称", reader_done, events))
    writer.start()
    while not events:
        threading.Event().wait(0.01)
    seen = _name(org_id)  # while the writer holds the write lock
    events.append("reader read")
    reader_done.set()
    writer.join()
    assert events == ["writer holds the lock", "reader read", "writer committed"]
    assert seen == before  # the snapshot: not the uncommitted change
    assert _name(org_id) == "新名称"


def test_a_writer_does_not_wait_for_a_long_reader(db: str) -> None:
    """An export reads for a long time in one snapshot; saves go on meanwhile."""
    _, org_id = make_enterprise_user()
    events: list[str] = []
    with session_scope(read=True) as session:
        first = session.scalar(select(Organisation.name).where(Organisation.id == org_id))
        writer = threading.Thread(target=_rename, args=(org_id, "导出期间改名", None, events))
        writer.start()
        writer.join(WAIT)
        events.append("reader still reading")
        again = session.scalar(select(Organisation.name).where(Organisation.id == org_id))
    assert events == ["writer holds the lock", "writer committed", "reader still reading"]
    assert again == first  # one consistent snapshot for the whole export


def test_writing_inside_a_read_scope_is_refused(db: str) -> None:
    _, org_id = make_enterprise_user()
    with pytest.raises(WriteInReadScope):
        with session_scope(read=True) as session:
            session.get(Organisation, org_id).name = "不应保存"  # type: ignore[union-attr]
            session.flush()
    assert _name(org_id) != "不应保存"
