"""The workbook layout shared by the Excel writer and reader (a declaration: sheets, columns,
row kinds, typed columns, drop-downs, escaping patterns)."""
from __future__ import annotations

import re
from typing import Any

from openpyxl.styles import PatternFill

from services.forms.types import CELL_TYPES, KINDS, PERIODS, QUESTION_TYPES, SEVERITIES

# Stable error codes of the workbook reader (never renumbered; add new ones at the end).
XLS_CODES = {"X001": "缺少工作表或必需的列", "X002": "未知的列或行类型", "X003": "单元格取值无效",
             "X004": "结构错误（开始/结束行不配对或位置不对）", "X005": "无法读取 Excel 文件"}

Cols = dict[str, str]  # column -> document key
SECTION: Cols = {"name": "name", "label": "title", "hint": "description", "show_if": "show_if", "weight": "weight",
                 "gate": "gate"}
GROUP: Cols = {"name": "name", "label": "title", "show_if": "show_if", "weight": "weight"}
REPEAT: Cols = {"min": "min", "max": "max", "add_label": "add_label"}
QUESTION: Cols = {c: c for c in ("name", "label", "example", "required", "show_if", "calculation", "choices",
                                 "choice_filter", "not_applicable", "columns", "unit", "precision", "min", "max",
                                 "file_types", "max_mb", "weight", "score")} | {"hint": "help"}
CON: Cols = {"constraint": "rule", "constraint_message": "message", "severity": "severity", "fields": "fields"}
GOTO: Cols = {"goto_if": "if", "goto": "to"}
ROW: Cols = {"name": "name", "label": "label", "unit": "unit", "show_if": "show_if", "required": "required"}
CELL: Cols = {"name": "name", "label": "label", "cell_type": "type", "unit": "unit", "precision": "precision",
              "calculation": "calculation", "required": "required"}
END: Cols = {"name": "name"}
STRUCT: dict[str, Cols] = {"begin_section": SECTION, "end_section": END, "begin_group": GROUP, "end_group": END,
                           "begin_repeat": GROUP | REPEAT, "end_repeat": END, "row": ROW | CON, "cell": CELL | CON,
                           "constraint": CON, "goto": GOTO}
TAGGED = {"begin_group", "begin_repeat", ""}  # "" = a question row

SHEETS: dict[str, list[str]] = {
    "survey": ["type", "name", "label", "hint", "example", "required", "show_if", "constraint", "constraint_message",
               "severity", "fields", "calculation", "cell_type", "choices", "choice_filter", "not_applicable", "columns",
               "unit", "precision", "min", "max", "file_types", "max_mb", "weight", "score", "gate", "goto_if", "goto",
               "add_label"],
    "choices": ["list_name", "value", "label", "score"],
    "settings": ["code", "kind", "title", "description", "period", "version", "columns", "prev_requires",
                 "monitor_audience"],
    "rules": ["rule", "message", "severity", "fields"],
    "scoring": ["group", "section", "total", "pass", "decimals", "aggregate_tags"],
    "outcomes": ["label", "min", "max", "max_inclusive"],
}
NUM = {"survey": {"columns", "precision", "min", "max", "max_mb", "weight", "gate"}, "choices": {"score"},
       "settings": {"version", "columns"}, "scoring": {"pass", "decimals"}, "outcomes": {"min", "max"}}
BOOL = {"survey": {"not_applicable"}, "outcomes": {"max_inclusive"}}
LISTS = {"survey": {"file_types", "fields"}, "rules": {"fields"}, "scoring": {"aggregate_tags"}}
HEADER_ALIASES = {"help": "hint", "relevant": "show_if", "list name": "list_name"}
SCORING_DEFAULTS = {"group": "mean", "section": "weighted_mean", "total": "sum", "decimals": 2}
TRUE, FALSE = {"true", "yes", "1", "是", "y"}, {"false", "no", "0", "否", "n"}
RISKY = ("=", "+", "-", "@", "\t", "\r")
FILLS = {k: PatternFill("solid", fgColor=c) for k, c in (("section", "FCE4D6"), ("group", "E2EFDA"), ("repeat", "E2EFDA"))}
DROPDOWNS = {("survey", "type"): f"'_lists'!$A$1:$A${len(QUESTION_TYPES) + len(STRUCT)}",
             ("survey", "cell_type"): '"' + ",".join(sorted(CELL_TYPES)) + '"',
             ("survey", "severity"): '"' + ",".join(sorted(SEVERITIES)) + '"',
             ("rules", "severity"): '"' + ",".join(sorted(SEVERITIES)) + '"',
             ("settings", "kind"): '"' + ",".join(KINDS) + '"', ("settings", "period"): '"' + ",".join(sorted(PERIODS)) + '"'}
_ESC = re.compile(r"_(x[0-9A-Fa-f]{4}_)|([\x00-\x08\x0b-\x1f\ufffe\uffff])")
_UNESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def flat_settings(d: dict[str, Any]) -> dict[str, Any]:
    """Return the one row of the settings sheet: the top-level keys and ``settings.*`` flattened."""
    given = d.get("settings") or {}
    row = {k: d[k] for k in SHEETS["settings"] if d.get(k) is not None}
    extra = {"columns": given.get("columns", d.get("columns")), "prev_requires": given.get("prev_requires"),
             "monitor_audience": (given.get("monitor") or {}).get("audience")}
    return row | {k: v for k, v in extra.items() if v is not None}


def split_settings(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (top-level keys, the ``settings`` mapping) of a settings-sheet row (inverse of flat_settings)."""
    nested = {"columns": row.get("columns"), "prev_requires": row.get("prev_requires"),
              "monitor": {"audience": row["monitor_audience"]} if row.get("monitor_audience") else None}
    top = {k: v for k, v in row.items() if k not in ("columns", "prev_requires", "monitor_audience") and v is not None}
    return top, {k: v for k, v in nested.items() if v is not None}
