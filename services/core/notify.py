"""In-app inbox: notifications written inside the caller's transaction, read by their owner."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from db.account import Account
from db.base import as_utc, utcnow
from db.engine import session_scope
from db.notify import Notification
from services.core.permissions import Actor
from services.core.timefmt import china_time


@dataclass(frozen=True)
class NoteView:
    id: int
    title: str
    body: str
    link: str | None
    at: str
    read: bool


def send(session: Session, account_ids: Iterable[int | None], title: str, body: str = "",
         link: str | None = None) -> int:
    """Queue one notification per account (no commit: the caller's transaction owns it)."""
    rows = [{"account_id": a, "title": title[:120], "body": body, "link": link, "created_at": utcnow()}
            for a in dict.fromkeys(a for a in account_ids if a)]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def to_org(session: Session, org_id: int, title: str, body: str = "", link: str | None = None) -> int:
    """Queue a notification to every account of an organisation (inside the caller's transaction)."""
    return send(session, session.scalars(select(Account.id).where(Account.org_id == org_id)).all(), title, body, link)


def inbox(actor: Actor, unread_only: bool = False, limit: int = 100) -> list[NoteView]:
    """Return the actor's notifications, newest first."""
    with session_scope(read=True) as session:
        q = select(Notification).where(Notification.account_id == actor.account_id)
        if unread_only:
            q = q.where(Notification.read_at.is_(None))
        return [NoteView(n.id, n.title, n.body, n.link, china_time(as_utc(n.created_at)), n.read_at is not None)
                for n in session.scalars(q.order_by(Notification.id.desc()).limit(limit))]


def unread_count(actor: Actor) -> int:
    with session_scope(read=True) as session:
        return int(session.scalar(select(func.count()).select_from(Notification).where(
            Notification.account_id == actor.account_id, Notification.read_at.is_(None))) or 0)


def mark_read(actor: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all when ``ids`` is None); return how many changed."""
    with session_scope() as session:
        q = update(Notification).where(Notification.account_id == actor.account_id, Notification.read_at.is_(None))
        if ids is not None:
            q = q.where(Notification.id.in_(list(ids)))
        return int(session.execute(q.values(read_at=utcnow())).rowcount or 0)  # type: ignore[attr-defined]
