"""Jurisdiction as SQL: the one place that turns a region (or an actor) into a WHERE clause.

Rows that belong to a region carry its path as province / city / county code columns, so
"inside region X" is one indexed equality on the column of X's level.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from db.organisation import Organisation
from db.reference import Region
from services.core.permissions import Actor
from services.reference import region


def within(code: str | None, province: Any, city: Any, county: Any = None) -> ColumnElement[bool]:
    """Return the condition "the row's region path lies inside ``code``" (None = the nation)."""
    if code is None:
        return true()
    node = region(code)
    column = {"province": province, "city": city, "county": county}[node.level if node else "county"]
    if column is None:
        raise ValueError(f"{code} 的层级在此数据中没有对应的列")
    return column == code  # type: ignore[no-any-return]


def jurisdiction(actor: Actor, province: Any, city: Any, county: Any = None) -> ColumnElement[bool]:
    """Return the condition selecting rows inside the actor's jurisdiction (nothing for non-national staff)."""
    if actor.region_code is None:
        return true() if actor.is_national else false()
    return within(actor.region_code, province, city, county)


def org_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the condition selecting organisations inside the actor's jurisdiction."""
    return jurisdiction(actor, Organisation.province_code, Organisation.city_code, Organisation.county_code)


def region_clause(actor: Actor, region_table=Region) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Return the condition selecting regions (e.g. an admin account's region) inside the jurisdiction."""
    if actor.region_code is None:
        return true() if actor.is_national else false()
    return or_(region_table.code == actor.region_code, region_table.province_code == actor.region_code,
               region_table.city_code == actor.region_code)
