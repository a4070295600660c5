"""The marketplace's test set-up itself: people with the right permissions, a listing on sale."""
from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.market import Listing, ListingSpec
from services.core.permissions import P_MARKET_BUY, P_MARKET_EXPERT, P_MARKET_FINAL, P_MARKET_OPERATE, P_MARKET_SELL
from tests.market.factories import listed_listing, people


def test_people_and_a_listed_listing(db: str) -> None:
    p = people()
    assert P_MARKET_SELL in p.provider.permissions and P_MARKET_BUY in p.buyer.permissions
    assert P_MARKET_OPERATE in p.operator.permissions and P_MARKET_EXPERT in p.expert.permissions
    assert P_MARKET_FINAL in p.final.permissions
    listing_id, spec_ids = listed_listing(p.provider_org)
    with session_scope() as s:
        listing = s.get(Listing, listing_id)
        assert listing is not None and listing.sale_state == "on_sale"
        prices = s.scalars(select(ListingSpec.unit_price_fen).where(ListingSpec.id.in_(spec_ids))).all()
    assert prices == [23400]
