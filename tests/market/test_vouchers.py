"""Service vouchers (服务券): the deduction rule, activities, grabbing and spending, on both databases."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update

import clock
from db.base import as_utc
from db.engine import session_scope
from db.market import MarketOrder, Voucher, VoucherActivity, VoucherType, VoucherUse
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.market import vouchers
from tests.factories import make_enterprise_user
from tests.market.factories import listed_listing, people

UTC = dt.timezone.utc
# Fixed dates (China time): the activity runs 2027-03-01 00:00 – 2027-03-31 24:00.
BEFORE = "2027-02-28T23:59:00"
DURING = "2027-03-10T10:00:00"
LAST_MINUTE = "2027-03-31T23:59:00"
AFTER = "2027-04-01T00:00:00"


def spec(**over: Any) -> dict[str, Any]:
    t = {"name": "数字化诊断券", "face_value_fen": 10_000, "quantity": 5, "per_enterprise_limit": 2}
    t.update(over.pop("type", {}))
    out: dict[str, Any] = {"name": "2027 春季服务券", "starts_at": "2027-03-01T00:00", "ends_at": "2027-04-01T00:00",
                           "types": [t]}
    out.update(over)
    return out


def new_activity(operator, **over: Any) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Create an activity (at a date before it starts); return (activity id, its first type id)."""
    with clock.travel("2027-02-01T09:00"):
        aid = vouchers.create_activity(operator, spec(**over))
    return aid, vouchers.activity_types(aid)[0]["id"]


def make_order(org_id: int, total: int) -> int:
    with session_scope() as s:
        n = s.scalar(select(func.count()).select_from(MarketOrder)) or 0
        order = MarketOrder(order_no=f"T{org_id:06d}{n:08d}", buyer_org_id=org_id, total_fen=total)
        s.add(order)
        s.flush()
        return order.id


def balance(vid: int) -> int:
    with session_scope() as s:
        v = s.get(Voucher, vid)
        assert v is not None
        return v.balance_fen


# --- settle: the rule -------------------------------------------------------------------------
@pytest.mark.parametrize(("total", "balances", "cash", "takes"), [
    (10_000, [3_000, 5_000], 2_000, [3_000, 5_000]),     # both used up, cash for the rest
    (10_000, [5_000, 8_000], 0, [5_000, 5_000]),         # the second keeps 3,000
    (10_000, [8_000, 5_000], 0, [8_000, 2_000]),         # the order given decides who pays
    (3_000, [50_000], 0, [3_000]),                       # larger than the total: pays it in full
    (10_000, [10_000, 4_000], 0, [10_000, 0]),           # nothing left to pay: the second is untouched
    (0, [5_000, 1], 0, [0, 0]),                          # zero total
    (7_000, [], 7_000, []),
    (5_000, [0, 6_000], 0, [0, 5_000]),
])
def test_settle_applies_vouchers_in_order(total: int, balances: list[int], cash: int, takes: list[int]) -> None:
    assert vouchers.settle(total, balances) == (cash, takes)
    assert cash + sum(takes) == total
    assert all(0 <= t <= b for t, b in zip(takes, balances))


@pytest.mark.parametrize(("total", "balances"), [(-1, [100]), (100, [50, -1])])
def test_settle_refuses_negative_amounts(total: int, balances: list[int]) -> None:
    with pytest.raises(ValueError):
        vouchers.settle(total, balances)


# --- activities ---------------------------------------------------------------------------------
def test_create_activity_stores_china_time_as_utc_and_types(db: str) -> None:
    p = people()
    aid, _ = new_activity(p.operator, type={"valid_days": 90})
    with session_scope() as s:
        a = s.get(VoucherActivity, aid)
        assert a is not None
        assert as_utc(a.starts_at) == dt.datetime(2027, 2, 28, 16, 0, tzinfo=UTC)
        assert as_utc(a.ends_at) == dt.datetime(2027, 3, 31, 16, 0, tzinfo=UTC)
    types = vouchers.activity_types(aid)
    assert [(t["name"], t["face_value_fen"], t["quantity"], t["remaining"], t["per_enterprise_limit"], t["valid_days"])
            for t in types] == [("数字化诊断券", 10_000, 5, 5, 2, 90)]
    with clock.travel("2026-12-01T00:00"):
        other = vouchers.create_activity(p.operator, spec(starts_at="2027-01-01T00:00", ends_at="2027-01-02T00:00"))
    with session_scope() as s:
        a = s.get(VoucherActivity, other)
        assert a is not None and as_utc(a.starts_at) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    with pytest.raises(NotFound):
        vouchers.activity_types(999_999)


