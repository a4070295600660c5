"""Demo monthly reports (services/monitor/demo.py): every state, consistent history, balance checks."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.forms import AnswerValue, FormDefinition, FormResponse
from db.monitor import MonitorReport, MonitorReviewer
from db.workflow import WorkflowInstance, WorkflowTransition
from db.account import Account
from services.core.demo import DEMO_PASSWORD, seed_demo
from services.forms import definitions, responses
from services.forms.engine import evaluate
from services.monitor import review, workflow
from services.monitor.demo import seed_reports
from services.monitor.reports import current_period
from services.monitor.workflow import response_status
from tests.factories import actor_of


@pytest.fixture
def seeded(db: str) -> int:
    definitions.sync_specs()
    seed_demo(150, seed=11)
    return seed_reports(share=0.25)


def test_every_state_and_level_is_present(seeded: int) -> None:
    assert seeded > 200
    with session_scope() as s:
        reports = list(s.scalars(select(MonitorReport)))
        statuses = Counter(r.status for r in reports)
        assert set(statuses) == {"editing", "frozen", "unfrozen", "reviewing", "returned", "accepted"}
        assert statuses["accepted"] > len(reports) / 2
        assert {r.holder_level for r in reports if r.status == "reviewing"} == {"county", "city", "province", "national"}
        actions = set(s.scalars(select(WorkflowTransition.action).distinct()))
        assert {"report", "accept", "bulk_accept", "final_accept", "return", "revoke", "freeze", "unfreeze"} <= actions
        assert all(r.return_reason for r in reports if r.status == "returned")
        assert all(r.frozen_changes.get("org_name") for r in reports if r.status == "frozen")
        assert any(r.screening_passed is False and r.warning_count for r in reports)
        months = Counter(r.org_id for r in reports)
        assert max(months.values()) == 12 and min(months.values()) < 12  # some months unfilled
        demo_org = s.scalar(select(Account.org_id).where(Account.username == "qiye_demo"))
        assert current_period() not in {r.period for r in reports if r.org_id == demo_org}  # left for the demo user
        # The engine's status, the last history row and the holder agree for every report.
        status_of = dict(s.execute(select(FormResponse.id, FormResponse.status)).all())
        last = {t.report_id: t for t in s.execute(workflow.steps().order_by(WorkflowTransition.id))}
        instance = {i.subject_id: i for i in s.scalars(select(WorkflowInstance).where(
            WorkflowInstance.subject_type == "monitor_report"))}
        for r in reports:
            assert status_of[r.response_id] == response_status(r)
            if r.id in last:
                assert (last[r.id].to_state, last[r.id].to_holder) == (r.status, r.holder_id)
            else:
                assert r.status == "editing"
            assert (instance[r.id].state, instance[r.id].holder_id, instance[r.id].holder_level) == \
                (r.status, r.holder_id, r.holder_level)
        # Submitted reports have typed answer rows and answered questionnaires.
        submitted = [r for r in reports if r.submitted_at is not None]
        typed = set(s.scalars(select(AnswerValue.response_id).distinct()))
        assert all(r.response_id in typed for r in submitted)
        surveys = s.scalar(select(func.count()).select_from(FormResponse).join(FormDefinition)
                           .where(FormDefinition.kind == "survey", FormResponse.status == "submitted"))
        assert surveys >= len(submitted)
        nj = s.scalar(select(MonitorReviewer).join(Account, Account.id == MonitorReviewer.account_id)
                      .where(Account.username == "admin_nj"))
        js = s.scalar(select(MonitorReviewer).join(Account, Account.id == MonitorReviewer.account_id)
                      .where(Account.username == "admin_js"))
        assert nj is not None and js is not None
        assert (nj.bulk_accept, nj.skip_level, js.bulk_accept, js.skip_level) == (True, False, True, True)


def test_county_queue_is_not_empty_and_seeding_is_idempotent(seeded: int) -> None:
    xw = actor_of("admin_xw", DEMO_PASSWORD)
    total, rows = review.queue(xw)
    assert total > 0 and all(r.waiting_for_me for r in rows)
    with session_scope() as s:
        before = s.scalar(select(func.count()).select_from(MonitorReport))
    assert seed_reports(share=0.25) == 0
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(MonitorReport)) == before


def test_balance_checks_pass_on_a_typical_month(seeded: int) -> None:
    """Re-evaluate one month's reports with the engine's own context: the recorded warnings are what
    the engine says, and most reports pass every balance check."""
    period = responses.previous_period(responses.previous_period(responses.previous_period(current_period())))
    with session_scope() as s:
        rows = list(s.execute(select(MonitorReport, FormResponse).join(FormResponse, FormResponse.id == MonitorReport.response_id)
                              .where(MonitorReport.period == period, MonitorReport.submitted_at.is_not(None))))
        assert len(rows) > 15
        clean = 0
        checked_with_previous = 0
        for report, response in rows:
            d = definitions.definition_for_version(response.version_id, s)
            ctx = responses.context_for(s, response)
            ev = evaluate(d, responses.answers_of(s, response.id), ctx)
            assert not ev.errors()
            assert [w.message for w in ev.warnings()] == [w["message"] for w in response.warnings]
            assert report.screening_passed is (not ev.warnings())
            clean += not ev.warnings()
            checked_with_previous += ctx.previous is not None
        assert clean >= 0.75 * len(rows)  # a few deliberate slips (about one report in sixteen)
        assert checked_with_previous >= 0.7 * len(rows)  # the month-to-month checks really ran
