"""Grabbing and paying never oversell or spend a balance twice, under concurrency.

PostgreSQL: 500 grabs from two OS processes (threads in each, each process its own engine, as two app
processes) for 100 vouchers; 50 concurrent payments spending one voucher. SQLite (a supported
production database): smaller versions from threads of one process.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

import clock
from db.engine import session_scope
from db.market import MarketOrder, Voucher, VoucherType, VoucherUse
from services.market import vouchers
from tests.conftest import use_database
from tests.factories import make_enterprise_user
from tests.market.factories import listed_listing, people
from tests.market.voucher_storm import storm, storm_threads

CHINA = dt.timezone(dt.timedelta(hours=8))


def open_activity(operator, quantity: int, limit: int, face: int = 1_000) -> int:  # type: ignore[no-untyped-def]
    """An activity open from yesterday to next month (real time: other processes read the real clock)."""
    now = clock.china_now().replace(tzinfo=None, microsecond=0)
    aid = vouchers.create_activity(operator, {
        "name": "并发测试活动", "starts_at": (now - dt.timedelta(days=1)).isoformat(),
        "ends_at": (now + dt.timedelta(days=30)).isoformat(),
        "types": [{"name": "抢购券", "face_value_fen": face, "quantity": quantity, "per_enterprise_limit": limit}]})
    return int(vouchers.activity_types(aid)[0]["id"])


def check_grabs(type_id: int, outcomes: list[tuple[str, float]], quantity: int, limit: int) -> None:
    kinds = Counter(o for o, _ in outcomes)
    assert set(kinds) <= {"ok", "Conflict"}, kinds              # no other error, nothing leaking
    assert kinds["ok"] == quantity, kinds
    with session_scope() as s:
        t = s.get(VoucherType, type_id)
        assert t is not None and t.remaining == 0
        assert s.scalar(select(func.count()).select_from(Voucher).where(Voucher.type_id == type_id)) == quantity
        per_org = s.execute(select(Voucher.org_id, func.count()).where(Voucher.type_id == type_id)
                            .group_by(Voucher.org_id)).all()
    assert max(n for _, n in per_org) <= limit
    assert sum(n for _, n in per_org) == quantity


def spend_storm(payments: int, face: int, price: int, threads: int) -> None:
    """``payments`` threads each pay a ``price`` order of one enterprise with the same voucher."""
    p = people()
    listing, _ = listed_listing(p.provider_org)
    vid_type = open_activity(p.operator, 1, 1, face=face)
    vid = vouchers.grab(p.buyer, vid_type)
    with session_scope() as s:
        orders = [MarketOrder(order_no=f"C{i:08d}", buyer_org_id=p.buyer_org, total_fen=price) for i in range(payments)]
        s.add_all(orders)
        s.flush()
        order_ids = [o.id for o in orders]

    def pay(order_id: int) -> tuple[int, list[int]] | str:
        try:
            with session_scope() as s:
                return vouchers.spend(s, p.buyer_org, [vid], order_id, price, [listing])
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on
            return f"{type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(pay, order_ids))
    failures = [r for r in results if isinstance(r, str)]
    assert failures == []
    taken = sum(sum(r[1]) for r in results if not isinstance(r, str))
    with session_scope() as s:
        balance = s.get(Voucher, vid).balance_fen  # type: ignore[union-attr]
        used = s.scalar(select(func.coalesce(func.sum(VoucherUse.amount_fen), 0)).where(VoucherUse.voucher_id == vid))
        uses = s.scalar(select(func.count()).select_from(VoucherUse).where(VoucherUse.voucher_id == vid))
    assert balance >= 0
    assert used == taken == face - balance
    assert used <= face
    assert balance == max(0, face - payments * price)
    assert uses == min(payments, -(-face // price))                # one use per order it paid for, no more


@pytest.fixture
def pg(postgres_url: str) -> str:
    use_database(postgres_url)
    return postgres_url


def test_500_grabs_from_two_processes_give_exactly_100(pg: str) -> None:
    p = people()
    type_id = open_activity(p.operator, quantity=100, limit=2)
    buyers = [make_enterprise_user("370102")[0] for _ in range(60)]
    actors = [buyers[i % len(buyers)] for i in range(500)]
    outcomes, _ = storm(pg, type_id, actors, processes=2, threads=12)
    assert len(outcomes) == 500
    check_grabs(type_id, outcomes, quantity=100, limit=2)


def test_50_concurrent_payments_with_one_voucher_on_postgresql(pg: str) -> None:
    spend_storm(payments=50, face=10_000, price=300, threads=16)


def test_grab_storm_on_sqlite(sqlite_db: str) -> None:
    p = people()
    type_id = open_activity(p.operator, quantity=20, limit=2)
    buyers = [make_enterprise_user("370102")[0] for _ in range(12)]
    outcomes = storm_threads(type_id, [buyers[i % 12] for i in range(100)], threads=8)
    check_grabs(type_id, outcomes, quantity=20, limit=2)


def test_concurrent_payments_with_one_voucher_on_sqlite(sqlite_db: str) -> None:
    spend_storm(payments=20, face=3_000, price=300, threads=8)
