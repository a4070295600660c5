"""Summary tables: kept current on completion, equal to a rebuild, hand-computed, jurisdiction-scoped."""
import datetime as dt

import pytest
from sqlalchemy import select

import clock
from db.engine import session_scope
from db.stats import stat_industry, stat_region
from services.cmmm import diagnosis as dx
from services.core.errors import PermissionDenied
from services.stats import cmmm_stats as stats
from tests.cmmm.conftest import EFFECTIVENESS, run_levels
from tests.factories import make_admin, make_enterprise_user


def _complete(user, values):  # type: ignore[no-untyped-def]
    did = dx.start(user, [])
    run_levels(user, did, values)
    return dx.finish(user, did, EFFECTIVENESS, 0)


def _snapshot() -> dict:
    with session_scope() as s:
        out = {}
        for table in (stat_region, stat_industry):
            for r in s.execute(select(table)).mappings():
                key = (table.name, *[r[c.name] for c in table.primary_key.columns])
                out[key] = {k: (round(float(v), 4) if v is not None and not isinstance(v, str) else v)
                            for k, v in r.items() if any(v2 for k2, v2 in r.items() if k2 == "n")}
        return {k: v for k, v in out.items() if v.get("n")}


def test_incremental_equals_rebuild_and_hand_computed(model: int) -> None:
    a, _ = make_enterprise_user("320102")
    b, _ = make_enterprise_user("320102")
    c, _ = make_enterprise_user("320106")
    _complete(a, ["0"])                 # S = 0.00, below level 1
    _complete(a, ["1", "1", "0"])       # supersedes: S = 2.00, level 2
    _complete(b, ["1", "0.5"])          # S = 1.50, level 1
    _complete(c, ["1", "1", "1", "1", "1"])  # S = 5.00, level 5
    incremental = _snapshot()
    with session_scope() as s:
        stats.rebuild(s)
    assert _snapshot() == incremental   # kept current on every completion = recomputed from scratch
    nanjing = make_admin("320100")
    total, counties = stats.region_rows(nanjing, "320100")
    assert total.n == 3 and total.average == pytest.approx((2 + 1.5 + 5) / 3)
    assert total.levels == [0, 1, 1, 0, 0, 1]
    by_code = {r.code: r for r in counties}
    assert by_code["320102"].n == 2 and by_code["320102"].average == pytest.approx(1.75)
    assert by_code["320106"].levels[5] == 1 and by_code["320105"].n == 0
    assert by_code["320102"].share_l2_plus == pytest.approx(0.5)
    js_total, cities = stats.region_rows(make_admin("320000"), None)
    assert js_total.n == 3 and {r.code for r in cities if r.n} == {"320100"}
    nation, provinces = stats.region_rows(make_admin(None), None)
    assert nation.n == 3 and len(provinces) == 34
    _, divisions = stats.industry_rows(nanjing, "320100")
    assert len(divisions) == 31 and sum(r.n for r in divisions) == 3
    domain = stats.region_rows(nanjing, "320100")[0].domains[0]  # 组织战略 averaged over the three latest
    assert domain is not None and 0 <= domain <= 1


def test_year_scope_uses_latest_within_the_year(model: int) -> None:
    a, _ = make_enterprise_user("320102")
    first = _complete(a, ["0"])
    _complete(a, ["1", "0"])
    year = first.completed_at[:4]
    total, _ = stats.region_rows(make_admin(None), None, scope=year)
    assert total.n == 1 and total.average == pytest.approx(1.0)
    assert year in stats.scopes()


