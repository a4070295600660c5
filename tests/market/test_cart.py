"""The cart: several products and specs, quantities 1–999, own lines only, stale lines flagged."""
from __future__ import annotations

import pytest

from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.market import cart
from tests.factories import make_enterprise_user
from tests.market.buyer_helpers import approve_new_version, delist
from tests.market.factories import listed_listing, people


def test_several_products_and_specs_with_current_prices(db: str) -> None:
    p = people()
    a, (a1, a2) = listed_listing(p.provider_org, specs=[("基础版", "year", "simple", 10000), ("试用", "month", "free", 0)])
    b, (b1,) = listed_listing(p.provider_org, specs=[("按量", "quantity", "simple", 250)])
    cart.add(p.buyer, a1)
    cart.add(p.buyer, a2, 2)
    line_b = cart.add(p.buyer, b1, 4)
    assert cart.add(p.buyer, b1, 6) == line_b                      # the same spec adds up on one line
    got = {(l["listing_id"], l["spec_id"]): (l["quantity"], l["unit_price_fen"], l["amount_fen"], l["problem"])
           for l in cart.lines(p.buyer)}
    assert got == {(a, a1): (1, 10000, 10000, None), (a, a2): (2, 0, 0, None), (b, b1): (10, 250, 2500, None)}
    cart.set_quantity(p.buyer, line_b, 999)
    with pytest.raises(ValidationFailed, match="数量"):
        cart.add(p.buyer, b1, 1)                                    # 1000 in total
    for bad in (0, 1000, -1, True, "3"):
        with pytest.raises(ValidationFailed, match="数量"):
            cart.set_quantity(p.buyer, line_b, bad)  # type: ignore[arg-type]
    cart.remove(p.buyer, line_b)
    assert [l["spec_id"] for l in cart.lines(p.buyer)] == [a1, a2]


def test_lines_are_the_accounts_own(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org)
    line = cart.add(p.buyer, spec)
    other, _ = make_enterprise_user("370102")
    assert cart.lines(other) == []
    with pytest.raises(NotFound):
        cart.set_quantity(other, line, 3)
    with pytest.raises(NotFound):
        cart.remove(other, line)
    with pytest.raises(PermissionDenied):
        cart.add(p.provider, spec)                                  # a provider has no cart


def test_delisted_or_replaced_lines_are_flagged_not_repriced(db: str) -> None:
    p = people()
    a, (a1,) = listed_listing(p.provider_org, specs=[("基础版", "year", "simple", 10000)])
    b, (b1,) = listed_listing(p.provider_org)
    cart.add(p.buyer, a1)
    cart.add(p.buyer, b1)
    approve_new_version(a, [("基础版", "year", "simple", 20000)])
    delist(b)
    got = {l["spec_id"]: (l["unit_price_fen"], l["problem"]) for l in cart.lines(p.buyer)}
    assert got == {a1: (10000, cart.REPLACED), b1: (23400, cart.DELISTED)}
    with pytest.raises(Conflict, match="下架"):
        cart.add(p.buyer, b1)
    with pytest.raises(Conflict, match="更新"):
        cart.add(p.buyer, a1)


def test_double_submits_add_and_save_once(db: str) -> None:
    p = people()
    _, (spec, spec2) = listed_listing(p.provider_org, specs=[("基础版", "year", "simple", 100), ("高级版", "year", "simple", 200)])
    line = cart.add(p.buyer, spec, 2, request_id="cart-add-1")
    assert cart.add(p.buyer, spec, 2, request_id="cart-add-1") == line        # the same click twice: 2, not 4
    assert [l["quantity"] for l in cart.lines(p.buyer)] == [2]
    assert cart.add(p.buyer, spec, 2, request_id="cart-add-2") == line        # a new click adds up
    line2 = cart.add(p.buyer, spec2, 1)
    assert cart.update_lines(p.buyer, {line: 5, line2: None}, request_id="cart-save-1") == 2
    assert cart.update_lines(p.buyer, {line: 5, line2: None}, request_id="cart-save-1") == 2   # no 已删除 error
    assert [(l["id"], l["quantity"]) for l in cart.lines(p.buyer)] == [(line, 5)]


def test_concurrent_adds_of_one_spec_add_up_on_one_line(db: str) -> None:
    import threading
    p = people()
    _, (spec,) = listed_listing(p.provider_org)
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def add() -> None:
        barrier.wait()
        try:
            cart.add(p.buyer, spec, 3)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [l["quantity"] for l in cart.lines(p.buyer)] == [12]
