"""Excel exports safe from formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
evaluated by Excel/WPS as a formula (CSV/formula injection). Such text is written as an
explicit string with a leading apostrophe-style quote prefix, so it shows as typed.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def write_cell(cell: Cell, value: Any) -> None:
    """Write ``value`` to ``cell``: numbers stay numbers; text is stored as text, never as a formula.

    Risky text keeps its exact characters but is typed as a string with Excel's quote prefix
    (what typing ``'=1+1`` does by hand), so neither Excel nor WPS evaluates it.
    """
    if value is None or isinstance(value, (int, float, Decimal, bool)):
        cell.value = value
        return
    text = value if isinstance(value, str) else str(value)
    cell.value = text
    if text.startswith(DANGEROUS):
        cell.data_type = "s"
        cell.quotePrefix = True


def rows_to_xlsx(rows: Sequence[dict[str, Any]], sheet: str = "数据", columns: Iterable[str] | None = None,
                 title: str | None = None) -> bytes:
    """Return an .xlsx with one header row (bold, frozen, filtered) and one row per dict."""
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    start = 1
    if title:
        write_cell(ws.cell(1, 1), title)
        ws.cell(1, 1).font = Font(bold=True, size=13)
        start = 2
    for j, name in enumerate(cols, 1):
        c = ws.cell(start, j)
        write_cell(c, name)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="C0392B")
        c.alignment = Alignment(vertical="center", wrap_text=True)
    for i, row in enumerate(rows, start + 1):
        for j, name in enumerate(cols, 1):
            write_cell(ws.cell(i, j), row.get(name))
    for j, name in enumerate(cols, 1):
        width = max([len(str(name))] + [len(str(r.get(name) or "")) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width * 1.6 + 2))
    ws.freeze_panes = ws.cell(start + 1, 1)
    if cols:
        ws.auto_filter.ref = f"A{start}:{get_column_letter(len(cols))}{max(start, start + len(rows))}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def stream_xlsx(columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "数据",
                text_columns: Iterable[int] = ()) -> bytes:
    """Write many rows with constant memory (see ``services.io.xlsx_stream``); text never becomes a formula."""
    from services.io.xlsx_stream import write_xlsx
    return write_xlsx(columns, rows, sheet, text_columns)
