"""The buyer's cart (购物车): specs of listings on sale with quantities, per account.

A cart line remembers the spec it was added from. When listing it the price is that spec's — the
version it belongs to — and the line is flagged, never silently repriced, when the listing was
delisted (``problem`` = "商品已下架") or a newer version replaced the one the spec belongs to
(``problem`` = "商品信息已更新，请删除后重新选择规格"). Flagged lines cannot be ordered.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.account import Account
from db.engine import session_scope
from db.market import CartItem, Listing, ListingSpec, ListingVersion
from services.core import audit
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.permissions import P_MARKET_BUY, Actor, require

MIN_QTY, MAX_QTY = 1, 999
MAX_LINES = 50
DELISTED = "商品已下架"
REPLACED = "商品信息已更新，请删除后重新选择规格"


def check_quantity(quantity: Any, field: str = "数量") -> int:
    """An integer quantity in 1–999, or ``ValidationFailed`` naming the field."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not MIN_QTY <= quantity <= MAX_QTY:
        raise ValidationFailed({field: [f"{field}：须为 {MIN_QTY}–{MAX_QTY} 之间的整数。"]})
    return quantity


def spec_row(session: Session, spec_id: int) -> tuple[ListingSpec, ListingVersion, Listing]:
    """The spec with its version and listing, or ``NotFound``."""
    row = session.execute(select(ListingSpec, ListingVersion, Listing)
                          .join(ListingVersion, ListingVersion.id == ListingSpec.version_id)
                          .join(Listing, Listing.id == ListingVersion.listing_id)
                          .where(ListingSpec.id == spec_id)).first()
    if row is None:
        raise NotFound("商品规格不存在。")
    return row[0], row[1], row[2]


def problem_of(version: ListingVersion, listing: Listing) -> str | None:
    """Why a spec of ``version`` cannot be bought now (None: it can)."""
    if listing.sale_state != "on_sale":
        return DELISTED
    if listing.live_version_id != version.id:
        return REPLACED
    return None


def _buyer(actor: Actor) -> Actor:
    require(actor, P_MARKET_BUY)
    if actor.account_id is None:
        raise NotFound("账户不存在。")
    return actor


def add(actor: Actor, spec_id: int, quantity: int = 1, request_id: str | None = None) -> int:
    """Add ``quantity`` of a spec of a listing on sale (added to the line already there); return the line id.
    The same ``request_id`` again (a double submit) adds nothing and returns the same line."""
    _buyer(actor)
    check_quantity(quantity)
    with session_scope() as s:
        done = audit.replayed(s, request_id)
        if done is not None:
            return int(done.target_id or 0)
        # one account's cart changes one at a time: two adds at once of the same spec add up on one line
        # (no unique-key error), and the MAX_LINES check cannot be passed by two new lines together
        s.get(Account, actor.account_id, with_for_update=True)
        spec, version, listing = spec_row(s, spec_id)
        problem = problem_of(version, listing)
        if problem:
            raise Conflict(f"「{listing.name}」{problem}，不能加入购物车。")
        item = s.scalar(select(CartItem).where(CartItem.account_id == actor.account_id, CartItem.spec_id == spec_id)
                        .with_for_update())
        if item is None:
            count = len(s.scalars(select(CartItem.id).where(CartItem.account_id == actor.account_id)).all())
            if count >= MAX_LINES:
                raise Conflict(f"购物车最多 {MAX_LINES} 种规格，请先结算或删除一些。")
            item = CartItem(account_id=actor.account_id, spec_id=spec_id, quantity=quantity)
            s.add(item)
        else:
            check_quantity(item.quantity + quantity, "数量（含购物车中已有的）")
            item.quantity = item.quantity + quantity
        s.flush()
        audit.record(s, actor.account_id, "market.cart_add", "cart_item", item.id, {"spec": spec_id, "qty": quantity},
                     request_id=request_id)
        return item.id


def _own_item(s: Session, actor: Actor, item_id: int) -> CartItem:
    item = s.get(CartItem, item_id, with_for_update=True)
    if item is None or item.account_id != actor.account_id:
        raise NotFound("购物车中没有这一项。")
    return item


def set_quantity(actor: Actor, item_id: int, quantity: int) -> None:
    """Change a cart line's quantity (1–999)."""
    _buyer(actor)
    check_quantity(quantity)
    with session_scope() as s:
        item = _own_item(s, actor, item_id)
        item.quantity = quantity
        audit.record(s, actor.account_id, "market.cart_quantity", "cart_item", item.id, {"qty": quantity})


def remove(actor: Actor, item_id: int) -> None:
    """Remove a line from the actor's cart."""
    _buyer(actor)
    with session_scope() as s:
        item = _own_item(s, actor, item_id)
        s.delete(item)
        audit.record(s, actor.account_id, "market.cart_remove", "cart_item", item_id, {"spec": item.spec_id})


def update_lines(actor: Actor, changes: dict[int, int | None], request_id: str | None = None) -> int:
    """Save the cart form in one transaction: {line id: new quantity (1–999), or None to remove it};
    return how many lines changed. The same ``request_id`` again changes nothing."""
    _buyer(actor)
    for qty in changes.values():
        if qty is not None:
            check_quantity(qty)
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return len(changes)
        for item_id, qty in sorted(changes.items()):
            item = _own_item(s, actor, item_id)
            if qty is None:
                s.delete(item)
            else:
                item.quantity = qty
        audit.record(s, actor.account_id, "market.cart_update", "account", actor.account_id,
                     {str(k): v for k, v in changes.items()}, request_id=request_id)
        return len(changes)


def remove_specs(session: Session, account_id: int, spec_ids: list[int]) -> None:
    """Inside an order's transaction: drop the ordered specs from the account's cart."""
    session.execute(delete(CartItem).where(CartItem.account_id == account_id, CartItem.spec_id.in_(spec_ids))
                    .execution_options(synchronize_session=False))


def lines(actor: Actor) -> list[dict[str, Any]]:
    """The actor's cart, oldest first: id, spec_id, listing_id, listing_name, spec_name, purchase_mode,
    unit_price_fen, quantity, amount_fen, problem (None when it can be ordered)."""
    _buyer(actor)
    with session_scope(read=True) as s:
        rows = s.execute(select(CartItem, ListingSpec, ListingVersion, Listing)
                         .join(ListingSpec, ListingSpec.id == CartItem.spec_id)
                         .join(ListingVersion, ListingVersion.id == ListingSpec.version_id)
                         .join(Listing, Listing.id == ListingVersion.listing_id)
                         .where(CartItem.account_id == actor.account_id)
                         .order_by(CartItem.added_at, CartItem.id)).all()
        out = []
        for item, spec, version, listing in rows:
            price = 0 if spec.pricing == "free" else spec.unit_price_fen
            out.append({"id": item.id, "spec_id": spec.id, "listing_id": listing.id, "listing_name": version.name,
                        "spec_name": spec.name, "purchase_mode": spec.purchase_mode, "unit_price_fen": price,
                        "quantity": item.quantity, "amount_fen": price * item.quantity,
                        "problem": problem_of(version, listing)})
        return out
