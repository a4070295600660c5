"""数据批量上报导入 — an administrator imports many enterprises' monthly reports for one month.

The manual (sme-operation-monitoring-training.md, 企业上报导入 of the 地方管理员): administrators put
the economic indicators and product rows of the enterprises they manage into the prescribed Excel
template offline and upload it, "实现企业数据批量上报" — so a clean import **reports** each month up
the chain (state 审核中, holder: the enterprise's direct reviewer), exactly as 上报 would, through the
workflow action ``admin_import`` (history and audit rows per report). Questionnaires are the
enterprise's own answers and are not asked for here.

Which months may be imported: those an enterprise may still change — none yet (未填报), 编辑, 退回,
解除冻结 (``workflow.EDITABLE``); the administrator's file replaces that draft's indicators and
products. 冻结 (key fields awaiting confirmation), 审核中 and 审核通过 are refused, their state named.

The workbook (``template_xlsx``): sheet 企业月报 — row 2 the month, row 3 the headings, one row per
enterprise from row 4: 统一社会信用代码, 企业名称, 填报人, 填报人电话 (both optional: blank keeps what
the report or the enterprise has), then one column per indicator × value column of the month's form
(industrial-only rows included, to be left blank for other enterprises); sheet 主要产品产销存 —
统一社会信用代码 plus the products group's columns, one row per product; sheet 填写说明. Codes are text.

Order of work (``import_reports``):
1. bounds before any transaction: size, content, the zip, rows / columns / time while streaming
   (services/io/upload_limits.py), and at most ``MAX_ENTERPRISES`` enterprises;
2. a read scope: the enterprises (by credit code, one query per 500), jurisdiction, existing reports,
   their definitions (loaded once per version), the evaluation contexts and direct reviewers in a few
   queries; each enterprise validated by the forms engine's ``evaluate`` — the form's own rules;
3. any error → nothing written; the result carries the errors (sheet, row, column, cell, message) and
   an error workbook (the list first, then the uploaded sheets with the bad cells filled red and
   commented);
4. otherwise one write transaction, set-based: replay check (``request_id``), the reports' states
   re-checked under lock, responses / sections / typed answer rows written in bulk, and the reports
   moved per direct reviewer with ``workflow.report_many`` (engine ``move_many``).
``progress(fraction, text)`` is called along the way for the page's progress bar.
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from db.forms import AnswerValue, FormResponse, ResponseSection
from db.monitor import MonitorReport, MonitorReviewer
from db.organisation import Organisation
from db.workflow import WorkflowInstance
from services.core import audit, notify
from services.core.errors import Conflict, ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, RegionPath, in_jurisdiction, require
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, Evaluation, evaluate, visible_rows
from services.forms.schema import Definition, MatrixRow
from services.forms.typed_rows import typed_rows, write_typed_rows
from services.io.excel import write_cell
from services.io.upload_limits import Sheet, check_size, read_xlsx
from services.io.uploads import sniff
from services.monitor import reports, reviewers, workflow
from services.monitor.excel_layout import (GROUP, MATRIX, NUMBER_HINT, SHEET_HELP, SHEET_PROD, _heading, _star, number,
                                           product_group, product_sheet, row_validation, value_cells, with_help)

SHEET_ORGS, SHEET_ERRORS = "企业月报", "错误清单"
HEADER_ROW, FIRST_ROW = 3, 4
FIXED = ("统一社会信用代码", "企业名称", "填报人", "填报人电话")   # the first columns of 企业月报
MAX_ENTERPRISES = 2000       # the manual recommends ≤ 100 per file; 1,000 is measured (bench/bench_monitor_admin_import.py)
ACTION = "admin_import"
LABEL = "导入文件"
_BAD = PatternFill("solid", fgColor="F4B6B0")

Progress = Callable[[float, str], None]


def _quiet(_: float, __: str) -> None:
    return None


@dataclass(frozen=True)
class CellError:
    """One problem: ``row`` 0 and ``cell`` "" when it is not one row's / cell's."""
    sheet: str
    row: int
    column: str        # the column's heading (or the field), "" for a whole row
    cell: str          # "F7"
    enterprise: str    # the name (or credit code) the row gives
    message: str


@dataclass
class AdminImportResult:
    period: str
    imported: int = 0                    # reports written and reported
    errors: list[CellError] = field(default_factory=list)
    errors_xlsx: bytes | None = None
    warnings: int = 0                    # screening warnings recorded for the reviewers
    replayed: bool = False
    seconds: dict[str, float] = field(default_factory=dict)   # parse / validate / write

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if self.errors:
            return (f"导入失败：发现 {len(self.errors)} 处错误，整个文件未导入（没有写入任何企业的月报）。"
                    "请下载错误清单，按标红的单元格修改后重新上传。")
        if self.replayed:
            return "该文件已导入，未重复处理。"
        tail = f"系统筛查共有 {self.warnings} 条提示，已记录供审核管理员核实。" if self.warnings else "系统筛查通过。"
        return f"导入成功：{self.imported} 家企业的 {self.period} 月报已上报，等待审核。" + tail


# --- the template ---------------------------------------------------------------------------
def _columns(d: Definition, period: str) -> list[tuple[MatrixRow, Any]]:
    """(indicator row, value cell) per value column: every row the month's form shows an industrial
    enterprise (the widest set), in the definition's order."""
    rows = visible_rows(d, MATRIX, Context(org={"industrial": True}, period=period))
    return [(r, c) for r in rows for c in value_cells(d)]


