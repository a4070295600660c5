"""Bounded reading of uploaded files — the one gate every upload passes before any transaction opens.

An upload is refused as early and as cheaply as possible, with a Chinese message naming the limit:

1. its size in bytes (``check_size``);
2. for .xlsx / .docx (zip): the zip directory, before anything is inflated (``check_zip``) — number of
   parts, total declared uncompressed size, compression ratio of each large part, number of sheets.
   The declared sizes can be trusted as a bound: Python's zipfile never inflates a part beyond its
   declared size (a lying directory only makes the read fail);
3. the rows, streamed (openpyxl read-only), stopping at the first row, column or cell-length limit or
   when the time budget runs out (``read_xlsx``);
4. YAML: the event stream is scanned first and the document refused when its aliases would expand
   beyond the node limit ("billion laughs"), refer to themselves or nest too deep; only then is it built
   (``load_yaml``). JSON: size, and nesting depth (``load_json``).

The limits come from ``config.Settings`` (``HUIQI_UPLOAD_*``, see README); tests pass their own
``Limits``. The time budget uses ``time.monotonic`` — a duration, not a date, so not ``clock.py``'s business.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from config import settings
from services.core.errors import ValidationFailed

MAX_ZIP_PARTS = 1000          # an .xlsx has a dozen parts per sheet at most
RATIO_FLOOR = 1 << 20         # parts below 1 MB inflated may compress any amount (tiny XML compresses well)
MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    max_mb: float
    unzipped_mb: float
    ratio: float
    sheets: int
    rows: int
    columns: int
    cell_chars: int
    text_mb: float
    nodes: int
    seconds: float
    depth: int = 64

    @classmethod
    def current(cls) -> "Limits":
        s = settings
        return cls(s.upload_max_mb, s.upload_max_unzipped_mb, s.upload_max_ratio, s.upload_max_sheets,
                   s.upload_max_rows, s.upload_max_columns, s.upload_max_cell_chars, s.upload_max_text_mb,
                   s.upload_max_nodes, s.upload_max_seconds)


class UploadRefused(ValidationFailed):
    """The file broke a limit or could not be read; nothing was parsed further, nothing written."""

    def __init__(self, label: str, message: str) -> None:
        super().__init__({label: [f"{label}：{message}"]})
        self.reason = message


class _Budget:
    """The parsing time budget (a monotonic duration)."""

    def __init__(self, label: str, seconds: float) -> None:
        self.label, self.seconds, self.end = label, seconds, time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise UploadRefused(self.label, f"解析超时：{self.seconds:g} 秒内未能读完文件，请减少文件内容后重新上传。")


def _mb(n: float) -> str:
    return f"{n / MB:.1f}"


def check_size(data: bytes, label: str, max_mb: float | None = None) -> None:
    """Refuse ``data`` larger than ``max_mb`` (default ``HUIQI_UPLOAD_MAX_MB``)."""
    limit = settings.upload_max_mb if max_mb is None else max_mb
    if len(data) > limit * MB:
        raise UploadRefused(label, f"文件不能超过 {limit:g} MB（当前 {_mb(len(data))} MB）。")


def check_zip(data: bytes, label: str, limits: Limits | None = None) -> list[zipfile.ZipInfo]:
    """Inspect an .xlsx / .docx's zip directory without inflating anything; return its parts."""
    lim = limits or Limits.current()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UploadRefused(label, "无法读取该文件：文件已损坏或不是 .xlsx / .docx 格式。") from None
    if len(parts) > MAX_ZIP_PARTS:
        raise UploadRefused(label, f"文件包含的部件超过 {MAX_ZIP_PARTS} 个（当前 {len(parts)} 个），不是正常的 Office 文件。")
    total = sum(p.file_size for p in parts)
    if total > lim.unzipped_mb * MB:
        raise UploadRefused(label, f"文件解压后过大（{_mb(total)} MB，上限 {lim.unzipped_mb:g} MB），"
                                   "请删除多余内容后重新上传。")
    for p in parts:
        if p.file_size > RATIO_FLOOR and p.file_size > lim.ratio * max(p.compress_size, 1):
            raise UploadRefused(label, f"文件解压后过大：部件「{p.filename[:60]}」的压缩比超过 {lim.ratio:g} 倍"
                                       f"（{_mb(p.file_size)} MB 压缩为 {_mb(p.compress_size)} MB），疑似压缩炸弹，已拒收。")
    sheets = sum(1 for p in parts if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml"))
    if sheets > lim.sheets:
        raise UploadRefused(label, f"工作表超过 {lim.sheets} 个（当前 {sheets} 个）。")
    return parts


class Cell(NamedTuple):
    """One cell as read: value, openpyxl data type ("s", "n", "f" formula, "e" error, "inlineStr" empty text …),
    row and column (1-based)."""
    value: Any
    data_type: str
    row: int
    column: int

    @property
    def column_letter(self) -> str:
        return get_column_letter(self.column)

    @property
    def coordinate(self) -> str:
        return f"{self.column_letter}{self.row}"


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[tuple[Cell, ...]]       # rows[i] is sheet row i + 1; a missing row is ()


class _StreamedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet without its size scan: when a sheet declares no dimension, that scan
    builds the whole sheet in memory before the first row can be read (a million rows: minutes, gigabytes)."""

    def _get_size(self) -> None:
        return None


class _StreamingReader(ExcelReader):
    """``load_workbook(read_only=True)`` with sheets that stream from their first row (chart sheets skipped)."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


def read_xlsx(data: bytes, label: str, *, sheets: Collection[str] | None = None, data_only: bool = True,
              limits: Limits | None = None) -> dict[str, Sheet]:
    """Read an .xlsx within the limits: ``{title: Sheet}`` of the sheets whose stripped, lower-cased title is
    in ``sheets`` (all when None). Raise ``UploadRefused`` at the first limit broken or if unreadable."""
    lim = limits or Limits.current()
    check_size(data, label, lim.max_mb)
    check_zip(data, label, lim)
    budget = _Budget(label, lim.seconds)
    wanted = None if sheets is None else {s.strip().lower() for s in sheets}
    try:
        reader = _StreamingReader(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
        reader.read()
        wb = reader.wb
    except Exception:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise UploadRefused(label, "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。") from None
    try:
        if len(wb.sheetnames) > lim.sheets:
            raise UploadRefused(label, f"工作表超过 {lim.sheets} 个（当前 {len(wb.sheetnames)} 个）。")
        out = {}
        for ws in wb.worksheets:
            if wanted is None or ws.title.strip().lower() in wanted:
                budget.check()
                out[ws.title] = Sheet(ws.title, _rows(ws, label, lim, budget))
        return out
    except UploadRefused:
        raise
    except Exception:  # noqa: BLE001 - damaged sheet XML, forbidden XML entities …
        raise UploadRefused(label, "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。") from None
    finally:
        wb.close()


def _rows(ws: Any, label: str, lim: Limits, budget: _Budget) -> list[tuple[Cell, ...]]:
    """Stream one sheet, stopping at the first limit. The sheet's declared dimension is not read (it may
    claim a million columns): each row is as wide as its last cell."""
    out: list[tuple[Cell, ...]] = []
    where = f"工作表「{ws.title}」"
    for r, cells in enumerate(ws.iter_rows(), 1):
        if r > lim.rows:
            raise UploadRefused(label, f"文件超过 {lim.rows} 行（{where}），请删除多余的行后重新上传。")
        if len(cells) > lim.columns:
            raise UploadRefused(label, f"文件超过 {lim.columns} 列（{where}第 {r} 行），请删除多余的列后重新上传。")
        row = []
        for c, cell in enumerate(cells, 1):
            v = cell.value
            if isinstance(v, str) and len(v) > lim.cell_chars:
                raise UploadRefused(label, f"单元格超过 {lim.cell_chars} 个字符（{where} {get_column_letter(c)}{r}，"
                                           f"{len(v)} 个字符）。")
            row.append(Cell(v, getattr(cell, "data_type", "n"), r, c))
        out.append(tuple(row))
        if r % 256 == 0:
            budget.check()
    return out


def decode_text(data: bytes, label: str, limits: Limits | None = None) -> str:
    """The text of a YAML / JSON upload: within the text size limit and UTF-8."""
    lim = limits or Limits.current()
    check_size(data, label, lim.text_mb)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(label, "文件不是 UTF-8 编码的文本，请以 UTF-8 保存后重新上传。") from None


def _check_text(text: str, label: str, lim: Limits) -> None:
    if len(text) > lim.text_mb * MB:   # characters: a cheap upper bound before encoding
        raise UploadRefused(label, f"文件不能超过 {lim.text_mb:g} MB。")


def load_yaml(text: str, label: str = "定义文件", limits: Limits | None = None) -> Any:
    """``yaml.safe_load`` after a scan of the event stream that refuses alias bombs, self-referencing
    aliases and deep nesting; ``yaml.YAMLError`` for a syntax error."""
    lim = limits or Limits.current()
    _check_text(text, label, lim)
    budget = _Budget(label, lim.seconds)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}            # anchor -> expanded node count (set once its node is complete)
    stack: list[list[Any]] = []           # open collections: [anchor, expanded nodes so far]
    total = 0
    for i, event in enumerate(yaml.parse(text, Loader=loader)):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes:
                    raise UploadRefused(label, "YAML 中的别名引用了自身（循环引用），无法展开。")
                n = sizes[event.anchor]
            else:
                n = 1
            total += n
            if total > lim.nodes:
                raise UploadRefused(label, f"YAML 展开后超过 {lim.nodes} 个节点（别名 *…/锚点 &… 层层展开），"
                                           "疑似“billion laughs”攻击，已拒收。")
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
                if len(stack) > lim.depth:
                    raise UploadRefused(label, f"嵌套超过 {lim.depth} 层。")
            else:
                if isinstance(event, yaml.ScalarEvent) and event.anchor:
                    sizes[event.anchor] = 1
                if stack:
                    stack[-1][1] += n
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, n = stack.pop()
            if anchor:
                sizes[anchor] = n
            if stack:
                stack[-1][1] += n
        if i % 1024 == 0:
            budget.check()
    return yaml.load(text, Loader=loader)


def load_json(text: str, label: str = "定义文件", limits: Limits | None = None) -> Any:
    """``json.loads`` within the text size limit; ``json.JSONDecodeError`` for a syntax error."""
    lim = limits or Limits.current()
    _check_text(text, label, lim)
    try:
        return json.loads(text)
    except RecursionError:
        raise UploadRefused(label, "嵌套层数过多，无法读取。") from None
