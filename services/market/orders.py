"""Orders of the marketplace: place (立即购买 or from the cart), pay with vouchers and cash, cancel,
complete; the buyer's and the provider's order lists.

- **Price**: an order line copies the name, spec, purchase mode and unit price of the spec it was
  bought from. A spec belongs to one frozen listing version, and only a spec of the *live* version
  of a listing on sale can be ordered, so the price paid is the one the buyer saw, whatever versions
  are approved later.
- **Double submit**: ``place`` under the same ``request_id`` returns the same order (the column is
  unique; a concurrent twin that loses the race reads the winner's order). ``pay``/``cancel``/
  ``complete`` take the order out of its state with one conditional UPDATE, so a second click finds
  it already moved and does nothing twice.
- **Payment** (``pay``) is ONE transaction: ``UPDATE market_order SET status='paid' WHERE id=:id AND
  status='unpaid'`` (the lock), ``vouchers.spend`` (row-locked balances), the deduction spread over
  the lines (greedy in line order), then the payment adapter for the cash part
  (services/market/payment.py). A refused charge raises and everything rolls back: the order stays
  unpaid and no voucher is touched. Zero cash (free specs, or vouchers covering the total) is paid
  without the adapter. An asynchronous provider's pending charge leaves the order ``paying`` until
  ``confirm_payment``.
- **Completion** (已完成): the provider marks the order delivered (完成交付) when every line of the
  order is one of its listings; an order with lines of several providers is completed by the
  platform operator (market.operate) or by the system (``actor=None``, e.g. a scheduled job).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
from db.base import utcnow
from db.engine import session_scope
from db.market import Listing, MarketOrder, OrderItem, Payment, Voucher, VoucherUse
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.labels import STATUS
from services.core.permissions import P_MARKET_BUY, P_MARKET_OPERATE, P_MARKET_SELL, Actor, has_perm, require
from services.market import cart, payment, vouchers
from services.market.access import ORDERS, certified_org, provider_org
from services.market.money import MAX_FEN

ORDER_TYPE = "商品新订单"
MAX_LINES = cart.MAX_LINES
MAX_VOUCHERS = 20


def status_label(code: str) -> str:
    return STATUS["market_order"].get(code, code)


def pay_status(order: MarketOrder) -> str:
    """支付状态 as the guide shows it: 已支付 when cash was paid, ``---`` when nothing was to pay in cash."""
    labels = STATUS["market_pay"]
    if order.status in ("paid", "completed"):
        return labels["paid"] if order.cash_fen > 0 else labels["none"]
    return labels.get(order.status, labels["none"])


# --- placing -----------------------------------------------------------------------------------
def _clean_lines(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    try:
        pairs = [(int(spec_id), qty) for spec_id, qty in lines]
    except (TypeError, ValueError):
        raise ValidationFailed({"商品规格": ["商品规格：请选择要购买的规格和数量。"]}) from None
    if not pairs:
        raise ValidationFailed({"商品规格": ["商品规格：请至少选择一种规格。"]})
    if len(pairs) > MAX_LINES:
        raise ValidationFailed({"商品规格": [f"商品规格：一个订单最多 {MAX_LINES} 种规格。"]})
    if len({p[0] for p in pairs}) != len(pairs):
        raise ValidationFailed({"商品规格": ["商品规格：同一规格只能出现一次，请合并数量。"]})
    for _, qty in pairs:
        cart.check_quantity(qty)
    return pairs


def _by_request(session: Session, request_id: str, org_id: int) -> int | None:
    prior = session.scalar(select(MarketOrder).where(MarketOrder.request_id == request_id))
    if prior is None:
        return None
    if prior.buyer_org_id != org_id:
        raise Conflict("请求编号已被使用，请刷新页面后重试。")
    return prior.id


def place(actor: Actor, lines: Sequence[tuple[int, int]], request_id: str | None = None, *,
          from_cart: bool = False) -> int:
    """Place an unpaid order of ``lines`` [(spec id, quantity 1–999)] for the actor's certified
    enterprise; return the order id. The same ``request_id`` again returns the same order.
    ``from_cart``: the ordered specs leave the actor's cart in the same transaction."""
    pairs = _clean_lines(lines)
    if request_id is not None and len(request_id) > 64:
        raise ValidationFailed({"请求编号": ["请求编号：长度不能超过 64 个字符。"]})
    try:
        with session_scope() as s:
            org = certified_org(s, actor, P_MARKET_BUY, "enterprise")
            if request_id and (prior := _by_request(s, request_id, org.id)) is not None:
                return prior
            items = []
            for spec_id, qty in pairs:
                spec, version, listing = cart.spec_row(s, spec_id)
                problem = cart.problem_of(version, listing)
                if problem:
                    raise Conflict(f"「{version.name}」{problem}，不能下单。")
                price = 0 if spec.pricing == "free" else spec.unit_price_fen
                items.append(OrderItem(listing_id=listing.id, version_id=version.id, spec_id=spec.id,
                                       provider_org_id=listing.org_id, listing_name=version.name, spec_name=spec.name,
                                       purchase_mode=spec.purchase_mode, quantity=qty, unit_price_fen=price,
                                       amount_fen=price * qty))
            total = sum(i.amount_fen for i in items)
            if total >= MAX_FEN:
                raise ValidationFailed({"总价": ["总价：金额过大，请减少数量。"]})
            order = MarketOrder(order_no=f"tmp{uuid.uuid4().hex[:20]}", request_id=request_id, buyer_org_id=org.id,
                                buyer_account_id=actor.account_id, status="unpaid", total_fen=total)
            s.add(order)
            s.flush()
            order.order_no = f"{clock.china_now():%Y%m%d}{order.id:08d}"   # readable, unique as the id is
            for item in items:
                item.order_id = order.id
            s.add_all(items)
            if from_cart and actor.account_id is not None:
                cart.remove_specs(s, actor.account_id, [p[0] for p in pairs])
            s.flush()
            audit.record(s, actor.account_id, "market.order_placed", "market_order", order.id,
                         {"order_no": order.order_no, "total_fen": total, "lines": len(items)}, request_id=request_id)
            return order.id
    except IntegrityError:
        if not request_id:
            raise
        with session_scope(read=True) as s:   # the twin submit that won the race
            found = _by_request(s, request_id, actor.org_id or -1)
        if found is None:
            raise
        return found