def column_title(row: MatrixRow, cell: Any) -> str:
    """The heading of one value column (written by the template, matched when reading)."""
    unit = f"（{row.unit}）" if row.unit else ""
    return f"{_star(row.label, row.required)}{unit}｜{cell.label}"


def _check_period(period: str) -> None:
    if period not in reports.period_options():
        raise ValidationFailed({"报表月份": [f"报表月份：{period or '（空）'} 不在可报送的月份范围内，请重新选择。"]})


def template_xlsx(actor: Actor, period: str) -> bytes:
    """Return the bulk template for ``period``: sheet 企业月报 (one row per enterprise), 主要产品产销存
    (one row per product, by credit code) and 填写说明 — all taken from the month's definition."""
    require(actor, P_MONITOR_REVIEW)
    _check_period(period)
    d = definition_for_version(published_version(reports.REPORT_CODE).id)
    cols = _columns(d, period)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_ORGS
    write_cell(ws.cell(1, 1), f"{d.title} — 批量上报导入（{period}）")
    ws.cell(1, 1).font = Font(bold=True, size=13)
    write_cell(ws.cell(2, 1), "报表月份")
    write_cell(ws.cell(2, 2), period)
    ws.cell(2, 1).font = Font(bold=True)
    ws.cell(2, 2).number_format = "@"
    _heading(ws, HEADER_ROW, ["*" + FIXED[0], "*" + FIXED[1], FIXED[2], FIXED[3]] + [column_title(r, c) for r, c in cols],
             [22, 28, 10, 14] + [14] * len(cols))
    ws.row_dimensions[HEADER_ROW].height = 48
    last = FIRST_ROW + MAX_ENTERPRISES - 1
    for j in range(1, 5):
        for r in range(FIRST_ROW, FIRST_ROW + 200):   # codes and phones stay text (leading zeros kept)
            ws.cell(r, j).number_format = "@"
    for j, (row, cell) in enumerate(cols, 5):
        dv = row_validation(row, f"{row.label} › {cell.label}")
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(j)}{FIRST_ROW}:{get_column_letter(j)}{last}")
    ws.freeze_panes = f"C{FIRST_ROW}"

    product_sheet(wb, d, (("*" + FIXED[0], 22),))
    return with_help(wb, _instructions(d, period, product_group(d).max_rows))


