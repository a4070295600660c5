"""Lengths and sizes of what users type: a text input is checked against the column that stores it,
so each limit is written once — in the model — and a value that is too long gets a Chinese message
naming the field. Nothing is silently cut, and nothing reaches the database too long (PostgreSQL
refuses a 100,000-character e-mail in a ``varchar(128)`` with a server error; SQLite would keep it).
Free-form JSON kept for the user (drafts, a form section's answers) is bounded by its size.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String

MAX_DRAFT_BYTES = 32 * 1024        # a registration draft: every field of the form is far below this
MAX_SECTION_BYTES = 1024 * 1024    # one form section's answers (a 1,000-row product table is ~150 KB)


def max_length(column: Any) -> int:
    """Return the declared length of a mapped String column, e.g. ``max_length(Account.email)`` → 128."""
    col_type = column.property.columns[0].type
    assert isinstance(col_type, String) and col_type.length, f"{column} has no length"
    return int(col_type.length)


def too_long(label: str, value: Any, limit: Any) -> list[str]:
    """Return ``["<label>：长度不能超过 N 个字符（当前 M 个）。"]`` when ``value`` is longer than ``limit``
    (a number, or a mapped String column whose length is the limit), else ``[]``."""
    most = limit if isinstance(limit, int) else max_length(limit)
    n = len(value) if isinstance(value, str) else 0
    return [f"{label}：长度不能超过 {most} 个字符（当前 {n} 个）。"] if n > most else []


def json_size(value: Any) -> int:
    """Return the size in bytes of ``value`` stored as JSON (UTF-8)."""
    return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))


def too_big(label: str, value: Any, limit: int) -> list[str]:
    """Return a message naming ``label`` when ``value`` as JSON is larger than ``limit`` bytes."""
    size = json_size(value)
    return [f"{label}：内容过大（{size // 1024 + 1} KB，最多 {limit // 1024} KB），请删减后再保存。"] if size > limit else []
