"""List declarations (``specs/lists/*.yaml``): load and validate against the registered sources.

Every problem is a coded error naming the file, the item and the rule (see specs/README.md,
"列表声明"): ``check_file(path)`` returns them all; ``declaration(code)`` loads one file and raises
``SpecError`` listing them when there are any.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from services.lists.source import FILTER_TYPES, Source, sources

LISTS_DIR = Path(__file__).resolve().parents[2] / "specs" / "lists"
FORMATS = ("score", "thousands")
PAGE_SIZE_MAX = 500

TOP_KEYS = {"code", "title", "source", "unit", "page_size", "filters", "columns", "sort", "export", "caption"}
FILTER_KEYS = {"name", "type", "label", "key", "default", "options", "all", "widget", "placeholder", "help",
               "keys", "labels", "min", "max"}
COLUMN_KEYS = {"key", "label", "visible", "export", "sortable", "format", "required"}

class Problem(NamedTuple):
    """One broken rule: (code, file, item, message) — a tuple, with named fields for ``check-specs``."""
    code: str
    file: str
    item: str
    message: str


class SpecError(Exception):
    """A declaration broke one or more rules (shipped files are checked by tests and ``check-specs``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{c} {f} {i}: {m}" for c, f, i, m in problems))


@dataclass(frozen=True)
class FilterSpec:
    name: str
    type: str
    label: str
    key: str
    default: Any = None
    options: tuple[Any, ...] | None = None   # select: the values offered (None = every value of the source)
    all: str | None = None                   # select: label of a first option meaning "no filter"
    widget: str = "selectbox"                # select: selectbox / radio
    placeholder: str = ""
    help: str | None = None
    keys: tuple[str, str] = ("", "")         # year_range / date_range: the two widget keys
    labels: tuple[str, str] = ("", "")       # year_range / date_range: the two labels
    min: int = 2018
    max: int | None = None                   # year_range: None = the current year


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    kind: str
    visible: bool
    screen: bool
    export: bool
    sortable: bool
    format: str | None
    required: bool = False   # always shown: not offered for hiding in the column chooser


@dataclass(frozen=True)
class ListSpec:
    code: str
    title: str
    source: str
    unit: str
    page_size: int
    filters: tuple[FilterSpec, ...]
    columns: tuple[ColumnSpec, ...]
    sort: tuple[str | None, bool]
    export_file: str | None
    export_sheet: str
    caption: str | None

    def column(self, key: str) -> ColumnSpec:
        return next(c for c in self.columns if c.key == key)


def _check(path: Path, data: Any, registry: dict[str, Source]) -> tuple[list[Problem], ListSpec | None]:
    name = path.name
    out: list[Problem] = []

    def bad(code: str, item: str, message: str) -> None:
        out.append(Problem(code, name, item, message))

    if not isinstance(data, dict):
        bad("LS001", "(file)", "a list declaration must be a YAML mapping")
        return out, None
    for key in sorted(set(data) - TOP_KEYS):
        bad("LS002", key, f"unknown key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    for key in ("code", "title", "source", "columns"):
        if key not in data:
            bad("LS002", key, f"required key '{key}' is missing")
    code = str(data.get("code", ""))
    if code and code != path.stem:
        bad("LS012", "code", f"code '{code}' must equal the file name '{path.stem}'")
    source = registry.get(str(data.get("source")))
    if "source" in data and source is None:
        bad("LS004", "source", f"unknown source '{data['source']}' (registered: {', '.join(sorted(registry))})")
    page_size = data.get("page_size", 20)
    if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= PAGE_SIZE_MAX:
        bad("LS009", "page_size", f"page_size must be a whole number from 1 to {PAGE_SIZE_MAX}, not {page_size!r}")
        page_size = 20
    filters = _filters(data.get("filters") or [], source, bad)
    columns = _columns(data.get("columns") or [], source, bad)
    sort_by, descending = None, False
    sort = data.get("sort")
    if sort is not None:
        if not isinstance(sort, dict) or set(sort) - {"by", "descending"}:
            bad("LS002", "sort", "sort must be a mapping with 'by' and optional 'descending'")
        else:
            sort_by, descending = sort.get("by"), bool(sort.get("descending", False))
            col = next((c for c in columns if c.key == sort_by), None)
            if col is None or not col.sortable:
                bad("LS008", "sort", f"default sort '{sort_by}' is not a sortable column of this list")
    export = data.get("export")
    file, sheet = None, str(data.get("title", "数据"))
    if export is not None:
        if not isinstance(export, dict) or set(export) - {"file", "sheet"} or "file" not in export:
            bad("LS002", "export", "export must be a mapping with 'file' and optional 'sheet'")
        else:
            file, sheet = str(export["file"]), str(export.get("sheet", sheet))
            if not re.fullmatch(r"[^/\\:*?\"<>|\x00-\x1f]{1,80}\.xlsx", file):
                bad("LS013", "export", f"export file name '{file}' must end in .xlsx and hold no path or reserved characters")
        if source is not None and source.stream is None:
            bad("LS011", "export", f"source '{source.code}' offers no export")
    if out:
        return out, None
    return out, ListSpec(code, str(data["title"]), source.code if source else "", str(data.get("unit", "条")),
                         page_size, tuple(filters), tuple(columns), (sort_by, descending), file, sheet[:31],
                         str(data["caption"]) if data.get("caption") else None)


def _filters(items: Any, source: Source | None, bad: Any) -> list[FilterSpec]:
    if not isinstance(items, list):
        bad("LS002", "filters", "filters must be a list")
        return []
    out: list[FilterSpec] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        where = f"filters[{n}]"
        if not isinstance(item, dict) or "name" not in item or "type" not in item:
            bad("LS002", where, "a filter needs 'name' and 'type'")
            continue
        name, ftype = str(item["name"]), str(item["type"])
        where = f"filter '{name}'"
        for key in sorted(set(item) - FILTER_KEYS):
            bad("LS002", where, f"unknown key '{key}'")
        key = str(item.get("key", name))
        if key in seen:
            bad("LS010", where, f"filter key '{key}' is used twice")
        seen.add(key)
        if ftype not in FILTER_TYPES:
            bad("LS006", where, f"unknown filter type '{ftype}' (allowed: {', '.join(FILTER_TYPES)})")
            continue
        param = source.params.get(name) if source else None
        if source is not None and param is None:
            bad("LS005", where, f"'{name}' is not a filter of source '{source.code}' "
                                f"(filters: {', '.join(source.params)})")
            continue
        if param is not None and param.type != ftype:
            bad("LS006", where, f"source '{source.code if source else ''}' filters '{name}' as {param.type}, not {ftype}")
            continue
        label = str(item.get("label", param.label if param else name))
        options = item.get("options")
        allowed = dict(param.choices()) if param is not None and param.choices is not None else None
        if ftype == "select":
            if options is not None and not isinstance(options, list):
                bad("LS002", where, "options must be a list of values")
                options = None
            if options is not None and allowed is not None:
                for o in options:
                    if o not in allowed:
                        bad("LS007", where, f"option {o!r} is not a value of source filter '{name}'")
            offered = list(options) if options is not None else list(allowed or [])
            default = item.get("default")
            if default is not None and offered and default not in offered:
                bad("LS007", where, f"default {default!r} is not one of the options")
            if default is None and item.get("all") is None and not offered:
                bad("LS007", where, "a select needs options, a default or an 'all' option")
            if item.get("widget", "selectbox") not in ("selectbox", "radio"):
                bad("LS002", where, "widget must be selectbox or radio")
        elif options is not None or item.get("all") is not None:
            bad("LS002", where, "'options' and 'all' belong to select filters only")
        keys: tuple[str, str] = (f"{key}_from", f"{key}_to")
        labels: tuple[str, str] = (f"起始{label}", f"截止{label}")
        lo, hi = item.get("min", 2018), item.get("max")
        if ftype in ("year_range", "date_range"):
            if item.get("keys") is not None:
                if not (isinstance(item["keys"], list) and len(item["keys"]) == 2):
                    bad("LS002", where, "keys must list two widget keys")
                else:
                    keys = (str(item["keys"][0]), str(item["keys"][1]))
            if item.get("labels") is not None:
                if not (isinstance(item["labels"], list) and len(item["labels"]) == 2):
                    bad("LS002", where, "labels must list two labels")
                else:
                    labels = (str(item["labels"][0]), str(item["labels"][1]))
        if ftype == "date_range" and item.get("default") is not None:
            bad("LS007", where, "a date range starts empty (no default)")
        if ftype == "year_range":
            if not isinstance(lo, int) or (hi is not None and (not isinstance(hi, int) or hi < lo)):
                bad("LS007", where, "min and max must be years with min ≤ max")
                lo, hi = 2018, None
            d = item.get("default")
            if d is not None and not (isinstance(d, list) and len(d) == 2 and all(isinstance(y, int) for y in d)):
                bad("LS007", where, "default must list two years")
        if ftype == "flag" and not isinstance(item.get("default", False), bool):
            bad("LS007", where, "a flag's default is true or false")
        if ftype == "date" and item.get("default") is not None and not _is_day(item["default"]):
            bad("LS014", where, "a date filter's default is a day written YYYY-MM-DD (or left out: the source's default)")
        out.append(FilterSpec(name, ftype, label, key, item.get("default"),
                              tuple(options) if options is not None else None,
                              str(item["all"]) if item.get("all") is not None else None,
                              str(item.get("widget", "selectbox")), str(item.get("placeholder", "")),
                              str(item["help"]) if item.get("help") else None, keys, labels, lo, hi))
    return out


def _is_day(v: Any) -> bool:
    if isinstance(v, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(v))
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)))