# --- paying ------------------------------------------------------------------------------------
def allocate(amounts_fen: Sequence[int], voucher_fen: int) -> list[int]:
    """Spread ``voucher_fen`` over the lines greedily in line order; return each line's voucher part
    (the sums are exact; a line never gets more than its amount)."""
    left = voucher_fen
    parts = []
    for amount in amounts_fen:
        take = min(amount, left)
        parts.append(take)
        left -= take
    if left:
        raise ValueError("voucher amount above the order total")
    return parts


def _summary(order: MarketOrder) -> dict[str, Any]:
    return {"order_id": order.id, "order_no": order.order_no, "status": order.status,
            "status_label": status_label(order.status), "total_fen": order.total_fen,
            "voucher_fen": order.voucher_fen, "cash_fen": order.cash_fen}


def _own_order(s: Session, order_id: int, org_id: int) -> MarketOrder:
    order = s.get(MarketOrder, order_id)
    if order is None or order.buyer_org_id != org_id:
        raise NotFound("订单不存在。")
    return order


def _moved(order: MarketOrder, doing: str) -> Conflict:
    return Conflict(f"订单{status_label(order.status)}，不能{doing}。")


def pay(actor: Actor, order_id: int, voucher_ids: Sequence[int] = (), request_id: str | None = None) -> dict[str, Any]:
    """Pay an unpaid order of the actor's enterprise with the chosen vouchers (in the order given) and
    the payment adapter for the rest, in one transaction. Return {order_id, order_no, status,
    status_label, total_fen, voucher_fen, cash_fen, takes (fen taken from each voucher)}.
    A replay of a successful ``request_id`` returns the order's state without paying again."""
    if isinstance(voucher_ids, (str, bytes)) or any(isinstance(v, bool) or not isinstance(v, int) for v in voucher_ids):
        raise ValidationFailed({"服务券": ["服务券：请从列表中选择服务券。"]})
    ids = list(voucher_ids)
    if len(ids) > MAX_VOUCHERS:
        raise ValidationFailed({"服务券": [f"服务券：一次最多使用 {MAX_VOUCHERS} 张。"]})
    with session_scope() as s:
        org = certified_org(s, actor, P_MARKET_BUY, "enterprise")
        if request_id and audit.replayed(s, request_id) is not None:
            return {**_summary(_own_order(s, order_id, org.id)), "takes": []}
        now = utcnow()
        locked = s.execute(update(MarketOrder)
                           .where(MarketOrder.id == order_id, MarketOrder.buyer_org_id == org.id,
                                  MarketOrder.status == "unpaid")
                           .values(status="paid", paid_at=now, row_version=MarketOrder.row_version + 1)
                           .execution_options(synchronize_session=False))
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            raise _moved(_own_order(s, order_id, org.id), "支付")
        order = _own_order(s, order_id, org.id)
        items = s.scalars(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)).all()
        cash, takes = vouchers.spend(s, org.id, ids, order.id, order.total_fen, {i.listing_id for i in items})
        for item, part in zip(items, allocate([i.amount_fen for i in items], order.total_fen - cash)):
            item.voucher_fen, item.cash_fen = part, item.amount_fen - part
        order.voucher_fen, order.cash_fen = order.total_fen - cash, cash
        if cash > 0:
            adapter = payment.provider()
            result = adapter.charge(order.order_no, cash, request_id or f"order-{order.id}-{uuid.uuid4().hex[:8]}")
            if result.status == "failed":
                raise Conflict("支付未成功：支付渠道未能完成付款。订单仍为待支付，所选服务券未被扣减，请稍后重试。")
            done = result.status == "succeeded"
            s.add(Payment(order_id=order.id, provider=adapter.name, external_id=result.external_id, amount_fen=cash,
                          status="succeeded" if done else "pending", created_at=now, finished_at=now if done else None))
            if not done:
                order.status, order.paid_at = "paying", None
        if order.status == "paid":
            _count_sales(s, items)
        s.flush()
        audit.record(s, actor.account_id, "market.order_paid" if order.status == "paid" else "market.order_paying",
                     "market_order", order.id, {"voucher_fen": order.voucher_fen, "cash_fen": cash,
                                                "vouchers": dict(zip(map(str, ids), takes))}, request_id=request_id)
        return {**_summary(order), "takes": takes}


