"""China Standard Time: the clock users see (months, deadlines) and how times are shown."""
from __future__ import annotations

import datetime as dt

from db.base import as_utc

CHINA = dt.timezone(dt.timedelta(hours=8))


def china_now() -> dt.datetime:
    return dt.datetime.now(CHINA)


def china_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return ``value`` (UTC, aware or naive from SQLite) as China time text; "" for None."""
    value = as_utc(value)
    return value.astimezone(CHINA).strftime(fmt) if value else ""
