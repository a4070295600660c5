"""Service-voucher activities (服务券活动): an operator creates, lists, stops and reads the statistics of them.

``create_activity`` and ``activity_types`` are documented as ``services.market.vouchers.*`` (README) and stay
readable there; grabbing and spending — the part that must never oversell — is services/market/vouchers.py."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update

import clock

from db.base import as_utc, utcnow
from db.engine import session_scope
from db.market import Listing, Voucher, VoucherActivity, VoucherType
from db.organisation import Organisation
from db.reference import Region
from services.core import audit
from services.core.errors import Conflict, NotFound, ValidationFailed, check
from services.core.lengths import too_long
from services.core.permissions import P_MARKET_BUY, P_MARKET_OPERATE, Actor, has_perm, require
from services.core.timefmt import china_time
from services.market.money import MAX_FEN, parse_yuan
from services.reference import region, region_full_name


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100   # an activity's start and end lie in these years
MAX_QUANTITY = 1_000_000           # vouchers of one type
MAX_LIMIT = 100                    # per enterprise
MAX_VALID_DAYS = 3650
MAX_TYPES = 20                     # types in one activity
MAX_LISTINGS = 500                 # 适用商品 of one type (more: leave it 不限)


# --- activities --------------------------------------------------------------------------------
def _when(value: Any, field: str, problems: dict[str, list[str]]) -> dt.datetime | None:
    """An ISO date-time in China time (a value without offset is China time) → aware UTC."""
    try:
        parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        problems.setdefault(field, []).append(f"{field}：请填写日期时间，例如 2027-01-01 00:00。")
        return None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:  # also keeps astimezone() from overflowing at year 1 / 9999
        problems.setdefault(field, []).append(f"{field}：须在 {EARLIEST_YEAR}–{LATEST_YEAR} 年之间。")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.CHINA)
    return parsed.astimezone(dt.timezone.utc)


def _int_in(value: Any, field: str, low: int, high: int, problems: dict[str, list[str]]) -> int:
    # isdecimal, not isdigit: "²".isdigit() is True but int("²") raises
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.strip().isdecimal()):
        problems.setdefault(field, []).append(f"{field}：请填写 {low}–{high} 之间的整数。")
        return low
    number = int(value)
    if not low <= number <= high:
        problems.setdefault(field, []).append(f"{field}：须在 {low}–{high} 之间。")
    return number


def validate_activity(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the cleaned activity, or raise ``ValidationFailed`` naming every field and its rule."""
    problems: dict[str, list[str]] = {}
    name = str(spec.get("name") or "").strip()
    if not name:
        problems["活动名称"] = ["活动名称：必填项。"]
    problems.setdefault("活动名称", []).extend(too_long("活动名称", name, VoucherActivity.name))
    description = str(spec.get("description") or "").strip()
    problems["活动说明"] = too_long("活动说明", description, VoucherActivity.description)
    starts = _when(spec.get("starts_at"), "开始时间", problems)
    ends = _when(spec.get("ends_at"), "结束时间", problems)
    if starts and ends and ends <= starts:
        problems.setdefault("结束时间", []).append("结束时间：须晚于开始时间。")
    raw_types = spec.get("types") or []
    if not isinstance(raw_types, list) or not raw_types:
        problems["服务券类型"] = ["服务券类型：至少设置一种服务券。"]
        raw_types = []
    if len(raw_types) > MAX_TYPES:
        problems["服务券类型"] = [f"服务券类型：一个活动最多 {MAX_TYPES} 种。"]
    types = []
    for i, raw in enumerate(raw_types, 1):
        label = f"第 {i} 种服务券"
        if not isinstance(raw, dict):
            problems.setdefault(label, []).append(f"{label}：格式不正确（须含名称、面值、数量、每家企业限领）。")
            continue
        t_name = str(raw.get("name") or "").strip()
        if not t_name:
            problems.setdefault(f"{label}名称", []).append(f"{label}名称：必填项。")
        problems.setdefault(f"{label}名称", []).extend(too_long(f"{label}名称", t_name, VoucherType.name))
        face = _int_in(raw.get("face_value_fen"), f"{label}面值（分）", 1, MAX_FEN - 1, problems)
        quantity = _int_in(raw.get("quantity"), f"{label}数量", 1, MAX_QUANTITY, problems)
        limit = _int_in(raw.get("per_enterprise_limit", 1), f"{label}每家企业限领", 1, MAX_LIMIT, problems)
        valid_days = _int_in(raw.get("valid_days", 365), f"{label}有效天数", 1, MAX_VALID_DAYS, problems)
        listing_ids = raw.get("listing_ids")
        if listing_ids is not None and (not isinstance(listing_ids, list)
                                        or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0
                                                   for x in listing_ids)):
            problems.setdefault(f"{label}适用商品", []).append(f"{label}适用商品：须为商品编号列表，或不限。")
            listing_ids = None
        elif listing_ids is not None and len(set(listing_ids)) > MAX_LISTINGS:
            problems.setdefault(f"{label}适用商品", []).append(
                f"{label}适用商品：最多 {MAX_LISTINGS} 个商品（当前 {len(set(listing_ids))} 个），更多请选择不限。")
            listing_ids = None
        types.append({"name": t_name, "face_value_fen": face, "quantity": quantity, "per_enterprise_limit": limit,
                      "valid_days": valid_days, "listing_ids": sorted(set(listing_ids)) if listing_ids else None})
    region_code = str(spec.get("region_code") or "").strip() or None
    if region_code is not None and region(region_code) is None:
        problems["面向地区"] = ["面向地区：请选择有效的行政区划（6 位代码），或不限。"]
    check(problems)
    return {"name": name, "description": description, "starts_at": starts, "ends_at": ends, "types": types,
            "region_code": region_code}