def test_create_activity_names_every_field(db: str) -> None:
    p = people()
    bad = {"name": "", "description": "说" * 1001, "starts_at": "明天", "ends_at": "0001-01-01T00:00",
           "region_code": "999999",
           "types": [{"name": "券" * 101, "face_value_fen": 0, "quantity": "²", "per_enterprise_limit": 101,
                      "valid_days": 0, "listing_ids": ["x"]}, "不是字典"]}
    with clock.travel("2027-02-01T09:00"), pytest.raises(ValidationFailed) as err:
        vouchers.create_activity(p.operator, bad)
    assert set(err.value.problems) == {"活动名称", "活动说明", "开始时间", "结束时间", "面向地区", "第 1 种服务券名称",
                                       "第 1 种服务券面值（分）", "第 1 种服务券数量", "第 1 种服务券每家企业限领",
                                       "第 1 种服务券有效天数", "第 1 种服务券适用商品", "第 2 种服务券"}
    for field, messages in err.value.problems.items():
        assert all(m.startswith(field + "：") for m in messages), messages
    with clock.travel("2027-02-01T09:00"):
        with pytest.raises(ValidationFailed) as err:
            vouchers.create_activity(p.operator, spec(starts_at="2027-03-02T00:00", ends_at="2027-03-01T00:00"))
        assert err.value.problems == {"结束时间": ["结束时间：须晚于开始时间。"]}
        with pytest.raises(ValidationFailed) as err:
            vouchers.create_activity(p.operator, spec(types=[]))
        assert list(err.value.problems) == ["服务券类型"]
        with pytest.raises(ValidationFailed, match="商品编号 424242 不存在"):
            vouchers.create_activity(p.operator, spec(type={"listing_ids": [424242]}))
    with clock.travel("2027-05-01T09:00"), pytest.raises(ValidationFailed, match="须晚于当前时间"):
        vouchers.create_activity(p.operator, spec())
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(VoucherActivity)) == 0


def test_only_an_operator_creates_or_stops_activities(db: str) -> None:
    p = people()
    with clock.travel("2027-02-01T09:00"):
        for who in (p.buyer, p.provider, p.expert):
            with pytest.raises(PermissionDenied):
                vouchers.create_activity(who, spec())
    aid, _ = new_activity(p.operator)
    with pytest.raises(PermissionDenied):
        vouchers.stop_activity(p.buyer, aid)
    with pytest.raises(PermissionDenied):
        vouchers.activity_stats(p.buyer, aid)


def test_a_double_submit_creates_one_activity(db: str) -> None:
    p = people()
    with clock.travel("2027-02-01T09:00"):
        first = vouchers.create_activity_once(p.operator, spec(), "rid-act-1")
        assert vouchers.create_activity_once(p.operator, spec(), "rid-act-1") == first
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(VoucherActivity)) == 1


# --- grabbing -----------------------------------------------------------------------------------
def test_grab_until_sold_out(db: str) -> None:
    p = people()
    _, tid = new_activity(p.operator, type={"quantity": 3, "per_enterprise_limit": 1})
    buyers = [make_enterprise_user("370102")[0] for _ in range(4)]
    with clock.travel(DURING):
        ids = [vouchers.grab(b, tid) for b in buyers[:3]]
        with pytest.raises(Conflict, match="抢完"):
            vouchers.grab(buyers[3], tid)
    assert len(set(ids)) == 3
    assert vouchers.activity_types(vouchers_activity(tid))[0]["remaining"] == 0
    with session_scope() as s:
        v = s.get(Voucher, ids[0])
        assert v is not None and v.balance_fen == v.face_value_fen == 10_000
        # valid for the type's days from the grab
        assert as_utc(v.valid_until) - as_utc(v.granted_at) == dt.timedelta(days=365)  # type: ignore[operator]


def vouchers_activity(type_id: int) -> int:
    with session_scope() as s:
        t = s.get(VoucherType, type_id)
        assert t is not None
        return t.activity_id


