"""Tier statistics of the quality self-assessment for administrators (质量等级统计), by region and by industry.

Counted per enterprise, its latest completed attempt only, inside the administrator's jurisdiction (the
SQL's WHERE). Read live from the attempt rows and the ``assessment_result`` rows the submit writes in its
own transaction (services/assessment/graded.py) — so the numbers are current at every submit, with no
summary table to keep in step (measured: bench/bench_quality.py, "stats" lines).

- ``by_region(actor, parent)``: one row per child region of ``parent`` (default: the jurisdiction; a
  county: itself), plus the parent's total.
- ``by_industry(actor, parent)``: one row per manufacturing 大类 (GB/T 4754-2017 13–43) inside ``parent``.

A row holds the number of enterprises, the distribution of overall tiers (index 0 = below the first
tier … the highest) and, per first-level indicator (section), the distribution of its tiers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from db.assessment import AssessmentAttempt as A
from db.assessment import AssessmentResult as R
from db.engine import session_scope
from db.organisation import Organisation as O
from services.core.errors import PermissionDenied
from services.core.permissions import P_QUALITY_ADMIN, Actor, in_jurisdiction, require
from services.core.rules import MANUFACTURING_DIVISIONS
from services.core.scope import jurisdiction, within
from services.quality.admin import CODE, first_levels, grading
from services.reference import industry, region, region_children, region_path

ORG_PATH = (O.province_code, O.city_code, O.county_code)


@dataclass
class TierRow:
    code: str
    name: str
    n: int = 0                                                     # enterprises with a completed assessment
    tiers: list[int] = field(default_factory=list)                 # overall tier → enterprises
    first_level: dict[str, list[int]] = field(default_factory=dict)  # section → (tier → enterprises)


def levels() -> int:
    """The number of tier values (0 = below the first tier … the highest)."""
    return len(grading().levels) + 1


def tier_labels() -> list[str]:
    g = grading()
    return [g.below_label, *(x.label for x in g.levels)]


def _empty(code: str, name: str) -> TierRow:
    k = levels()
    return TierRow(code, name, 0, [0] * k, {s: [0] * k for s, _ in first_levels()})


def _check(actor: Actor, parent: str | None) -> None:
    require(actor, P_QUALITY_ADMIN)
    if parent is None:
        if not (actor.region_code is None and actor.is_national):
            raise PermissionDenied("无权查看全国统计：超出您的管辖范围。")
    elif region(parent) is None or not in_jurisdiction(actor, region_path(parent)):
        raise PermissionDenied("无权查看该地区统计：超出您的管辖范围。")


def _latest(actor: Actor, parent: str | None) -> Any:
    """The latest completed attempt id per enterprise inside ``parent`` and the jurisdiction (a subquery)."""
    return (select(func.max(A.id).label("id")).join(O, O.id == A.org_id)
            .where(A.code == CODE, A.status == "completed", jurisdiction(actor, *ORG_PATH), within(parent, *ORG_PATH))
            .group_by(A.org_id).subquery())


def _count(actor: Actor, parent: str | None, key: Any, wanted: Sequence[tuple[str, str]]) -> tuple[TierRow, list[TierRow]]:
    """Group the latest attempts by ``key`` (a column of the organisation) into rows for ``wanted`` (code, name)."""
    latest = _latest(actor, parent)
    rows = {c: _empty(c, n) for c, n in wanted}
    node = region(parent) if parent else None
    total = _empty(parent or "100000", node.name if node else "全国")
    k = levels()
    with session_scope(read=True) as session:
        # one grouped read of the result rows the submit wrote: the overall tier and each first-level tier
        found = session.execute(select(key.label("g"), R.dimension, R.key, R.value, func.count())
                                .join(latest, latest.c.id == R.attempt_id).join(A, A.id == R.attempt_id)
                                .join(O, O.id == A.org_id).where(R.dimension.in_(("overall", "first_level")))
                                .group_by(key, R.dimension, R.key, R.value))
        for g, dimension, section, tier, n in found:
            if not 0 <= tier < k:
                continue
            for row in (rows.get(g), total):
                if row is None:
                    continue
                if dimension == "overall":
                    row.tiers[tier] += n
                    row.n += n
                elif section in row.first_level:
                    row.first_level[section][tier] += n
    return total, [rows[c] for c, _ in wanted]


def by_region(actor: Actor, parent: str | None = None) -> tuple[TierRow, list[TierRow]]:
    """Return (the parent's total, one row per child region); ``parent`` defaults to the jurisdiction."""
    parent = parent if parent is not None else actor.region_code
    _check(actor, parent)
    node = region(parent) if parent else None
    level = node.level if node else None
    if level == "county" and node is not None:
        return _count(actor, parent, O.county_code, [(node.code, node.name)])
    key = {None: O.province_code, "province": O.city_code, "city": O.county_code}[level]
    return _count(actor, parent, key, [(c.code, c.name) for c in region_children(parent)])


def by_industry(actor: Actor, parent: str | None = None) -> tuple[TierRow, list[TierRow]]:
    """Return (the total, one row per manufacturing 大类 13–43) inside ``parent`` (default: the jurisdiction)."""
    parent = parent if parent is not None else actor.region_code
    _check(actor, parent)
    wanted = [(c, (node.name if (node := industry(c)) else c)) for c in MANUFACTURING_DIVISIONS]
    return _count(actor, parent, O.division_code, wanted)
