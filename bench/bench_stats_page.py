"""Benchmark one full server-side rerun of each statistics page, and the map payload per level.

Runs ``app.py`` under Streamlit's AppTest signed in as a national administrator (as the page
tests do: tests/pages/conftest.py) and times ``at.run()`` — the whole script: session resume,
navigation, the page's queries, chart options, map file, table — for 按地图范围统计,
按区域范围统计 and 按行业分类范围统计 at three levels: the nation, 江苏省 (320000), 南京市
(320100). The first run of each is excluded (caches warm up). Browser rendering is not included.

The map payload is the JSON the map chart's component sends to the browser (ECharts option +
GeoJSON, exactly the string Streamlit puts in the element), per level.
Goals (issue 5): a rerun < 300 ms server side; a map payload < 1 MB per level.

Database: ``--database-url`` (an existing one, e.g. from bench_stats.py), or by default a temporary
SQLite seeded as ``python manage.py seed-demo`` does (``--enterprises``, default 3000); with
``--diagnoses N`` the temporary database gets N generated diagnoses (bench_cmmm.generate) instead.

    .venv/bin/python bench/bench_stats_page.py [--reruns 15] [--enterprises 3000 | --diagnoses 1000000]
    .venv/bin/python bench/bench_stats_page.py --database-url postgresql+psycopg://…
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import timed  # noqa: E402

PAGES = {"按地图范围统计": "pages/stats/stats_map.py", "按区域范围统计": "pages/stats/stats_region.py",
         "按行业分类范围统计": "pages/stats/stats_industry.py"}
LEVELS = {"nation": [], "province 320000": ["320000"], "city 320100": ["320000", "320100"]}
USERNAME = "bench_pages_cn"


def prepare(args: argparse.Namespace) -> str:
    """Bind to the database (seeding a temporary one); return its URL."""
    from db.engine import configure, session_scope
    from services.core.bootstrap import init_db
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench_stats_page.db"
    configure(url)
    init_db(url)
    if args.database_url:
        return url
    start = time.perf_counter()
    if args.diagnoses:
        from bench_cmmm import generate

        from services.cmmm.demo import refresh_latest
        from services.stats.cmmm_stats import rebuild_all
        generate(args.diagnoses)
        with session_scope() as s:
            refresh_latest(s)
        rebuild_all()
        made = f"{args.diagnoses:,} generated diagnoses"
    else:
        from services.cmmm.demo import seed_diagnoses
        from services.core.demo import seed_demo
        seed_demo(args.enterprises)
        made = f"demo seed: {args.enterprises:,} enterprises, {seed_diagnoses():,} diagnoses"
    print(f"temporary database {url}: {made} in {time.perf_counter() - start:.0f} s")
    return url


def national_admin() -> str:
    """A national administrator to sign in as (created on first use); return the username."""
    from sqlalchemy import select

    from db.account import Account
    from db.engine import session_scope
    from tests.factories import make_admin
    with session_scope() as s:
        exists = s.scalar(select(Account.id).where(Account.username == USERNAME)) is not None
    if not exists:
        make_admin(None, USERNAME)
    return USERNAME


def map_payload(at) -> int:  # type: ignore[no-untyped-def]
    """Bytes of the JSON the map chart's component element carries (option + GeoJSON)."""
    sizes = [len(e.proto.json.encode()) for e in at.get("bidi_component")
             if '"mapName"' in e.proto.json and '"geoJson"' in e.proto.json]
    assert len(sizes) == 1, f"expected one map chart, found {len(sizes)}"
    return sizes[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--enterprises", type=int, default=3000, help="demo seed size (temporary database)")
    parser.add_argument("--diagnoses", type=int, default=0, help="generate this many diagnoses instead")
    parser.add_argument("--reruns", type=int, default=15, help="timed reruns per page and level")
    args = parser.parse_args()
    url = prepare(args)
    print(f"database: {url.split('@')[-1]}")
    username = national_admin()
    # AppTest's session-state writes between runs log this harmless warning each time (a filter:
    # Streamlit resets its loggers' levels when a run loads the config)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())

    from streamlit.testing.v1 import AppTest

    from tests.factories import PASSWORD
    from tests.pages.conftest import APP, navigation_mode, sign_in
    with navigation_mode():
        at = sign_in(AppTest.from_file(APP, default_timeout=120), username, PASSWORD)
        assert not at.exception, at.exception
        for label, page in PAGES.items():
            at.switch_page(page).run()
            for level, path in LEVELS.items():
                at.session_state["stats_path"] = path
                at.run()  # first run of this view: excluded
                assert not at.exception, [e.value for e in at.exception]
                med, p95 = timed(at.run, args.reruns)
                assert not at.exception, [e.value for e in at.exception]  # the timed runs rendered the page
                extra = f"; map payload {map_payload(at) / 1e3:,.0f} KB" if page.endswith("stats_map.py") else ""
                print(f"{label} [{level}]: rerun median {med:.0f} ms, p95 {p95:.0f} ms{extra}")


if __name__ == "__main__":
    main()