def test_grab_over_the_enterprise_limit_leaves_the_stock(db: str) -> None:
    p = people()
    _, tid = new_activity(p.operator, type={"quantity": 5, "per_enterprise_limit": 2})
    colleague = make_colleague(p.buyer_org)
    with clock.travel(DURING):
        vouchers.grab(p.buyer, tid)
        vouchers.grab(colleague, tid)          # the limit is per enterprise, not per account
        with pytest.raises(Conflict, match="限领 2 张"):
            vouchers.grab(p.buyer, tid)
    assert vouchers.activity_types(vouchers_activity(tid))[0]["remaining"] == 3
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Voucher).where(Voucher.org_id == p.buyer_org)) == 2


def make_colleague(org_id: int):  # type: ignore[no-untyped-def]
    from services.identity.accounts import create_account
    from tests.factories import PASSWORD, actor_of
    create_account(f"tongshi{org_id:04d}", PASSWORD, ["enterprise"], org_id=org_id, phone="13800000001")
    return actor_of(f"tongshi{org_id:04d}")


@pytest.mark.parametrize(("when", "ok"), [(BEFORE, False), ("2027-03-01T00:00:00", True), (LAST_MINUTE, True),
                                           (AFTER, False)])
def test_grab_only_inside_the_activity_time(db: str, when: str, ok: bool) -> None:
    p = people()
    _, tid = new_activity(p.operator)
    with clock.travel(when, freeze=True):
        if ok:
            assert vouchers.grab(p.buyer, tid) > 0
        else:
            with pytest.raises(Conflict, match="不在活动时间内"):
                vouchers.grab(p.buyer, tid)
    assert vouchers.activity_types(vouchers_activity(tid))[0]["remaining"] == (4 if ok else 5)


def test_a_stopped_activity_cannot_be_grabbed(db: str) -> None:
    p = people()
    aid, tid = new_activity(p.operator)
    vouchers.stop_activity(p.operator, aid)
    with pytest.raises(Conflict, match="已经停止"):
        vouchers.stop_activity(p.operator, aid)
    with clock.travel(DURING), pytest.raises(Conflict):
        vouchers.grab(p.buyer, tid)


def test_uncertified_or_wrong_kind_cannot_grab(db: str) -> None:
    p = people()
    _, tid = new_activity(p.operator)
    pending, _ = make_enterprise_user("370102", status="pending")
    with clock.travel(DURING):
        with pytest.raises(PermissionDenied, match="认证尚未通过"):
            vouchers.grab(pending, tid)
        for who in (p.provider, p.operator):
            with pytest.raises(PermissionDenied):
                vouchers.grab(who, tid)
        with pytest.raises(NotFound):
            vouchers.grab(p.buyer, 999_999)
    assert vouchers.activity_types(vouchers_activity(tid))[0]["remaining"] == 5


def test_region_limited_activity(db: str) -> None:
    p = people()                                     # buyer in 370102 (济南市历下区)
    _, tid = new_activity(p.operator, region_code="370100")
    outsider, _ = make_enterprise_user("320102")    # 南京
    with clock.travel(DURING):
        assert vouchers.grab(p.buyer, tid) > 0
        with pytest.raises(PermissionDenied, match="指定地区"):
            vouchers.grab(outsider, tid)
        assert [a["id"] for a in vouchers.list_activities(outsider)] == []
        assert len(vouchers.list_activities(p.buyer)) == 1


def test_a_double_submitted_grab_grabs_once(db: str) -> None:
    p = people()
    _, tid = new_activity(p.operator)
    with clock.travel(DURING):
        first = vouchers.grab_once(p.buyer, tid, "rid-grab-1")
        assert vouchers.grab_once(p.buyer, tid, "rid-grab-1") == first
    assert vouchers.activity_types(vouchers_activity(tid))[0]["remaining"] == 4


# --- spending -----------------------------------------------------------------------------------
def grabbed(p, **type_over: Any) -> int:  # type: ignore[no-untyped-def]
    _, tid = new_activity(p.operator, type=type_over)
    with clock.travel(DURING):
        return vouchers.grab(p.buyer, tid)


