"""上报导入: the monthly report's Excel template and the import of a filled one (enterprise side).

The upload is checked by size and content (an .xlsx is a zip holding ``xl/``) and read within the
upload limits (services/io/upload_limits.py: zip directory, rows, columns, cell length, time) *before*
the transaction opens — a huge or hostile file is refused without holding any lock. Inside one short
transaction it is interpreted (services/monitor/excel_layout.py) and validated with the same engine ``evaluate()`` and context as the online form,
plus "not a number" cell problems. Any error rejects the whole file — nothing is written — and the
result lists each error by sheet and cell, with an .xlsx of that list to download. A clean file is
saved into the month's report and, when the month's questionnaires are answered, reported (上报,
action "import") in the same transaction. A replayed request (same ``request_id``) does nothing twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, ValidationFailed, check
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, Finding, evaluate, visible_rows
from services.forms.schema import Definition
from services.io.excel import rows_to_xlsx
from services.io.upload_limits import Sheet, check_size
from services.core.lengths import too_long
from services.monitor import reports, workflow
from services.monitor.excel_layout import (GROUP, MATRIX, SHEET_IND, SHEET_PROD, Parsed, read_book, read_upload,
                                           write_template)
from services.core.permissions import P_MONITOR_REPORT, Actor, require
from services.io.uploads import sniff

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SECTION_SHEET = {"basic": "基本信息（在线填报第一步）", "indicators": SHEET_IND, "products": SHEET_PROD}


@dataclass(frozen=True)
class CellError:
    sheet: str
    cell: str          # "C5"; "" when the problem is not one cell's
    indicator: str
    message: str


@dataclass
class ImportResult:
    report_id: int | None
    errors: list[CellError] = field(default_factory=list)
    errors_xlsx: bytes | None = None
    reported: bool = False           # 上报 done: the report is now 审核中
    warnings: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)   # questionnaires still to answer before 上报
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if self.errors:
            return f"导入失败：发现 {len(self.errors)} 处错误，整个文件未导入。请按错误清单修改后重新上传。"
        if self.replayed:
            return "该文件已导入，未重复处理。"
        if self.reported:
            tail = f"系统筛查有 {len(self.warnings)} 条提示，已记录供审核管理员核实。" if self.warnings else "系统筛查通过。"
            return "导入成功，月报已上报，等待审核。" + tail
        return "导入成功，数据已保存。请完成本月调查问卷（" + "、".join(self.remaining) + "）后上报。"


def _setting(session: Session, org: Organisation, period: str,
             lock: bool = True) -> tuple[MonitorReport | None, Definition, Context]:
    """The month's report (if any; locked unless ``lock`` is false, as in a read scope), its definition
    version and the form's evaluation context."""
    query = select(MonitorReport).where(MonitorReport.org_id == org.id, MonitorReport.period == period)
    report = session.scalar(query.with_for_update() if lock else query)
    if report is not None:
        response = session.get(FormResponse, report.response_id)
        assert response is not None
    else:  # not opened yet: the version a new report would get, evaluated exactly as the form would
        v = published_version(reports.REPORT_CODE, session)
        response = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=org.id, period=period)
    return report, definition_for_version(response.version_id, session), responses.context_for(session, response)


def _check_period(period: str) -> None:
    if not PERIOD.match(period or ""):
        raise ValidationFailed({"报表月份": ["报表月份：格式须为 YYYY-MM。"]})


def template_xlsx(actor: Actor, period: str) -> bytes:
    """Return the import template for the actor's enterprise and ``period``: exactly the indicator rows
    the online form shows it that month (industrial rows, quarterly rows), with units and validation."""
    _check_period(period)
    with session_scope(read=True) as session:
        org = reports.own_org(session, actor)
        _, d, ctx = _setting(session, org, period, lock=False)   # a read scope: PostgreSQL refuses FOR UPDATE
        return write_template(d, visible_rows(d, MATRIX, ctx), org.name, org.credit_code or "", period)


def errors_xlsx(errors: list[CellError], period: str) -> bytes:
    """The downloadable error list."""
    return rows_to_xlsx([{"工作表": e.sheet, "单元格": e.cell, "指标": e.indicator, "错误信息": e.message} for e in errors],
                        sheet="错误清单", title=f"{period} 月报上报导入错误清单（共 {len(errors)} 处）")


def _locate(findings: list[Finding], parsed: Parsed, taken: set[tuple[str, str]]) -> list[CellError]:
    """Turn the engine's findings into cell errors (the finding names the row and column it is about)."""
    out = []
    for f in findings:
        where, _, rule = f.message.partition("：")
        place = parsed.places.get(where)
        if place is None:
            out.append(CellError(SECTION_SHEET.get(f.section or "", ""), "", where if rule else "", rule or f.message))
        elif (place.sheet, place.cell) not in taken:
            out.append(CellError(place.sheet, place.cell, place.indicator, rule))
    return out


