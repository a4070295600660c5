"""Production start checks: no demo account may still open with the public demo password.

With ``HUIQI_ENV=production`` the app and ``manage.py prepare`` refuse to start while a demo
account still has ``DEMO_PASSWORD`` — unless ``HUIQI_DEMO_DATA=true`` was set explicitly (a
deliberate demonstration site; config.Settings turns demo data off in production otherwise).

Which accounts are checked: those with the demo usernames (services/core/demo.py: the staff accounts,
the named enterprises, and ``qy`` + six digits). A bcrypt check costs about 0.25 s at production
cost, so checking every account would take minutes on a real platform; the demo accounts share
few hashes (all demo enterprises share one), so one check per distinct hash is about a dozen checks.
Any other account cannot hold the demo password: the password rules refuse it (services.identity.passwords).

``retire_demo_accounts`` is the way out: it disables those accounts, signs them out and replaces
their password with an unknown random one, in one transaction with one audit row naming them.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config import settings
from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from services.core import audit
from services.identity.auth import revoke_all
from services.core.demo import DEMO_USERNAMES, GENERATED_PREFIX
from services.core.errors import ServiceError
from services.identity.passwords import DEMO_PASSWORD, hash_password, verify_password

_GENERATED = re.compile(re.escape(GENERATED_PREFIX) + r"\d{6}")


class UnsafeStart(ServiceError):
    """The platform must not start in production as it is."""


def _demo_named(session: Session) -> list[Account]:
    like = GENERATED_PREFIX + "_" * 6  # LIKE's "_" is any one character; the digits are checked below
    rows = session.scalars(select(Account).where(or_(Account.username.in_(DEMO_USERNAMES),
                                                     Account.username.like(like))).order_by(Account.id))
    return [a for a in rows if a.username in DEMO_USERNAMES or _GENERATED.fullmatch(a.username)]


def demo_password_accounts(session: Session) -> list[Account]:
    """Return the demo-named accounts whose password is still the demo password (one bcrypt check per hash)."""
    verdict: dict[str, bool] = {}
    out = []
    for account in _demo_named(session):
        if account.password_hash not in verdict:
            verdict[account.password_hash] = verify_password(DEMO_PASSWORD, account.password_hash)
        if verdict[account.password_hash]:
            out.append(account)
    return out


def refuse_unsafe_start() -> None:
    """Raise ``UnsafeStart`` in production while a demo account still has the demo password."""
    if settings.env != "production" or settings.demo_data:
        return
    with session_scope(read=True) as session:
        names = [a.username for a in demo_password_accounts(session)]
    if names:
        shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
        raise UnsafeStart(f"生产模式下仍有 {len(names)} 个演示账户使用公开的演示密码（{shown}），拒绝启动。"
                          "请运行 python manage.py retire-demo 停用这些账户并作废其密码；"
                          "若确实要以生产模式运行演示站点，请明确设置 HUIQI_DEMO_DATA=true。")


def retire_demo_accounts() -> list[str]:
    """Disable every demo account that still has the demo password, sign it out everywhere and give it
    an unknown random password; return their usernames."""
    unknown = hash_password(secrets.token_urlsafe(32))  # one hash for all: nobody knows the password
    with session_scope() as session:
        accounts = demo_password_accounts(session)
        for account in accounts:
            account.password_hash, account.status, account.password_changed_at = unknown, "disabled", utcnow()
            revoke_all(session, account.id)
        if accounts:
            audit.record(session, None, "account.demo_retired", "account", None,
                         {"usernames": [a.username for a in accounts]})
        return [a.username for a in accounts]