def _columns(items: Any, source: Source | None, bad: Any) -> list[ColumnSpec]:
    if not isinstance(items, list) or not items:
        bad("LS002", "columns", "columns must be a non-empty list")
        return []
    out: list[ColumnSpec] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if isinstance(item, str):
            item = {"key": item}
        if not isinstance(item, dict) or "key" not in item:
            bad("LS002", f"columns[{n}]", "a column needs 'key'")
            continue
        key = str(item["key"])
        where = f"column '{key}'"
        for k in sorted(set(item) - COLUMN_KEYS):
            bad("LS002", where, f"unknown key '{k}'")
        if key in seen:
            bad("LS010", where, f"column '{key}' is listed twice")
        seen.add(key)
        f = source.fields.get(key) if source else None
        if source is not None and f is None:
            bad("LS003", where, f"column '{key}' is not a field of source '{source.code}'")
            continue
        screen = f.screen if f else True
        visible = bool(item.get("visible", screen))
        export = bool(item.get("export", f.export if f else True))
        sortable = bool(item.get("sortable", False))
        required = bool(item.get("required", False))
        if required and not visible:
            bad("LS011", where, f"column '{key}' is required, so it must be visible")
        if f is not None:
            if visible and not f.screen:
                bad("LS011", where, f"source '{source.code if source else ''}' offers '{key}' in exports only; it cannot be visible")
            if export and not f.export:
                bad("LS011", where, f"source '{source.code if source else ''}' does not export '{key}'")
            if sortable and f.sort is None:
                bad("LS008", where, f"source '{source.code if source else ''}' cannot sort by '{key}'")
        fmt = item.get("format")
        if fmt is not None and fmt not in FORMATS:
            bad("LS002", where, f"format must be one of {', '.join(FORMATS)}")
        out.append(ColumnSpec(key, str(item.get("label", f.label if f else key)), f.kind if f else "text",
                              visible, screen, export, sortable, fmt, required))
    return out


