"""数据批量上报导入: checking the rows against the database (jurisdiction, states, reviewers) and the form's
engine; a clean file gives one plan per enterprise for the writing step."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.forms import FormResponse, ResponseSection
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core.permissions import Actor, RegionPath, in_jurisdiction
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, Evaluation, evaluate
from services.forms.schema import Definition
from services.monitor import reports, reviewers, workflow
from services.monitor.admin_import_book import FIXED, SHEET_ORGS, CellError
from services.monitor.admin_import_read import _Row
from services.monitor.excel_layout import GROUP, MATRIX, SHEET_PROD, product_group, value_cells

Progress = Callable[[float, str], None]


# --- checking ---------------------------------------------------------------------------------
@dataclass
class _Plan:
    """What a clean file writes, per enterprise."""
    org: Organisation
    report_id: int | None
    row_version: int | None
    response_id: int | None
    version_id: int
    definition_id: int
    d: Definition
    basic: dict[str, Any]
    indicators: dict[str, dict[str, str]]
    products: list[dict[str, str]]
    ev: Evaluation | None = None
    reviewer: int | None = None


def _chunks(items: list[Any], n: int = 500) -> list[list[Any]]:
    return [items[i:i + n] for i in range(0, len(items), n)]


def _orgs(session: Session, codes: list[str]) -> dict[str, Organisation]:
    out: dict[str, Organisation] = {}
    for chunk in _chunks(codes):
        for o in session.scalars(select(Organisation).where(Organisation.credit_code.in_(chunk),
                                                            Organisation.kind == "enterprise")):
            out[(o.credit_code or "").upper()] = o
    return out


def _check(session: Session, actor: Actor, period: str, rows: list[_Row], errors: list[CellError],
           progress: Progress) -> list[_Plan]:
    """Validate every row against the database and the form's engine; return the plans (empty on errors)."""
    seen: dict[str, int] = {}
    for r in rows:
        who = r.name or r.code
        if not r.code:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who, "必填项：请填写统一社会信用代码。"))
        elif r.code in seen:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who,
                                    f"统一社会信用代码「{r.code}」与第 {seen[r.code]} 行重复，每家企业只能有一行。"))
        else:
            seen[r.code] = r.row
    orgs = _orgs(session, list(seen))
    published = published_version(reports.REPORT_CODE, session)
    existing: dict[int, tuple[int, str, int, int, int, int]] = {}
    ids = [o.id for o in orgs.values()]
    for chunk in _chunks(ids):
        for x in session.execute(select(MonitorReport.org_id, MonitorReport.id, MonitorReport.status,
                                        MonitorReport.row_version, MonitorReport.response_id,
                                        FormResponse.version_id, FormResponse.definition_id)
                                 .join(FormResponse, FormResponse.id == MonitorReport.response_id)
                                 .where(MonitorReport.org_id.in_(chunk), MonitorReport.period == period)):
            existing[x.org_id] = (x.id, x.status, x.row_version, x.response_id, x.version_id, x.definition_id)
    basics: dict[int, dict[str, Any]] = {}
    for chunk in _chunks([e[3] for e in existing.values()]):
        basics.update(dict(session.execute(select(ResponseSection.response_id, ResponseSection.data).where(
            ResponseSection.response_id.in_(chunk), ResponseSection.section == "basic")).tuples().all()))
    direct = reviewers.direct_reviewers(session, orgs.values(), assign=False)
    definitions: dict[int, Definition] = {}
    plans: list[_Plan] = []
    todo: list[tuple[_Row, _Plan]] = []
    for r in rows:
        if not r.code or seen.get(r.code) != r.row:
            continue
        who = r.name or r.code
        org = orgs.get(r.code)
        if org is None:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who,
                                    f"统一社会信用代码「{r.code}」没有对应的注册企业，请核对代码。"))
            continue
        if not in_jurisdiction(actor, RegionPath(org.province_code, org.city_code, org.county_code)):
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[1], f"B{r.row}", who,
                                    f"企业「{who}」（{r.code}）不在您的管辖范围内，不能导入其月报。"))
            continue
        if r.name != org.name:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[1], f"B{r.row}", who,
                                    f"企业名称「{r.name}」与该统一社会信用代码登记的企业名称「{org.name}」不一致。"))
            continue
        if org.status != "approved":
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who,
                                    f"企业「{org.name}」的注册信息尚未审核通过，不能报送月报。"))
            continue
        if org.id not in direct:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who,
                                    f"企业「{org.name}」：{reviewers.NO_REVIEWER}"))
            continue
        rep = existing.get(org.id)
        if rep is not None and rep[1] not in workflow.EDITABLE:
            errors.append(CellError(SHEET_ORGS, r.row, FIXED[0], f"A{r.row}", who,
                                    f"企业「{org.name}」{period} 月报当前状态为「{workflow.STATUS_LABEL.get(rep[1], rep[1])}」，"
                                    "不能导入；只有未填报、编辑、退回或解除冻结的月报可以导入。"))
            continue
        version_id, definition_id = (rep[4], rep[5]) if rep else (published.id, published.definition_id)
        if version_id not in definitions:
            definitions[version_id] = definition_for_version(version_id, session)
        basic = dict(basics.get(rep[3]) or {}) if rep else {}
        basic = basic or reports.basic_from_org(org)
        basic.update({k: v for k, v in (("reporter", r.reporter), ("reporter_phone", r.phone)) if v})
        plan = _Plan(org, rep[0] if rep else None, rep[2] if rep else None, rep[3] if rep else None, version_id,
                     definition_id, definitions[version_id], basic, {}, [p for _, p in r.products],
                     reviewer=direct[org.id])
        todo.append((r, plan))
    contexts: dict[int, Context] = {}
    for version_id, d in definitions.items():
        group = [p for _, p in todo if p.version_id == version_id]
        contexts.update(responses.contexts_for(session, d, group[0].definition_id, [p.org for p in group], period))
    bad = {(e.sheet, e.cell) for e in errors}
    for n, (r, plan) in enumerate(todo):
        _validate(r, plan, contexts[plan.org.id], errors, bad)
        plans.append(plan)
        if n % 50 == 0:
            progress(0.35 + 0.4 * n / max(len(todo), 1), f"正在校验：{n} / {len(todo)} 家企业")
    return plans


