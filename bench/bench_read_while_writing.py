"""Readers never wait for writers (issue 15): the 南京 record page's data while exports and saves run.

Generates ``--diagnoses`` completed diagnoses (Core bulk inserts, shared with bench_cmmm.py), then
times the record query of a 南京 city administrator (first page + count, 江苏 level filter) three ways:
idle; while another process exports all of 江苏 to Excel over and over; and while that export runs
and a third process saves profiles in a stream (one short write transaction each). Other processes,
as with several app processes on one database; the reader is this process.
Goal: during the export and the saves, within 1.5× of the idle figure.

    .venv/bin/python bench/bench_read_while_writing.py [--diagnoses 100000] [--database-url …]
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")
sys.argv += [] if any(a.startswith("--diagnoses") for a in sys.argv) else ["--diagnoses", "100000"]

from _timing import timed  # noqa: E402


def _exporter(url: str, stop: mp.synchronize.Event, started: mp.synchronize.Event,  # type: ignore[name-defined]
              counter: mp.sharedctypes.Synchronized) -> None:  # type: ignore[name-defined]
    from db.engine import configure
    from services.cmmm import admin
    from tests.factories import actor_of
    configure(url)
    national = actor_of("bench_rw_national")
    started.set()
    while not stop.is_set():
        admin.export_records(national, admin.Filters(region_code="320000"))
        with counter.get_lock():
            counter.value += 1


def _saver(url: str, username: str, stop: mp.synchronize.Event, started: mp.synchronize.Event,  # type: ignore[name-defined]
           counter: mp.sharedctypes.Synchronized) -> None:  # type: ignore[name-defined]
    from db.engine import configure
    from services.identity.accounts import update_profile
    from tests.factories import actor_of
    configure(url)
    me = actor_of(username)
    i = 0
    while not stop.is_set():
        i += 1
        update_profile(me, f"填报人{i % 1000}", "13800000000", "a@example.com")
        started.set()
        with counter.get_lock():
            counter.value += 1
        time.sleep(0.02)


def main() -> None:
    from bench_cmmm import national_database
    url = national_database("bench_rw")
    from services.cmmm import admin
    from tests.factories import make_admin, make_enterprise_user
    from tests.factories import actor_of
    from sqlalchemy import select

    from db.account import Account
    from db.engine import session_scope
    with session_scope() as s:
        users = set(s.scalars(select(Account.username)))
    if "bench_rw_nanjing" not in users:  # else a database reused with --database-url
        make_admin(None, "bench_rw_national")
        make_admin("320100", "bench_rw_nanjing")
        make_enterprise_user("320102")
        with session_scope() as s:
            users = set(s.scalars(select(Account.username)))
    reader = actor_of("bench_rw_nanjing")
    user = actor_of(min(u for u in users if u.startswith("qy")))
    page = admin.Filters(region_code="320100", level=1)

    def read() -> None:
        admin.query_records(reader, page)

    idle = timed(read, 30)
    ctx = mp.get_context("spawn")
    stop, exports, saves = ctx.Event(), ctx.Value("i", 0), ctx.Value("i", 0)
    exporting, saving = ctx.Event(), ctx.Event()
    exporter = ctx.Process(target=_exporter, args=(url, stop, exporting, exports))
    exporter.start()
    exporting.wait(120)
    time.sleep(1)  # inside its first export
    during_export = timed(read, 30)
    saver = ctx.Process(target=_saver, args=(url, user.username, stop, saving, saves))
    saver.start()
    saving.wait(120)  # its first save is done
    during_both = timed(read, 30)
    stop.set()
    exporter.join(120)
    saver.join(30)
    print(f"record page data (南京, level 1), median / p95 ms over 30 reads, {url.split(':')[0]}:")
    print(f"  idle                            {idle[0]:8.1f} / {idle[1]:8.1f}")
    print(f"  during a 江苏 export             {during_export[0]:8.1f} / {during_export[1]:8.1f}  "
          f"(×{during_export[0] / idle[0]:.2f})")
    print(f"  during the export + saves       {during_both[0]:8.1f} / {during_both[1]:8.1f}  "
          f"(×{during_both[0] / idle[0]:.2f}); exports finished {exports.value}, saves {saves.value}")


if __name__ == "__main__":
    main()
