"""Ratings of bought products: 我的评价 (the enterprise rates a completed order line once, 1–5 stars
with text ≤ 500 characters) and 客户评价 (the provider reads the ratings of its listings).

"Once per completed line" is the unique ``listing_review.order_item_id``: a second rating of the
same line — even two clicks racing — is refused by the database and reported as 已评价.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.engine import session_scope
from db.market import Listing, ListingReview, MarketOrder, OrderItem
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.labels import STATUS
from services.core.lengths import too_long
from services.core.permissions import P_MARKET_BUY, Actor
from services.market.access import REVIEWS, certified_org, provider_org
from services.market.catalogue import stars_of
from services.market.orders import _org_of

ALREADY = "该商品已评价过，每个订单商品只能评价一次。"
STARS = {n: "★" * n + "☆" * (5 - n) for n in range(1, 6)}


def stars_text(stars: int | None) -> str:
    """★★★★☆ for 4; ``---`` for none."""
    return STARS.get(stars or 0, "---")


def rate(actor: Actor, order_item_id: int, stars: int, text: str = "", request_id: str | None = None) -> int:
    """Rate a line of a completed order of the actor's enterprise (once); return the review id."""
    problems: dict[str, list[str]] = {}
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        problems["评分"] = ["评分：请选择 1–5 星。"]
    text = (text or "").strip()
    if too_long("评价内容", text, ListingReview.text):
        problems["评价内容"] = too_long("评价内容", text, ListingReview.text)
    if problems:
        raise ValidationFailed(problems)
    try:
        with session_scope() as s:
            org = certified_org(s, actor, P_MARKET_BUY, "enterprise")
            done = audit.replayed(s, request_id)
            if done is not None:        # a double submit: the first one's review
                return int(done.target_id or 0)
            row = s.execute(select(OrderItem, MarketOrder).join(MarketOrder, MarketOrder.id == OrderItem.order_id)
                            .where(OrderItem.id == order_item_id)).first()
            if row is None or row[1].buyer_org_id != org.id:
                raise NotFound("订单商品不存在。")
            item, order = row
            if order.status != "completed":
                raise Conflict("订单完成后才能评价。")
            if s.scalar(select(ListingReview.id).where(ListingReview.order_item_id == item.id)) is not None:
                raise Conflict(ALREADY)
            review = ListingReview(order_item_id=item.id, listing_id=item.listing_id,
                                   provider_org_id=item.provider_org_id, buyer_org_id=org.id,
                                   account_id=actor.account_id, stars=stars, text=text)
            s.add(review)
            s.flush()
            audit.record(s, actor.account_id, "market.review_added", "listing_review", review.id,
                         {"order_item": item.id, "stars": stars}, request_id=request_id)
            return review.id
    except IntegrityError:
        raise Conflict(ALREADY) from None


def my_reviews(actor: Actor) -> list[dict[str, Any]]:
    """我的评价: every line of the enterprise's completed orders, newest first: item_id, order_id,
    listing_id, listing_name (商品名称), listing_state (商品状态 已上架/已下架), ordered_at (订购时间),
    reviewed_at (评价时间 or None), stars (我的评分 or None), text, action (立即评价 / 查看评价)."""
    org_id = _org_of(actor, P_MARKET_BUY)
    with session_scope(read=True) as s:
        rows = s.execute(select(OrderItem, MarketOrder, Listing.sale_state, ListingReview)
                         .join(MarketOrder, MarketOrder.id == OrderItem.order_id)
                         .join(Listing, Listing.id == OrderItem.listing_id)
                         .outerjoin(ListingReview, ListingReview.order_item_id == OrderItem.id)
                         .where(MarketOrder.buyer_org_id == org_id, MarketOrder.status == "completed")
                         .order_by(MarketOrder.created_at.desc(), OrderItem.id.desc()).limit(1000)).all()
        return [{"item_id": i.id, "order_id": o.id, "listing_id": i.listing_id, "listing_name": i.listing_name,
                 "spec_name": i.spec_name, "listing_state": STATUS["listing_sale"].get(state or "", "已下架"),
                 "ordered_at": o.created_at, "reviewed_at": r.created_at if r else None,
                 "stars": r.stars if r else None, "text": r.text if r else "",
                 "action": "查看评价" if r else "立即评价"} for i, o, state, r in rows]


def provider_reviews(actor: Actor) -> list[dict[str, Any]]:
    """客户评价 of the provider's listings, newest first: id, listing_id, listing_name (商品名称),
    listing_state (商品状态), ordered_at (订购时间), customer (客户: the buying enterprise), reviewed_at,
    stars, text."""
    with session_scope(read=True) as s:
        org_id = provider_org(s, actor, REVIEWS).id
        rows = s.execute(select(ListingReview, OrderItem, MarketOrder.created_at, Listing.sale_state, Organisation.name)
                         .join(OrderItem, OrderItem.id == ListingReview.order_item_id)
                         .join(MarketOrder, MarketOrder.id == OrderItem.order_id)
                         .join(Listing, Listing.id == ListingReview.listing_id)
                         .join(Organisation, Organisation.id == ListingReview.buyer_org_id)
                         .where(ListingReview.provider_org_id == org_id)
                         .order_by(ListingReview.created_at.desc(), ListingReview.id.desc()).limit(1000)).all()
        return [{"id": r.id, "listing_id": r.listing_id, "listing_name": i.listing_name,
                 "listing_state": STATUS["listing_sale"].get(state or "", "已下架"), "ordered_at": ordered,
                 "customer": customer, "reviewed_at": r.created_at, "stars": r.stars, "text": r.text}
                for r, i, ordered, state, customer in rows]


def listing_stars(listing_id: int) -> tuple[float | None, int]:
    """A listing's average stars (one decimal) and number of reviews, for the catalogue."""
    with session_scope(read=True) as s:
        return stars_of(s, [listing_id]).get(listing_id, (None, 0))