def test_rebuild_with_diagnoses_of_earlier_years(model: int) -> None:
    """A diagnosis that is its year's latest but not the enterprise's latest ("superseded") counts in
    its year and not in the cumulative rows — incrementally and after a rebuild alike. Years are
    China-time years, whatever the UTC year is (run under HUIQI_CLOCK=2027-01-01T00:30+08:00 by CI)."""
    a, _ = make_enterprise_user("320102")
    b, _ = make_enterprise_user("320106")
    this_year = clock.today().year
    with clock.travel(dt.datetime(this_year - 1, 6, 1, 10, tzinfo=clock.CHINA)):
        _complete(a, ["1", "0"])                 # last year: S = 1.00, superseded below
        _complete(b, ["1", "1", "0"])            # last year: S = 2.00, b's latest
    _complete(a, ["1", "1", "1", "1", "1"])      # this year: S = 5.00, a's latest
    incremental = _snapshot()
    with session_scope() as s:
        stats.rebuild(s)
    assert _snapshot() == incremental
    nanjing = make_admin("320100")
    cumulative = stats.region_rows(nanjing, "320100")[0]
    assert cumulative.n == 2 and cumulative.average == pytest.approx((5 + 2) / 2)
    earlier = stats.region_rows(nanjing, "320100", scope=str(this_year - 1))[0]
    assert earlier.n == 2 and earlier.average == pytest.approx((1 + 2) / 2)
    assert stats.region_rows(nanjing, "320100", scope=str(this_year))[0].n == 1
    industries = stats.industry_rows(nanjing, "320100")[0]
    assert industries.n == 2 and industries.average == pytest.approx(3.5)


def test_jurisdiction(model: int) -> None:
    a, _ = make_enterprise_user("440304")
    _complete(a, ["1", "0"])
    nanjing = make_admin("320100")
    total, rows = stats.region_rows(nanjing, "320100")
    assert total.n == 0 and all(r.n == 0 for r in rows)  # a Shenzhen enterprise never shows in Nanjing
    with pytest.raises(PermissionDenied):
        stats.region_rows(nanjing, "440300")
    with pytest.raises(PermissionDenied):
        stats.region_rows(nanjing, "320000")  # not upwards either
    with pytest.raises(PermissionDenied):
        stats.industry_rows(make_admin("320102"), "320100")


def test_size_filter(model: int) -> None:
    from db.organisation import Organisation
    a, org_a = make_enterprise_user("320102")
    b, _ = make_enterprise_user("320102")
    with session_scope() as s:
        org = s.get(Organisation, org_a)
        assert org is not None
        org.size = "中型"
    _complete(a, ["1", "1", "0"])       # 中型, S = 2.00
    _complete(b, ["1", "0.5"])          # 小型, S = 1.50
    nanjing = make_admin("320100")
    assert stats.region_rows(nanjing, "320100", size="中型")[0].average == pytest.approx(2.0)
    assert stats.region_rows(nanjing, "320100", size="小型")[0].n == 1
    assert stats.region_rows(nanjing, "320100", size="大型")[0].n == 0
    assert stats.region_rows(nanjing, "320100")[0].n == 2
    assert sum(r.n for r in stats.industry_rows(nanjing, "320100", size="中型")[1]) == 1
    incremental = _snapshot()
    with session_scope() as s:
        stats.rebuild(s)
    assert _snapshot() == incremental


