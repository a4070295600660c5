"""China Standard Time: the clock users see (months, deadlines) and how times are shown."""
from __future__ import annotations

import datetime as dt

import clock
from db.base import as_utc

CHINA = clock.CHINA
china_now = clock.china_now


MINUTES = "%Y-%m-%d %H:%M"


def china_time(value: dt.datetime | None, fmt: str = MINUTES) -> str:
    """Return ``value`` (UTC, aware or naive from SQLite) as China time text; "" for None."""
    value = as_utc(value)
    if not value:
        return ""
    t = value.astimezone(CHINA)
    if fmt == MINUTES:  # the common case, formatted directly: strftime is most of an export's time per date
        return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    return t.strftime(fmt)
