"""Service vouchers (服务券): activities, grabbing (抢券) and spending, without overselling.

Documented API (README «市场 API»; signatures stable):

- ``settle(total_fen, balances_fen) -> (cash, takes)`` — the deduction rule, a pure function.
- ``create_activity(actor, spec) -> activity id`` — an operator creates an activity with its types.
- ``activity_types(activity_id) -> list[dict]`` — each with ``id``, ``quantity``, ``remaining`` ….
- ``grab(actor, type_id) -> voucher id`` — ``Conflict`` when sold out, over the enterprise's limit, or
  outside the activity's time.

Also: ``spend(session, org_id, voucher_ids, order_id, total_fen, listing_ids)`` inside the payment's
transaction, ``eligible(actor, listing_ids)`` for the payment page, ``list_activities``,
``my_vouchers``, ``voucher_detail``, ``stop_activity`` and ``activity_stats`` (per region, SQL GROUP BY)
for the pages, ``spec_from_table`` for the operator's form. ``create_activity_once``, ``grab_once`` and
``stop_activity`` take a ``request_id``: a double submit does the action once.

How overselling is prevented (Saleor, django-oscar, Shopware and eventyay all shipped the
check-then-write race):

- **Stock**: one conditional ``UPDATE voucher_type SET remaining = remaining - 1 WHERE id = :id AND
  remaining > 0``; no row changed means sold out. The check and the write are one statement.
- **Per-enterprise limit**: counted *after* that UPDATE, which holds the type's row lock until commit
  (PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` serialises writers), so two grabs of one enterprise
  are serialised and the second sees the first's voucher; over the limit raises ``Conflict`` and the
  rollback returns the stock. The voucher and audit rows are written *before* the UPDATE, so the lock
  every grab of the type queues on is held only for the UPDATE, that count and the commit; a grab
  that committed state already refuses (sold out, limit reached) does not queue at all.
- **Balance**: ``spend`` locks the chosen vouchers (``FOR UPDATE``, in id order), computes ``settle``
  on the locked balances, then ``UPDATE voucher SET balance_fen = balance_fen - :take WHERE id = :id
  AND balance_fen >= :take`` — a balance is never spent twice, and the CHECK constraint
  ``balance_fen >= 0`` is the last line.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.base import as_utc, utcnow
from db.engine import session_scope
from db.market import Listing, MarketOrder, Voucher, VoucherActivity, VoucherType, VoucherUse
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.permissions import P_MARKET_BUY, Actor, require
from services.core.timefmt import china_time
from services.market.access import certified_org
from services.market.voucher_activities import open_now

# The activities half lives in services/market/voucher_activities.py; the documented API (create_activity,
# activity_types) and what the pages read stay reachable as services.market.vouchers.*.
from services.market.voucher_activities import (ACTIVITY_STATUS, MAX_LIMIT, MAX_LISTINGS, MAX_QUANTITY,  # noqa: F401,E402
                                                MAX_TYPES, MAX_VALID_DAYS, STAT_LEVELS, TYPE_COLUMNS, activity_stats,
                                                activity_types, create_activity, create_activity_once, list_activities,
                                                spec_from_table, stop_activity, validate_activity)


# --- the rule ----------------------------------------------------------------------------------
def settle(total_fen: int, balances_fen: list[int]) -> tuple[int, list[int]]:
    """Apply vouchers in the order given: each takes the smaller of its balance and what is still unpaid.

    Return (cash still to pay, amount taken from each voucher). What a voucher does not use stays on
    it; a voucher larger than the total pays it in full. ``ValueError`` on a negative amount."""
    if total_fen < 0 or any(b < 0 for b in balances_fen):
        raise ValueError("金额不能为负数。")
    unpaid = int(total_fen)
    takes: list[int] = []
    for balance in balances_fen:
        take = min(int(balance), unpaid)
        takes.append(take)
        unpaid -= take
    return unpaid, takes


# --- grabbing ----------------------------------------------------------------------------------
def grab_in(session: Session, actor: Actor, type_id: int, request_id: str | None = None) -> int:
    """``grab`` inside the caller's transaction."""
    if (done := audit.replayed(session, request_id)) is not None:
        return int(done.target_id or 0)
    org = certified_org(session, actor, P_MARKET_BUY, "enterprise")
    row = session.execute(select(VoucherType, VoucherActivity).join(VoucherActivity)   # fresh, not a copy the
                          .where(VoucherType.id == type_id)                              # caller loaded earlier
                          .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("服务券不存在。")
    vtype, activity = row
    now = utcnow()
    if not open_now(activity, now):
        raise Conflict("不在活动时间内：该服务券活动尚未开始或已经结束。")
    if activity.region_code and activity.region_code not in (org.province_code, org.city_code, org.county_code):
        raise PermissionDenied("该服务券活动只面向指定地区的企业。")
    sold_out = Conflict("来晚了：该服务券已被抢完。")
    over_limit = Conflict(f"每家企业限领 {vtype.per_enterprise_limit} 张该服务券，贵单位已领满。")

    def mine() -> int:
        return session.scalar(select(func.count()).select_from(Voucher)
                              .where(Voucher.type_id == type_id, Voucher.org_id == org.id)) or 0

    # Fast refusals from committed state, without queueing for the type's row lock (stock only goes
    # down and vouchers are never deleted, so these can only be right); the decisive checks follow.
    if vtype.remaining <= 0:
        raise sold_out
    if mine() >= vtype.per_enterprise_limit:
        raise over_limit
    # Write the voucher and its audit row first, so that the row lock below is held only for the
    # stock UPDATE, one count and the commit: every grab of this type queues on that lock.
    voucher = Voucher(type_id=type_id, org_id=org.id, account_id=actor.account_id,
                      face_value_fen=vtype.face_value_fen, balance_fen=vtype.face_value_fen,
                      valid_until=now + dt.timedelta(days=vtype.valid_days), granted_at=now)
    session.add(voucher)
    session.flush()
    audit.record(session, actor.account_id, "voucher.granted", "voucher", voucher.id,
                 {"type": type_id, "org": org.id}, request_id=request_id)
    taken = session.execute(update(VoucherType).where(VoucherType.id == type_id, VoucherType.remaining > 0)
                            .values(remaining=VoucherType.remaining - 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise sold_out                                   # the rollback removes the voucher
    # The UPDATE holds this type's row lock until commit, so the grabs of this type run this count one
    # after another: it sees every earlier grab of the enterprise (committed) plus this one.
    if mine() > vtype.per_enterprise_limit:
        raise over_limit                                 # the rollback returns the stock and the voucher
    return voucher.id


def grab(actor: Actor, type_id: int) -> int:
    """Grab (抢券 / 立即申请) one voucher of ``type_id`` for the actor's enterprise; return the new voucher's id.

    ``services.core.errors.Conflict`` when sold out, over the enterprise's limit, or outside the
    activity's time; ``PermissionDenied`` for an uncertified enterprise or a non-enterprise, or an
    enterprise outside the activity's region."""
    return grab_once(actor, type_id, None)


def grab_once(actor: Actor, type_id: int, request_id: str | None) -> int:
    """``grab`` for a button: a double submit under the same ``request_id`` grabs once and returns the
    first voucher's id."""
    with session_scope() as s:
        return grab_in(s, actor, type_id, request_id)


# --- spending ----------------------------------------------------------------------------------
def applies_to(listing_ids_of_type: list[int] | None, listing_ids: Collection[int]) -> bool:
    """A voucher type applies to an order when it is not limited, or covers every listing in it."""
    return listing_ids_of_type is None or set(listing_ids) <= set(listing_ids_of_type)


def spend(session: Session, org_id: int, voucher_ids: Sequence[int], order_id: int, total_fen: int,
          listing_ids: Collection[int]) -> tuple[int, list[int]]:
    """Pay ``total_fen`` of order ``order_id`` with the enterprise's vouchers, in the order given, inside
    the caller's transaction; return (cash still to pay, amount taken from each voucher).

    Locks the vouchers, checks each is the enterprise's, valid now, and applies to every listing of
    the order, then takes from each with a guarded UPDATE and writes a ``voucher_use`` row."""
    ids = list(voucher_ids)
    if total_fen < 0:
        raise ValueError("金额不能为负数。")
    if len(set(ids)) != len(ids):
        raise ValidationFailed({"服务券": ["服务券：同一张服务券只能选择一次。"]})
    if not ids:
        return total_fen, []
    # populate_existing: a voucher the caller's session loaded earlier gets the balance read under the lock
    rows = {v.id: v for v in session.scalars(select(Voucher).where(Voucher.id.in_(ids))
                                             .order_by(Voucher.id).with_for_update()
                                             .execution_options(populate_existing=True))}
    types = {t.id: t for t in session.scalars(select(VoucherType)
                                              .where(VoucherType.id.in_({v.type_id for v in rows.values()})))}
    now = utcnow()
    for vid in ids:
        v = rows.get(vid)
        if v is None or v.org_id != org_id:
            raise PermissionDenied("服务券：只能使用本单位领取的服务券。")
        valid_until = as_utc(v.valid_until)
        assert valid_until is not None
        if valid_until <= now:
            raise Conflict("服务券：所选服务券已过有效期。")
        if not applies_to(types[v.type_id].listing_ids, listing_ids):
            raise Conflict(f"服务券：「{types[v.type_id].name}」不适用于本订单中的商品。")
    cash, takes = settle(total_fen, [rows[vid].balance_fen for vid in ids])
    for vid, take in zip(ids, takes):
        if take == 0:
            continue
        done = session.execute(update(Voucher).where(Voucher.id == vid, Voucher.balance_fen >= take)
                               .values(balance_fen=Voucher.balance_fen - take)
                               .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("服务券余额刚刚发生变化，本次支付未完成，请刷新后重试。")
        session.expire(rows[vid], ["balance_fen"])  # the UPDATE changed it behind the session's back
        session.add(VoucherUse(voucher_id=vid, order_id=order_id, amount_fen=take, at=now))
    session.flush()
    return cash, takes


def eligible(actor: Actor, listing_ids: Collection[int]) -> list[dict[str, Any]]:
    """The actor's enterprise's vouchers that can pay for an order of ``listing_ids`` now (the payment
    page offers them): balance above zero, not expired, applicable; soonest expiry first."""
    require(actor, P_MARKET_BUY)
    if actor.org_id is None:
        return []
    now = utcnow()
    with session_scope(read=True) as s:
        rows = s.execute(select(Voucher, VoucherType).join(VoucherType)
                         .where(Voucher.org_id == actor.org_id, Voucher.balance_fen > 0, Voucher.valid_until > now)
                         .order_by(Voucher.valid_until, Voucher.id)).all()
        return [{"id": v.id, "name": t.name, "balance_fen": v.balance_fen, "face_value_fen": v.face_value_fen,
                 "valid_until": as_utc(v.valid_until)} for v, t in rows if applies_to(t.listing_ids, listing_ids)]



# --- what enterprises see -------------------------------------------------------------------------
VOUCHER_STATUS = {"usable": "可使用", "used_up": "已用完", "expired": "已过期"}
BILLING_MODE = "单独计价"          # the guide's 计费模式: every voucher is priced on its own


def _voucher_status(balance_fen: int, valid_until: dt.datetime, now: dt.datetime) -> str:
    if balance_fen <= 0:
        return "used_up"
    return "expired" if valid_until <= now else "usable"


def _voucher_row(v: Voucher, t: VoucherType, activity_name: str, now: dt.datetime) -> dict[str, Any]:
    valid_until = as_utc(v.valid_until)
    assert valid_until is not None
    status = _voucher_status(v.balance_fen, valid_until, now)
    return {"id": v.id, "name": t.name, "activity": activity_name, "balance_fen": v.balance_fen,
            "face_value_fen": v.face_value_fen, "granted_at": china_time(as_utc(v.granted_at)),
            "valid_until": china_time(valid_until), "status": status, "status_label": VOUCHER_STATUS[status],
            "billing_mode": BILLING_MODE, "listing_ids": t.listing_ids}


def my_vouchers(actor: Actor) -> list[dict[str, Any]]:
    """服务券查询: the vouchers of the actor's enterprise (and only those), newest first, each with name,
    balance, face value, validity (China time), status 可使用 / 已用完 / 已过期 and 计费模式."""
    require(actor, P_MARKET_BUY)
    if actor.org_id is None:
        return []
    now = utcnow()
    with session_scope(read=True) as s:
        rows = s.execute(select(Voucher, VoucherType, VoucherActivity.name).join(VoucherType, Voucher.type_id == VoucherType.id)
                         .join(VoucherActivity, VoucherType.activity_id == VoucherActivity.id)
                         .where(Voucher.org_id == actor.org_id)
                         .order_by(Voucher.granted_at.desc(), Voucher.id.desc()).limit(1000))
        return [_voucher_row(v, t, name, now) for v, t, name in rows]


def voucher_detail(actor: Actor, voucher_id: int) -> dict[str, Any]:
    """One voucher of the actor's enterprise with its uses (order number, amount, time, China time);
    another enterprise's voucher is ``NotFound``."""
    require(actor, P_MARKET_BUY)
    now = utcnow()
    with session_scope(read=True) as s:
        row = s.execute(select(Voucher, VoucherType, VoucherActivity.name).join(VoucherType, Voucher.type_id == VoucherType.id)
                        .join(VoucherActivity, VoucherType.activity_id == VoucherActivity.id)
                        .where(Voucher.id == voucher_id)).first()
        if row is None or actor.org_id is None or row[0].org_id != actor.org_id:
            raise NotFound("服务券不存在。")
        out = _voucher_row(row[0], row[1], row[2], now)
        uses = s.execute(select(VoucherUse.amount_fen, VoucherUse.at, MarketOrder.order_no)
                         .join(MarketOrder, VoucherUse.order_id == MarketOrder.id)
                         .where(VoucherUse.voucher_id == voucher_id).order_by(VoucherUse.id))
        out["uses"] = [{"order_no": no, "amount_fen": amount, "at": china_time(as_utc(at))} for amount, at, no in uses]
        names = (dict(s.execute(select(Listing.id, Listing.name).where(Listing.id.in_(out["listing_ids"]))).all())
                 if out["listing_ids"] else {})
        out["listings"] = [names.get(i, f"商品 {i}") for i in out["listing_ids"] or []]
        return out