def _instructions(d: Definition, period: str, max_products: int) -> list[str]:
    industrial = [r.label for r in d.question(MATRIX).rows if r.show_if and "industrial" in r.show_if]
    return [f"{d.title} 批量上报导入模板（报表月份 {period}）", "",
            "一、填写要求",
            f"1. 「{SHEET_ORGS}」每行一家企业，从第 {FIRST_ROW} 行开始；统一社会信用代码须为本平台已注册、在您管辖范围内的企业；"
            "企业名称须与登记的名称一致。建议每个文件不超过 100 家企业（最多 "
            f"{MAX_ENTERPRISES} 家）。",
            "2. 填报人、填报人电话可不填：不填时沿用该月报已有的填报人或企业登记的联系人。",
            f"3. 数值单元格{NUMBER_HINT}；金额单位千元，用电量单位度，从业人员单位人。带 * 的为必填项。",
            f"4. 仅工业企业填报的指标（{'、'.join(industrial)}）：非工业企业请留空。",
            f"5. 「{SHEET_PROD}」每行一个产品，第一列填企业的统一社会信用代码；非必填，每家企业最多 {max_products} 行。",
            f"6. 请勿修改第 2 行的报表月份（须与页面所选月份 {period} 一致）和第 {HEADER_ROW} 行的列标题。", "",
            "二、校验（与在线填报同一套规则）",
            "任何一处错误都不导入整个文件，并可下载错误清单：清单列出工作表、行、列和错误说明，"
            "并附上传的文件，出错的单元格标红并带批注。",
            "只能导入未填报、编辑、退回或解除冻结状态的月报；冻结、审核中、审核通过的月报不能导入。", "",
            "三、导入结果",
            "通过校验的文件一次性写入：每家企业的月报即上报给其直接审核员（状态「审核中」），与企业自行上报相同。"]


# --- reading ----------------------------------------------------------------------------------
@dataclass
class _Row:
    """One enterprise's row as read."""
    row: int
    code: str
    name: str
    reporter: str | None
    phone: str | None
    values: dict[tuple[str, str], tuple[str | None, str]]   # (row name, cell name) -> (answer text, cell ref)
    products: list[tuple[int, dict[str, str]]] = field(default_factory=list)   # (sheet row, answers)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _parse(book: dict[str, Sheet], d: Definition, period: str, errors: list[CellError]) -> list[_Row]:
    """Turn the sheets into rows, collecting file and cell problems (not-a-number, unknown headings …)."""
    for sheet in (SHEET_ORGS, SHEET_PROD):
        if sheet not in book:
            errors.append(CellError(sheet, 0, "", "", "", f"缺少工作表「{sheet}」，请使用下载的模板。"))
    if errors:
        return []
    rows = book[SHEET_ORGS].rows
    head = [_text(c.value) for c in rows[HEADER_ROW - 1]] if len(rows) >= HEADER_ROW else []
    cols = _columns(d, period)
    titles = {column_title(r, c): (r.name, c.name) for r, c in cols}
    plain = {column_title(r, c): f"{r.label}｜{c.label}" for r, c in cols}   # how errors name a column
    missing = [t for t in titles if t not in head]
    if [h.lstrip("*") for h in head[:4]] != list(FIXED) or missing:
        errors.append(CellError(SHEET_ORGS, HEADER_ROW, "", "", "", "列标题与本月模板不一致" +
                                (f"（缺少「{missing[0]}」等 {len(missing)} 列）" if missing else "") +
                                "，请下载所选月份的模板。"))
        return []
    month = _text(rows[1][1].value) if len(rows) > 1 and len(rows[1]) > 1 else ""
    if month != period:
        errors.append(CellError(SHEET_ORGS, 2, "报表月份", "B2", "",
                                f"文件的报表月份「{month}」与所选月份 {period} 不一致，请下载该月的模板或重新选择月份。"))
    where = {j: titles[h] for j, h in enumerate(head) if h in titles}
    out: list[_Row] = []
    for i, cells in enumerate(rows[FIRST_ROW - 1:], FIRST_ROW):
        raw = [c.value for c in cells]
        if all(_text(v) == "" for v in raw):
            continue
        raw += [None] * (len(head) - len(raw))
        code, name = _text(raw[0]).upper(), _text(raw[1])
        r = _Row(i, code, name, _text(raw[2]) or None, _text(raw[3]) or None, {})
        for j, key in where.items():
            ref = f"{get_column_letter(j + 1)}{i}"
            text, problem = number(raw[j])
            if problem:
                errors.append(CellError(SHEET_ORGS, i, plain[head[j]], ref, name or code, problem))
            r.values[key] = (text, ref)
        out.append(r)
    by_code = {r.code: r for r in out if r.code}
    questions = list(product_group(d).questions)
    phead = [_text(c.value).lstrip("*") for c in book[SHEET_PROD].rows[0]] if book[SHEET_PROD].rows else []
    if phead[:1 + len(questions)] != [FIXED[0]] + [q.label for q in questions]:
        errors.append(CellError(SHEET_PROD, 1, "", "", "", "列标题与模板不一致，请使用下载的模板。"))
        return out
    for i, cells in enumerate(book[SHEET_PROD].rows[1:], 2):
        raw = [c.value for c in cells] + [None] * (1 + len(questions) - len(cells))
        if all(_text(v) == "" for v in raw):
            continue
        code = _text(raw[0]).upper()
        owner = by_code.get(code)
        if owner is None:
            errors.append(CellError(SHEET_PROD, i, FIXED[0], f"A{i}", code,
                                    f"统一社会信用代码「{code}」不在「{SHEET_ORGS}」中，请先在企业月报中填写该企业。"
                                    if code else "必填项：请填写产品所属企业的统一社会信用代码。"))
            continue
        item: dict[str, str] = {}
        for j, q in enumerate(questions, 1):
            if q.type in ("decimal", "integer"):
                text, problem = number(raw[j])
                if problem:
                    errors.append(CellError(SHEET_PROD, i, q.label, f"{get_column_letter(j + 1)}{i}",
                                            owner.name or code, problem))
            else:
                text = _text(raw[j]) or None
            if text is not None:
                item[q.name] = text
        owner.products.append((i, item))
    return out


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


