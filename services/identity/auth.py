"""Sign-in: DB credentials, throttling in a time window, equal timing, revocable server-side sessions.

Closes streamlit-authenticator's known gaps (see components/signin.py for the cookie side):
the cookie carries only a random session token; logout and password change revoke the
server-side row, so a replayed old cookie no longer signs in; failures are counted per client
address and per existing account inside a sliding window (no permanent lock); unknown users cost
one bcrypt check.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from config import settings
from db.account import Account, AuthSession, LoginAttempt, RolePermission
from db.base import as_utc, utcnow
from db.engine import session_scope
from services.core import audit
from services.identity.client_address import client_address, parse_networks
from services.core.errors import ServiceError, Throttled
from services.identity.passwords import verify_password
from services.core.permissions import Actor
from services.reference import region

GENERIC_FAILURE = "用户名或密码错误。"


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(account: Account, session: Session) -> Actor:
    """Build the plain ``Actor`` value for an account; permissions are the grants stored for its roles."""
    roles = frozenset(r.role_code for r in account.roles)
    perms = frozenset(session.scalars(select(RolePermission.permission).where(RolePermission.role_code.in_(roles))))
    node = region(account.region_code) if account.region_code else None
    return Actor(account_id=account.id, username=account.username, display_name=account.display_name or account.username,
                 roles=roles, permissions=perms, org_id=account.org_id,
                 region_code=account.region_code, region_level=node.level if node else None)


def _failures_since(session: Session, column, value: str, since: dt.datetime) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(LoginAttempt)
                          .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since)) or 0


def client_of(peer: str | None, forwarded_for: Sequence[str] = (), real_ip: str | None = None) -> str:
    """Return the client address to throttle by: the socket peer, or — when the peer is one of
    ``HUIQI_TRUSTED_PROXIES`` — the client that proxy names (services/identity/client_address.py)."""
    return client_address(peer, forwarded_for, real_ip, parse_networks(settings.trusted_proxies))


def sign_in(username: str, password: str, client: str = "unknown") -> tuple[str, Actor]:
    """Check credentials and open a session; return (cookie token, actor).

    Raise ``Throttled`` when the client or the account has too many recent failures, and
    ``ServiceError`` with one generic message for an unknown user or a wrong password.

    The two counters are separate: every failure counts against the client address; only
    failures for an existing account, made since it was created, count against that account —
    so guessing names from one client never locks a real account nor any other client.
    """
    username = (username or "").strip()
    client = (client or "unknown")[:64]
    now = utcnow()
    since = now - dt.timedelta(minutes=settings.login_window_minutes)
    error: ServiceError | None = None
    with session_scope() as session:  # the failure row must commit, so errors are raised after the block
        account = session.scalar(select(Account).where(Account.username == username))
        client_locked = _failures_since(session, LoginAttempt.client, client, since) >= \
            settings.login_max_failures_per_client
        account_locked = account is not None and _failures_since(
            session, LoginAttempt.username, username, max(since, as_utc(account.created_at) or since)) >= \
            settings.login_max_failures_per_account
        if client_locked or account_locked:
            verify_password(password or "", None)  # same cost as a real check
            error = Throttled(f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试。")
        else:
            ok = verify_password(password or "", account.password_hash if account else None)
            if not ok or account is None or account.status != "active":
                session.add(LoginAttempt(username=username, client=client, success=False, at=now))
                error = ServiceError("该账户已被停用，请联系管理员。" if ok else GENERIC_FAILURE)
            else:
                session.add(LoginAttempt(username=username, client=client, success=True, at=now))
                token = secrets.token_urlsafe(32)
                session.add(AuthSession(id=_token_id(token), account_id=account.id, created_at=now, last_seen_at=now,
                                        expires_at=now + dt.timedelta(days=settings.session_days), client=client))
                audit.record(session, account.id, "auth.sign_in", "account", account.id, {"client": client})
                actor = actor_for(account, session)
    if error is not None:
        raise error
    return token, actor


def resume(token: str | None) -> Actor | None:
    """Return the actor of a live session token, or None if unknown, expired, revoked or disabled."""
    if not token:
        return None
    with session_scope(read=True) as session:
        row = session.get(AuthSession, _token_id(token))
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():  # type: ignore[operator]
            return None
        account = session.get(Account, row.account_id)
        if account is None or account.status != "active":
            return None
        return actor_for(account, session)


def sign_out(token: str | None) -> None:
    """Revoke the session behind ``token`` (its cookie stops working everywhere)."""
    if not token:
        return
    with session_scope() as session:
        row = session.get(AuthSession, _token_id(token))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.record(session, row.account_id, "auth.sign_out", "account", row.account_id)


def revoke_all(session: Session, account_id: int, except_token: str | None = None) -> int:
    """Revoke every live session of an account (inside the caller's transaction); return how many."""
    stmt = (update(AuthSession).where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
    if except_token:
        stmt = stmt.where(AuthSession.id != _token_id(except_token))
    result = cast("CursorResult[Any]", session.execute(stmt))
    return result.rowcount or 0
