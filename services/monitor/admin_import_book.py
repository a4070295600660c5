"""数据批量上报导入: the files — the template an administrator fills (``template_xlsx``) and the error workbook
handed back when an import is refused (``errors_xlsx``); the reading, checking and writing are in
services/monitor/admin_import.py, which re-exports these names."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from services.core.errors import ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, require
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, visible_rows
from services.forms.schema import Definition, MatrixRow
from services.io.excel import write_cell
from services.monitor import reports
from services.monitor.excel_layout import (MATRIX, NUMBER_HINT, SHEET_PROD, _heading, _star, product_group, product_sheet,
                                           row_validation, value_cells, with_help)

SHEET_ORGS, SHEET_ERRORS = "企业月报", "错误清单"
HEADER_ROW, FIRST_ROW = 3, 4
FIXED = ("统一社会信用代码", "企业名称", "填报人", "填报人电话")   # the first columns of 企业月报
MAX_ENTERPRISES = 2000       # the manual recommends ≤ 100 per file; 1,000 is measured (bench/bench_monitor_admin_import.py)
_BAD = PatternFill("solid", fgColor="F4B6B0")


@dataclass(frozen=True)
class CellError:
    """One problem: ``row`` 0 and ``cell`` "" when it is not one row's / cell's."""
    sheet: str
    row: int
    column: str        # the column's heading (or the field), "" for a whole row
    cell: str          # "F7"
    enterprise: str    # the name (or credit code) the row gives
    message: str


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
