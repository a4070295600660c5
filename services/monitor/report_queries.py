"""运行监测 queries over the monthly reports' answers (issue 18) as admin-list sources.

The indicator values are the typed answer rows (``answer_value``) the report writes when it is
上报 (services.monitor.reports.check_and_report): a report still being edited that was never
submitted has no values yet (its indicator cells are empty). Every source restricts the reports to
the actor's jurisdiction in its SQL (the report's region path, ``jurisdiction`` / ``within``); a
declaration (specs/lists/monitor_q_*.yaml) only chooses among the fields and filters named here.

- ``monitor_q_details`` 经济指标月报明细查询: one row per report of a month — source (填报 / 导入),
  region, industry (any GB/T 4754 level), status — with every indicator cell of 主要经济指标 as a
  column (the page's column chooser picks the indicators; the export has them all).
- ``monitor_q_summary`` 经济指标月报汇总查询: the sums of the indicator cells per group — 综合 /
  控股类型 / 所属行业 (门类) / 所在地区 (the subordinate regions) / 企业规模 / 所属产业 (三次产业) —
  optionally without large and listed enterprises, or without enterprises whose accounts are all disabled.
- ``monitor_q_products`` 产品产销存月报查询: one row per product of the month's reports.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, and_, exists, false, func, literal_column, not_, or_, select
from sqlalchemy.orm import Session

from db.account import Account
from db.engine import session_scope
from db.forms import AnswerValue
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.core.scope import jurisdiction, within
from services.lists.source import Field as F
from services.lists.source import Param, Source, computed, queried, register
from services.monitor import reports, workflow
from services.monitor.queries import CHUNK, _industry_name, _usernames
from services.reference import industry, region, region_children, region_full_name, region_path

SPEC = Path(__file__).resolve().parents[2] / "specs" / "monitor" / "monthly_report.yaml"
MATRIX = "ind"          # the 主要经济指标 matrix of the monthly report
PRODUCTS = "products"   # the repeated 主要产品 group
SOURCE_LABEL = {"online": "填报", "import": "导入"}
LARGE = "大型"
SMALL_MICRO = ("小型", "微型")
MR = MonitorReport


def _indicators() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Return the indicator rows (name, label, unit) and cells (name, label) of the shipped monthly report."""
    data = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    for section in data["sections"]:
        for q in section.get("questions") or []:
            if q["name"] == MATRIX:
                return ([(r["name"], r["label"], str(r.get("unit", ""))) for r in q["rows"]],
                        [(c["name"], c["label"]) for c in q["cells"]])
    raise RuntimeError(f"{SPEC.name} has no matrix '{MATRIX}'")


INDICATORS, CELLS = _indicators()
SUM_CELLS = [c for c in CELLS if c[0] != "growth"]   # the summed cells (growth is recomputed from the sums)


def indicator_key(row: str, cell: str) -> str:
    return f"i_{row}_{cell}"


def indicator_fields(cells: list[tuple[str, str]] = CELLS) -> dict[str, F]:
    out = {}
    for row, label, unit in INDICATORS:
        for cell, cell_label in cells:
            u = "%" if cell == "growth" else unit
            out[indicator_key(row, cell)] = F(f"{label}·{cell_label}" + (f"（{u}）" if u and u != "%" else ""), "number")
    return out


