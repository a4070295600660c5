"""The marketplace demo: the demo provider's products go through the real chain and a voucher activity opens."""
from __future__ import annotations

from sqlalchemy import func, select

from db.engine import session_scope
from db.market import Listing, ListingVersion, VoucherActivity
from services.core.demo import seed_demo
from services.market import vouchers
from services.market.demo import PRODUCTS, seed_market


def test_seed_market_lists_products_through_the_chain_once(sqlite_db: str) -> None:
    seed_demo(12)
    assert seed_market() == len(PRODUCTS)
    assert seed_market() == 0                                   # idempotent
    with session_scope() as s:
        on_sale = s.scalar(select(func.count()).select_from(Listing).where(Listing.sale_state == "on_sale"))
        approved = s.scalar(select(func.count()).select_from(ListingVersion).where(ListingVersion.status == "approved"))
        activity = s.scalar(select(VoucherActivity))
    assert on_sale == approved == len(PRODUCTS)
    assert activity is not None
    assert [t["remaining"] for t in vouchers.activity_types(activity.id)] == [500, 100]