def test_spend_takes_in_order_and_writes_uses(db: str) -> None:
    p = people()
    listing, _ = listed_listing(p.provider_org)
    a = grabbed(p, face_value_fen=3_000)
    b = grabbed(p, face_value_fen=5_000)
    order = make_order(p.buyer_org, 7_000)
    with clock.travel(DURING), session_scope() as s:
        assert vouchers.spend(s, p.buyer_org, [a, b], order, 7_000, [listing]) == (0, [3_000, 4_000])
    assert (balance(a), balance(b)) == (0, 1_000)
    with session_scope() as s:
        uses = sorted((u.voucher_id, u.order_id, u.amount_fen) for u in s.scalars(select(VoucherUse)))
    assert uses == [(a, order, 3_000), (b, order, 4_000)]
    # the rest of b pays part of the next order; cash for what is left
    order2 = make_order(p.buyer_org, 2_500)
    with clock.travel(DURING), session_scope() as s:
        assert vouchers.spend(s, p.buyer_org, [a, b], order2, 2_500, [listing]) == (1_500, [0, 1_000])
    assert balance(b) == 0
    detail = vouchers.voucher_detail(p.buyer, b)
    assert [u["amount_fen"] for u in detail["uses"]] == [4_000, 1_000]
    assert detail["status_label"] == "已用完"


def test_spend_sees_the_balance_under_the_lock_not_a_stale_copy(db: str) -> None:
    p = people()
    listing, _ = listed_listing(p.provider_org)
    vid = grabbed(p, face_value_fen=5_000)
    order = make_order(p.buyer_org, 4_000)
    with clock.travel(DURING), session_scope() as s:
        assert s.get(Voucher, vid).balance_fen == 5_000  # type: ignore[union-attr]  # loaded into this session
        # the balance changes behind the session's back (as another payment committing would)
        s.execute(update(Voucher).where(Voucher.id == vid).values(balance_fen=1_000)
                  .execution_options(synchronize_session=False))
        assert vouchers.spend(s, p.buyer_org, [vid], order, 4_000, [listing]) == (3_000, [1_000])
        assert s.get(Voucher, vid).balance_fen == 0  # type: ignore[union-attr]
    assert balance(vid) == 0


def test_spend_refuses_foreign_expired_inapplicable_and_duplicate_vouchers(db: str) -> None:
    p = people()
    listing, _ = listed_listing(p.provider_org)
    other_listing, _ = listed_listing(p.provider_org)
    mine = grabbed(p, valid_days=30)
    limited = grabbed(p, listing_ids=[listing])
    stranger, stranger_org = make_enterprise_user("370102")
    _, tid = new_activity(p.operator)
    with clock.travel(DURING):
        foreign = vouchers.grab(stranger, tid)
    order = make_order(p.buyer_org, 1_000)
    cases = [
        ([foreign], DURING, [listing], PermissionDenied, "本单位"),
        ([999_999], DURING, [listing], PermissionDenied, "本单位"),
        ([mine], "2027-06-01T00:00", [listing], Conflict, "有效期"),        # 30 days after the grab
        ([limited], DURING, [listing, other_listing], Conflict, "不适用"),
        ([mine, mine], DURING, [listing], ValidationFailed, "只能选择一次"),
    ]
    for ids, when, listings, error, words in cases:
        with clock.travel(when), pytest.raises(error, match=words), session_scope() as s:
            vouchers.spend(s, p.buyer_org, ids, order, 1_000, listings)
    assert (balance(mine), balance(limited), balance(foreign)) == (10_000, 10_000, 10_000)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(VoucherUse)) == 0
        with pytest.raises(ValueError):
            vouchers.spend(s, p.buyer_org, [], order, -1, [listing])
    # the limited one pays for its own listing
    with clock.travel(DURING), session_scope() as s:
        assert vouchers.spend(s, p.buyer_org, [limited], order, 1_000, [listing]) == (0, [1_000])
    assert stranger_org != p.buyer_org


def test_eligible_offers_usable_vouchers_only(db: str) -> None:
    p = people()
    listing, _ = listed_listing(p.provider_org)
    other_listing, _ = listed_listing(p.provider_org)
    any_ = grabbed(p, valid_days=300)
    limited = grabbed(p, listing_ids=[other_listing], valid_days=200)
    with clock.travel(DURING):
        assert [v["id"] for v in vouchers.eligible(p.buyer, [listing])] == [any_]
        assert [v["id"] for v in vouchers.eligible(p.buyer, [other_listing])] == [limited, any_]


