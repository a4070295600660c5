"""质量等级统计 (services/quality/stats.py), SQLite and PostgreSQL: per child region and per industry, the
enterprises with a completed assessment (latest per enterprise), overall and first-level tier distributions,
inside the jurisdiction only; a submit changes the numbers at once."""
from __future__ import annotations

import pytest

from db.engine import session_scope
from db.organisation import Organisation
from services.assessment import flow, graded, quality
from services.core.errors import PermissionDenied
from services.forms import responses
from services.quality import stats
from tests.factories import make_admin, make_enterprise_user, make_org
from tests.quality.attempts import completed, publish
from tests.quality.shipped import all_clauses
from tests.quality.test_graded import _fill, _perf, _response


@pytest.fixture
def vid(db: str) -> int:
    return publish()


def _row(rows: list[stats.TierRow], code: str) -> stats.TierRow:
    return next(r for r in rows if r.code == code)


def test_by_region_counts_the_latest_per_enterprise_inside_the_jurisdiction(vid: int) -> None:
    a, b, c = (make_org(code, status="approved") for code in ("320102", "320102", "320106"))
    far = make_org("440304", status="approved")
    completed(vid, a, 1, {"q62": 1, "q63": 2, "q64": 1})
    completed(vid, a, 3, {"q62": 3, "q63": 4, "q64": 3})   # a's latest: the earlier one no longer counts
    completed(vid, b, 0, {"q62": 0, "q63": 0, "q64": 0})
    completed(vid, c, 3, {"q62": 5, "q63": 3, "q64": 3})
    completed(vid, far, 5)
    nanjing = make_admin("320100")
    total, rows = stats.by_region(nanjing)
    assert (total.name, total.n, total.tiers) == ("南京市", 3, [1, 0, 0, 2, 0, 0])
    assert {r.code for r in rows} >= {"320102", "320106", "320113"}
    xw, gl = _row(rows, "320102"), _row(rows, "320106")
    assert (xw.n, xw.tiers, xw.first_level["q63"]) == (2, [1, 0, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0])
    assert (gl.n, gl.first_level["q62"]) == (1, [0, 0, 0, 0, 0, 1])
    assert _row(rows, "320113").n == 0
    assert total.first_level["q62"] == [1, 0, 0, 1, 0, 1]
    province_total, cities = stats.by_region(make_admin("320000"))
    assert province_total.n == 3 and _row(cities, "320100").tiers == [1, 0, 0, 2, 0, 0]
    national, provinces = stats.by_region(make_admin(None))
    assert national.n == 4 and _row(provinces, "440000").n == 1
    county_total, county = stats.by_region(make_admin("320102"))
    assert county_total.n == 2 and [r.code for r in county] == ["320102"]
    _, drilled = stats.by_region(nanjing, "320102")
    assert [r.code for r in drilled] == ["320102"] and drilled[0].n == 2


def test_scoping_refuses_outside_regions_and_non_administrators(vid: int) -> None:
    nanjing = make_admin("320100")
    with pytest.raises(PermissionDenied, match="超出您的管辖范围"):
        stats.by_region(nanjing, "440300")
    with pytest.raises(PermissionDenied, match="超出您的管辖范围"):
        stats.by_industry(nanjing, "320000")                     # the parent province: wider than the city
    with pytest.raises(PermissionDenied):
        stats.by_region(make_enterprise_user("320102")[0])


def test_by_industry_per_manufacturing_division(vid: int) -> None:
    a, b = make_org("320102", status="approved"), make_org("320106", status="approved")   # both 34
    c = make_org("320102", status="approved")
    with session_scope() as s:
        org = s.get(Organisation, c)
        assert org is not None
        org.industry_code, org.division_code = "1311", "13"
    completed(vid, a, 2)
    completed(vid, b, 4)
    completed(vid, c, 1)
    completed(vid, make_org("440304", status="approved"), 5)
    total, rows = stats.by_industry(make_admin("320100"))
    assert len(rows) == 31 and rows[0].code == "13" and rows[-1].code == "43"
    assert (total.n, total.tiers) == (3, [0, 1, 1, 0, 1, 0])
    assert _row(rows, "34").tiers == [0, 0, 1, 0, 1, 0] and _row(rows, "13").n == 1
    assert _row(rows, "34").first_level["q64"] == [0, 0, 1, 0, 1, 0]


def test_a_submit_changes_the_numbers_at_once(vid: int) -> None:
    user, org_id = make_enterprise_user("320102")
    admin = make_admin("320100")
    completed(vid, org_id, 1)                                  # an earlier assessment of the same enterprise
    before, rows = stats.by_region(admin)
    assert (before.n, before.tiers) == (1, [0, 1, 0, 0, 0, 0])
    aid = flow.start(quality.KIND, user, [])
    rid = _response(aid)
    _fill(rid, all_clauses("2"))
    responses.save_section(user, rid, "perf", _perf(), 0)
    assert stats.by_region(admin)[0].tiers == [0, 1, 0, 0, 0, 0]    # in progress: not counted yet
    grades = graded.submit(quality.KIND, user, aid)
    assert grades.overall == 5
    after, rows = stats.by_region(admin)
    assert (after.n, after.tiers) == (1, [0, 0, 0, 0, 0, 1])        # the new latest replaces the old one
    assert _row(rows, "320102").first_level == {"q62": [0, 0, 0, 0, 0, 1], "q63": [0, 0, 0, 0, 0, 1],
                                                "q64": [0, 0, 0, 0, 0, 1]}
    assert stats.by_industry(admin)[0].tiers == [0, 0, 0, 0, 0, 1]


def test_tier_stack_chart_is_one_series_per_tier_without_empty_bars() -> None:
    from charts.quality import tier_stack
    option = tier_stack(["玄武区", "秦淮区", "鼓楼区"], [[1, 0, 2], [0, 0, 0], [0, 3, 0]], ["未达到经验级", "经验级", "检验级"])
    assert option["xAxis"]["data"] == ["玄武区", "鼓楼区"]
    assert [(s["name"], s["data"], s["stack"]) for s in option["series"]] == \
        [("未达到经验级", [1, 0], "tiers"), ("经验级", [0, 3], "tiers"), ("检验级", [2, 0], "tiers")]