def _validate(r: _Row, plan: _Plan, ctx: Context, errors: list[CellError], bad: set[tuple[str, str]]) -> None:
    """Evaluate one enterprise's answers with the form's engine; turn findings into cell errors
    (``bad``: cells already refused while reading, not reported twice)."""
    d, who = plan.d, r.name or r.code
    matrix, cells = d.question(MATRIX), value_cells(d)
    places: dict[str, tuple[str, int, str, str]] = {}
    given: dict[str, dict[str, str]] = {}
    for row in matrix.rows:
        given[row.name] = {}
        for cell in cells:
            text, ref = r.values.get((row.name, cell.name), (None, ""))
            places[f"{matrix.label} › {row.label} › {cell.label}"] = (SHEET_ORGS, r.row, f"{row.label}｜{cell.label}", ref)
            if text is not None:
                given[row.name][cell.name] = text
    group = product_group(d)
    for n, (sheet_row, _) in enumerate(r.products, 1):
        for j, q in enumerate(group.questions, 2):
            places[f"{group.title or group.name} 第 {n} 行 › {q.label}"] = (SHEET_PROD, sheet_row, q.label,
                                                                          f"{get_column_letter(j)}{sheet_row}")
    places["填报人"] = (SHEET_ORGS, r.row, FIXED[2], f"C{r.row}")
    places["填报人电话"] = (SHEET_ORGS, r.row, FIXED[3], f"D{r.row}")
    ev = evaluate(d, {**plan.basic, MATRIX: given, GROUP: plan.products}, ctx)
    shown = set(ev.rows.get(MATRIX, [row.name for row in matrix.rows]))   # the rows the form shows this enterprise
    for row in matrix.rows:
        if row.name not in shown:
            for cell in cells:
                if cell.name in given[row.name]:
                    _, _, title, ref = places[f"{matrix.label} › {row.label} › {cell.label}"]
                    errors.append(CellError(SHEET_ORGS, r.row, title, ref, who,
                                            "该企业本月不需填报该指标（如仅工业企业填报的指标），请清空。"))
    plan.indicators = {k: v for k, v in given.items() if k in shown}
    for f in ev.errors():
        where, _, rule = f.message.partition("：")
        at = places.get(where)
        if at is None:
            errors.append(CellError(SHEET_ORGS, r.row, where if rule else "", "", who, f.message))
        elif (at[0], at[3]) not in bad:
            errors.append(CellError(at[0], at[1], at[2], at[3], who, rule))
    plan.ev = ev
