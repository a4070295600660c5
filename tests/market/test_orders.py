"""Orders: the version's price, double submits, paying with vouchers and cash, scoping, cancel, complete."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.market import Listing, MarketOrder, OrderItem, Payment, VoucherUse
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.market import cart, orders, payment
from services.market.payment import ChargeResult, SimulatedProvider
from tests.factories import make_enterprise_user
from tests.market.buyer_helpers import approve_new_version, balance, delist, grab_vouchers
from tests.market.factories import listed_listing, make_provider, people


@pytest.fixture(autouse=True)
def _simulated() -> object:
    sim = SimulatedProvider()
    payment.use(sim)
    yield sim
    payment.use(None)


def items(order_id: int) -> list[tuple[int, int, int, int]]:
    with session_scope() as s:
        return [(i.unit_price_fen, i.amount_fen, i.voucher_fen, i.cash_fen)
                for i in s.scalars(select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.id))]


def test_price_is_the_bought_versions_even_after_a_new_version(db: str) -> None:
    p = people()
    listing, (old,) = listed_listing(p.provider_org, name="排产云", specs=[("标准版", "year", "simple", 10000)])
    order_id = orders.place(p.buyer, [(old, 3)])
    (new,) = approve_new_version(listing, [("标准版", "year", "simple", 99900)])
    assert items(order_id) == [(10000, 30000, 0, 0)]
    with pytest.raises(Conflict, match="更新"):
        orders.place(p.buyer, [(old, 1)])                       # the replaced version's spec is not on sale
    paid = orders.pay(p.buyer, order_id, [])
    assert (paid["status"], paid["total_fen"], paid["cash_fen"]) == ("paid", 30000, 30000)
    second = orders.place(p.buyer, [(new, 1)])
    assert orders.order_detail(p.buyer, second)["total_fen"] == 99900
    detail = orders.order_detail(p.buyer, order_id)
    assert detail["items"][0]["listing_name"] == "排产云" and detail["items"][0]["spec_name"] == "标准版"
    assert detail["items"][0]["purchase_mode"] == "year" and detail["order_no"].endswith(f"{order_id:08d}")
    with session_scope() as s:
        assert s.get(Listing, listing).sales == 3  # type: ignore[union-attr]


def test_double_submit_is_one_order_and_lines_leave_the_cart(db: str) -> None:
    p = people()
    _, (a, b) = listed_listing(p.provider_org, specs=[("基础版", "year", "simple", 10000), ("试用", "month", "free", 0)])
    cart.add(p.buyer, a, 2)
    cart.add(p.buyer, b)
    first = orders.place(p.buyer, [(a, 2), (b, 1)], "rid-1", from_cart=True)
    assert orders.place(p.buyer, [(a, 2), (b, 1)], "rid-1", from_cart=True) == first
    assert cart.lines(p.buyer) == []
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(MarketOrder)) == 1
    assert items(first) == [(10000, 20000, 0, 0), (0, 0, 0, 0)]
    once = orders.pay(p.buyer, first, [], "pay-1")
    again = orders.pay(p.buyer, first, [], "pay-1")             # the replay pays nothing twice
    assert once["cash_fen"] == again["cash_fen"] == 20000
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
    with pytest.raises(Conflict, match="待交付"):
        orders.pay(p.buyer, first, [], "pay-2")                 # a new click on a paid order


def test_place_rules(db: str) -> None:
    p = people()
    listing, (spec,) = listed_listing(p.provider_org)
    for bad in ([], [(spec, 0)], [(spec, 1000)], [(spec, 1), (spec, 2)]):
        with pytest.raises(ValidationFailed):
            orders.place(p.buyer, bad)
    pending, _ = make_enterprise_user("370102", status="pending")
    with pytest.raises(PermissionDenied, match="认证"):
        orders.place(pending, [(spec, 1)])
    with pytest.raises(PermissionDenied):
        orders.place(p.provider, [(spec, 1)])
    delist(listing)
    with pytest.raises(Conflict, match="下架"):
        orders.place(p.buyer, [(spec, 1)])


def test_pay_with_vouchers_in_the_chosen_order(db: str) -> None:
    p = people()
    _, (a, b) = listed_listing(p.provider_org, specs=[("甲", "year", "simple", 30000), ("乙", "year", "simple", 20000)])
    v100, v350 = grab_vouchers(p.operator, p.buyer, [10000, 35000])
    order_id = orders.place(p.buyer, [(a, 1), (b, 1)])          # 500.00
    paid = orders.pay(p.buyer, order_id, [v350, v100])          # 350 first, then 100 → 50 cash
    assert (paid["voucher_fen"], paid["cash_fen"], paid["takes"]) == (45000, 5000, [35000, 10000])
    assert items(order_id) == [(30000, 30000, 30000, 0), (20000, 20000, 15000, 5000)]  # greedy in line order
    assert balance(v350) == 0 and balance(v100) == 0


def test_leftover_stays_and_a_large_voucher_pays_in_full(db: str, _simulated: SimulatedProvider) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org, specs=[("甲", "year", "simple", 12345)])
    v200, v50 = grab_vouchers(p.operator, p.buyer, [20000, 5000])
    order_id = orders.place(p.buyer, [(spec, 1)])
    paid = orders.pay(p.buyer, order_id, [v200, v50])
    assert (paid["voucher_fen"], paid["cash_fen"], paid["takes"]) == (12345, 0, [12345, 0])
    assert balance(v200) == 20000 - 12345 and balance(v50) == 5000
    assert _simulated.charges == {}                              # zero cash: no provider call
    second = orders.place(p.buyer, [(spec, 1)])
    paid = orders.pay(p.buyer, second, [v50, v200])              # the leftover is spent later
    assert paid["takes"] == [5000, 7345] and paid["cash_fen"] == 0 and balance(v200) == 310


def test_failed_charge_leaves_everything_untouched(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org, specs=[("甲", "year", "simple", 50000)])
    (v,) = grab_vouchers(p.operator, p.buyer, [10000])
    order_id = orders.place(p.buyer, [(spec, 1)])
    payment.use(SimulatedProvider(fail=True))
    with pytest.raises(Conflict, match="支付未成功"):
        orders.pay(p.buyer, order_id, [v], "pay-x")
    assert balance(v) == 10000
    with session_scope() as s:
        order = s.get(MarketOrder, order_id)
        assert order is not None and (order.status, order.voucher_fen, order.cash_fen) == ("unpaid", 0, 0)
        assert s.scalar(select(func.count()).select_from(VoucherUse)) == 0
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
    payment.use(SimulatedProvider())
    assert orders.pay(p.buyer, order_id, [v], "pay-x")["cash_fen"] == 40000   # the retry works


def test_vouchers_of_another_enterprise_or_listing_are_refused(db: str) -> None:
    p = people()
    listing, (spec,) = listed_listing(p.provider_org)
    other_listing, _ = listed_listing(p.provider_org)
    other, _ = make_enterprise_user("370102")
    (theirs,) = grab_vouchers(p.operator, other, [10000])
    (narrow,) = grab_vouchers(p.operator, p.buyer, [10000], listing_ids=[other_listing])
    order_id = orders.place(p.buyer, [(spec, 1)])
    with pytest.raises(PermissionDenied):
        orders.pay(p.buyer, order_id, [theirs])
    with pytest.raises(Conflict, match="不适用"):
        orders.pay(p.buyer, order_id, [narrow])
    assert orders.order_detail(p.buyer, order_id)["status"] == "unpaid"
    assert balance(theirs) == balance(narrow) == 10000


class Later(SimulatedProvider):
    """An asynchronous provider: every charge is pending until confirmed."""

    def __init__(self, outcome: str) -> None:
        super().__init__(name="later")
        self.outcome = outcome

    def charge(self, order_no: str, amount_fen: int, idempotency_key: str) -> ChargeResult:
        self.last = f"later-{order_no}-{len(self.charges)}"
        self.charges[self.last] = ChargeResult(self.last, "pending")
        return self.charges[self.last]

    def confirm(self, external_id: str) -> ChargeResult:
        return ChargeResult(external_id, self.outcome)  # type: ignore[arg-type]


def test_asynchronous_provider_pending_then_failed_gives_vouchers_back(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org, specs=[("甲", "year", "simple", 30000)])
    (v,) = grab_vouchers(p.operator, p.buyer, [10000])
    order_id = orders.place(p.buyer, [(spec, 1)])
    later = Later("failed")
    payment.use(later)
    assert orders.pay(p.buyer, order_id, [v])["status"] == "paying"
    assert balance(v) == 0 and orders.my_orders(p.buyer)[0]["pay_status"] == "支付中"
    assert orders.confirm_payment(later.last) == "unpaid"
    assert balance(v) == 10000 and orders.order_detail(p.buyer, order_id)["voucher_fen"] == 0
    later.outcome = "succeeded"
    orders.pay(p.buyer, order_id, [v])
    assert orders.confirm_payment(later.last) == "paid" and balance(v) == 0


def test_scoping_of_lists_and_detail(db: str) -> None:
    p = people()
    other_provider, other_org = make_provider()
    mine, (a,) = listed_listing(p.provider_org, name="甲方案")
    _, (b,) = listed_listing(other_org, name="乙方案")
    order_id = orders.place(p.buyer, [(a, 1), (b, 2)])
    orders.pay(p.buyer, order_id, [])
    other_buyer, _ = make_enterprise_user("370102")
    theirs = orders.place(other_buyer, [(a, 1)])
    assert [o["id"] for o in orders.my_orders(p.buyer)] == [order_id]
    row = orders.my_orders(p.buyer)[0]
    assert (row["listing_name"], row["order_type"], row["pay_status"], row["status_label"]) == (
        "甲方案 等 2 项", "商品新订单", "已支付", "待交付")
    assert [o["id"] for o in orders.my_orders(other_buyer)] == [theirs]
    assert orders.my_orders(p.buyer, status="unpaid") == []
    with pytest.raises(NotFound):
        orders.order_detail(other_buyer, order_id)
    with pytest.raises(NotFound):
        orders.pay(other_buyer, order_id, [])
    seen = orders.provider_orders(p.provider)
    assert sorted((r["order_id"], r["listing_name"]) for r in seen) == sorted(
        [(order_id, "甲方案"), (theirs, "甲方案")])
    assert {r["listing_name"] for r in orders.provider_orders(other_provider)} == {"乙方案"}
    assert [i["listing_name"] for i in orders.order_detail(other_provider, order_id)["items"]] == ["乙方案"]
    with pytest.raises(NotFound):
        orders.order_detail(other_provider, theirs)
    assert not any(r["can_complete"] for r in seen)                 # mixed order; the other unpaid
    with pytest.raises(PermissionDenied, match="其他服务商"):
        orders.complete(p.provider, order_id)
    orders.complete(p.operator, order_id)
    assert orders.order_detail(p.buyer, order_id)["status"] == "completed"


def test_cancel_and_complete(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org)
    order_id = orders.place(p.buyer, [(spec, 1)])
    other, _ = make_enterprise_user("370102")
    with pytest.raises(NotFound):
        orders.cancel(other, order_id)
    with pytest.raises(Conflict, match="待支付"):
        orders.complete(p.provider, order_id)                   # not paid yet
    orders.cancel(p.buyer, order_id)
    assert orders.my_orders(p.buyer)[0]["status_label"] == "已取消"
    with pytest.raises(Conflict, match="已取消"):
        orders.pay(p.buyer, order_id, [])
    paid = orders.place(p.buyer, [(spec, 1)])
    orders.pay(p.buyer, paid, [])
    with pytest.raises(Conflict, match="待交付"):
        orders.cancel(p.buyer, paid)
    stranger, _ = make_provider()
    with pytest.raises(NotFound):
        orders.complete(stranger, paid)
    with pytest.raises(PermissionDenied):
        orders.complete(p.buyer, paid)
    assert [r["can_complete"] for r in orders.provider_orders(p.provider) if r["order_id"] == paid] == [True]
    orders.complete(p.provider, paid)
    with pytest.raises(Conflict, match="已完成"):
        orders.complete(p.provider, paid)
    assert orders.order_detail(p.buyer, paid)["status_label"] == "已完成"


def run_together(fn, n: int) -> list[object]:  # type: ignore[no-untyped-def]
    """Call ``fn()`` from ``n`` threads released at once; return each result or the exception it raised."""
    import threading
    gate = threading.Barrier(n)
    results: list[object] = [None] * n

    def work(i: int) -> None:
        gate.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_double_submits_make_one_order_and_one_payment(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org, specs=[("甲", "year", "simple", 30000)])
    (v,) = grab_vouchers(p.operator, p.buyer, [10000])
    placed = run_together(lambda: orders.place(p.buyer, [(spec, 1)], "same-click"), 6)
    assert len(set(placed)) == 1 and isinstance(placed[0], int), placed
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(MarketOrder)) == 1
    paid = run_together(lambda: orders.pay(p.buyer, placed[0], [v]), 6)   # six clicks, each its own request
    assert sum(isinstance(r, dict) for r in paid) == 1, paid
    assert all(isinstance(r, dict) or isinstance(r, Conflict) for r in paid), paid
    assert balance(v) == 0
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalar(select(func.sum(VoucherUse.amount_fen))) == 10000


def test_voucher_ids_that_are_not_ids_are_a_field_error(db: str) -> None:
    p = people()
    _listing, (spec,) = listed_listing(p.provider_org)
    order_id = orders.place(p.buyer, [(spec, 1)])
    for bad in (["abc"], [1.5], [True], "12"):
        with pytest.raises(ValidationFailed, match="服务券：请从列表中选择"):
            orders.pay(p.buyer, order_id, bad)  # type: ignore[arg-type]
    assert orders.order_detail(p.buyer, order_id)["status"] == "unpaid"
