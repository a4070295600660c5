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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from db.forms import AnswerValue, FormResponse, ResponseSection
from db.monitor import MonitorReport, MonitorReviewer
from db.workflow import WorkflowInstance
from services.core import audit, notify
from services.core.errors import Conflict, ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, require
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.typed_rows import typed_rows, write_typed_rows
from services.io.upload_limits import check_size, read_xlsx
from services.io.uploads import sniff
from services.monitor import reports, reviewers, workflow
from services.monitor.admin_import_book import (FIRST_ROW, FIXED, HEADER_ROW, MAX_ENTERPRISES, SHEET_ERRORS,  # noqa: F401
                                               SHEET_ORGS, CellError, _check_period, _columns, column_title, errors_xlsx,
                                               template_xlsx)
from services.monitor.admin_import_check import Progress, _check, _chunks, _Plan  # noqa: F401
from services.monitor.admin_import_read import _parse  # noqa: F401
from services.monitor.excel_layout import GROUP, MATRIX, SHEET_HELP, SHEET_PROD  # noqa: F401 - SHEET_HELP: the workbook's names

ACTION = "admin_import"
LABEL = "导入文件"



def _quiet(_: float, __: str) -> None:
    return None


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