# --- shared: jurisdiction, industry, groups ----------------------------------------------------
def report_scope(actor: Actor, code: str | None) -> list[ColumnElement[bool]]:
    """The reports inside the actor's jurisdiction and inside region ``code`` (None = the whole jurisdiction)."""
    require(actor, P_MONITOR_REVIEW)
    where = [jurisdiction(actor, MR.province_code, MR.city_code, MR.county_code)]
    if code:
        if not in_jurisdiction(actor, region_path(code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(code, MR.province_code, MR.city_code, MR.county_code))
    return where


def industry_conds(code: str) -> list[ColumnElement[bool]]:
    """The enterprises of an industry at any GB/T 4754 level (门类 by its 大类 list, finer by code prefix)."""
    node = industry(code)
    if node is None:
        raise ValidationFailed({"所属行业": [f"所属行业：行业代码「{code}」不在国民经济行业分类（GB/T 4754-2017）中。"]})
    if node.level == "section":
        return [Organisation.division_code.in_([c.code for c in node.children])]
    return [Organisation.industry_code.startswith(node.code)]


def sub_regions(actor: Actor, code: str | None) -> tuple[list[Any], Any]:
    """The rows of a by-region table: the subordinate regions of ``code`` (default the actor's; a county:
    itself) and the report column that holds them."""
    code = code or actor.region_code
    node = region(code) if code else None
    if node is not None and node.level == "county":
        return [node], MR.county_code
    column = {None: MR.province_code, "province": MR.city_code}.get(node.level if node else None, MR.county_code)
    return region_children(code), column


def three_sector(division: str | None) -> str:
    """三次产业划分规定 (2018) from a GB/T 4754 大类: 01–04 第一产业; 06–50 第二产业 except 11 and 43;
    the rest (with 05, 11, 43) 第三产业. "" when unknown."""
    if not division or not division.isdigit():
        return ""
    d = int(division)
    if 1 <= d <= 4:
        return "第一产业"
    if 6 <= d <= 50 and d not in (11, 43):
        return "第二产业"
    return "第三产业"


def is_agriculture(division: str | None) -> bool:   # 门类 A 农、林、牧、渔业
    return bool(division and division.isdigit() and 1 <= int(division) <= 5)


def is_industrial(division: str | None) -> bool:    # 门类 B 采矿业, C 制造业, D 电力、热力、燃气及水生产和供应业
    return bool(division and division.isdigit() and 6 <= int(division) <= 46)


def is_construction(division: str | None) -> bool:  # 门类 E 建筑业
    return bool(division and division.isdigit() and 47 <= int(division) <= 50)


def section_label(division: str | None) -> str:
    node = industry(division) if division else None
    sec = industry(node.parent_code) if node is not None and node.parent_code else None
    return f"{sec.code} {sec.name}" if sec else "（未填行业）"


def without_large_and_listed() -> ColumnElement[bool]:
    """Neither 大型 nor 上市 (the registration's 是否上市)."""
    listed = func.coalesce(Organisation.details["listed"].as_boolean(), false())
    return and_(func.coalesce(Organisation.size, "") != LARGE, not_(listed))


def with_active_account() -> ColumnElement[bool]:
    """At least one enabled account (剔除禁用用户 leaves out enterprises whose accounts are all disabled)."""
    return exists().where(Account.org_id == Organisation.id, Account.status == "active")


def _num(v: Any) -> float | None:
    return None if v is None else round(float(v), 6)


def period_choices() -> dict[str, str]:
    return {x: x for x in reports.period_options()}


# --- 经济指标月报明细查询 -------------------------------------------------------------------------
def _detail_select(actor: Actor, p: dict[str, Any], order: Any) -> tuple[Any, Any]:
    """经济指标月报明细查询 for month ``p["period"]`` (default: the current report month), by enterprise name."""
    period = p.get("period") or reports.current_period()
    where = [MR.period == period, *report_scope(actor, p.get("region"))]
    if p.get("status"):
        where.append(MR.status == p["status"])
    if p.get("source"):
        where.append(MR.source == p["source"])
    if p.get("industry"):
        where.extend(industry_conds(p["industry"]))
    rows = (select(MR.id, MR.period, MR.status, MR.source, MR.response_id, MR.org_id, Organisation.name,
                   Organisation.credit_code, Organisation.region_code, Organisation.industry_code)
            .join(Organisation, Organisation.id == MR.org_id).where(*where))
    count = select(func.count()).select_from(MR).join(Organisation, Organisation.id == MR.org_id).where(*where)
    return rows.order_by(*order.clauses, Organisation.name, MR.id), count


def indicator_values(session: Session, response_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """The 主要经济指标 cells of the responses: {response id: {indicator key: value}}."""
    out: dict[int, dict[str, float | None]] = {}
    if not response_ids:
        return out
    for rid, path, num in session.execute(select(AnswerValue.response_id, AnswerValue.path, AnswerValue.num_value)
                                          .where(AnswerValue.response_id.in_(response_ids),
                                                 AnswerValue.question == MATRIX)):
        parts = path.split(".")
        if len(parts) == 3:
            out.setdefault(rid, {})[indicator_key(parts[1], parts[2])] = _num(num)
    return out


def _detail_rows(session: Session, found: list[Any]) -> list[dict[str, Any]]:
    values = indicator_values(session, [r.response_id for r in found])
    accounts = _usernames(session, [r.org_id for r in found])
    return [{"report_id": r.id, "period": r.period, "name": r.name,
             "usernames": "、".join(a.username for a in accounts.get(r.org_id, [])), "credit_code": r.credit_code or "",
             "region_name": region_full_name(r.region_code), "industry": _industry_name(r.industry_code),
             "status_label": workflow.STATUS_LABEL.get(r.status, r.status), "source_label": SOURCE_LABEL.get(r.source, r.source),
             **values.get(r.response_id, {})} for r in found]


register(Source(
    "monitor_q_details", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "name": F("企业名称", sort=Organisation.name), "usernames": F("企业用户ID"),
     "credit_code": F("统一社会信用代码", "code", Organisation.credit_code), "region_name": F("所属地区"),
     "industry": F("所属行业"), "status_label": F("报表状态"), "source_label": F("数据来源"), **indicator_fields()},
    {"period": Param("select", "报表月份", period_choices),
     "source": Param("select", "数据来源", lambda: SOURCE_LABEL),
     "status": Param("select", "报表状态", lambda: workflow.STATUS_LABEL),
     "region": Param("region", "地区"), "industry": Param("industry", "行业")},
    *queried(_detail_select, _detail_rows, CHUNK)))


# --- 经济指标月报汇总查询 -------------------------------------------------------------------------
GROUPS = {"all": "综合汇总", "holding": "控股类型汇总", "industry": "所属行业汇总", "region": "所在地区汇总",
          "size": "企业规模汇总", "sector": "所属产业汇总"}
SIZE_ORDER = ("大型", "中型", "小型", "微型")
SECTOR_ORDER = ("第一产业", "第二产业", "第三产业")


def _group(actor: Actor, p: dict[str, Any]) -> tuple[Any, Callable[[Any], tuple[Any, str]]]:
    """The SQL grouping expression of ``p["group"]`` and the fold of its raw value into (sort key, label)."""
    kind = p.get("group") or "all"
    if kind == "holding":
        return Organisation.details["holding_type"].as_string(), lambda v: (v or "\uffff", v or "（未填控股类型）")
    if kind == "industry":
        return Organisation.division_code, lambda v: (section_label(v), section_label(v))
    if kind == "size":
        return Organisation.size, lambda v: ((SIZE_ORDER.index(v), "") if v in SIZE_ORDER else (9, ""),
                                             v or "（未划型）")
    if kind == "sector":
        return Organisation.division_code, lambda v: (
            (SECTOR_ORDER.index(three_sector(v)) if three_sector(v) else 9, ""), three_sector(v) or "（未填行业）")
    if kind == "region":
        nodes, column = sub_regions(actor, p.get("region"))
        names = {n.code: n.name for n in nodes}
        order = {n.code: i for i, n in enumerate(nodes)}
        return column, lambda v: (order.get(v, len(order)), names.get(v, region_full_name(v) if v else "（未知地区）"))
    return literal_column("'all'"), lambda v: (0, "合计")


def _summary_rows(actor: Actor, p: dict[str, Any]) -> list[dict[str, Any]]:
    """经济指标月报汇总查询: a row per group, in the group's natural order."""
    period = p.get("period") or reports.current_period()
    where = [MR.period == period, *report_scope(actor, p.get("region"))]
    if p.get("status"):
        where.append(MR.status == p["status"])
    if p.get("exclude_large"):
        where.append(without_large_and_listed())
    if p.get("exclude_disabled"):
        where.append(with_active_account())
    key, fold = _group(actor, p)
    # group in an outer query over a labelled subquery: PostgreSQL then sees one grouping column
    sub = (select(key.label("k"), MR.response_id.label("rid")).select_from(MR)
           .join(Organisation, Organisation.id == MR.org_id).where(*where).subquery())
    groups: dict[str, dict[str, Any]] = {}
    sort: dict[str, Any] = {}

    def row(raw: Any) -> dict[str, Any]:
        s, label = fold(raw)
        sort[label] = s
        return groups.setdefault(label, {"period": period, "group": label, "enterprises": 0})
    with session_scope(read=True) as session:
        for k, n in session.execute(select(sub.c.k, func.count()).group_by(sub.c.k)):
            row(k)["enterprises"] += int(n)
        sums = (select(sub.c.k, AnswerValue.path, func.sum(AnswerValue.num_value))
                .join(AnswerValue, AnswerValue.response_id == sub.c.rid)
                .where(AnswerValue.question == MATRIX).group_by(sub.c.k, AnswerValue.path))
        for k, path, total in session.execute(sums):
            parts = path.split(".")
            if len(parts) == 3 and parts[2] != "growth" and total is not None:
                r = row(k)
                name = indicator_key(parts[1], parts[2])
                r[name] = round((r.get(name) or 0) + float(total), 6)
    out = [groups[label] for label in sorted(groups, key=lambda label: (sort[label], label))]
    for r in out:
        for ind, _, _ in INDICATORS:
            cur, last = r.get(indicator_key(ind, "cur_ytd")), r.get(indicator_key(ind, "ly_ytd"))
            r[indicator_key(ind, "growth")] = round((cur - last) / last * 100, 2) if cur is not None and last else None
    return out


register(Source(
    "monitor_q_summary", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "group": F("汇总项"), "enterprises": F("企业数", "number"), **indicator_fields()},
    {"period": Param("select", "报表月份", period_choices),
     "status": Param("select", "报表状态", lambda: workflow.STATUS_LABEL),
     "group": Param("select", "汇总类型", lambda: GROUPS),
     "exclude_large": Param("flag", "剔除大型和上市企业"), "exclude_disabled": Param("flag", "剔除禁用用户"),
     "region": Param("region", "地区")},
    *computed(_summary_rows)))


