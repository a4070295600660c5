"""GB/T 4754-2017 industry tree of scripts/build_refdata.py (with amendment No.1 2019): parse the
official table, check the counts per level, use the official names of sections and manufacturing divisions."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path


# Official 2017 names of the 31 manufacturing divisions (shared/notes/standards.md).
MANUFACTURING_DIVISIONS = {
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业", "17": "纺织业", "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业", "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业", "33": "金属制品业", "34": "通用设备制造业",
    "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
}
SECTIONS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业", "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育",
    "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
EXPECTED_INDUSTRY_COUNTS = {"section": 20, "division": 97, "group": 473, "class": 1382}


def build_industries(table: Path) -> tuple[list[list[str]], dict]:
    report: dict = defaultdict(list)
    entries: list[tuple[str, str]] = []
    with open(table, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            code, name = line.split("\t")
            entries.append((code.strip(), name.strip()))

    rows: dict[str, list[str]] = {}
    section = None
    for code, name in entries:
        if code.isalpha():
            level, parent, section = "section", "", code
        elif len(code) == 2:
            level, parent = "division", section
        elif len(code) == 3:
            level, parent = "group", code[:2]
        elif len(code) == 4:
            level, parent = "class", code[:3]
            if code[:3] not in rows:
                # 中类 not subdivided: the standard prints "xxx xxx0 name" on one row.
                if code[3] != "0":
                    raise SystemExit(f"class {code} has no group row")
                rows[code[:3]] = [code[:3], name, "group", code[:2]]
                report["groups_from_single_class"].append(code[:3])
        else:
            raise SystemExit(f"bad industry code {code!r}")
        if code in rows:
            raise SystemExit(f"duplicate industry code {code}")
        rows[code] = [code, name, level, parent]

    for code, name in SECTIONS.items():
        if rows.get(code, [None, None])[1] != name:
            raise SystemExit(f"section {code} name mismatch: {rows.get(code)}")
    for code, name in MANUFACTURING_DIVISIONS.items():
        if rows.get(code, [None, None])[1] != name or rows[code][3] != "C":
            raise SystemExit(f"division {code} mismatch: {rows.get(code)}")
    counts = Counter(r[2] for r in rows.values())
    for level, want in EXPECTED_INDUSTRY_COUNTS.items():
        if counts[level] != want:
            msg = f"{level}: {counts[level]} (standard: {want})"
            if level in ("section", "division", "group"):
                raise SystemExit("industry count mismatch " + msg)
            report["count_warnings"].append(msg)

    # Code order: sections sort by the first division under them.
    def key(code: str):
        if code.isalpha():
            first = min(c for c, r in rows.items() if r[2] == "division" and r[3] == code)
            return (first, 0)
        return (code, 1)

    return [rows[c] for c in sorted(rows, key=key)], report
