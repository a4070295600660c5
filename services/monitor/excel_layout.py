"""The 上报导入 workbook, written and read from the monthly report's definition (never a second list):
sheet 主要经济指标 (the indicator rows the form shows this enterprise this month, their units and the
four value columns), sheet 主要产品产销存 (the products group's columns) and sheet 填写说明.

Reading is in two steps: ``read_book`` streams the two sheets within the upload limits
(services/io/upload_limits.py; no database involved, so it runs before any transaction), and
``read_upload`` turns those rows into the form's answers plus a map from each answer to its cell,
so the engine's findings can be reported as "sheet, cell, indicator, message".
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from services.forms.schema import Constraint, Definition, Group, MatrixRow, Question
from services.io.excel import write_cell
from services.io.upload_limits import Sheet, read_xlsx
from services.core.numbers import NOT_A_NUMBER, ONLY_ASCII, parse_number

SHEET_IND, SHEET_PROD, SHEET_HELP = "主要经济指标", "主要产品产销存", "填写说明"
MATRIX, GROUP = "ind", "products"
HEADER_ROW, FIRST_ROW = 3, 4          # indicator sheet: column headings, then one indicator per row
META = {"org_name": "B2", "credit_code": "D2", "period": "F2"}
NUMBER_HINT = "只能输入数字、小数点和正负号（不要输入千分位逗号、单位或文字）"
_BOUND = re.compile(r"^\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)$")
_OPERATOR = {">=": "greaterThanOrEqual", ">": "greaterThan", "<=": "lessThanOrEqual", "<": "lessThan"}
_HEAD = PatternFill("solid", fgColor="C0392B")
_INPUT = PatternFill("solid", fgColor="FFF9E6")


def value_cells(d: Definition) -> list[Any]:
    """The matrix cells the enterprise types (calculated ones such as 累计同比增长 are left out)."""
    return [c for c in d.question(MATRIX).cells if not c.calculation]


def product_group(d: Definition) -> Group:
    return next(g for s in d.sections for g in s.groups if g.name == GROUP)


def _star(label: str, required: bool) -> str:
    return ("*" if required else "") + label


def _validation(constraints: tuple[Constraint, ...], title: str, prompt: str) -> DataValidation:
    """A decimal validation: the definition's simple bound (". >= 0", ". > 0") when it has one."""
    bound = next(((m.group(1), m.group(2), c.message) for c in constraints if (m := _BOUND.match(c.rule.strip()))), None)
    if bound:
        dv = DataValidation(type="decimal", operator=_OPERATOR[bound[0]], formula1=bound[1], allow_blank=True)
        dv.error = f"{title}：{bound[2]}。{NUMBER_HINT}。"
    else:
        dv = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True)
        dv.error = f"{title}：{NUMBER_HINT}。"
    dv.showInputMessage = dv.showErrorMessage = True
    dv.promptTitle, dv.prompt = title[:32], prompt[:250]
    dv.errorTitle = "只能输入数字"
    return dv


def _heading(ws: Worksheet, row: int, labels: list[str], widths: list[int]) -> None:
    for j, (label, width) in enumerate(zip(labels, widths), 1):
        c = ws.cell(row, j)
        write_cell(c, label)
        c.font, c.fill = Font(bold=True, color="FFFFFF"), _HEAD
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = width


def write_template(d: Definition, rows: list[MatrixRow], org_name: str, credit_code: str, period: str) -> bytes:
    """Return the template workbook for these indicator rows (what the form shows this org and month)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_IND
    matrix, cells = d.question(MATRIX), value_cells(d)
    write_cell(ws.cell(1, 1), f"{d.title} — {matrix.label}（{period}）")
    ws.cell(1, 1).font = Font(bold=True, size=13)
    for col, (label, value) in enumerate((("企业名称", org_name), ("统一社会信用代码", credit_code),
                                          ("报表月份", period)), 0):
        write_cell(ws.cell(2, 2 * col + 1), label)
        write_cell(ws.cell(2, 2 * col + 2), value)
        ws.cell(2, 2 * col + 1).font = Font(bold=True)
        ws.cell(2, 2 * col + 2).number_format = "@"
    _heading(ws, HEADER_ROW, ["指标名称", "计算单位"] + [c.label for c in cells], [26, 10] + [16] * len(cells))
    for i, row in enumerate(rows):
        r = FIRST_ROW + i
        write_cell(ws.cell(r, 1), _star(row.label, row.required))
        write_cell(ws.cell(r, 2), row.unit)
        dv = row_validation(row, row.label)
        ws.add_data_validation(dv)
        dv.add(f"C{r}:{get_column_letter(2 + len(cells))}{r}")
        for j in range(len(cells)):
            ws.cell(r, 3 + j).fill = _INPUT
    ws.freeze_panes = f"C{FIRST_ROW}"

    product_sheet(wb, d)
    return with_help(wb, instructions(d, rows, period))


def row_validation(row: MatrixRow, title: str) -> DataValidation:
    """The decimal validation of an indicator row's value cells: bound and prompt from the definition."""
    return _validation(row.constraints, title, "；".join(
        x for x in (f"单位：{row.unit}" if row.unit else "", "必填" if row.required else "选填",
                    "；".join(c.message for c in row.constraints), NUMBER_HINT) if x))