# --- what enterprises and operators see ---------------------------------------------------------
def test_list_activities_and_my_vouchers(db: str) -> None:
    p = people()
    aid, tid = new_activity(p.operator, type={"face_value_fen": 20_000, "valid_days": 10})
    with clock.travel(DURING, freeze=True):
        rows = vouchers.list_activities(p.buyer)
        assert [(r["id"], r["starts_at"], r["ends_at"], r["status_label"], r["type_count"]) for r in rows] == [
            (aid, "2027-03-01 00:00", "2027-04-01 00:00", "进行中", 1)]
        vid = vouchers.grab(p.buyer, tid)
        mine = vouchers.my_vouchers(p.buyer)
        assert [(v["id"], v["name"], v["balance_fen"], v["face_value_fen"], v["valid_until"], v["status_label"],
                 v["billing_mode"]) for v in mine] == [(vid, "数字化诊断券", 20_000, 20_000, "2027-03-20 10:00",
                                                        "可使用", "单独计价")]
        stranger, _ = make_enterprise_user("370102")
        assert vouchers.my_vouchers(stranger) == []
        with pytest.raises(NotFound):
            vouchers.voucher_detail(stranger, vid)
    with clock.travel("2027-03-25T00:00"):
        assert vouchers.my_vouchers(p.buyer)[0]["status_label"] == "已过期"
    with clock.travel(AFTER):
        assert vouchers.list_activities(p.buyer) == []
        assert [r["status_label"] for r in vouchers.list_activities(p.buyer, include_ended=True)] == ["已结束"]
    vouchers.stop_activity(p.operator, aid)
    with clock.travel(DURING):
        assert vouchers.list_activities(p.buyer, include_ended=True) == []
        assert [r["status_label"] for r in vouchers.list_activities(p.operator, include_ended=True)] == ["已停止"]
    with pytest.raises(PermissionDenied):
        vouchers.my_vouchers(p.operator)


def test_activity_stats_by_region(db: str) -> None:
    p = people()                                                    # buyer: 济南 370102
    aid, tid = new_activity(p.operator, type={"quantity": 10, "per_enterprise_limit": 3, "face_value_fen": 1_000})
    nanjing = [make_enterprise_user("320102") for _ in range(2)]
    suzhou, _ = make_enterprise_user("320505")
    listing, _ = listed_listing(p.provider_org)
    with clock.travel(DURING):
        jinan = [vouchers.grab(p.buyer, tid) for _ in range(3)]
        nj = [vouchers.grab(a, tid) for a, _ in nanjing]
        vouchers.grab(suzhou, tid)
        orders = make_order(p.buyer_org, 1_500), make_order(nanjing[0][1], 400)
        with session_scope() as s:
            vouchers.spend(s, p.buyer_org, jinan[:2], orders[0], 1_500, [listing])
            vouchers.spend(s, nanjing[0][1], nj[:1], orders[1], 400, [listing])
    by_province = {r["region"]: (r["granted_count"], r["granted_fen"], r["used_fen"], r["used_count"])
                   for r in vouchers.activity_stats(p.operator, aid)}
    assert by_province == {"江苏省": (3, 3_000, 400, 1), "山东省": (3, 3_000, 1_500, 2)}
    by_city = {r["region"]: (r["granted_count"], r["used_fen"]) for r in vouchers.activity_stats(p.operator, aid, "city")}
    assert by_city == {"济南市": (3, 1_500), "南京市": (2, 400), "苏州市": (1, 0)}
    with pytest.raises(ValidationFailed):
        vouchers.activity_stats(p.operator, aid, "county")
    with pytest.raises(NotFound):
        vouchers.activity_stats(p.operator, 999_999)


def test_applicable_listings_of_a_type_are_bounded(db: str) -> None:
    p = people()
    too_many = list(range(1, vouchers.MAX_LISTINGS + 2))
    with clock.travel("2027-02-01T09:00"), pytest.raises(ValidationFailed) as err:
        vouchers.create_activity(p.operator, spec(type={"listing_ids": too_many}))
    assert err.value.problems == {"第 1 种服务券适用商品": [
        f"第 1 种服务券适用商品：最多 {vouchers.MAX_LISTINGS} 个商品（当前 {len(too_many)} 个），更多请选择不限。"]}
