"""质量自评估查询 (specs/lists/quality_assessments.yaml over services/quality/admin.py), SQLite and PostgreSQL:
the jurisdiction is in the source's SQL (a declaration cannot widen it), filters narrow, the export holds
exactly the counted rows with the first-level tiers, and the permission is the administrators'."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from db.organisation import Organisation
from db.engine import session_scope
from services import lists
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_QUALITY_ADMIN, ROLES
from services.lists.spec import check_file, parse
from tests.factories import make_admin, make_enterprise_user, make_org
from tests.quality.attempts import completed, publish

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def world(db: str) -> dict[str, int]:
    """南京玄武 2 (tiers 3 and 1), 南京鼓楼 1 (tier 2, large, industry 1311), 苏州 1, 深圳 1 — completed attempts."""
    vid = publish()
    ids = {}
    ids["xw1"] = make_org("320102", status="approved", name="玄武一号公司")
    ids["xw2"] = make_org("320102", status="approved", name="玄武二号公司")
    ids["gl"] = make_org("320106", status="approved", name="鼓楼公司")
    ids["sz"] = make_org("320505", status="approved", name="苏州公司")
    ids["sh"] = make_org("440304", status="approved", name="深圳公司")
    with session_scope() as s:
        org = s.get(Organisation, ids["gl"])
        assert org is not None
        org.size, org.industry_code, org.division_code = "大型", "1311", "13"
    completed(vid, ids["xw1"], 3, {"q62": 3, "q63": 4, "q64": 5}, dt.datetime(2026, 3, 1, 2, tzinfo=dt.timezone.utc))
    completed(vid, ids["xw2"], 1, None, dt.datetime(2026, 5, 31, 17, tzinfo=dt.timezone.utc))  # 6-01 01:00 China
    completed(vid, ids["gl"], 2, None, dt.datetime(2026, 6, 15, 2, tzinfo=dt.timezone.utc))
    completed(vid, ids["sz"], 0, None)
    completed(vid, ids["sh"], 5, None)
    return ids


def _names(page: lists.Page) -> list[str]:
    return sorted(i["org_name"] for i in page.items)


def test_an_administrator_sees_only_their_jurisdiction(world) -> None:  # type: ignore[no-untyped-def]
    nanjing = make_admin("320100")
    assert _names(lists.page(nanjing, "quality_assessments", {})) == ["玄武一号公司", "玄武二号公司", "鼓楼公司"]
    assert _names(lists.page(make_admin("320102"), "quality_assessments", {})) == ["玄武一号公司", "玄武二号公司"]
    assert lists.page(make_admin("320000"), "quality_assessments", {}).total == 4
    assert lists.page(make_admin(None), "quality_assessments", {}).total == 5
    with pytest.raises(PermissionDenied, match="超出您的管辖范围"):
        lists.page(nanjing, "quality_assessments", {"region": "440304"})


def test_a_declaration_cannot_widen_the_jurisdiction(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A declaration may only choose fields and filters of the source: an unknown filter (say, a jurisdiction
    override) is refused, and even a declaration without any filter stays inside the SQL's jurisdiction."""
    bad = tmp_path / "quality_assessments.yaml"
    bad.write_text("code: quality_assessments\ntitle: t\nsource: quality_assessments\n"
                   "filters:\n  - {name: jurisdiction, type: region}\ncolumns: [org_name]\n", encoding="utf-8")
    assert [p.code for p in check_file(bad)] == ["LS005"]
    bare = tmp_path / "bare" / "quality_assessments.yaml"
    bare.parent.mkdir()
    bare.write_text("code: quality_assessments\ntitle: t\nsource: quality_assessments\ncolumns: [org_name]\n",
                    encoding="utf-8")
    spec = parse(bare)
    assert _names(lists.page(make_admin("320102"), spec, {"region": "440304"})) == ["玄武一号公司", "玄武二号公司"]


def test_filters_and_columns(world) -> None:  # type: ignore[no-untyped-def]
    a = make_admin("320100")
    assert _names(lists.page(a, "quality_assessments", {"region": "320106"})) == ["鼓楼公司"]
    assert _names(lists.page(a, "quality_assessments", {"size": "大型"})) == ["鼓楼公司"]
    assert _names(lists.page(a, "quality_assessments", {"industry": "13"})) == ["鼓楼公司"]
    assert _names(lists.page(a, "quality_assessments", {"industry": "C"})) == ["玄武一号公司", "玄武二号公司", "鼓楼公司"]
    assert _names(lists.page(a, "quality_assessments", {"industry": "3411"})) == ["玄武一号公司", "玄武二号公司"]
    assert _names(lists.page(a, "quality_assessments", {"tier": 1})) == ["玄武二号公司"]
    # completed dates are China days: 2026-05-31 17:00 UTC is 2026-06-01 China
    june = {"completed": (dt.date(2026, 6, 1), dt.date(2026, 6, 30))}
    assert _names(lists.page(a, "quality_assessments", june)) == ["玄武二号公司", "鼓楼公司"]
    assert _names(lists.page(a, "quality_assessments", {"completed": (None, dt.date(2026, 5, 31))})) == ["玄武一号公司"]
    with pytest.raises(ValidationFailed) as err:
        lists.page(a, "quality_assessments", {"completed": (dt.date(2026, 7, 1), dt.date(2026, 6, 1))})
    assert err.value.problems == {"完成日期起": ["完成日期起（2026-07-01）不能晚于完成日期止（2026-06-01），请重新选择。"]}
    with pytest.raises(ValidationFailed, match="只能从列出的选项中选择"):
        lists.page(a, "quality_assessments", {"tier": 9})
    row = next(i for i in lists.page(a, "quality_assessments", {}).items if i["org_name"] == "玄武一号公司")
    assert (row["tier_label"], row["tier_q62"], row["tier_q63"], row["tier_q64"]) == ("保证级", "保证级", "预防级", "卓越级")
    assert row["region_name"] == "江苏省 / 南京市 / 玄武区" and row["completed_at"] == "2026-03-01 10:00"
    assert [i["org_name"] for i in lists.page(a, "quality_assessments", {}, sort_by="tier_label", descending=False).items] \
        == ["玄武二号公司", "鼓楼公司", "玄武一号公司"]


def test_export_holds_the_whole_result_with_tiers(world) -> None:  # type: ignore[no-untyped-def]
    data = lists.export(make_admin("320100"), "quality_assessments", {})
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:3] == ["编号", "企业名称", "统一社会信用代码"] and head[-4:] == \
        ["总体等级", "6.2 质量管理体系的有效性", "6.3 质量管理数字化", "6.4 持续改进提升的能力"]
    assert sorted(r[1] for r in rows[1:]) == ["玄武一号公司", "玄武二号公司", "鼓楼公司"]


def test_only_administrators_hold_the_permission(world) -> None:  # type: ignore[no-untyped-def]
    assert {r for r, d in ROLES.items() if P_QUALITY_ADMIN in d.permissions} == \
        {"admin_national", "admin_province", "admin_city", "admin_county"}
    user, _ = make_enterprise_user("320102")
    with pytest.raises(PermissionDenied):
        lists.page(user, "quality_assessments", {})
