"""Geometry helpers of scripts/build_maps.py: dropping tiny islands, rounding rings without
collapsing them, label points. Pure functions over shapely geometries / GeoJSON dicts."""
from __future__ import annotations

# Small parts that are kept whatever their size (lon_min, lat_min, lon_max, lat_max):
KEEP_BOXES = [
    (105.0, 3.0, 120.0, 18.0),    # 南海诸岛 (西沙、中沙、南沙、黄岩岛)
    (115.5, 20.0, 117.5, 21.5),   # 东沙群岛
    (123.0, 25.5, 124.8, 26.2),   # 钓鱼岛、赤尾屿
]


def decimals_for(tol: float) -> int:
    return 3 if tol >= 0.005 else 4


def in_keep_box(geom) -> bool:
    p = geom.representative_point()
    return any(x0 <= p.x <= x1 and y0 <= p.y <= y1 for x0, y0, x1, y1 in KEEP_BOXES)


def drop_small_islands(geoms: list, tol: float) -> tuple[list, int]:
    """Drop tiny parts that touch no other region of the file (never a region's largest part)."""
    import shapely
    from shapely.strtree import STRtree
    tree = STRtree(geoms)
    min_area = (2 * tol) ** 2
    out, dropped = [], 0
    for i, g in enumerate(geoms):
        parts = list(getattr(g, "geoms", [g]))
        if len(parts) == 1:
            out.append(g)
            continue
        largest = max(range(len(parts)), key=lambda k: parts[k].area)
        keep = []
        for k, p in enumerate(parts):
            if k != largest and p.area < min_area and not in_keep_box(p):
                touching = [j for j in tree.query(p, predicate="intersects") if j != i]
                if not touching:
                    dropped += 1
                    continue
            keep.append(p)
        out.append(shapely.MultiPolygon(keep) if len(keep) > 1 else keep[0])
    return out, dropped


def round_ring(ring: list, nd: int) -> list | None:
    pts: list[list[float]] = []
    for x, y in ring:
        q = [round(x, nd), round(y, nd)]
        if not pts or q != pts[-1]:
            pts.append(q)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len({tuple(p) for p in pts}) < 3:
        return None
    return pts + [pts[0]]


def round_geometry(geom: dict, nd: int) -> tuple[dict | None, int]:
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    out, lost = [], 0
    for poly in polys:
        ext = round_ring(poly[0], nd)
        if ext is None:
            lost += 1
            continue
        holes = []
        for h in poly[1:]:
            r = round_ring(h, nd)
            if r is None:
                lost += 1
            else:
                holes.append(r)
        out.append([ext] + holes)
    if not out:
        return None, lost
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}, lost
    return {"type": "MultiPolygon", "coordinates": out}, lost


def label_point(geom, nd: int) -> list[float]:
    parts = list(getattr(geom, "geoms", [geom]))
    p = max(parts, key=lambda g: g.area).representative_point()
    return [round(p.x, nd), round(p.y, nd)]


def round_lines(geom: dict, nd: int) -> dict:
    return {"type": geom["type"], "coordinates": [[[round(x, nd), round(y, nd)] for x, y in line]
                                                  for line in geom["coordinates"]]}
