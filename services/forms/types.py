"""The frozen table of question types: one row per type, read by the loader, engine and renderer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QType:
    name: str
    label: str
    value: str          # what an answer holds: text / number / choice / choices / date / month / file / matrix / none
    choices: bool = False
    scored: bool = False
    matrix: bool = False


QUESTION_TYPES: dict[str, QType] = {t.name: t for t in [
    QType("single", "单选", "choice", choices=True, scored=True),
    QType("multiple", "多选", "choices", choices=True, scored=True),
    QType("text", "文本", "text"),
    QType("textarea", "长文本", "text"),
    QType("integer", "整数", "number"),
    QType("decimal", "小数", "number"),
    QType("percent", "百分比", "number"),
    QType("date", "日期", "date"),
    QType("month", "月份", "month"),
    QType("region", "地区", "text"),
    QType("industry", "行业", "text"),
    QType("file", "文件/佐证材料", "file"),
    QType("matrix_single", "矩阵单选", "matrix", choices=True, scored=True, matrix=True),
    QType("matrix_multiple", "矩阵多选", "matrix", choices=True, matrix=True),
    QType("matrix_fill", "矩阵填空", "matrix", matrix=True),
    QType("rating", "评分", "number", scored=True),
    QType("calculated", "计算值（只读）", "number"),
    QType("note", "说明", "none"),
]}

# XLSForm-style aliases accepted when reading files.
ALIASES = {
    "select_one": "single", "select_multiple": "multiple", "string": "text", "int": "integer",
    "number": "decimal", "calculate": "calculated", "range": "rating", "image": "file", "explanation": "note",
}

NUMERIC = {"integer", "decimal", "percent", "rating", "calculated"}
CELL_TYPES = {"text", "integer", "decimal", "percent", "calculated", "single"}
KINDS = {"survey": "调查问卷", "self_diagnosis": "自诊断模型", "self_assessment": "自评估模型", "monthly_report": "月报表"}
PERIODS = {"none", "month", "quarter", "year"}
SEVERITIES = {"error", "warning"}
FILE_TYPES = {"pdf", "png", "jpg", "jpeg", "xlsx", "docx"}