# --- the error workbook ---------------------------------------------------------------------
def errors_xlsx(errors: list[CellError], period: str, data: bytes | None = None) -> bytes:
    """The downloadable error report: sheet 错误清单 (工作表 / 行 / 列 / 单元格 / 企业 / 错误信息), then —
    when the uploaded file can be opened — its sheets with each bad cell filled red and commented."""
    wb = None
    if data is not None:
        try:
            wb = load_workbook(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - the list alone is still useful
            wb = None
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)  # type: ignore[arg-type]
    for name in list(wb.sheetnames):
        if name not in (SHEET_ORGS, SHEET_PROD):
            del wb[name]
    ws = wb.create_sheet(SHEET_ERRORS, 0)
    write_cell(ws.cell(1, 1), f"{period} 月报批量上报导入错误清单（共 {len(errors)} 处，整个文件未导入）")
    ws.cell(1, 1).font = Font(bold=True, size=13)
    heads = ["工作表", "行", "列", "单元格", "企业", "错误信息"]
    _heading(ws, 2, heads, [16, 6, 30, 8, 30, 80])
    for i, e in enumerate(errors, 3):
        for j, v in enumerate((e.sheet, e.row or None, e.column, e.cell, e.enterprise, e.message), 1):
            write_cell(ws.cell(i, j), v)
    ws.freeze_panes = "A3"
    notes: dict[tuple[str, str], list[str]] = {}
    for e in errors:
        if e.cell and e.sheet in wb.sheetnames:
            notes.setdefault((e.sheet, e.cell), []).append(e.message)
    for (sheet, ref), messages in notes.items():
        c = wb[sheet][ref]
        c.fill = _BAD
        c.comment = Comment("\n".join(messages)[:2000], "系统校验")
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- writing ----------------------------------------------------------------------------------
_ANSWER_COLUMNS = ("response_id", "version_id", "question", "path", "num_value", "text_value")


def _insert_answers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the typed answer rows in the caller's transaction: PostgreSQL by COPY (100,000 rows: one
    stream instead of a statement per row), SQLite by executemany."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY answer_value ({', '.join(_ANSWER_COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in _ANSWER_COLUMNS))
        return
    table = cast(Table, AnswerValue.__table__)
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(table), chunk)