# --- 产品产销存月报查询 -------------------------------------------------------------------------
PRODUCT_FIELDS = ("name", "code", "unit", "production", "sales", "stock")
PRODUCT_NUMBERS = ("production", "sales", "stock")


def _product_select(actor: Actor, p: dict[str, Any], order: Any) -> tuple[Any, Any]:
    """产品产销存月报查询: a row per product reported in the month (default: the current report month)."""
    period = p.get("period") or reports.current_period()
    where = [MR.period == period, *report_scope(actor, p.get("region")), AnswerValue.question == "name",
             AnswerValue.path.like(f"{PRODUCTS}[%].name")]
    if p.get("status"):
        where.append(MR.status == p["status"])
    keyword = (p.get("keyword") or "").strip()
    if keyword:
        like = f"%{keyword}%"
        where.append(or_(Organisation.name.like(like), Organisation.id.in_(
            select(Account.org_id).where(Account.org_id.is_not(None), Account.username.like(like)))))
    rows = (select(AnswerValue.id.label("av_id"), AnswerValue.path, AnswerValue.text_value, MR.response_id, MR.period,
                   MR.status, MR.org_id, Organisation.name, Organisation.region_code)
            .select_from(MR).join(Organisation, Organisation.id == MR.org_id)
            .join(AnswerValue, AnswerValue.response_id == MR.response_id).where(*where))
    count = (select(func.count()).select_from(MR).join(Organisation, Organisation.id == MR.org_id)
             .join(AnswerValue, AnswerValue.response_id == MR.response_id).where(*where))
    return rows.order_by(Organisation.name, MR.id, AnswerValue.id), count


