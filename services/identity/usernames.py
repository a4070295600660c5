"""Usernames: their format, and their uniqueness regardless of letter case (``Admin_JS`` is taken when
``admin_js`` exists), checked when an account is registered or created. No index or migration is
needed: the comparison lowers both sides, and accounts are created rarely."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.account import Account
from services.core.errors import ValidationFailed

USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
FORMAT = "用户名：须为 4–32 位英文字母、数字或下划线，并以字母开头。"
TAKEN = "用户名：该用户名已被注册（不区分大小写），请换一个。"


def username_problems(username: str) -> list[str]:
    """Return the format problem of ``username`` (Chinese), or [] when it is acceptable."""
    return [] if isinstance(username, str) and USERNAME_RE.fullmatch(username) else [FORMAT]


def check_username_free(session: Session, username: str) -> None:
    """Raise ``ValidationFailed`` when an account already has ``username`` in any letter case."""
    if session.scalar(select(Account.id).where(func.lower(Account.username) == username.lower()).limit(1)) is not None:
        raise ValidationFailed({"用户名": [TAKEN]})
