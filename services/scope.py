"""Jurisdiction as SQL: the one place that turns an actor into a WHERE clause."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from db.organisation import Organisation
from db.reference import Region
from services.permissions import Actor


def org_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the condition selecting organisations inside the actor's jurisdiction."""
    if actor.region_code is None:
        return true() if actor.is_national else false()
    column = {"province": Organisation.province_code, "city": Organisation.city_code,
              "county": Organisation.county_code}[actor.region_level or "county"]
    return column == actor.region_code


def region_clause(actor: Actor, region=Region) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Return the condition selecting regions (e.g. an admin account's region) inside the jurisdiction."""
    if actor.region_code is None:
        return true() if actor.is_national else false()
    return or_(region.code == actor.region_code, region.province_code == actor.region_code,
               region.city_code == actor.region_code)