def test_industry_filter_on_the_region_views(model: int) -> None:
    from db.organisation import Organisation
    from services.core.errors import ValidationFailed
    a, org_a = make_enterprise_user("320102")
    b, _ = make_enterprise_user("320106")
    c, _ = make_enterprise_user("440304")
    with session_scope() as s:
        org = s.get(Organisation, org_a)
        assert org is not None
        org.industry_code, org.division_code = "1311", "13"
    _complete(a, ["1", "1", "0"])       # 南京, division 13, S = 2.00
    _complete(b, ["1", "0.5"])          # 南京, division 34, S = 1.50
    _complete(c, ["1", "0"])            # 深圳, division 34, S = 1.00
    nation = make_admin(None)
    total, provinces = stats.region_rows(nation, None, division="34")
    assert total.n == 2 and {r.code: r.n for r in provinces if r.n} == {"320000": 1, "440000": 1}
    total, cities = stats.region_rows(nation, "320000", division="13")
    assert total.n == 1 and total.average == pytest.approx(2.0)
    assert {r.code: r.n for r in cities if r.n} == {"320100": 1}
    assert stats.region_rows(nation, "320000", division="34", size="大型")[0].n == 0
    total, counties = stats.region_rows(nation, "320100", division="34")  # counties: from the city's diagnoses
    from_summary = next(r for r in stats.region_rows(nation, "320000", division="34")[1] if r.code == "320100")
    assert (total.n, total.average, total.levels, total.domains) == \
        (from_summary.n, from_summary.average, from_summary.levels, from_summary.domains)
    assert total.n == 1 and total.average == pytest.approx(1.5)
    assert {r.code: r.n for r in counties if r.n} == {"320106": 1}
    assert stats.region_rows(nation, "320100", division="34", size="大型")[0].n == 0
    total, only = stats.region_rows(nation, "320106", division="34")  # one county
    assert total.n == 1 and [r.code for r in only] == ["320106"] and only[0].levels == total.levels
    assert stats.region_rows(nation, "320102", division="34")[0].n == 0
    year = str(clock.today().year)
    assert stats.region_rows(nation, "320100", scope=year, division="13")[0].n == 1
    with pytest.raises(ValidationFailed, match="统计口径"):
        stats.region_rows(nation, "320100", scope="x", division="13")
    with pytest.raises(PermissionDenied):  # jurisdiction still applies
        stats.region_rows(make_admin("320100"), "440000", division="34")


def test_rebuild_all_on_two_cores_equals_incremental(model: int) -> None:
    """``rebuild_all`` (PostgreSQL: two connections; SQLite: a helper process builds the region
    summary into a scratch file) gives the very rows the completions left, superseded ones included."""
    a, _ = make_enterprise_user("320102")
    b, _ = make_enterprise_user("440304")
    with clock.travel(dt.datetime(clock.today().year - 1, 3, 1, 10, tzinfo=clock.CHINA)):
        _complete(a, ["1", "0"])
    _complete(a, ["1", "1", "0"])
    _complete(b, ["1", "1", "1", "1", "1"])
    incremental = _snapshot()
    with session_scope() as s:  # start from nothing, as after a migration
        s.execute(stat_region.delete())
        s.execute(stat_industry.delete())
    assert _snapshot() == {}
    stats.rebuild_all()
    assert _snapshot() == incremental
    assert stats.region_rows(make_admin(None), None)[0].n == 2


def test_rebuild_all_failure_changes_nothing(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the helper process fails, the error says so and the summaries are as they were."""
    import sys

    from services.stats import rebuild as module
    from services.forms import definitions
    definitions.sync_specs()
    a, _ = make_enterprise_user("320102")
    _complete(a, ["1", "0"])
    before = _snapshot()
    monkeypatch.setattr(module, "HELPER", [sys.executable, "-c", "import sys; sys.exit('辅助进程出错')"])
    with pytest.raises(RuntimeError, match="统计汇总重建失败.*辅助进程出错"):
        stats.rebuild_all()
    assert _snapshot() == before
    monkeypatch.undo()
    stats.rebuild_all()  # the pool's connections are usable again, with nothing left attached
    assert _snapshot() == before


def test_packed_sums_refuse_groups_they_cannot_hold(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite sums a score and its count as one integer; a group too large for that is refused, not
    silently miscounted (shown with a tiny PACK: two diagnoses in one group)."""
    from services.forms import definitions
    from services.stats import rebuild as module
    definitions.sync_specs()
    for _ in range(2):
        user, _ = make_enterprise_user("320102")
        _complete(user, ["1", "0"])
    before = _snapshot()
    monkeypatch.setattr(module, "PACK", 2)
    with pytest.raises(RuntimeError, match="超出打包求和的范围"), session_scope() as s:
        stats.rebuild(s)
    assert _snapshot() == before
    monkeypatch.undo()
    with session_scope() as s:
        stats.rebuild(s)
    assert _snapshot() == before