def with_help(wb: Workbook, lines: list[str]) -> bytes:
    """Add sheet 填写说明 (``lines``, the first as its title) and return the workbook's bytes."""
    wh = wb.create_sheet(SHEET_HELP)
    wh.column_dimensions["A"].width = 110
    for i, line in enumerate(lines, 1):
        write_cell(wh.cell(i, 1), line)
        wh.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
    wh.cell(1, 1).font = Font(bold=True, size=13)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def product_sheet(wb: Workbook, d: Definition, lead: tuple[tuple[str, int], ...] = ()) -> Worksheet:
    """Add sheet 主要产品产销存: the ``lead`` columns (heading, width; text — the bulk template's credit
    code), then the products group's columns with their validation; codes stay text (leading zeros kept)."""
    group = product_group(d)
    wp = wb.create_sheet(SHEET_PROD)
    _heading(wp, 1, [h for h, _ in lead] + [_star(q.label, q.required is True) for q in group.questions],
             [w for _, w in lead] + [24 if q.type == "text" else 14 for q in group.questions])
    last = 1 + group.max_rows
    text = list(range(1, len(lead) + 1))
    for j, q in enumerate(group.questions, len(lead) + 1):
        col = get_column_letter(j)
        if q.type in ("decimal", "integer"):
            dv = _validation(q.constraints, q.label, "；".join(["必填" if q.required else "选填",
                                                                 *(c.message for c in q.constraints), NUMBER_HINT]))
            wp.add_data_validation(dv)
            dv.add(f"{col}2:{col}{last}")
        else:
            text.append(j)
    for r in range(2, last + 1):
        for j in text:
            wp.cell(r, j).number_format = "@"
    wp.freeze_panes = f"{get_column_letter(len(lead) + 1)}2"
    return wp


def instructions(d: Definition, rows: list[MatrixRow], period: str) -> list[str]:
    """The 填写说明 lines, all taken from the definition."""
    matrix, group = d.question(MATRIX), product_group(d)
    units: dict[str, list[str]] = {}
    for r in rows:
        units.setdefault(r.unit or "—", []).append(r.label)
    hidden = [r.label for r in matrix.rows if r not in rows]
    lines = [f"{d.title} 上报导入模板（报表月份 {period}）", "",
             "一、填写要求",
             f"1. 数值单元格{NUMBER_HINT}；负数直接输入负号，如 -12.5。",
             "2. 计算单位：" + "；".join(f"{'、'.join(v)}以「{k}」计" for k, v in units.items()) + "。",
             "3. 带 * 的为必填项（必填指标的四列都须填写）；不带 * 的没有可不填。",
             f"4. {matrix.help}" if matrix.help else "",
             "5. 本模板只列出本企业本月需填报的指标" + (f"（本月不需填报：{'、'.join(hidden)}）" if hidden else "") + "；"
             "请勿修改第 2 行的企业信息和报表月份，导入时须与所选月份、本企业一致。",
             f"6. 「{SHEET_PROD}」为非必填表：没有可不填；新增产品须填写完整，产品代码可为空，最多 {group.max_rows} 行。",
             "", "二、强制性校验（不通过则整个文件不导入，并可下载错误清单）"]
    lines += [f"· {r.label}：{'必填' if r.required else '选填'}" + "".join(f"，{c.message}" for c in r.constraints)
              for r in rows if r.required or r.constraints]
    lines += [f"· {group.title} › {q.label}：必填" + "".join(f"，{c.message}" for c in q.constraints)
              for q in group.questions if q.required is True]
    lines += ["", "三、非强制性检查（平衡关系，不阻止上报，会提示并记录给审核管理员；用到上月数据的检查只在上月报表审核通过后进行）"]
    lines += [f"· {c.message}" for c in d.rules if c.severity == "warning"]
    lines += ["", "四、导入", "在「上报导入」页面选择报表月份、填写填报人，上传本文件；通过校验后保存并上报（本月调查问卷须已完成）。"]
    return [x for x in lines if x is not None]


# --- reading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    sheet: str
    cell: str
    indicator: str


