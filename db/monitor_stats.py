"""Summary table behind the monitoring dashboards, kept current at every final acceptance.

One row per (period, level, region, 门类, size): ``level`` is province / city / county (a city
without counties stands in as its own county), ``section`` the GB/T 4754 门类 letter of the report's
大类 ("" unknown), ``size`` the enterprise size class (大型/中型/小型/微型, "" unknown). Every level is
stored, so a page reads at most a few thousand rows whatever the national volume.

Besides each (门类, size) cell, every region has its marginal rows — ``section`` = ``ALL`` ("*") for
all 门类 and/or ``size`` = ``ALL`` for all sizes — so a page reads one row per child region, 门类 or
size (34 rows for the national map, not 34 × 20 × 4), and the incremental update writes those too.

Measures: ``n`` — approved reports (status ``accepted``, 审核通过 after 终审), and for each indicator
of ``INDICATORS`` four integer sums in 1/``UNIT`` of the indicator's unit: ``{row}_cur_m`` (本年本月),
``{row}_cur_ytd`` (本年1-本月), ``{row}_ly_m`` (上年本月), ``{row}_ly_ytd`` (上年1-本月). Integers, so the
incremental updates and a from-scratch rebuild give the very same numbers.

``INDICATORS`` is derived from the shipped definition (specs/monitor/monthly_report.yaml): the
required rows of the 主要经济指标 matrix whose unit is not a percentage (a percentage does not add
up). A definition whose list changes needs a migration (tests/stats/test_monitor_stats.py checks
the two agree).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from db.base import Base

SPEC = Path(__file__).resolve().parent.parent / "specs" / "monitor" / "monthly_report.yaml"
MATRIX = "ind"
CELLS = ("cur_m", "cur_ytd", "ly_m", "ly_ytd")  # the matrix cells that are answers (growth is calculated)
ALL = "*"  # the marginal rows: all 门类 / all sizes
UNIT = 1000  # sums count 1/1000 of the indicator's unit (元 for 千元): the answers' precision is kept exactly


def _declared() -> dict[str, tuple[str, str]]:
    """Return {row name: (label, unit)} of the definition's summable required indicator rows, in order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)
    for section in spec["sections"]:
        for q in section.get("questions") or []:
            if q["name"] == MATRIX:
                return {r["name"]: (str(r["label"]), str(r.get("unit") or "")) for r in q["rows"]
                        if r.get("required") and r.get("unit") != "%"}
    raise LookupError(f"{SPEC.name}: no matrix question {MATRIX!r}")


INDICATORS = _declared()                       # {"output": ("工业总产值", "千元"), "revenue": ("营业收入", "千元"), …}
MEASURES = ["n", *[f"{row}_{cell}" for row in INDICATORS for cell in CELLS]]

monitor_stat = Table(
    "monitor_stat", Base.metadata,
    Column("period", String(7), primary_key=True),       # "2026-10"
    Column("level", String(8), primary_key=True),        # province / city / county
    Column("region_code", String(6), primary_key=True),
    Column("section", String(1), primary_key=True),      # GB/T 4754 门类 letter, "" unknown, "*" all
    Column("size", String(4), primary_key=True),         # 大型/中型/小型/微型, "" unknown, "*" all
    Column("parent_code", String(6), nullable=False),    # "" for provinces
    Column("n", Integer, nullable=False, default=0),
    *[Column(m, BigInteger, nullable=False, default=0) for m in MEASURES[1:]],
    Index("ix_monitor_stat_children", "period", "level", "parent_code"),
)

# The reporting rate's denominator — approved enterprises per region — counted from this index alone.
from db.organisation import Organisation  # noqa: E402

Index("ix_organisation_reporting", Organisation.kind, Organisation.status, Organisation.province_code,
      Organisation.city_code, Organisation.county_code)
