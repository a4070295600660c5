"""The one clock of the product: every business date and time stamp comes from here.

Business dates are China time (UTC+8, no daylight saving); stored time stamps are UTC. Nothing
else in the product calls ``datetime.now()`` / ``date.today()``.

The clock can be moved, for tests and for checking the product on another day:

- ``HUIQI_CLOCK`` (environment, read through ``config.settings``), an ISO date-time such as
  ``2027-01-01T00:30:00+08:00``: the clock *starts* there when the process starts and then runs
  at the normal pace. Refused in production. ``.ci/run`` runs the date-sensitive suites under
  several such dates.
- ``travel(when)`` / ``set_now(when)`` in code (tests): from now on the clock reads ``when`` plus
  the real time elapsed since the call; ``freeze=True`` stops it at ``when``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

CHINA = dt.timezone(dt.timedelta(hours=8))
UTC = dt.timezone.utc

_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None


def _real_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def now() -> dt.datetime:
    """Return the current time, UTC, timezone-aware."""
    return _frozen if _frozen is not None else _real_now() + _offset


def china_now() -> dt.datetime:
    """Return the current time in China (aware, UTC+8)."""
    return now().astimezone(CHINA)


def browser_now() -> dt.datetime:
    """Return the real time, for what a browser judges by its own clock (a cookie's ``expires``) and
    nothing else: business time is ``now()``."""
    return _real_now()


def today() -> dt.date:
    """Return today's date in China: the business date."""
    return china_now().date()


def _aware(when: dt.datetime | dt.date | str) -> dt.datetime:
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    if not isinstance(when, dt.datetime):  # a date: noon in China that day
        when = dt.datetime(when.year, when.month, when.day, 12, tzinfo=CHINA)
    return when if when.tzinfo else when.replace(tzinfo=CHINA)  # naive means China time


def set_now(when: dt.datetime | dt.date | str | None, *, freeze: bool = False) -> None:
    """Move the clock to ``when`` (naive = China time; a date = noon in China); ``None`` = real time."""
    global _offset, _frozen
    if when is None:
        _offset, _frozen = dt.timedelta(0), None
        return
    target = _aware(when).astimezone(UTC)
    _frozen = target if freeze else None
    _offset = target - _real_now()


@contextmanager
def travel(when: dt.datetime | dt.date | str, *, freeze: bool = False) -> Iterator[None]:
    """Run the block with the clock at ``when``; put the clock back afterwards."""
    global _offset, _frozen
    saved = _offset, _frozen
    set_now(when, freeze=freeze)
    try:
        yield
    finally:
        _offset, _frozen = saved


def _start_from_settings() -> None:
    from config import settings
    if settings.clock:
        set_now(settings.clock)


_start_from_settings()
