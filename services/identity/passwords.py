"""Password rules from the manuals and bcrypt hashing.

Rules (中小企业数字化转型平台用户指南 表4-4): 8–18 characters; at least 3 of digits, upper-case,
lower-case and special characters; plus ours: not containing the username or phone number, not
equal to the current or a recent password, not the public demo password.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import bcrypt

from config import settings

SPECIALS = set("~!#$%&+,-.*:;<=>@_?^`/'\"()[]{}|\\")
MIN_LEN, MAX_LEN = 8, 18
RECENT_PASSWORDS = 5
DEMO_PASSWORD = "Huiqi@2026"  # every demo account's password (services/core/demo.py); public, so never accepted


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    """A real hash at the configured cost: unknown users cost one full bcrypt check too."""
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds)).decode()


def hash_password(password: str) -> str:
    """Return a bcrypt hash of ``password``."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(settings.bcrypt_rounds)).decode()


def verify_password(password: str, hashed: str | None) -> bool:
    """Return True if ``password`` matches ``hashed``; spend the same time when ``hashed`` is None."""
    candidate = (hashed or _dummy_hash(settings.bcrypt_rounds)).encode()
    try:
        ok = bcrypt.checkpw(password.encode("utf-8")[:72], candidate)
    except ValueError:
        return False
    return ok and hashed is not None


def password_problems(password: str, username: str = "", phone: str = "",
                      previous_hashes: Iterable[str] = ()) -> list[str]:
    """Return the Chinese messages for every rule ``password`` breaks; empty when acceptable."""
    problems: list[str] = []
    pw = password or ""
    if not MIN_LEN <= len(pw) <= MAX_LEN:
        problems.append(f"密码长度须为 {MIN_LEN}–{MAX_LEN} 个字符（当前 {len(pw)} 个）。")
    bad = sorted({c for c in pw if not (c.isascii() and (c.isalnum() or c in SPECIALS))})
    if bad:
        problems.append("密码只能包含数字、英文字母和特殊字符 ~!#$%&+,-.*:;<=>@_?^`/ 等，不能包含："
                        + " ".join(repr(c) for c in bad) + "。")
    kinds = sum([any(c.isdigit() for c in pw), any(c.isupper() and c.isascii() for c in pw),
                 any(c.islower() and c.isascii() for c in pw), any(c in SPECIALS for c in pw)])
    if kinds < 3:
        problems.append("密码须至少包含数字、大写字母、小写字母、特殊字符中的 3 种"
                        f"（当前只有 {kinds} 种）。")
    if pw == DEMO_PASSWORD:
        problems.append("密码不能使用公开的演示密码。")
    if username and len(username) >= 3 and username.lower() in pw.lower():
        problems.append("密码不能包含用户名。")
    if phone and phone in pw:
        problems.append("密码不能包含手机号。")
    if pw and any(verify_password(pw, h) for h in previous_hashes if h):
        problems.append(f"新密码不能与当前密码或最近 {RECENT_PASSWORDS} 次使用过的密码相同。")
    return problems
