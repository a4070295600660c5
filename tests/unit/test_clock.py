"""The one clock (clock.py): China business dates, a clock tests can move, and the code that reads it."""
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

import clock
from db.base import utcnow
from services.monitor.reports import current_period
from services.core.timefmt import china_now

ROOT = Path(__file__).resolve().parents[2]


def test_new_year_in_china_while_utc_is_still_the_old_year() -> None:
    with clock.travel("2027-01-01T00:30:00+08:00", freeze=True):
        assert clock.now() == dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc)
        assert clock.today() == dt.date(2027, 1, 1) and utcnow().year == 2026
        assert china_now().year == 2027
        assert current_period() == "2026-12"  # January reports December


def test_travel_ticks_from_the_given_time_and_puts_the_clock_back() -> None:
    before = clock.now()
    with clock.travel(dt.datetime(2028, 2, 29, 9, tzinfo=clock.CHINA)):
        first = clock.now()
        assert clock.today() == dt.date(2028, 2, 29)
        assert clock.now() >= first  # it runs
        assert current_period() == "2028-01"
    assert abs(clock.now() - before) < dt.timedelta(minutes=5)


def test_naive_times_and_dates_mean_china_time() -> None:
    with clock.travel(dt.datetime(2027, 6, 1, 0, 20), freeze=True):
        assert clock.today() == dt.date(2027, 6, 1) and clock.now().month == 5
    with clock.travel(dt.date(2027, 3, 15), freeze=True):
        assert clock.china_now().hour == 12


def test_huiqi_clock_starts_a_fresh_process_at_that_time() -> None:
    code = "import clock; print(clock.today().isoformat(), clock.now().isoformat())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HUIQI_ENV": "test", "HUIQI_CLOCK": "2027-01-01T00:30:00+08:00"})
    today, now = out.stdout.split()
    assert today == "2027-01-01" and now.startswith("2026-12-31T16:3")


@pytest.mark.parametrize("folder", ["services", "pages", "components", "charts", "db"])
def test_nothing_else_reads_the_system_clock(folder: str) -> None:
    """Business code takes the time from clock.py only (a browser cookie's expiry: ``clock.browser_now``)."""
    pattern = re.compile(r"datetime\.now\(|date\.today\(|datetime\.utcnow\(|time\.time\(")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / folder).rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
