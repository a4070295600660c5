"""Administrators' list of quality self-assessments (质量自评估查询) as an admin-list source.

Every completed attempt of the quality self-assessment whose enterprise lies inside the
administrator's jurisdiction — the jurisdiction is a WHERE clause of the SQL here, so a declaration
(specs/lists/quality_assessments.yaml) only chooses among these fields and filters and cannot widen
it. Filters: region (a cascade inside the jurisdiction), industry (GB/T 4754 at any level), size,
overall tier, completed date range (China time). Fields: enterprise, credit code, region, industry,
size, started, completed, overall tier and the tier of each first-level indicator (the graded
sections of the shipped definition: ``tier_<section>``).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from db.assessment import AssessmentAttempt
from db.engine import session_scope
from db.organisation import Organisation
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_QUALITY_ADMIN, Actor, in_jurisdiction, require
from services.core.scope import jurisdiction, within
from services.core.timefmt import CHINA, china_time
from services.forms.definitions import SPECS
from services.forms.schema import Definition, Grading
from services.lists.source import Field as F
from services.lists.source import Order, Page, Param, Source, register
from services.reference import industry, region, region_full_name, region_path

CODE = "quality_capability"
SIZES = ("大型", "中型", "小型", "微型")
ORG_PATH = (Organisation.province_code, Organisation.city_code, Organisation.county_code)
A = AssessmentAttempt


@functools.cache
def shipped() -> Definition:
    """The shipped quality definition (its graded sections name the first-level tier columns)."""
    from services.forms.loader import load_file
    return load_file(SPECS / "quality" / "quality_capability.yaml")


def _name(code: str | None) -> str:
    node = region(code) if code else None
    return node.name if node else ""


def grading() -> Grading:
    model = shipped().assessment
    g = model.grading if model is not None else None
    assert g is not None
    return g


def first_levels() -> list[tuple[str, str]]:
    """Return (section, title) of the first-level indicators, in definition order."""
    g = grading()
    return [(s.name, s.title) for s in shipped().sections if s.name in g.sections]


def tier_choices() -> dict[int, str]:
    """Overall tier value → label: 0 (below the first tier) … the highest."""
    g = grading()
    return {0: g.below_label, **{x.level: x.label for x in g.levels}}


def industry_conditions(code: str) -> list[ColumnElement[bool]]:
    """The enterprise's registered industry inside ``code`` (a 门类 letter, or a 大类/中类/小类 prefix)."""
    node = industry(code)
    if node is None:
        raise ValidationFailed({"所属行业": [f"所属行业代码「{code}」不在国民经济行业分类（GB/T 4754-2017）中。"]})
    if node.level == "section":
        return [Organisation.division_code.in_([c.code for c in node.children])]
    return [Organisation.industry_code.startswith(node.code)]


