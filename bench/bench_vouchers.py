"""Benchmark the voucher grab storm (抢券) on PostgreSQL and check that nothing was oversold.

N processes × M threads grab vouchers of one type (K in stock, per-enterprise limit L) for E
enterprises — G grabs in all, more than the stock, so the storm runs into 已抢完 — through the
service (``vouchers.grab``: certification and time checks, the conditional stock UPDATE, the
per-enterprise count under the type's row lock, the voucher and audit rows). Prints throughput
(grabs/s), p50 / p95 latency of a grab, and verifies: exactly K vouchers, remaining 0, nobody above
L, every failure a ``Conflict``. Then the trivial baseline: the same number of bare
``UPDATE voucher_type SET remaining = remaining - 1 WHERE id = :id AND remaining > 0`` statements
(each its own transaction) from the same processes and threads, on a fresh type with the same stock.

    .venv/bin/python bench/bench_vouchers.py [--url postgresql+psycopg://…] [--processes 2] [--threads 8]
                                            [--vouchers 1000] [--grabs 3000] [--enterprises 600] [--limit 2]

Without ``--url`` a throw-away PostgreSQL cluster is started (initdb / pg_ctl, as the tests do).
Data (organisations, accounts, the activity) goes in with Core bulk inserts.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")


def seed(enterprises: int, stock: int, limit: int) -> tuple[list[tuple[int, int]], int, int]:
    """Insert E certified enterprises with one account each and an open activity with two types of
    ``stock`` vouchers (one for the service, one for the baseline); return (accounts, type, baseline type)."""
    from sqlalchemy import insert, select

    from db.account import Account, AccountRole
    from db.base import utcnow
    from db.engine import session_scope
    from db.market import VoucherActivity, VoucherType
    from db.organisation import Organisation
    now = utcnow()
    with session_scope() as s:
        c = s.connection()
        c.execute(insert(Organisation), [{"kind": "enterprise", "name": f"抢券压测{i:06d}有限公司", "region_code": "370102",
                                          "province_code": "370000", "city_code": "370100", "county_code": "370102",
                                          "status": "approved", "details": {}} for i in range(enterprises)])
        orgs = list(c.execute(select(Organisation.id).where(Organisation.name.like("抢券压测%"))
                              .order_by(Organisation.id)).scalars())
        c.execute(insert(Account), [{"username": f"qqyc{i:06d}", "password_hash": "-", "display_name": f"qqyc{i:06d}",
                                     "status": "active", "org_id": org} for i, org in enumerate(orgs)])
        accounts = list(c.execute(select(Account.id, Account.org_id).where(Account.username.like("qqyc%"))
                                  .order_by(Account.id)).all())
        c.execute(insert(AccountRole), [{"account_id": a, "role_code": "enterprise"} for a, _ in accounts])
        aid = c.execute(insert(VoucherActivity).values(name="抢券压测活动", description="", status="published",
                                                       starts_at=now - dt.timedelta(days=1),
                                                       ends_at=now + dt.timedelta(days=30)).returning(VoucherActivity.id)
                        ).scalar_one()
        types = [c.execute(insert(VoucherType).values(activity_id=aid, name=n, face_value_fen=100_000, quantity=stock,
                                                      remaining=stock, per_enterprise_limit=limit, valid_days=365)
                           .returning(VoucherType.id)).scalar_one() for n in ("压测券", "基线")]
    return [(int(a), int(o or 0)) for a, o in accounts], types[0], types[1]


def report(title: str, outcomes: list[tuple[str, float]], wall: float) -> None:
    lat = sorted(seconds * 1000 for _, seconds in outcomes)
    p95 = lat[max(0, int(len(lat) * 0.95) - 1)]
    kinds = Counter(o for o, _ in outcomes)
    print(f"{title}: {len(outcomes)} in {wall:.2f} s = {len(outcomes) / wall:,.0f}/s; "
          f"latency p50 {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms; outcomes {dict(kinds)}")


def verify(type_id: int, stock: int, limit: int, outcomes: list[tuple[str, float]]) -> None:
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.market import Voucher, VoucherType
    with session_scope(read=True) as s:
        remaining = s.scalar(select(VoucherType.remaining).where(VoucherType.id == type_id))
        granted = s.scalar(select(func.count()).select_from(Voucher).where(Voucher.type_id == type_id))
        per_org = (select(func.count().label("n")).select_from(Voucher).where(Voucher.type_id == type_id)
                   .group_by(Voucher.org_id).subquery())
        top = s.scalar(select(func.max(per_org.c.n)))
    kinds = Counter(o for o, _ in outcomes)
    ok = granted == stock == kinds["ok"] and remaining == 0 and (top or 0) <= limit and set(kinds) <= {"ok", "Conflict"}
    print(f"verify: granted {granted} of {stock}, remaining {remaining}, most per enterprise {top} (limit {limit}), "
          f"failures all Conflict: {set(kinds) <= {'ok', 'Conflict'}} -> {'OK' if ok else 'OVERSOLD / BROKEN'}")
    if not ok:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="PostgreSQL URL (default: a throw-away cluster)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--vouchers", type=int, default=1000)
    parser.add_argument("--grabs", type=int, default=3000)
    parser.add_argument("--enterprises", type=int, default=600)
    parser.add_argument("--limit", type=int, default=2)
    args = parser.parse_args()
    server = None
    url = args.url
    if url is None:
        from tests.conftest import PostgresServer
        server = PostgresServer()
        url = server.url
    try:
        from db.engine import configure
        from services.core.bootstrap import init_db
        from tests.market.voucher_storm import enterprise_actor, storm
        configure(url)
        init_db(url)
        accounts, type_id, baseline_id = seed(args.enterprises, args.vouchers, args.limit)
        actors = [enterprise_actor(*accounts[i % len(accounts)]) for i in range(args.grabs)]
        print(f"{args.processes} processes × {args.threads} threads, {args.grabs} grabs for {args.vouchers} vouchers, "
              f"{args.enterprises} enterprises, limit {args.limit} ({url.split('@')[-1]})")
        outcomes, wall = storm(url, type_id, actors, args.processes, args.threads)
        report("service grab", outcomes, wall)
        verify(type_id, args.vouchers, args.limit, outcomes)
        success = [o for o in outcomes if o[0] == "ok"]
        report("  of which successful grabs", success, wall)
        plain, plain_wall = storm(url, baseline_id, [None] * args.grabs, args.processes, args.threads, plain=True)
        report("baseline bare UPDATE", plain, plain_wall)
        print(f"service / baseline time per statement: ×{(wall / len(outcomes)) / (plain_wall / len(plain)):.1f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