def _read(path: Path) -> tuple[list[Problem], Any]:
    try:
        return [], yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Problem("LS001", path.name, "(file)", f"cannot read the file as YAML: {first}")], None


def check_file(path: str | Path) -> list[Problem]:
    """Return every problem of the declaration at ``path`` as (code, file, item, message); [] when valid."""
    path = Path(path)
    problems, data = _read(path)
    if problems:
        return problems
    return _check(path, data, sources())[0]


def parse(path: str | Path) -> ListSpec:
    """Load and validate one declaration file; raise ``SpecError`` with every problem."""
    path = Path(path)
    problems, data = _read(path)
    spec = None
    if not problems:
        problems, spec = _check(path, data, sources())
    if problems or spec is None:
        raise SpecError(problems)
    return spec


@functools.cache
def declaration(code: str) -> ListSpec:
    """Return the shipped declaration ``specs/lists/<code>.yaml`` (validated; cached)."""
    if not re.fullmatch(r"[a-z0-9_]+", code):
        raise SpecError([Problem("LS012", f"{code}.yaml", "code", "a list code is lower-case letters, digits and _")])
    return parse(LISTS_DIR / f"{code}.yaml")


def check_all(directory: Path = LISTS_DIR) -> list[Problem]:
    """Return the problems of every declaration under ``directory``."""
    return [p for path in sorted(directory.glob("*.yaml")) for p in check_file(path)]