def conditions(actor: Actor, p: dict[str, Any]) -> list[ColumnElement[bool]]:
    """WHERE conditions: completed quality attempts of enterprises inside the actor's jurisdiction, narrowed
    by the filters ``p`` (region, industry, size, tier, completed = (start date | None, end date | None))."""
    require(actor, P_QUALITY_ADMIN)
    conds: list[ColumnElement[bool]] = [A.code == CODE, A.status == "completed", jurisdiction(actor, *ORG_PATH)]
    code = p.get("region")
    if code:
        if region(code) is None:
            raise ValidationFailed({"所在地区": [f"所在地区：行政区划代码「{code}」不存在。"]})
        if not in_jurisdiction(actor, region_path(code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        conds.append(within(code, *ORG_PATH))
    if p.get("industry"):
        conds += industry_conditions(str(p["industry"]))
    if p.get("size"):
        if p["size"] not in SIZES:
            raise ValidationFailed({"企业规模": [f"企业规模：只能是{'、'.join(SIZES)}之一。"]})
        conds.append(Organisation.size == p["size"])
    if p.get("tier") is not None:
        conds.append(A.tier == int(p["tier"]))
    start, end = (list(p.get("completed") or ()) + [None, None])[:2]
    if start is not None:
        conds.append(A.completed_at >= _utc(start))
    if end is not None:
        conds.append(A.completed_at < _utc(end + dt.timedelta(days=1)))
    return conds


def _utc(day: dt.date) -> dt.datetime:
    """The start of a China-time day, in UTC (how timestamps are stored on both databases)."""
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.timezone.utc)


COLUMNS = (A.id, A.org_id, Organisation.name, Organisation.credit_code, Organisation.region_code,
           Organisation.industry_code, Organisation.size, A.started_at, A.completed_at, A.tier, A.tier_scores)
NEWEST = (A.completed_at.desc(), A.id.desc())


def _rows(rows: Any) -> Iterator[dict[str, Any]]:
    g, sections = grading(), [s for s, _ in first_levels()]
    regions: dict[str | None, tuple[str, str, str, str]] = {}
    industries: dict[str | None, str] = {}
    for r in rows:
        if r.region_code not in regions:
            path = region_path(r.region_code) if r.region_code else None
            names = [_name(c) for c in
                     ((path.province_code, path.city_code, path.county_code) if path else (None, None, None))]
            regions[r.region_code] = (region_full_name(r.region_code), *names)  # type: ignore[assignment]
        if r.industry_code not in industries:
            node = industry(r.industry_code) if r.industry_code else None
            industries[r.industry_code] = f"{node.code} {node.name}" if node else ""
        full, province, city, county = regions[r.region_code]
        tiers = r.tier_scores or {}
        yield {"id": r.id, "org_id": r.org_id, "org_name": r.name, "credit_code": r.credit_code, "region_name": full,
               "province": province, "city": city, "county": county, "adcode": r.region_code,
               "industry_code": r.industry_code, "industry_name": industries[r.industry_code], "size": r.size or "",
               "started_at": china_time(r.started_at), "completed_at": china_time(r.completed_at),
               "tier": r.tier, "tier_label": g.label(r.tier),
               **{f"tier_{s}": g.label(tiers.get(s)) for s in sections}}


def _select(actor: Actor, p: dict[str, Any], order: Order) -> Any:
    return (select(*COLUMNS).join(Organisation, Organisation.id == A.org_id)
            .where(and_(*conditions(actor, p))).order_by(*order.clauses, *NEWEST))


def page(actor: Actor, p: dict[str, Any], order: Order, index: int, size: int) -> Page:
    """One page of the list (the source's ``page``)."""
    stmt = _select(actor, p, order)
    with session_scope(read=True) as session:
        total = session.scalar(select(func.count()).select_from(A).join(Organisation, Organisation.id == A.org_id)
                               .where(and_(*conditions(actor, p)))) or 0
        rows = session.execute(stmt.offset(index * size).limit(size)).all()
        return Page(int(total), list(_rows(rows)))


def stream(actor: Actor, p: dict[str, Any], order: Order) -> Iterator[dict[str, Any]]:
    """The whole result for the Excel export, read in chunks."""
    stmt = _select(actor, p, order)
    with session_scope(read=True) as session:
        yield from _rows(session.execute(stmt.execution_options(yield_per=2000)))


def _fields() -> dict[str, F]:
    return {
        "id": F("编号", "number", A.id), "org_name": F("企业名称", sort=Organisation.name),
        "credit_code": F("统一社会信用代码", "code", Organisation.credit_code),
        "region_name": F("所在地区", export=False),
        "province": F("省", screen=False), "city": F("市", screen=False), "county": F("区县", screen=False),
        "adcode": F("行政区划代码", "code", screen=False), "industry_code": F("行业代码", "code", screen=False),
        "industry_name": F("所属行业"), "size": F("企业规模", sort=Organisation.size),
        "started_at": F("开始时间", "datetime", A.started_at), "completed_at": F("完成时间", "datetime", A.completed_at),
        "tier_label": F("总体等级", sort=A.tier),
        **{f"tier_{s}": F(title) for s, title in first_levels()},
    }


SOURCE = register(Source(
    "quality_assessments", P_QUALITY_ADMIN, _fields(),
    {"region": Param("region", "所在地区"), "industry": Param("industry", "所属行业"),
     "size": Param("select", "企业规模", lambda: {s: s for s in SIZES}),
     "tier": Param("select", "总体等级", tier_choices),
     "completed": Param("date_range", "完成日期")},
    page, stream))
