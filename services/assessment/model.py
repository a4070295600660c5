"""The ``assessment:`` block of a definition, as the flow reads it (``schema.Assessment``)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from services.core.errors import NotFound
from services.forms.schema import Assessment, Definition


@lru_cache(maxsize=16)
def _shipped(code: str) -> Assessment | None:
    from services.forms.definitions import SPECS
    from services.forms.loader import load_file
    from services.io.upload_limits import load_yaml
    for path in sorted(SPECS.rglob("*.yaml")):
        head = path.read_text(encoding="utf-8")
        if f"code: {code}\n" in head and (load_yaml(head) or {}).get("code") == code:
            return load_file(path).assessment
    return None


def assessment_of(d: Definition) -> Assessment:
    """Return the definition's assessment block; a version published before the block existed reads
    the shipped file's (same code)."""
    model = d.assessment or _shipped(d.code)
    if model is None:
        raise NotFound(f"「{d.title}」不是分级测评问卷。")
    return model


def period_key(model: Assessment, when: dt.datetime) -> str:
    """Return the China-time period an attempt started at ``when`` (China time) counts in:
    "2026-03" (month), "2026Q1" (quarter) or "2026" (year)."""
    if model.limit_per == "year":
        return f"{when.year}"
    if model.limit_per == "quarter":
        return f"{when.year}Q{(when.month - 1) // 3 + 1}"
    return when.strftime("%Y-%m")


PERIOD_WORDS = {"month": "自然月", "quarter": "季度", "year": "年度"}