def _warnings(p: _Plan) -> list[dict[str, Any]]:
    """The screening warnings recorded on the response, as ``reports.check_and_report`` records them."""
    assert p.ev is not None
    return [{"message": w.message, "question": w.question, "section": w.section, "rule": w.rule}
            for w in p.ev.warnings()]


def _write(session: Session, actor: Actor, period: str, plans: list[_Plan], progress: Progress) -> int:
    """Write every plan set-based and report them through the workflow engine; return the warnings count."""
    now = utcnow()
    # the reports' states, re-checked under lock: unchanged since the check, none opened meanwhile
    ids = [p.org.id for p in plans]
    current: dict[int, tuple[int, str, int]] = {}
    for chunk in _chunks(ids):
        for x in session.execute(select(MonitorReport.org_id, MonitorReport.id, MonitorReport.status,
                                        MonitorReport.row_version)
                                 .where(MonitorReport.org_id.in_(chunk), MonitorReport.period == period)
                                 .with_for_update()):
            current[x.org_id] = (x.id, x.status, x.row_version)
    for p in plans:
        seen = current.get(p.org.id)
        if (None if seen is None else (seen[0], seen[2])) != (None if p.report_id is None else (p.report_id, p.row_version)):
            raise Conflict(f"企业「{p.org.name}」的 {period} 月报在检查期间被修改，整个文件未导入，请重新导入。")
    fresh = [p for p in plans if p.report_id is None]
    new_ids: set[int | None] = set()
    if fresh:   # new responses and reports (step 1 prefilled as ``reports.new_report`` does), state 编辑
        got = session.execute(insert(FormResponse).returning(FormResponse.id, sort_by_parameter_order=True), [
            {"version_id": p.version_id, "definition_id": p.definition_id, "org_id": p.org.id, "period": period,
             "status": "draft", "created_by": actor.account_id, "current_section": "products",
             "warnings": _warnings(p), "created_at": now, "updated_at": now} for p in fresh]).scalars().all()
        for p, rid in zip(fresh, got):
            p.response_id = rid
        got = session.execute(insert(MonitorReport).returning(MonitorReport.id, sort_by_parameter_order=True), [
            {"org_id": p.org.id, "period": period, "response_id": p.response_id, "status": "editing",
             "reporter": p.basic.get("reporter"), "source": "import", "province_code": p.org.province_code,
             "city_code": p.org.city_code, "county_code": p.org.county_code, "division_code": p.org.division_code,
             "acted": False, "approved": False, "screening_passed": not _warnings(p),
             "warning_count": len(_warnings(p)), "frozen_changes": {}, "row_version": 1,
             "created_at": now, "updated_at": now} for p in fresh]).scalars().all()
        for p, rid in zip(fresh, got):
            p.report_id = rid
        new_ids = {p.report_id for p in fresh}
    # every report gets its workflow instance (an opened report has none until its first transition:
    # created in the state its mirror shows, as the engine does)
    have: set[int] = set()
    for chunk in _chunks([p.report_id for p in plans]):
        have.update(session.scalars(select(WorkflowInstance.subject_id).where(
            WorkflowInstance.subject_type == workflow.SUBJECT, WorkflowInstance.subject_id.in_(chunk))))
    missing = [{"id": p.report_id, "status": current[p.org.id][1] if p.org.id in current else "editing"}
               for p in plans if p.report_id not in have]
    if missing:
        workflow.seed(session.connection(), missing)
    progress(0.8, "正在写入：答案")
    versions: dict[tuple[int | None, str], int] = {}
    for chunk in _chunks([p.response_id for p in plans if p.report_id not in new_ids]):
        versions.update({(r, s): v for r, s, v in session.execute(
            select(ResponseSection.response_id, ResponseSection.section, ResponseSection.version)
            .where(ResponseSection.response_id.in_(chunk)))})
    new_rows, changed = [], []
    for p in plans:
        for section, data in (("basic", p.basic), ("indicators", {MATRIX: p.indicators}),
                              ("products", {GROUP: p.products})):
            row = {"response_id": p.response_id, "section": section, "data": data, "updated_by": actor.account_id,
                   "updated_at": now}
            if (p.response_id, section) in versions:
                changed.append({**row, "b_id": p.response_id, "b_section": section,
                                "version": versions[(p.response_id, section)] + 1})
            else:
                new_rows.append({**row, "version": 1})
    if new_rows:   # Core executemany: no ORM bookkeeping per row
        session.connection().execute(insert(cast(Table, ResponseSection.__table__)), new_rows)
    if changed:
        t = cast(Table, ResponseSection.__table__)
        session.connection().execute(
            update(t).where(t.c.response_id == bindparam("b_id"), t.c.section == bindparam("b_section"))
            .values(data=bindparam("data"), version=bindparam("version"), updated_by=bindparam("updated_by"),
                    updated_at=bindparam("updated_at")),
            [{k: v for k, v in c.items() if k not in ("response_id", "section")} for c in changed])
    # typed answer rows (what statistics and queries read), as ``write_typed_rows`` writes them
    for chunk in _chunks([p.response_id for p in plans if p.report_id not in new_ids]):
        session.execute(delete(AnswerValue).where(AnswerValue.response_id.in_(chunk)))
    typed: list[dict[str, Any]] = []
    for p in plans:
        assert p.ev is not None
        if p.ev.scores is not None:   # a scored form: the per-response path also writes the scores
            write_typed_rows(session, session.get(FormResponse, p.response_id), p.d, p.ev)  # type: ignore[arg-type]
            continue
        typed += [{**x, "response_id": p.response_id, "version_id": p.version_id} for x in typed_rows(p.d, p.ev)]
    progress(0.83, "正在写入：答案明细")
    _insert_answers(session, typed)
    progress(0.87, "正在写入：筛查结果")
    old = [p for p in plans if p.report_id not in new_ids]   # reports that existed: their columns updated
    if old:
        r_t, f_t = cast(Table, MonitorReport.__table__), cast(Table, FormResponse.__table__)
        conn = session.connection()
        conn.execute(update(r_t).where(r_t.c.id == bindparam("b_id"))
                     .values(screening_passed=bindparam("screening_passed"), warning_count=bindparam("warning_count"),
                             reporter=bindparam("reporter"), source=bindparam("source")),
                     [{"b_id": p.report_id, "screening_passed": not _warnings(p), "warning_count": len(_warnings(p)),
                       "reporter": p.basic.get("reporter"), "source": "import"} for p in old])
        conn.execute(update(f_t).where(f_t.c.id == bindparam("b_id"))
                     .values(current_section=bindparam("current_section"), updated_at=bindparam("updated_at"),
                             warnings=bindparam("warnings")),
                     [{"b_id": p.response_id, "current_section": "products", "updated_at": now,
                       "warnings": _warnings(p)} for p in old])
    warned = sum(len(_warnings(p)) for p in plans)
    progress(0.9, "正在写入：上报")
    by_reviewer: dict[int, list[_Plan]] = {}
    for p in plans:
        by_reviewer.setdefault(p.reviewer, []).append(p)  # type: ignore[arg-type]
    levels = dict(session.execute(select(MonitorReviewer.account_id, MonitorReviewer.level)
                                  .where(MonitorReviewer.account_id.in_(list(by_reviewer)))).tuples().all())
    reviewers.direct_reviewers(session, [p.org for p in plans])   # first-time assignments recorded
    for holder, group in by_reviewer.items():
        moved = workflow.report_many(session, actor, ACTION, [p.report_id for p in group], holder,  # type: ignore[misc]
                                     levels.get(holder))
        if len(moved) != len(group):
            raise Conflict(f"有企业的 {period} 月报在导入期间被他人处理，整个文件未导入，请重新导入。")
        notify.send(session, [holder], f"{actor.display_name or actor.username} 批量导入了 {len(group)} 家企业的 {period} 月报",
                    "已上报至您，请在「月报审核」中审核。")
    accounts: list[int] = []
    for chunk in _chunks(ids):   # the enterprises learn that their month was reported for them (one insert)
        accounts += session.scalars(select(Account.id).where(Account.org_id.in_(chunk))).all()
    notify.send(session, accounts, f"您单位 {period} 的运行监测月报已由管理员批量导入并上报",
                "如数据有误，请联系审核管理员退回后修改。")
    return warned


