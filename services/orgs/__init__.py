"""Organisations: the documented rule functions plus overviews scoped to the actor's jurisdiction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from db.engine import session_scope
from db.organisation import Organisation
from services.core.permissions import P_ORG_VIEW, Actor, require
from services.core.rules import classify_size, credit_code_is_valid
from services.core.scope import org_clause

__all__ = ["classify_size", "credit_code_is_valid", "Overview", "overview"]


@dataclass(frozen=True)
class Overview:
    """Counts of organisations in a jurisdiction."""

    by_status: dict[str, int]
    by_size: dict[str, int]
    by_kind: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def overview(actor: Actor) -> Overview:
    """Return registration, size and kind counts for the actor's jurisdiction."""
    require(actor, P_ORG_VIEW)
    where = org_clause(actor)
    with session_scope(read=True) as session:
        def counts(column) -> dict[str, int]:  # type: ignore[no-untyped-def]
            rows = session.execute(select(column, func.count()).where(where).group_by(column))
            return {str(k): int(n) for k, n in rows if k is not None}
        approved = where & (Organisation.status == "approved")
        sizes = {str(k): int(n) for k, n in session.execute(
            select(Organisation.size, func.count()).where(approved).group_by(Organisation.size)) if k}
        return Overview(counts(Organisation.status), sizes, counts(Organisation.kind))
