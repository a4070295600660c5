"""Summary tables behind the statistics dashboards, kept current on every completed diagnosis.

Each table holds one row per (scope, level, region, size) — every level is stored, not summed at
view time, so any page reads at most a few hundred rows whatever the national volume:
``stat_region`` — province, city and county rows (children found by ``parent_code``);
``stat_industry`` — nation, province and city rows per GB/T 4754 division.
``scope`` is "all" (each enterprise's latest completed diagnosis) or a year "2024" (each
enterprise's latest completed diagnosis within that year); ``size`` is the enterprise size class
(大型/中型/小型/微型) so every page can filter by size. Measures are counts and sums; score sums
are integers in ``UNIT`` (1/10 000 point, the precision scores are kept to), so they are exact and
a from-scratch rebuild gives the very same numbers as the incremental updates.

The measures are generated from the self-diagnosis definition's ``assessment:`` block (its tiers
and the ``dimensions`` that declare a ``column`` prefix): ``n_l0…n_lK`` per tier, ``{column}{i}_sum``
/ ``_n`` per dimension value in the declared order. Nothing here names a domain; a definition
whose dimensions change length needs a migration (tests/stats checks the two agree).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from db.base import Base

SPEC = Path(__file__).resolve().parent.parent / "specs" / "cmmm" / "self_diagnosis.yaml"


def _declared() -> tuple[int, dict[str, tuple[str, list[str]]]]:
    """Return (tier count, {dimension name: (column prefix, values)}) of the shipped definition."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    block = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)["assessment"]
    return len(block["tiers"]), {d["name"]: (str(d["column"]), [str(v) for v in d["values"]])
                                 for d in block.get("dimensions") or [] if d.get("column")}


_TIERS, WIDE = _declared()
DOMAINS = WIDE["domain"][1]        # the dimension values in the definition's order
SUBDOMAINS = WIDE["subdomain"][1]
LEVELS = range(_TIERS + 1)  # 0 = below the first tier
UNIT = 10_000  # score sums and the diagnosis' typed scores count 1/10 000 points
ALL = "all"  # the cumulative scope: each enterprise's latest completed diagnosis


def measure_columns() -> list[Column]:  # type: ignore[type-arg]
    """Return the measure columns shared by both summary tables."""
    cols: list[Column] = [Column("n", Integer, nullable=False, default=0),  # type: ignore[type-arg]
                          Column("score_sum", BigInteger, nullable=False, default=0)]
    cols += [Column(f"n_l{k}", Integer, nullable=False, default=0) for k in LEVELS]
    for prefix, names in WIDE.values():
        for i in range(len(names)):
            cols += [Column(f"{prefix}{i}_sum", BigInteger, nullable=False, default=0),
                     Column(f"{prefix}{i}_n", Integer, nullable=False, default=0)]
    return cols


stat_region = Table(
    "stat_region", Base.metadata,
    Column("scope", String(4), primary_key=True),
    Column("level", String(8), primary_key=True),        # province / city / county
    Column("region_code", String(6), primary_key=True),
    Column("size", String(4), primary_key=True, server_default=""),   # 大型/中型/小型/微型, "" unknown
    Column("parent_code", String(6), nullable=False),    # "" for provinces
    Column("province_code", String(6), nullable=False),
    *measure_columns(),
    Index("ix_stat_region_children", "scope", "level", "parent_code"),
)

stat_industry = Table(
    "stat_industry", Base.metadata,
    Column("scope", String(4), primary_key=True),
    Column("level", String(8), primary_key=True),        # nation / province / city
    Column("region_code", String(6), primary_key=True),  # "" for the nation
    Column("division_code", String(2), primary_key=True),
    Column("size", String(4), primary_key=True, server_default=""),
    Column("province_code", String(6), nullable=False),  # "" for the nation
    *measure_columns(),
)

MEASURES = [c.name for c in measure_columns()]