def _count_sales(s: Session, items: Sequence[OrderItem]) -> None:
    for item in items:
        s.execute(update(Listing).where(Listing.id == item.listing_id).values(sales=Listing.sales + item.quantity)
                  .execution_options(synchronize_session=False))


def confirm_payment(external_id: str) -> str:
    """Settle an asynchronous provider's pending charge (called by its notification or a job): ask
    ``confirm``; succeeded → the order is paid; failed → the vouchers get their amounts back and the
    order is unpaid again. Return the order's status."""
    with session_scope() as s:
        pay_row = s.scalar(select(Payment).where(Payment.external_id == external_id).with_for_update())
        if pay_row is None:
            raise NotFound("支付记录不存在。")
        order = s.get(MarketOrder, pay_row.order_id, with_for_update=True)
        assert order is not None
        if pay_row.status != "pending" or order.status != "paying":
            return order.status
        result = payment.provider().confirm(external_id)
        if result.status == "pending":
            return order.status
        now = utcnow()
        pay_row.status, pay_row.finished_at = result.status, now
        items = s.scalars(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)).all()
        if result.status == "succeeded":
            order.status, order.paid_at = "paid", now
            _count_sales(s, items)
        else:
            for use in s.scalars(select(VoucherUse).where(VoucherUse.order_id == order.id)).all():
                s.execute(update(Voucher).where(Voucher.id == use.voucher_id)
                          .values(balance_fen=Voucher.balance_fen + use.amount_fen)
                          .execution_options(synchronize_session=False))
                s.delete(use)
            for item in items:
                item.voucher_fen = item.cash_fen = 0
            order.status, order.voucher_fen, order.cash_fen = "unpaid", 0, 0
        audit.record(s, None, f"market.payment_{result.status}", "market_order", order.id, {"external_id": external_id})
        return order.status