def import_reports(actor: Actor, period: str, data: bytes, request_id: str | None = None,
                   progress: Progress | None = None) -> AdminImportResult:
    """Import a filled bulk template for ``period``: all or nothing (see the module docstring).

    Raises ``ValidationFailed`` for a file refused by its bounds (size, type, rows, columns, time,
    enterprises), ``PermissionDenied`` without the monitoring administrators' permission, ``Conflict``
    when a report changed between the check and the write. Cell problems are returned, not raised."""
    require(actor, P_MONITOR_REVIEW)
    _check_period(period)
    say = progress or _quiet
    result = AdminImportResult(period)
    start = time.perf_counter()
    say(0.02, "正在检查文件")
    check_size(data, LABEL)
    if sniff(data) != "xlsx":
        raise ValidationFailed({LABEL: [f"{LABEL}：文件内容不是 Excel（.xlsx）文件，请使用下载的模板填写后上传。"]})
    with session_scope(read=True) as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return AdminImportResult(period, int((done.detail or {}).get("imported", 0)), replayed=True)
    book = read_xlsx(data, LABEL, sheets=(SHEET_ORGS, SHEET_PROD))   # bounded, before any transaction
    say(0.2, "正在读取文件")
    d = definition_for_version(published_version(reports.REPORT_CODE).id)
    errors: list[CellError] = []
    rows = _parse(book, d, period, errors)
    if len(rows) > MAX_ENTERPRISES:
        raise ValidationFailed({LABEL: [f"{LABEL}：一个文件最多 {MAX_ENTERPRISES} 家企业（当前 {len(rows)} 家），"
                                        "请分成多个文件导入（建议每个文件不超过 100 家）。"]})
    if not rows and not errors:
        raise ValidationFailed({LABEL: [f"{LABEL}：「{SHEET_ORGS}」中没有企业数据，请从第 {FIRST_ROW} 行起填写。"]})
    result.seconds["parse"] = time.perf_counter() - start
    say(0.35, f"正在校验：{len(rows)} 家企业")
    t = time.perf_counter()
    plans: list[_Plan] = []
    if rows:
        with session_scope(read=True) as session:
            plans = _check(session, actor, period, rows, errors, say)
    result.seconds["validate"] = time.perf_counter() - t
    if errors:
        errors.sort(key=lambda e: (e.sheet != SHEET_ORGS, e.sheet, e.row))
        result.errors, result.errors_xlsx = errors, errors_xlsx(errors, period, data)
        say(1.0, "校验未通过")
        return result
    say(0.75, "正在写入")
    t = time.perf_counter()
    try:
        with session_scope() as session:
            if (done := audit.replayed(session, request_id)) is not None:
                return AdminImportResult(period, int((done.detail or {}).get("imported", 0)), replayed=True)
            result.warnings = _write(session, actor, period, plans, say)
            result.imported = len(plans)
            audit.record(session, actor.account_id, "monitor.admin_imported", "monitor_import", period,
                         {"period": period, "imported": len(plans), "warnings": result.warnings,
                          "orgs": [p.org.id for p in plans]}, request_id=request_id)
    except IntegrityError:   # the same request at the same moment, or a month opened meanwhile
        with session_scope(read=True) as session:
            if (done := audit.replayed(session, request_id)) is not None:
                return AdminImportResult(period, int((done.detail or {}).get("imported", 0)), replayed=True)
        raise Conflict("有企业的月报正在被同时填写或导入，整个文件未导入，请稍后重新导入。") from None
    result.seconds["write"] = time.perf_counter() - t
    result.seconds["total"] = time.perf_counter() - start
    say(1.0, "导入完成")
    return result
