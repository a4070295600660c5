"""数据批量上报导入: reading the uploaded sheets into rows (cell problems collected, nothing decided yet)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from services.forms.schema import Definition
from services.io.upload_limits import Sheet
from services.monitor.admin_import_book import FIRST_ROW, FIXED, HEADER_ROW, SHEET_ORGS, CellError, _columns, column_title
from services.monitor.excel_layout import GROUP, SHEET_PROD, number, product_group, value_cells


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
