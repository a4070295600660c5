"""The shipped quality model and answer builders for its tests."""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import yaml

from services.forms.definitions import SPECS
from services.forms.loader import load_definition
from services.forms.schema import Definition

PATH = SPECS / "quality" / "quality_capability.yaml"


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def raw() -> dict[str, Any]:
    """A fresh copy of the shipped document (to break in tests)."""
    return copy.deepcopy(_raw())


@lru_cache(maxsize=1)
def model() -> Definition:
    return load_definition(raw())


def clause(group: str, value: str = "2", desc: str = "已建立并执行，有记录。", files: Any = "auto") -> dict[str, Any]:
    """Answers of one clause; evidence attached unless 不符合 (``files=None`` leaves it out)."""
    out: dict[str, Any] = {f"{group}_conf": value, f"{group}_desc": desc}
    if files == "auto":
        files = None if value == "0" else [{"id": 1, "name": "记录.pdf"}]
    if files is not None:
        out[f"{group}_files"] = files
    return out


def all_clauses(value: str = "2") -> dict[str, Any]:
    d = model()
    g = d.assessment.grading  # type: ignore[union-attr]
    out: dict[str, Any] = {}
    for s in d.sections:
        if s.name in g.sections:  # type: ignore[union-attr]
            for grp in s.groups:
                out.update(clause(grp.name, value))
    return out