def _product_rows(session: Session, found: list[Any]) -> list[dict[str, Any]]:
    values: dict[tuple[int, str], Any] = {}
    ids = list({r.response_id for r in found})
    if ids:
        for rid, path, num, text in session.execute(
                select(AnswerValue.response_id, AnswerValue.path, AnswerValue.num_value, AnswerValue.text_value)
                .where(AnswerValue.response_id.in_(ids), AnswerValue.path.like(f"{PRODUCTS}[%"))):
            values[(rid, path)] = _num(num) if path.rsplit(".", 1)[-1] in PRODUCT_NUMBERS else (text or "")
    accounts = _usernames(session, list({r.org_id for r in found}))
    out = []
    for r in found:
        prefix = r.path.rsplit(".", 1)[0]
        item = {f"product_{k}": values.get((r.response_id, f"{prefix}.{k}")) for k in PRODUCT_FIELDS}
        out.append({"av_id": r.av_id, "period": r.period, "name": r.name,
                    "usernames": "、".join(a.username for a in accounts.get(r.org_id, [])),
                    "region_name": region_full_name(r.region_code),
                    "status_label": workflow.STATUS_LABEL.get(r.status, r.status),
                    **item, "product_name": r.text_value or "", "product_code": item["product_code"] or "",
                    "product_unit": item["product_unit"] or ""})
    return out


register(Source(
    "monitor_q_products", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "name": F("企业名称"), "usernames": F("企业用户ID"), "region_name": F("所属地区"),
     "status_label": F("报表状态"), "product_name": F("产品名称"), "product_code": F("产品代码", "code"),
     "product_unit": F("计量单位"), "product_production": F("生产量", "number"), "product_sales": F("销售量", "number"),
     "product_stock": F("期末库存量", "number")},
    {"period": Param("select", "报表月份", period_choices),
     "status": Param("select", "报表状态", lambda: workflow.STATUS_LABEL),
     "keyword": Param("text", "企业名称或企业ID"), "region": Param("region", "地区")},
    *queried(_product_select, _product_rows, CHUNK)))
