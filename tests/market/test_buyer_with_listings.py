"""The buyer's side on listings put on sale by the real approval chain (services/market/listings.py)."""
from __future__ import annotations

import pytest

from services.core.errors import Conflict
from services.market import cart, catalogue, listings, orders
from tests.market.factories import people
from tests.market.test_listings import approve_all, draft


def test_approved_listing_is_found_bought_and_keeps_its_price_after_re_edit(db: str) -> None:
    p = people()
    lid, v1, _ = draft(p.provider)
    listings.submit(p.provider, v1)
    approve_all(p, v1)
    rows, total = catalogue.search("联网", tags=["工业互联网"], industry="C35")
    # the catalogue's price is what a buyer pays: the specs' lowest (the free trial) and highest
    assert total == 1 and rows[0]["id"] == lid and (rows[0]["price_low_fen"], rows[0]["price_high_fen"]) == (0, 1_200_000)
    detail = catalogue.listing_detail(lid)
    standard, trial = detail["specs"]
    assert (standard["unit_price_fen"], trial["unit_price_fen"], trial["pricing"]) == (1_200_000, 0, "free")
    cart.add(p.buyer, standard["id"])
    order_id = orders.place(p.buyer, [(standard["id"], 2), (trial["id"], 1)])
    v2 = listings.reedit(p.provider, v1)
    content = listings.get_version(p.provider, v2).content
    content["spec_rows"][0]["unit_price"] = "15000.00"
    listings.save_draft(p.provider, v2, content, listings.get_version(p.provider, v2).row_version)
    listings.submit(p.provider, v2)
    approve_all(p, v2)
    paid = orders.pay(p.buyer, order_id, [])
    assert (paid["total_fen"], paid["cash_fen"]) == (2_400_000, 2_400_000)      # version 1's price
    assert [line["problem"] for line in cart.lines(p.buyer)] == [cart.REPLACED]
    with pytest.raises(Conflict, match="更新"):
        orders.place(p.buyer, [(standard["id"], 1)])
    new_standard = catalogue.listing_detail(lid)["specs"][0]
    assert orders.order_detail(p.buyer, orders.place(p.buyer, [(new_standard["id"], 1)]))["total_fen"] == 1_500_000
    listings.delist(p.provider, lid)
    assert catalogue.search() == ([], 0)
    with pytest.raises(Conflict, match="下架"):
        orders.place(p.buyer, [(new_standard["id"], 1)])