@dataclass
class Parsed:
    indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    products: list[dict[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)      # engine finding prefix -> cell
    problems: list[tuple[Place, str]] = field(default_factory=list)


def plain(d: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("1200", "0.5", "-3.25")."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(v: Any) -> tuple[str | None, str | None]:
    """Return (the answer text, None) for a numeric cell, (None, None) when empty, (None, problem) otherwise
    (the one number rule, ``services.core.numbers``)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    if isinstance(v, (dt.date, dt.time, dt.timedelta)):
        return None, f"须为数字，{NUMBER_HINT}。"
    n, problem = parse_number(v)
    if n is not None:
        return plain(n), None
    if problem in (NOT_A_NUMBER, ONLY_ASCII):
        shown = f"；当前为「{str(v).strip()[:20]}」" if isinstance(v, str) else ""
        return None, f"须为数字，{NUMBER_HINT}{shown}。"
    return None, f"{problem}。"


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return number(v)[0]
    return str(v).strip() or None


def read_book(data: bytes) -> dict[str, Sheet]:
    """Stream the template's two data sheets within the upload limits (``UploadRefused`` otherwise)."""
    return read_xlsx(data, "导入文件", sheets=(SHEET_IND, SHEET_PROD))


def _values(sheet: Sheet, min_row: int, width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, the row's first ``width`` values, padded with None) from ``min_row`` on."""
    for i, cells in enumerate(sheet.rows[min_row - 1:], min_row):
        values = tuple(c.value for c in cells[:width])
        yield i, values + (None,) * (width - len(values))


def read_upload(book: dict[str, Sheet], d: Definition, rows: list[MatrixRow]) -> Parsed:
    """Interpret a filled template read by ``read_book``; problems of the file and its cells are collected."""
    out = Parsed()
    for sheet in (SHEET_IND, SHEET_PROD):
        if sheet not in book:
            out.problems.append((Place(sheet, "", "导入文件"), f"缺少工作表「{sheet}」，请使用下载的模板。"))
    if out.problems:
        return out
    _read_indicators(book[SHEET_IND], d, rows, out)
    _read_products(book[SHEET_PROD], product_group(d), out)
    return out


def _read_indicators(ws: Sheet, d: Definition, rows: list[MatrixRow], out: Parsed) -> None:
    matrix, cells = d.question(MATRIX), value_cells(d)
    shown = {r.label: r for r in rows}
    known = {r.label for r in matrix.rows}
    for i, values in _values(ws, 1, 2 + len(cells)):
        if i == 2:
            out.meta = {k: _text(values[ord(ref[0]) - 65]) or "" for k, ref in META.items()}
        if i < FIRST_ROW:
            continue
        label = (_text(values[0]) or "").lstrip("*＊").strip()
        filled = [v for v in values[2:] if _text(v) is not None]
        if not label:
            if filled:
                out.problems.append((Place(SHEET_IND, f"A{i}", ""), "该行填写了数值但没有指标名称。"))
            continue
        row = shown.get(label)
        if row is None:
            if filled:
                why = "本企业本月不需填报该指标，请清空该行数值" if label in known else "不是模板中的指标名称，请使用下载的模板"
                out.problems.append((Place(SHEET_IND, f"A{i}", label), f"{why}。"))
            continue
        if row.name in out.indicators:
            out.problems.append((Place(SHEET_IND, f"A{i}", label), "指标重复出现，请只保留一行。"))
            continue
        answer: dict[str, str] = {}
        for j, cell in enumerate(cells):
            place = Place(SHEET_IND, f"{get_column_letter(3 + j)}{i}", f"{row.label} › {cell.label}")
            out.places[f"{matrix.label} › {row.label} › {cell.label}"] = place
            text, problem = number(values[2 + j])
            if problem:
                out.problems.append((place, problem))
            elif text is not None:
                answer[cell.name] = text
        out.indicators[row.name] = answer


def _read_products(ws: Sheet, g: Group, out: Parsed) -> None:
    questions: list[Question] = list(g.questions)
    title = g.title or g.name
    for i, values in _values(ws, 2, len(questions)):
        if all(_text(v) is None for v in values):
            continue
        n = len(out.products) + 1
        item: dict[str, str] = {}
        for j, q in enumerate(questions):
            place = Place(SHEET_PROD, f"{get_column_letter(1 + j)}{i}", f"第 {i} 行 › {q.label}")
            out.places[f"{title} 第 {n} 行 › {q.label}"] = place
            if q.type in ("decimal", "integer"):
                text, problem = number(values[j])
                if problem:
                    out.problems.append((place, problem))
            else:
                text = _text(values[j])
            if text is not None:
                item[q.name] = text
        out.products.append(item)
