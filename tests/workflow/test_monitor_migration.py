"""Migration 0012_monitor_workflow: the monitoring chain's history moves from monitor_transition to
workflow_transition (same rows, same order) with an instance per report in its status and holder;
the downgrade gives monitor_transition back with the same rows."""
from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import select, text

from db.engine import get_engine, session_scope
from db.monitor import MonitorReport
from db.workflow import WorkflowInstance, WorkflowTransition
from services.core.bootstrap import alembic_config
from services.monitor import reports, review, workflow
from tests.monitor.conftest import Chain, chain, filled  # noqa: F401 - the chain fixture

Step = tuple[int, int | None, str, str | None, str, int | None, int | None, str | None]


def engine_steps() -> list[Step]:
    with session_scope(read=True) as s:
        return [(t.report_id, t.actor_id, t.action, t.from_state, t.to_state, t.from_holder, t.to_holder, t.reason)
                for t in s.execute(workflow.steps().order_by(WorkflowTransition.id))]


def tables() -> set[str]:
    with get_engine().connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if conn.dialect.name == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}


def mirror_and_instances() -> tuple[dict[int, Any], dict[int, Any]]:
    with session_scope(read=True) as s:
        rows = {r.id: (r.status, r.holder_id, r.holder_level) for r in s.scalars(select(MonitorReport))}
        inst = {i.subject_id: (i.state, i.holder_id, i.holder_level) for i in s.scalars(
            select(WorkflowInstance).where(WorkflowInstance.subject_type == workflow.SUBJECT))}
    return rows, inst


def test_history_moves_both_ways_and_instances_match_the_reports(chain: Chain, db: str) -> None:  # noqa: F811
    periods = reports.period_options()
    a = filled(chain.ent, periods[0])
    reports.submit_report(chain.ent, a)
    review.accept(chain.xw, a)
    review.return_report(chain.nj, a, "营业成本偏高，请核实")
    reports.submit_report(chain.ent, a)
    b = filled(chain.ent, periods[1])
    reports.submit_report(chain.ent, b)
    reports.open_report(chain.ent, periods[2])   # never moved: no history
    before = engine_steps()
    assert len(before) == 5
    shown = review.detail(chain.xw, a).history
    cfg = alembic_config(db)
    try:
        command.downgrade(cfg, "0011_workflow")
        assert "monitor_transition" in tables()
        with get_engine().connect() as conn:
            old = [tuple(r) for r in conn.execute(text(
                "SELECT report_id, actor_id, action, from_status, to_status, from_holder, to_holder, reason "
                "FROM monitor_transition ORDER BY id"))]
            left = conn.execute(text("SELECT count(*) FROM workflow_instance WHERE subject_type = 'monitor_report'")).scalar()
        assert old == before and left == 0
    finally:
        command.upgrade(cfg, "head")
    assert "monitor_transition" not in tables()
    assert engine_steps() == before
    rows, inst = mirror_and_instances()
    assert inst == rows and len(rows) == 3          # every report, the never-moved one too
    assert review.detail(chain.xw, a).history == shown
    review.accept(chain.xw, a)                      # the chain goes on from the migrated state
    rows, inst = mirror_and_instances()
    assert inst == rows and rows[a][:2] == ("reviewing", chain.nj.account_id)
