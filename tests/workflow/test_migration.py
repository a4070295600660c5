"""Migration 0011_workflow: every existing organisation gets a registration instance in its status,
and the organisation's status (the copy the lists filter on) always agrees with its instance."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from db.engine import get_engine, session_scope
from db.organisation import Organisation
from db.workflow import WorkflowInstance
from services.orgs import registration
from services.core.bootstrap import alembic_config
from tests.factories import make_admin, make_org


def instances() -> dict[int, str]:
    with session_scope(read=True) as s:
        return dict(s.execute(select(WorkflowInstance.subject_id, WorkflowInstance.state)
                              .where(WorkflowInstance.subject_type == "organisation")).all())


def test_existing_organisations_get_an_instance_in_their_status(db: str) -> None:
    ids = {status: make_org("320102", status=status) for status in ("draft", "pending", "approved", "returned")}
    cfg = alembic_config(db)
    try:
        command.downgrade(cfg, "0010")
        with get_engine().connect() as conn:
            assert "workflow_instance" not in {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type='table'" if conn.dialect.name == "sqlite"
                else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
    finally:
        command.upgrade(cfg, "head")
    assert instances() == {org_id: status for status, org_id in ids.items()}
    registration.approve(make_admin("320102"), ids["pending"])
    with session_scope(read=True) as s:
        status = dict(s.execute(select(Organisation.id, Organisation.status)).all())
    assert status == instances() and status[ids["pending"]] == "approved"
