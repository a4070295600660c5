"""Two reviewers at once (threads, both engines): nothing is lost or moved twice.

一键接收 runs one transaction per 1,000 reports and moves only rows still waiting for the actor;
退回 locks its report and checks the holder. Whatever the interleaving, each report ends either
returned or passed up — exactly once, with exactly the history and audit rows that says.
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from db.engine import session_scope
from db.workflow import WorkflowTransition
from services.forms import responses
from services.monitor import reports, review, reviewers, workflow
from tests.monitor.conftest import Chain
from tests.monitor.race import hold_reports, race, verify

PERIODS = [reports.current_period(), responses.previous_period(reports.current_period())]


def _held(chain: Chain, enterprises: int) -> list[int]:
    reviewers.grant(chain.js, chain.nj.account_id, bulk_accept=True, skip_level=False)
    return hold_reports(chain.nj.account_id, [(chain.xw.account_id, "320102")], enterprises, PERIODS)


def test_bulk_accept_while_the_holder_returns_some(chain: Chain) -> None:
    ids = _held(chain, 700)                       # 1,400 reports: two bulk-accept transactions
    to_return = ids[::-1][::7][:120]              # from the end, which the bulk accept reaches last
    result = race(chain.nj, chain.nj, ids, to_return)
    counts = verify(ids, result, chain.nj.account_id, chain.js.account_id)
    assert all(result.before[i] == 2 for i in ids)  # 上报, 接收 — the race added exactly one row each
    assert result.returned | result.refused == set(to_return)
    assert counts["moved"] + counts["returned"] == len(ids)
    assert review.queue(chain.nj)[0] == 0         # nothing left waiting, nothing stuck


def test_two_bulk_accepts_at_once_move_each_report_once(chain: Chain) -> None:
    ids = _held(chain, 600)
    moved: list[int] = []
    start = threading.Barrier(2)

    def accept() -> None:
        start.wait()
        moved.append(review.bulk_accept(chain.nj))

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(moved) == len(ids)
    with session_scope() as s:
        steps = workflow.steps().where(WorkflowTransition.action == "bulk_accept").subquery()
        per_report = dict(s.execute(select(steps.c.report_id, func.count()).group_by(steps.c.report_id)).all())
    assert set(per_report) == set(ids) and set(per_report.values()) == {1}
