"""The record export's fast path (issue 15: times and level scores computed by the database, repeating values
converted once) writes exactly what the row-by-row Python rules give — China time at a year end and a leap
day, half-up rounding at its boundaries, tailoring labels — on SQLite and PostgreSQL, through the list
engine and the streaming writer (read back with openpyxl)."""
import datetime as dt
import io

import openpyxl

import clock
from sqlalchemy import select, update

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.organisation import Organisation
from services import lists
from services.cmmm import admin
from services.cmmm.diagnosis import level_label, tailorable
from services.core.numfmt import round_half_up
from services.core.timefmt import china_minutes, china_time
from services.reference import industry, region
from tests.cmmm.conftest import seed_completed
from tests.factories import make_admin

UTC = dt.timezone.utc
TIMES = [dt.datetime(2026, 12, 31, 16, 30, 59, 999999, UTC),   # 2027-01-01 00:30 in China
         dt.datetime(2028, 2, 28, 16, 5, 0, tzinfo=UTC),         # 2028-02-29 00:05 (leap day)
         dt.datetime(2027, 3, 31, 15, 59, 0, tzinfo=UTC),        # 2027-03-31 23:59 (quarter end)
         dt.datetime(2027, 6, 1, 0, 0, 0, tzinfo=UTC)]
SCORES = [{"level1": 0.825, "level2": 2.675, "level3": 0.0, "level4": 1.005, "level5": 4.9999},
          {"level1": 1.0, "level2": 0.125, "level3": 0.135}, {}, {"level1": 3.14159}]


def _name(code: str | None) -> str:
    node = region(code) if code else None
    return node.name if node else ""


def _expected(d: Diagnosis, org: Organisation) -> list[object]:
    div = industry(d.division_code) if d.division_code else None
    ls = d.level_scores or {}
    return [d.id, org.name, org.credit_code, _name(d.province_code), _name(d.city_code), _name(d.county_code),
            d.county_code or org.region_code, d.division_code, div.name if div else "", d.size,
            china_time(d.completed_at), round_half_up(d.total_score or 0), level_label(d.level or 0),
            *[round_half_up(ls[k]) if k in ls else None for k in ("level1", "level2", "level3", "level4", "level5")],
            "、".join(tailorable().get(t, t) for t in d.tailoring or []), china_time(d.started_at)]


def _cells(v: object) -> object:
    return None if v == "" else v  # the writer leaves empty text as an empty cell


def test_export_rows_equal_the_python_rules(model: int) -> None:
    seed_completed({"3821": 2, "3411": 2})
    tailor = list(tailorable())[:2]
    with session_scope() as s:
        ids = list(s.scalars(select(Diagnosis.id).where(Diagnosis.status == "completed").order_by(Diagnosis.id)))
        assert len(ids) >= 4
        for i, (when, scores) in enumerate(zip(TIMES, SCORES)):
            s.execute(update(Diagnosis).where(Diagnosis.id == ids[i]).values(
                completed_at=when, started_at=when - dt.timedelta(minutes=61), level_scores=scores,
                total_score=[0.825, 2.675, 0, 1.005][i], tailoring=tailor[: i % 3]))
    national = make_admin(None)
    with clock.travel(dt.date(2029, 6, 1)):  # the year filter's default reaches this year: 2029 covers the times above
        data = lists.export(national, "cmmm_records", {})
        first = next(iter(admin._export_rows(national, admin.Filters())))[0]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    got = {r[0]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=2))}
    with session_scope(read=True) as s:
        pairs = s.execute(select(Diagnosis, Organisation).join(Organisation, Organisation.id == Diagnosis.org_id)
                          .where(Diagnosis.status == "completed")).all()
        expected = {d.id: [_cells(v) for v in _expected(d, org)] for d, org in pairs}
    assert set(got) == set(expected)
    for i in ids:
        assert got[i] == expected[i], i
    assert got[ids[0]][10] == "2027-01-01 00:30" and got[ids[1]][10] == "2028-02-29 00:05"
    assert got[ids[0]][13:15] == [0.83, 2.68] and got[ids[0]][11] == 0.83
    assert first == max(expected, key=lambda k: (expected[k][10] or "", k))  # newest first, as on the page


def test_china_minutes_is_china_time_in_both_databases(model: int) -> None:
    seed_completed({"3821": 1})
    with session_scope() as s:
        d_id = s.scalar(select(Diagnosis.id).where(Diagnosis.status == "completed"))
        for when in TIMES:
            s.execute(update(Diagnosis).where(Diagnosis.id == d_id).values(completed_at=when))
            assert s.scalar(select(china_minutes(Diagnosis.completed_at)).where(Diagnosis.id == d_id)) == china_time(when)
        s.execute(update(Diagnosis).where(Diagnosis.id == d_id).values(completed_at=None))
        assert s.scalar(select(china_minutes(Diagnosis.completed_at)).where(Diagnosis.id == d_id)) == ""
