"""Set-up shared by the buyer-side tests: a new approved version, delisting, vouchers, a completed order."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.base import utcnow
from db.engine import session_scope
from db.market import Listing, ListingSpec, ListingVersion
from services.core.permissions import Actor
from services.market import orders, vouchers

CHINA = dt.timezone(dt.timedelta(hours=8))


def approve_new_version(listing_id: int, specs: list[tuple[str, str, str, int]]) -> list[int]:
    """Make a new version with ``specs`` the live one (as final approval does); return its spec ids."""
    with session_scope() as s:
        listing = s.get(Listing, listing_id)
        assert listing is not None
        last = s.scalar(select(ListingVersion).where(ListingVersion.listing_id == listing_id)
                        .order_by(ListingVersion.version_no.desc()).limit(1))
        assert last is not None
        version = ListingVersion(listing_id=listing_id, version_no=last.version_no + 1, status="approved",
                                 name=last.name, product_name=last.product_name, content={}, approved_at=utcnow())
        s.add(version)
        s.flush()
        rows = [ListingSpec(version_id=version.id, position=i, name=n, purchase_mode=m, pricing=p, unit_price_fen=f)
                for i, (n, m, p, f) in enumerate(specs)]
        s.add_all(rows)
        listing.live_version_id = version.id
        listing.price_low_fen = min(f for *_, f in specs)
        s.flush()
        return [r.id for r in rows]


def delist(listing_id: int) -> None:
    with session_scope() as s:
        listing = s.get(Listing, listing_id)
        assert listing is not None
        listing.sale_state = "delisted"


def voucher_types(operator: Actor, faces_fen: list[int], listing_ids: list[int] | None = None) -> list[int]:
    """An open activity with one type per face value; return the type ids."""
    now = utcnow().astimezone(CHINA).replace(tzinfo=None)
    spec = {"name": "数字化转型券", "starts_at": (now - dt.timedelta(days=1)).isoformat(timespec="minutes"),
            "ends_at": (now + dt.timedelta(days=10)).isoformat(timespec="minutes"),
            "types": [{"name": f"{f // 100}元券", "face_value_fen": f, "quantity": 10, "per_enterprise_limit": 5,
                       "listing_ids": listing_ids} for f in faces_fen]}
    activity = vouchers.create_activity(operator, spec)
    return [t["id"] for t in vouchers.activity_types(activity)]


def grab_vouchers(operator: Actor, buyer: Actor, faces_fen: list[int], listing_ids: list[int] | None = None) -> list[int]:
    """The buyer's enterprise holds one voucher of each face value (in that order); return their ids."""
    return [vouchers.grab(buyer, t) for t in voucher_types(operator, faces_fen, listing_ids)]


def balance(voucher_id: int) -> int:
    from db.market import Voucher
    with session_scope() as s:
        v = s.get(Voucher, voucher_id)
        assert v is not None
        return v.balance_fen


def completed_order(buyer: Actor, provider: Actor, spec_ids: list[int]) -> int:
    """Place, pay and complete an order of one of each spec; return the order id."""
    order_id = orders.place(buyer, [(sid, 1) for sid in spec_ids])
    orders.pay(buyer, order_id, [])
    orders.complete(provider, order_id)
    return order_id