TYPE_COLUMNS = ("名称", "面值（元）", "数量", "每家企业限领", "有效天数", "适用商品编号")


def spec_from_table(name: str, description: str, starts_at: str, ends_at: str, region_code: str | None,
                    rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Turn the operator's form (types as table rows with ``TYPE_COLUMNS``: face value typed in 元,
    listing ids as "12, 15" or empty = every listing) into a ``create_activity`` spec; blank rows are
    skipped. Raise ``ValidationFailed`` naming the row and column of an unreadable cell."""
    problems: dict[str, list[str]] = {}
    types: list[dict[str, Any]] = []

    def cell(row: dict[str, Any], col: str) -> str:
        value = row.get(col)
        if value is None or (isinstance(value, float) and value != value):   # NaN from an empty editor cell
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    for row in rows:
        if not any(cell(row, c) for c in TYPE_COLUMNS):
            continue
        label = f"第 {len(types) + 1} 种服务券"
        try:
            face: Any = parse_yuan(cell(row, "面值（元）"), f"{label}面值（元）", allow_zero=False)
        except ValidationFailed as exc:
            for k, v in exc.problems.items():
                problems.setdefault(k, []).extend(v)
            face = None
        raw_ids = cell(row, "适用商品编号").replace("，", ",").replace("、", ",")
        listing_ids: Any = None
        if raw_ids:
            parts = [x.strip() for x in raw_ids.split(",") if x.strip()]
            if all(x.isdecimal() and len(x) <= 12 for x in parts):
                listing_ids = [int(x) for x in parts]
            else:
                problems.setdefault(f"{label}适用商品", []).append(
                    f"{label}适用商品：请填写商品编号，多个用逗号分隔；留空表示不限。")
        types.append({"name": cell(row, "名称"), "face_value_fen": face, "quantity": cell(row, "数量"),
                      "per_enterprise_limit": cell(row, "每家企业限领"), "valid_days": cell(row, "有效天数") or 365,
                      "listing_ids": listing_ids})
    check(problems)
    return {"name": name, "description": description, "starts_at": starts_at, "ends_at": ends_at,
            "region_code": region_code or None, "types": types}


def create_activity(actor: Actor, spec: dict[str, Any]) -> int:
    """Create a published voucher activity with its types (one transaction, audited); return its id.

    ``spec``: {"name", "starts_at", "ends_at" (ISO, China time), "types": [{"name", "face_value_fen",
    "quantity", "per_enterprise_limit"[, "valid_days", "listing_ids"]}][, "description", "region_code"]}.
    The actor needs the operator's permission (market.operate)."""
    return create_activity_once(actor, spec, None)


