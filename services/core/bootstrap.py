"""Create or upgrade the schema (Alembic) and load the reference data and role catalogue."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, select

from db.account import Role, RolePermission
from db.engine import configure, get_engine, session_scope
from services.core.permissions import ROLES
from services.reference import sync_tables

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    """Return the Alembic configuration bound to ``url``."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: str | None = None) -> None:
    """Upgrade the database to the newest migration."""
    engine = configure(url) if url else get_engine()
    command.upgrade(alembic_config(engine.url.render_as_string(hide_password=False)), "head")


def sync_roles() -> None:
    """Write the role catalogue and its permission grants into the database."""
    with session_scope() as session:
        existing = {r.code: r for r in session.scalars(select(Role))}
        for code, spec in ROLES.items():
            row = existing.get(code) or Role(code=code)
            row.name, row.scope = spec.name, spec.scope
            session.add(row)
        session.flush()
        session.execute(delete(RolePermission).where(RolePermission.role_code.in_(list(ROLES))))
        session.add_all(RolePermission(role_code=code, permission=p) for code, spec in ROLES.items()
                        for p in sorted(spec.permissions))


def init_db(url: str | None = None) -> tuple[int, int]:
    """Migrate, then load reference data and roles; return (regions, industries) loaded."""
    migrate(url)
    sync_roles()
    with session_scope() as session:
        counts = sync_tables(session)
    from services.forms.definitions import sync_specs
    sync_specs()
    from services.monitor import reports  # noqa: F401  (registers the monthly report's freeze hook)
    from services.monitor.reviewers import sync_reviewers
    with session_scope() as session:
        sync_reviewers(session)
    from services.stats import cmmm_stats
    with session_scope() as session:
        empty = cmmm_stats.summaries_empty(session)  # a migration rebuilt the summary tables
    if empty:
        cmmm_stats.rebuild_all()
    return counts
