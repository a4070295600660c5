"""Reference data: the GB/T 2260 region tree and the GB/T 4754-2017 industry tree.

Both trees are read once from the CSV files shipped in ``refdata/`` (see refdata/README.md for
sources and vintage) and served from memory, so lookups need no database. ``sync_tables`` copies
them into the ``region`` / ``industry`` tables that organisations reference.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from db.reference import Industry, Region
from services.core.permissions import RegionPath
from services.core.rules import MANUFACTURING_DIVISIONS, normalise_industry_code

REFDATA = Path(__file__).resolve().parents[2] / "refdata"
REGION_LEVELS = ("province", "city", "county")
INDUSTRY_LEVELS = ("section", "division", "group", "class")
LEVEL_LABEL = {"province": "省级", "city": "市级", "county": "区县级", "section": "门类", "division": "大类",
               "group": "中类", "class": "小类"}


@dataclass
class Node:
    """One node of a reference tree. Attribute access (``node.code``) and ``node["code"]`` both work."""

    code: str
    name: str
    level: str
    parent_code: str | None
    children: list["Node"] = field(default_factory=list, repr=False)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self, with_children: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "name": self.name, "level": self.level,
                               "parent_code": self.parent_code}
        if with_children:
            out["children"] = [c.to_dict(True) for c in self.children]
        return out


@dataclass(frozen=True)
class _Tree:
    by_code: dict[str, Node]
    roots: list[Node]


def _load(path: Path) -> _Tree:
    by_code: dict[str, Node] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_code[row["code"]] = Node(row["code"], row["name"], row["level"], row["parent_code"] or None)
    roots = []
    for node in by_code.values():
        if node.parent_code:
            by_code[node.parent_code].children.append(node)
        else:
            roots.append(node)
    return _Tree(by_code, roots)


@lru_cache(maxsize=1)
def _regions() -> _Tree:
    return _load(REFDATA / "regions.csv")


@lru_cache(maxsize=1)
def _industries() -> _Tree:
    return _load(REFDATA / "industries.csv")


# --- regions -----------------------------------------------------------------------------
def region_tree() -> list[Node]:
    """Return the provinces, each with ``children`` (cities) down to counties."""
    return _regions().roots


def region(code: str) -> Node | None:
    """Return the region with this 6-digit adcode, or None."""
    return _regions().by_code.get((code or "").strip())


def region_children(code: str | None) -> list[Node]:
    """Return the child regions of ``code`` (the provinces when ``code`` is None)."""
    if code is None:
        return _regions().roots
    node = region(code)
    return node.children if node else []


def region_ancestors(code: str) -> list[Node]:
    """Return the chain from the province down to (and including) ``code``."""
    chain: list[Node] = []
    node = region(code)
    while node is not None:
        chain.append(node)
        node = region(node.parent_code) if node.parent_code else None
    return list(reversed(chain))


def region_path(code: str | None) -> RegionPath:
    """Return the province / city / county codes on the path to ``code``."""
    path = {n.level: n.code for n in region_ancestors(code)} if code else {}
    return RegionPath(path.get("province"), path.get("city"), path.get("county"))


def region_full_name(code: str | None) -> str:
    """Return e.g. "江苏省 / 南京市 / 玄武区"."""
    return " / ".join(n.name for n in region_ancestors(code)) if code else "全国"


def regions_at_level(level: str) -> list[Node]:
    """Return every region of one level, in code order."""
    return [n for n in _regions().by_code.values() if n.level == level]


# --- industries --------------------------------------------------------------------------
def industry_tree() -> list[Node]:
    """Return the 20 sections, each with ``children`` down to classes."""
    return _industries().roots


def industry(code: str) -> Node | None:
    """Return the industry: a section by its letter ("C"), a division by two digits ("34"), …"""
    return _industries().by_code.get(normalise_industry_code(code))


def industry_children(code: str | None) -> list[Node]:
    """Return the child industries of ``code`` (the sections when ``code`` is None)."""
    if code is None:
        return _industries().roots
    node = industry(code)
    return node.children if node else []


def industry_ancestors(code: str) -> list[Node]:
    """Return the chain from the section down to (and including) ``code``."""
    chain: list[Node] = []
    node = industry(code)
    while node is not None:
        chain.append(node)
        node = industry(node.parent_code) if node.parent_code else None
    return list(reversed(chain))


def industry_full_name(code: str | None) -> str:
    """Return e.g. "C 制造业 / 34 通用设备制造业"."""
    return " / ".join(f"{n.code} {n.name}" for n in industry_ancestors(code)) if code else ""


def manufacturing_divisions() -> list[Node]:
    """Return the 31 manufacturing divisions 13–43."""
    return [n for n in (industry(c) for c in MANUFACTURING_DIVISIONS) if n is not None]


# --- database copy -----------------------------------------------------------------------
def sync_tables(session: Session) -> tuple[int, int]:
    """Copy both trees into their tables if the row counts differ; return (regions, industries)."""
    regions, industries = _regions().by_code, _industries().by_code
    if session.scalar(select(func.count()).select_from(Region)) != len(regions):
        session.execute(delete(Region))
        rows = []
        for i, node in enumerate(sorted(regions.values(), key=lambda n: (REGION_LEVELS.index(n.level), n.code))):
            p = region_path(node.code)
            rows.append({"code": node.code, "name": node.name, "level": node.level, "parent_code": node.parent_code,
                         "province_code": p.province_code, "city_code": p.city_code, "sort": i})
        session.execute(insert(Region), rows)
    if session.scalar(select(func.count()).select_from(Industry)) != len(industries):
        session.execute(delete(Industry))
        rows = [{"code": n.code, "name": n.name, "level": n.level, "parent_code": n.parent_code,
                 "section_code": industry_ancestors(n.code)[0].code}
                for n in sorted(industries.values(), key=lambda n: (INDUSTRY_LEVELS.index(n.level), n.code))]
        session.execute(insert(Industry), rows)
    return len(regions), len(industries)