def create_activity_once(actor: Actor, spec: dict[str, Any], request_id: str | None) -> int:
    """``create_activity`` for a form: a double submit under the same ``request_id`` creates one
    activity and returns the first one's id."""
    require(actor, P_MARKET_OPERATE)
    clean = validate_activity(spec)
    if clean["ends_at"] <= utcnow():
        raise ValidationFailed({"结束时间": ["结束时间：须晚于当前时间。"]})
    with session_scope() as s:
        if (done := audit.replayed(s, request_id)) is not None:
            return int(done.target_id or 0)
        wanted = {i for t in clean["types"] for i in (t["listing_ids"] or [])}
        known = set(s.scalars(select(Listing.id).where(Listing.id.in_(wanted)))) if wanted else set()
        if wanted - known:
            missing = "、".join(str(i) for i in sorted(wanted - known))
            raise ValidationFailed({"适用商品": [f"适用商品：商品编号 {missing} 不存在。"]})
        activity = VoucherActivity(name=clean["name"], description=clean["description"], starts_at=clean["starts_at"],
                                   ends_at=clean["ends_at"], status="published", region_code=clean["region_code"],
                                   created_by=actor.account_id)
        s.add(activity)
        s.flush()
        for t in clean["types"]:
            s.add(VoucherType(activity_id=activity.id, name=t["name"], face_value_fen=t["face_value_fen"],
                              quantity=t["quantity"], remaining=t["quantity"],
                              per_enterprise_limit=t["per_enterprise_limit"], valid_days=t["valid_days"],
                              listing_ids=t["listing_ids"]))
        s.flush()
        audit.record(s, actor.account_id, "voucher.activity_created", "voucher_activity", activity.id,
                     {"name": clean["name"], "types": len(clean["types"])}, request_id=request_id)
        return activity.id


def _type_dict(t: VoucherType) -> dict[str, Any]:
    return {"id": t.id, "activity_id": t.activity_id, "name": t.name, "face_value_fen": t.face_value_fen,
            "quantity": t.quantity, "remaining": t.remaining, "per_enterprise_limit": t.per_enterprise_limit,
            "valid_days": t.valid_days, "listing_ids": t.listing_ids}


def activity_types(activity_id: int) -> list[dict[str, Any]]:
    """Return the activity's voucher types, each with "id", "name", "face_value_fen", "quantity", "remaining",
    "per_enterprise_limit", "valid_days" and "listing_ids" (None: every listing)."""
    with session_scope(read=True) as s:
        if s.get(VoucherActivity, activity_id) is None:
            raise NotFound("服务券活动不存在。")
        rows = s.scalars(select(VoucherType).where(VoucherType.activity_id == activity_id).order_by(VoucherType.id))
        return [_type_dict(t) for t in rows]


def open_now(activity: VoucherActivity, now: dt.datetime) -> bool:
    starts, ends = as_utc(activity.starts_at), as_utc(activity.ends_at)
    assert starts is not None and ends is not None
    return activity.status == "published" and starts <= now < ends


ACTIVITY_STATUS = {"published": "进行中", "stopped": "已停止"}
STAT_LEVELS = {"province": "省", "city": "市"}


def _activity_row(a: VoucherActivity, now: dt.datetime, type_count: int) -> dict[str, Any]:
    starts, ends = as_utc(a.starts_at), as_utc(a.ends_at)
    assert starts is not None and ends is not None
    phase = ("stopped" if a.status != "published" else "upcoming" if now < starts
             else "ended" if now >= ends else "open")
    return {"id": a.id, "name": a.name, "description": a.description, "starts_at": china_time(starts),
            "ends_at": china_time(ends), "status": a.status,
            "status_label": {"stopped": "已停止", "upcoming": "未开始", "ended": "已结束", "open": "进行中"}[phase],
            "open": phase == "open", "region_code": a.region_code,
            "region_name": region_full_name(a.region_code), "type_count": type_count}


