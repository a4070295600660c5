"""China Standard Time: the clock users see (months, deadlines) and how times are shown."""
from __future__ import annotations

import datetime as dt

import clock
from db.base import as_utc

CHINA = clock.CHINA
china_now = clock.china_now


def china_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return ``value`` (UTC, aware or naive from SQLite) as China time text; "" for None."""
    value = as_utc(value)
    return value.astimezone(CHINA).strftime(fmt) if value else ""
