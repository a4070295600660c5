"""Reference trees: counts and shape of GB/T 2260 and GB/T 4754-2017, and their database copy."""
from sqlalchemy import func, select

from db.engine import session_scope
from db.reference import Industry, Region
from services import reference as ref

MANUFACTURING = {
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业", "16": "烟草制品业", "17": "纺织业",
    "18": "纺织服装、服饰业", "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业", "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业", "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业", "32": "有色金属冶炼和压延加工业",
    "33": "金属制品业", "34": "通用设备制造业", "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业", "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业", "41": "其他制造业", "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
}


def test_region_counts() -> None:
    provinces = ref.region_tree()
    assert len(provinces) == 34
    prefectures = [n for n in ref.regions_at_level("city") if not n.code.endswith("9000") and n.code[2:4] != "01"
                   or n.code[:2] not in ("11", "12", "31", "50") and not n.code.endswith("9000")]
    assert 325 <= len(prefectures) <= 340
    assert 2800 <= len(ref.regions_at_level("county")) <= 2900


def test_region_lookup_and_paths() -> None:
    xw = ref.region("320102")
    assert (xw.code, xw.name, xw.level, xw.parent_code) == ("320102", "玄武区", "county", "320100")
    assert xw["name"] == "玄武区"
    assert [n.code for n in ref.region_ancestors("320102")] == ["320000", "320100", "320102"]
    assert ref.region("320000").level == "province" and ref.region("320000").parent_code is None
    assert ref.region("999999") is None
    assert "320102" in {n.code for n in ref.region_children("320100")}
    assert ref.region_full_name("320102") == "江苏省 / 南京市 / 玄武区"


def test_municipalities_have_one_city_level() -> None:
    for prov in ("110000", "120000", "310000", "500000"):
        cities = ref.region_children(prov)
        assert [c.code for c in cities] == [prov[:2] + "0100"], cities
        assert all(c.level == "county" for c in cities[0].children)
    assert ref.region_path("500230") == ref.region_path("500230")  # a Chongqing county resolves
    assert ref.region_path(next(c.code for c in ref.region_children("500100"))).city_code == "500100"


def test_province_administered_counties() -> None:
    jiyuan = ref.region("419001")
    assert jiyuan is not None and jiyuan.level == "county"
    assert ref.region(jiyuan.parent_code).level == "city"


def test_industry_counts_and_manufacturing_names() -> None:
    assert len(ref.industry_tree()) == 20
    divisions = [n for s in ref.industry_tree() for n in s.children]
    assert len(divisions) == 97
    assert {n.code: n.name for n in ref.manufacturing_divisions()} == MANUFACTURING
    c = ref.industry("C")
    assert (c.code, c.level, c.parent_code) == ("C", "section", None)
    d = ref.industry("34")
    assert (d.name, d.level, d.parent_code) == ("通用设备制造业", "division", "C")
    assert ref.industry("C34").code == "34"
    groups = [g for d in divisions for g in d.children]
    assert len(groups) == 473
    cls = ref.industry("3411")
    assert cls.level == "class" and cls.parent_code == "341"
    assert [n.code for n in ref.industry_ancestors("3411")] == ["C", "34", "341", "3411"]


def test_tables_match_files(db: str) -> None:
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == len(ref._regions().by_code)
        assert session.scalar(select(func.count()).select_from(Industry)) == len(ref._industries().by_code)
        xw = session.get(Region, "320102")
        assert (xw.province_code, xw.city_code) == ("320000", "320100")
        assert session.get(Industry, "3411").section_code == "C"