def _check(session: Session, org: Organisation, report: MonitorReport | None, d: Definition, ctx: Context,
           period: str, reporter: str, book: dict[str, Sheet]) -> tuple[list[CellError], Parsed, dict[str, Any]]:
    """Interpret and validate the rows read; return (errors, parsed file, step-1 answers to save)."""
    parsed = read_upload(book, d, visible_rows(d, MATRIX, ctx))
    errors = [CellError(p.sheet, p.cell, p.indicator, msg) for p, msg in parsed.problems]
    if any(not p.cell for p, _ in parsed.problems):
        return errors, parsed, {}   # the file itself is unusable: no point checking values
    code = parsed.meta.get("credit_code", "")
    if code.upper() != (org.credit_code or "").upper():
        errors.append(CellError(SHEET_IND, "D2", "统一社会信用代码",
                                f"文件中的统一社会信用代码「{code}」与本企业（{org.credit_code}）不一致："
                                "只能导入本企业的数据，请下载本企业的模板。"))
    if parsed.meta.get("period") != period:
        errors.append(CellError(SHEET_IND, "F2", "报表月份", f"文件的报表月份「{parsed.meta.get('period', '')}」与所选月份 "
                                                              f"{period} 不一致，请下载该月的模板或重新选择月份。"))
    existing: dict[str, Any] = {}
    basic = reports.basic_from_org(org)
    if report is not None:
        existing = responses.answers_of(session, report.response_id)
        row = session.get(ResponseSection, (report.response_id, "basic"))
        basic = dict(row.data) if row is not None and row.data else basic
    basic["reporter"] = reporter
    ev = evaluate(d, {**existing, **basic, MATRIX: parsed.indicators, GROUP: parsed.products}, ctx)
    errors += _locate(ev.errors(), parsed, {(p.sheet, p.cell) for p, _ in parsed.problems})
    return errors, parsed, basic


def _put(session: Session, response_id: int, section: str, data: dict[str, Any], actor_id: int | None) -> None:
    """Save one section as the form does (bumping its version, so an open form sees the change)."""
    row = session.get(ResponseSection, (response_id, section))
    if row is None:
        row = ResponseSection(response_id=response_id, section=section, data={}, version=0)
        session.add(row)
    row.data, row.version, row.updated_by, row.updated_at = data, (row.version or 0) + 1, actor_id, utcnow()


def import_report(actor: Actor, period: str, reporter: str, data: bytes, request_id: str | None = None) -> ImportResult:
    """Import a filled template into the actor's report for ``period``: all or nothing (see module doc)."""
    require(actor, P_MONITOR_REPORT)
    _check_period(period)
    reporter = (reporter or "").strip()
    if not reporter:
        raise ValidationFailed({"填报人": ["填报人：必填项，请填写。"]})
    check({"填报人": too_long("填报人", reporter, MonitorReport.reporter)})  # the column's length, as step 1
    check_size(data, "导入文件")
    if sniff(data) != "xlsx":
        raise ValidationFailed({"导入文件": ["导入文件：文件内容不是 Excel（.xlsx）文件，请使用下载的模板填写后上传。"]})
    book = read_book(data)       # bounded, and before the transaction: no lock is held while a file is read
    try:
        with session_scope() as session:
            return _import(session, actor, period, reporter, book, request_id)
    except IntegrityError:  # the same request, or the same month opened by someone else, at the same moment
        with session_scope() as session:
            if (done := audit.replayed(session, request_id)) is not None:
                return _replayed(done)
        raise Conflict("该月报正在被同时填写或导入，请刷新后重试。") from None


def _replayed(done: Any) -> ImportResult:
    return ImportResult(int(done.target_id) if done.target_id else None, replayed=True,
                        reported=bool((done.detail or {}).get("reported")))


def _import(session: Session, actor: Actor, period: str, reporter: str, book: dict[str, Sheet],
            request_id: str | None) -> ImportResult:
    if (done := audit.replayed(session, request_id)) is not None:
        return _replayed(done)
    org = reports.own_org(session, actor)
    if period not in reports.period_options():
        raise ValidationFailed({"报表月份": [f"报表月份：{period} 不在可报送的月份范围内。"]})
    report, d, ctx = _setting(session, org, period)
    if report is not None and report.status not in workflow.EDITABLE:
        raise Conflict(f"{period} 月报当前状态为「{workflow.STATUS_LABEL.get(report.status, report.status)}」，不能导入；"
                       "只有未填报、编辑、退回或解除冻结的月份可以导入。")
    errors, parsed, basic = _check(session, org, report, d, ctx, period, reporter, book)
    if errors:
        return ImportResult(report.id if report else None, errors, errors_xlsx(errors, period))
    if report is None:
        report = reports.new_report(session, org, period, actor.account_id, reporter, source="import")
    for section, answers in (("basic", basic), ("indicators", {MATRIX: parsed.indicators}),
                             ("products", {GROUP: parsed.products})):
        _put(session, report.response_id, section, answers, actor.account_id)
    response = session.get(FormResponse, report.response_id)
    assert response is not None
    response.current_section, response.updated_at = "products", utcnow()
    report.source, report.reporter = "import", reporter
    remaining = [q.title for q in reports.questionnaires_for(session, org, period) if not q.answered]
    audit.record(session, actor.account_id, "monitor.imported", "monitor_report", report.id,
                 {"period": period, "indicators": len(parsed.indicators), "products": len(parsed.products),
                  "reported": not remaining}, request_id=request_id)
    if remaining:
        return ImportResult(report.id, remaining=remaining)
    warnings = reports.check_and_report(session, report, actor, action="import", require_questionnaires=False)
    return ImportResult(report.id, reported=True, warnings=warnings)
