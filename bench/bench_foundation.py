"""Benchmark the foundation's hot paths at scale and print the numbers.

Every Streamlit rerun resumes the session (one indexed lookup); the admin pages list and count
organisations in a jurisdiction. This seeds N enterprises into a fresh database and times them.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "12")




from _timing import timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    from db.engine import configure
    from services import orgs
    from services.identity import accounts, auth
    from services.orgs import registration
    from services.core.bootstrap import init_db
    from services.core.demo import DEMO_PASSWORD, seed_demo

    configure(url)
    init_db(url)
    start = time.perf_counter()
    seed_demo(args.enterprises)
    seeded = time.perf_counter() - start
    print(f"database: {url.split('@')[-1]}")
    print(f"seed {args.enterprises:,} enterprises + accounts: {seeded:.1f} s "
          f"({args.enterprises / seeded:,.0f}/s)")

    start = time.perf_counter()
    token, _ = auth.sign_in("admin_xw", DEMO_PASSWORD, "bench")
    print(f"sign-in (bcrypt cost 12): {(time.perf_counter() - start) * 1000:.0f} ms")
    med, p95 = timed(lambda: auth.resume(token), 200)
    print(f"session resume per rerun: median {med:.2f} ms, p95 {p95:.2f} ms")

    for username, label in [("admin_xw", "county 玄武区"), ("admin_nj", "city 南京市"), ("admin_js", "province 江苏省"),
                             ("admin_cn", "national")]:
        actor = auth.resume(auth.sign_in(username, DEMO_PASSWORD, "bench")[0])
        assert actor is not None
        q = timed(lambda: registration.review_queue(actor), 20)
        c = timed(lambda: registration.review_counts(actor), 20)
        o = timed(lambda: orgs.overview(actor), 20)
        s = timed(lambda: accounts.search_accounts(actor, keyword="机械"), 20)
        print(f"{label:>16}: review queue {q[0]:6.1f}/{q[1]:6.1f} ms | counts {c[0]:6.1f}/{c[1]:6.1f} ms | "
              f"overview {o[0]:6.1f}/{o[1]:6.1f} ms | account search {s[0]:6.1f}/{s[1]:6.1f} ms  (median/p95)")


if __name__ == "__main__":
    main()
