"""自诊断记录查询 / 自诊断情况查询 services: every filter is applied, the export holds exactly the rows the
filters show, and a reversed year range is refused in words (SQLite and PostgreSQL)."""
import io

import openpyxl
import pytest
from sqlalchemy import func, select, update

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.organisation import Organisation
from services.cmmm import admin, diagnosis as dx
from services.cmmm.demo import seed_diagnoses
from services.core.errors import ValidationFailed
from tests.cmmm.conftest import seed_completed
from tests.factories import make_admin, make_enterprise_user


def _sheet(data: bytes) -> list[list[object]]:
    return [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()][1:]


def _diagnoses(org_ids: list[int]) -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Diagnosis)
                                  .where(Diagnosis.org_id.in_(org_ids), Diagnosis.status == "completed")) or 0)


def _every_record(actor, f: admin.Filters) -> list[admin.Record]:  # type: ignore[no-untyped-def]
    total, rows = admin.query_records(actor, f, 1, 10_000)
    assert total == len(rows)
    return rows


def test_industry_filter_at_every_level_and_its_export(model: int) -> None:
    made = seed_completed({"3821": 2, "3811": 2, "3411": 1, "1311": 1})
    nj = make_admin("320100")
    expected = {"C": made["3821"] + made["3811"] + made["3411"] + made["1311"], "38": made["3821"] + made["3811"],
                "382": made["3821"], "3821": made["3821"], "3822": [], "381": made["3811"], "34": made["3411"]}
    for code, orgs in expected.items():
        f = admin.Filters(industry_code=code)
        rows = _every_record(nj, f)
        assert sorted({r.org_id for r in rows}) == sorted(orgs), code
        assert len(rows) == _diagnoses(orgs), code
        assert sorted(r[0] for r in _sheet(admin.export_records(nj, f))) == sorted(r.id for r in rows), code
    with pytest.raises(ValidationFailed, match="所属行业"):
        admin.query_records(nj, admin.Filters(industry_code="999"))


def test_industry_filter_stays_inside_the_jurisdiction(model: int) -> None:
    inside = make_enterprise_user("320102")[1]
    outside = make_enterprise_user("440304")[1]
    with session_scope() as session:
        session.execute(update(Organisation).where(Organisation.id.in_([inside, outside]))
                        .values(industry_code="3821", division_code="38"))
    seed_diagnoses(completed_share=1.0, running_share=0.0)
    rows = _every_record(make_admin("320100"), admin.Filters(industry_code="382"))
    assert {r.org_id for r in rows} == {inside}


def test_reversed_year_range_is_refused_in_words(model: int) -> None:
    nj = make_admin("320100")
    reversed_range = admin.Filters(year_from=2025, year_to=2020)
    for call in (lambda: admin.query_records(nj, reversed_range), lambda: admin.export_records(nj, reversed_range)):
        with pytest.raises(ValidationFailed) as err:
            call()
        assert "起始年份" in str(err.value) and "截止年份" in str(err.value) and "不能晚于" in str(err.value)
        assert "起始年份" in err.value.problems
    assert admin.query_records(nj, admin.Filters(year_from=2020, year_to=2020)) == (0, [])  # a single year is allowed


def test_progress_export_holds_the_rows_the_progress_filter_shows(model: int) -> None:
    made = seed_completed({"3411": 3})
    running, _ = make_enterprise_user("320102")
    dx.start(running, [])
    idle, _ = make_enterprise_user("320102")
    nj = make_admin("320100")
    for status, expected in (("completed", 3), ("in_progress", 1), ("none", 1), (None, 5)):
        counts, total, rows = admin.progress(nj, None, "", status, 1, 100)
        assert total == expected == len(rows), status
        assert counts == {"none": 1, "in_progress": 1, "completed": 3}
        exported = _sheet(admin.export_progress(nj, None, "", status))
        assert [r[0] for r in exported] == [r.org_name for r in rows], status
        assert {r[4] for r in exported} == {r.status_label for r in rows}, status
    assert len(made["3411"]) == 3
    with pytest.raises(ValidationFailed, match="进度"):
        admin.progress(nj, None, "", "bogus")
