"""Shared set-up for monitoring tests: the published report form, a four-level chain of
administrators (national → 江苏 → 南京 → 玄武) and an approved enterprise in 玄武区."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from db.engine import session_scope
from services.forms import definitions, responses
from services.monitor import reports, reviewers
from services.core.permissions import Actor
from tests.factories import make_admin, make_enterprise_user

# A consistent month: every required row filled, all balance checks satisfied.
GOOD = {"output": (100, 1000, 90, 900), "export": (10, 100, 9, 90), "power": (5000, 50000, 4800, 48000),
        "capacity": (80, 80, 78, 78), "revenue": (120, 1200, 100, 1000), "cost": (90, 900, 80, 800),
        "loans": (0, 0, 0, 0), "finance_cost": (1, 10, 1, 10), "receivables": (50, 500, 40, 400),
        "finished_goods": (20, 200, 15, 150), "profit": (10, 100, 8, 80), "taxes": (2, 20, 2, 18),
        "employees": (120, 120, 118, 118), "overdue_receivables": (5, 5, 4, 4), "payroll": (30, 30, 28, 28),
        "assets": (3000, 3000, 2800, 2800), "liabilities": (1500, 1500, 1400, 1400), "fixed_investment": (0, 0, 0, 0)}


def indicators(overrides: dict[str, tuple[Any, Any, Any, Any]] | None = None, period: str | None = None) -> dict[str, Any]:
    """The 主要经济指标 answer: GOOD (made consistent for January, where 1-本月 is 本月) plus ``overrides``."""
    good = {k: (m, m, lm, lm) for k, (m, _, lm, _) in GOOD.items()} if period and period.endswith("-01") else GOOD
    rows = {**good, **(overrides or {})}
    return {"ind": {k: {"cur_m": v[0], "cur_ytd": v[1], "ly_m": v[2], "ly_ytd": v[3]} for k, v in rows.items()}}


@dataclass
class Chain:
    cn: Actor
    js: Actor
    nj: Actor
    xw: Actor
    ent: Actor
    org_id: int


@pytest.fixture
def chain(db: str) -> Chain:
    definitions.sync_specs()
    cn, js, nj, xw = make_admin(None), make_admin("320000"), make_admin("320100"), make_admin("320102")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    ent, org_id = make_enterprise_user("320102")
    return Chain(cn, js, nj, xw, ent, org_id)


def save(actor: Actor, report_id: int, section: str, data: dict[str, Any]) -> None:
    """Save one section as the enterprise (complete), using the section's current version."""
    from services.monitor.review import detail
    rid = detail(actor, report_id).response_id
    view = responses.get_response(actor, rid)
    base = view.sections[section].version if section in view.sections else 0
    responses.save_section(actor, rid, section, data, base, base_data=view.answers)


def answer_questionnaires(actor: Actor, report_id: int) -> None:
    for q in reports.questionnaires(actor, report_id):
        rid = reports.open_questionnaire(actor, report_id, q.version_id)
        answers = {"orders": "up", "costs": "flat", "funding": "ok", "problems": ["none"], "affected": "0"}
        d = definitions.definition_for_version(q.version_id)
        own = {k: v for k, v in answers.items() if k in {x.name for x in d.questions()}}
        responses.save_section(actor, rid, d.sections[0].name, own, 0)
        responses.submit(actor, rid)


def filled(actor: Actor, period: str, overrides: dict[str, tuple[Any, Any, Any, Any]] | None = None) -> int:
    """Open and fill a month completely (questionnaires answered); return the report id."""
    report_id = reports.open_report(actor, period)
    save(actor, report_id, "basic", {**_basic(actor, report_id)})
    save(actor, report_id, "indicators", indicators(overrides, period))
    save(actor, report_id, "products", {"products": []})
    answer_questionnaires(actor, report_id)
    return report_id


def _basic(actor: Actor, report_id: int) -> dict[str, Any]:
    from services.monitor.review import detail
    return {k: v for k, v in detail(actor, report_id).answers.items()
            if k in ("org_name", "credit_code", "industry", "reporter", "reporter_phone")}