def list_activities(actor: Actor, include_ended: bool = False) -> list[dict[str, Any]]:
    """服务券活动: the published activities, newest start first, times as China-time text.

    An enterprise sees those open to its region; ``include_ended`` adds the ended ones. An operator
    (market.operate) sees every activity of the platform, stopped ones too when ``include_ended``."""
    operator = has_perm(actor, P_MARKET_OPERATE)
    if not operator:
        require(actor, P_MARKET_BUY)
    now = utcnow()
    counts = (select(VoucherType.activity_id, func.count().label("n")).group_by(VoucherType.activity_id)
              .subquery())
    query = (select(VoucherActivity, func.coalesce(counts.c.n, 0))
             .outerjoin(counts, counts.c.activity_id == VoucherActivity.id)
             .order_by(VoucherActivity.starts_at.desc(), VoucherActivity.id.desc()))
    if not (operator and include_ended):
        query = query.where(VoucherActivity.status == "published")
    if not include_ended:
        query = query.where(VoucherActivity.ends_at > now)
    with session_scope(read=True) as s:
        if not operator:
            org = s.get(Organisation, actor.org_id) if actor.org_id is not None else None
            mine = [c for c in (org.province_code, org.city_code, org.county_code) if c] if org else []
            query = query.where(VoucherActivity.region_code.is_(None) | VoucherActivity.region_code.in_(mine))
        return [_activity_row(a, now, n) for a, n in s.execute(query.limit(500))]


def stop_activity(actor: Actor, activity_id: int, request_id: str | None = None) -> None:
    """An operator stops (下架) an activity: no more grabs; vouchers already granted stay usable."""
    require(actor, P_MARKET_OPERATE)
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        done = s.execute(update(VoucherActivity)
                         .where(VoucherActivity.id == activity_id, VoucherActivity.status == "published")
                         .values(status="stopped").execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            if s.get(VoucherActivity, activity_id) is None:
                raise NotFound("服务券活动不存在。")
            raise Conflict("该服务券活动已经停止。")
        audit.record(s, actor.account_id, "voucher.activity_stopped", "voucher_activity", activity_id,
                     request_id=request_id)


def activity_stats(actor: Actor, activity_id: int, level: str = "province") -> list[dict[str, Any]]:
    """Operators: vouchers of an activity granted and used, per region of the enterprises (``level``
    "province" or "city"): granted count, granted fen, used fen, used count (vouchers drawn on at
    least once). One GROUP BY in SQL; most granted first."""
    require(actor, P_MARKET_OPERATE)
    if level not in STAT_LEVELS:
        raise ValidationFailed({"统计层级": ["统计层级：须为省或市。"]})
    col = Organisation.province_code if level == "province" else Organisation.city_code
    used = Voucher.face_value_fen - Voucher.balance_fen
    query = (select(col.label("code"), Region.name,
                    func.count(Voucher.id), func.coalesce(func.sum(Voucher.face_value_fen), 0),
                    func.coalesce(func.sum(used), 0),
                    func.count(Voucher.id).filter(Voucher.balance_fen < Voucher.face_value_fen))
             .select_from(Voucher).join(VoucherType, Voucher.type_id == VoucherType.id)
             .join(Organisation, Voucher.org_id == Organisation.id)
             .outerjoin(Region, Region.code == col)
             .where(VoucherType.activity_id == activity_id)
             .group_by(col, Region.name).order_by(func.count(Voucher.id).desc(), col))
    with session_scope(read=True) as s:
        if s.get(VoucherActivity, activity_id) is None:
            raise NotFound("服务券活动不存在。")
        return [{"region_code": code, "region": name or "未知地区", "granted_count": int(n), "granted_fen": int(g),
                 "used_fen": int(u), "used_count": int(uc)} for code, name, n, g, u, uc in s.execute(query)]
