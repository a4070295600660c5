"""Reviews: once per completed order line, 1–5 stars, text ≤ 500, only the buying enterprise."""
from __future__ import annotations

import pytest

from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.market import catalogue, orders, reviews
from tests.factories import make_enterprise_user
from tests.market.buyer_helpers import completed_order, delist
from tests.market.factories import listed_listing, make_provider, people


def test_rate_a_completed_line_once(db: str) -> None:
    p = people()
    listing, (a, b) = listed_listing(p.provider_org, name="排产云",
                                     specs=[("基础版", "year", "simple", 100), ("试用", "month", "free", 0)])
    order_id = completed_order(p.buyer, p.provider, [a, b])
    line_a, line_b = [i["id"] for i in orders.order_detail(p.buyer, order_id)["items"]]
    todo = reviews.my_reviews(p.buyer)
    assert [(r["item_id"], r["action"], r["stars"], r["listing_state"]) for r in todo] == [
        (line_b, "立即评价", None, "已上架"), (line_a, "立即评价", None, "已上架")]
    reviews.rate(p.buyer, line_a, 5, "交付及时，效果很好")
    with pytest.raises(Conflict, match="只能评价一次"):
        reviews.rate(p.buyer, line_a, 1, "再评一次")
    reviews.rate(p.buyer, line_b, 2)
    assert catalogue.listing_detail(listing)["stars"] == 3.5 and reviews.listing_stars(listing) == (3.5, 2)
    assert catalogue.search()[0][0]["reviews"] == 2
    delist(listing)
    done = {r["item_id"]: (r["action"], r["stars"], r["listing_state"]) for r in reviews.my_reviews(p.buyer)}
    assert done == {line_a: ("查看评价", 5, "已下架"), line_b: ("查看评价", 2, "已下架")}
    seen = reviews.provider_reviews(p.provider)
    assert sorted((r["stars"], r["text"]) for r in seen) == [(2, ""), (5, "交付及时，效果很好")]
    other_provider, _ = make_provider()
    assert reviews.provider_reviews(other_provider) == []
    assert reviews.stars_text(4) == "★★★★☆" and reviews.stars_text(None) == "---"


def test_stars_text_and_who(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org)
    order_id = completed_order(p.buyer, p.provider, [spec])
    (line,) = [i["id"] for i in orders.order_detail(p.buyer, order_id)["items"]]
    for bad in (0, 6, True, "5"):
        with pytest.raises(ValidationFailed, match="评分"):
            reviews.rate(p.buyer, line, bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="评价内容"):
        reviews.rate(p.buyer, line, 4, "好" * 501)
    other, _ = make_enterprise_user("370102")
    with pytest.raises(NotFound):
        reviews.rate(other, line, 4)
    with pytest.raises(PermissionDenied):
        reviews.rate(p.provider, line, 5)
    assert reviews.rate(p.buyer, line, 4, "好" * 500) > 0


def test_only_completed_orders_are_rated(db: str) -> None:
    p = people()
    _, (spec,) = listed_listing(p.provider_org)
    order_id = orders.place(p.buyer, [(spec, 1)])
    orders.pay(p.buyer, order_id, [])
    (line,) = [i["id"] for i in orders.order_detail(p.buyer, order_id)["items"]]
    assert reviews.my_reviews(p.buyer) == []
    with pytest.raises(Conflict, match="完成后"):
        reviews.rate(p.buyer, line, 5)