# --- cancel / complete -------------------------------------------------------------------------
def cancel(actor: Actor, order_id: int, request_id: str | None = None) -> str:
    """Cancel (取消订单) an unpaid order of the actor's enterprise; return its status ("cancelled")."""
    with session_scope() as s:
        org = certified_org(s, actor, P_MARKET_BUY, "enterprise")
        if request_id and audit.replayed(s, request_id) is not None:
            return "cancelled"
        done = s.execute(update(MarketOrder)
                         .where(MarketOrder.id == order_id, MarketOrder.buyer_org_id == org.id,
                                MarketOrder.status == "unpaid")
                         .values(status="cancelled", cancelled_at=utcnow(), row_version=MarketOrder.row_version + 1)
                         .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise _moved(_own_order(s, order_id, org.id), "取消")
        audit.record(s, actor.account_id, "market.order_cancelled", "market_order", order_id, {}, request_id=request_id)
        return "cancelled"


def complete(actor: Actor | None, order_id: int, request_id: str | None = None) -> str:
    """Mark a paid order delivered (已完成); return its status ("completed"). Who: the provider whose listings are every line of the
    order (完成交付 on its 订单管理), the platform operator, or the system (``actor=None``)."""
    with session_scope() as s:
        order = s.get(MarketOrder, order_id)
        if actor is not None:
            if has_perm(actor, P_MARKET_OPERATE):
                pass
            else:
                org = provider_org(s, actor, ORDERS)
                providers = set(s.scalars(select(OrderItem.provider_org_id).where(OrderItem.order_id == order_id)))
                if order is None or org.id not in providers:
                    raise NotFound("订单不存在。")
                if providers != {org.id}:
                    raise PermissionDenied("该订单含其他服务商的商品，由平台运营人员确认完成。")
        if order is None:
            raise NotFound("订单不存在。")
        if request_id and audit.replayed(s, request_id) is not None:
            return "completed"
        done = s.execute(update(MarketOrder).where(MarketOrder.id == order_id, MarketOrder.status == "paid")
                         .values(status="completed", completed_at=utcnow(), row_version=MarketOrder.row_version + 1)
                         .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            s.refresh(order)
            raise _moved(order, "完成交付")
        audit.record(s, actor.account_id if actor else None, "market.order_completed", "market_order", order_id, {},
                     request_id=request_id)
        return "completed"


# --- lists -------------------------------------------------------------------------------------
def _org_of(actor: Actor, perm: str) -> int:
    require(actor, perm)
    if actor.org_id is None:
        raise PermissionDenied("此功能仅对已认证的服务商或企业开放。")
    return actor.org_id


def my_orders(actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
    """我的订单 of the actor's enterprise, newest first: id, order_no, listing_name (商品名称; "… 等 N 项"
    for several lines), listing_id (of the first line), order_type, pay_status, status, status_label,
    total_fen, voucher_fen, cash_fen, created_at."""
    org_id = _org_of(actor, P_MARKET_BUY)
    if status is not None and status not in STATUS["market_order"]:
        raise ValidationFailed({"订单状态": ["订单状态：请选择列表中的状态。"]})
    with session_scope(read=True) as s:
        q = select(MarketOrder).where(MarketOrder.buyer_org_id == org_id)
        if status:
            q = q.where(MarketOrder.status == status)
        orders = s.scalars(q.order_by(MarketOrder.created_at.desc(), MarketOrder.id.desc()).limit(1000)).all()
        first: dict[int, OrderItem] = {}
        counts: dict[int, int] = {}
        if orders:
            for item in s.scalars(select(OrderItem).where(OrderItem.order_id.in_([o.id for o in orders]))
                                  .order_by(OrderItem.id)):
                first.setdefault(item.order_id, item)
                counts[item.order_id] = counts.get(item.order_id, 0) + 1
        out = []
        for o in orders:
            head = first.get(o.id)
            name = head.listing_name if head else ""
            if counts.get(o.id, 0) > 1:
                name += f" 等 {counts[o.id]} 项"
            out.append({"id": o.id, "order_no": o.order_no, "listing_name": name,
                        "listing_id": head.listing_id if head else None, "order_type": ORDER_TYPE,
                        "pay_status": pay_status(o), "status": o.status, "status_label": status_label(o.status),
                        "total_fen": o.total_fen, "voucher_fen": o.voucher_fen, "cash_fen": o.cash_fen,
                        "created_at": o.created_at})
        return out


def provider_orders(actor: Actor) -> list[dict[str, Any]]:
    """订单管理 of a provider: the order lines of its own listings, newest first: item_id, order_id,
    order_no, listing_id, listing_name, spec_name, quantity, order_type, amount_fen (价格), voucher_fen
    (抵扣金额), cash_fen (实付金额), buyer (订购用户), ordered_at, status, status_label, can_complete."""
    with session_scope(read=True) as s:
        org_id = provider_org(s, actor, ORDERS).id
        rows = s.execute(select(OrderItem, MarketOrder, Organisation.name)
                         .join(MarketOrder, MarketOrder.id == OrderItem.order_id)
                         .join(Organisation, Organisation.id == MarketOrder.buyer_org_id)
                         .where(OrderItem.provider_org_id == org_id)
                         .order_by(MarketOrder.created_at.desc(), OrderItem.id.desc()).limit(1000)).all()
        mixed = set()
        if rows:
            mixed = set(s.scalars(select(OrderItem.order_id)
                                  .where(OrderItem.order_id.in_({o.id for _, o, _ in rows}),
                                         OrderItem.provider_org_id != org_id)))
        return [{"item_id": i.id, "order_id": o.id, "order_no": o.order_no, "listing_id": i.listing_id,
                 "listing_name": i.listing_name, "spec_name": i.spec_name, "quantity": i.quantity,
                 "order_type": ORDER_TYPE, "amount_fen": i.amount_fen, "voucher_fen": i.voucher_fen,
                 "cash_fen": i.cash_fen, "buyer": buyer, "ordered_at": o.created_at, "status": o.status,
                 "status_label": status_label(o.status), "can_complete": o.status == "paid" and o.id not in mixed}
                for i, o, buyer in rows]


def order_detail(actor: Actor, order_id: int) -> dict[str, Any]:
    """One order as its buyer sees it (every line), or as a provider with lines in it sees it (only
    its own lines). Keys: the summary (order_id, order_no, status, status_label, total_fen,
    voucher_fen, cash_fen), pay_status, order_type, buyer, created_at, paid_at, completed_at,
    cancelled_at, items [{id, listing_id, listing_name, spec_name, purchase_mode, quantity,
    unit_price_fen, amount_fen, voucher_fen, cash_fen}], payments [{provider, external_id, amount_fen,
    status, created_at}] (buyer only). ``NotFound`` for anyone else."""
    with session_scope(read=True) as s:
        order = s.get(MarketOrder, order_id)
        if order is None:
            raise NotFound("订单不存在。")
        buyer_view = has_perm(actor, P_MARKET_BUY) and actor.org_id == order.buyer_org_id
        q = select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)
        if not buyer_view:
            if not (has_perm(actor, P_MARKET_SELL) and actor.org_id is not None):
                raise NotFound("订单不存在。")
            provider_org(s, actor, ORDERS)
            q = q.where(OrderItem.provider_org_id == actor.org_id)
        items = s.scalars(q).all()
        if not items and not buyer_view:
            raise NotFound("订单不存在。")
        buyer = s.get(Organisation, order.buyer_org_id)
        payments = [] if not buyer_view else [
            {"provider": p.provider, "external_id": p.external_id, "amount_fen": p.amount_fen, "status": p.status,
             "created_at": p.created_at}
            for p in s.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))]
        return {**_summary(order), "pay_status": pay_status(order), "order_type": ORDER_TYPE,
                "buyer": buyer.name if buyer else "", "created_at": order.created_at, "paid_at": order.paid_at,
                "completed_at": order.completed_at, "cancelled_at": order.cancelled_at,
                "items": [{"id": i.id, "listing_id": i.listing_id, "listing_name": i.listing_name,
                           "spec_name": i.spec_name, "purchase_mode": i.purchase_mode, "quantity": i.quantity,
                           "unit_price_fen": i.unit_price_fen, "amount_fen": i.amount_fen,
                           "voucher_fen": i.voucher_fen, "cash_fen": i.cash_fen} for i in items],
                "payments": payments}


def pay_listing_ids(actor: Actor, order_id: int) -> list[int]:
    """The listings of an unpaid order of the actor's enterprise (for ``vouchers.eligible``)."""
    org_id = _org_of(actor, P_MARKET_BUY)
    with session_scope(read=True) as s:
        _own_order(s, order_id, org_id)
        return sorted(set(s.scalars(select(OrderItem.listing_id).where(OrderItem.order_id == order_id))))


