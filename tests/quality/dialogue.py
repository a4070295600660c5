"""Set-up shared by the dialogue tests: the published model, an enterprise with a completed
self-assessment, and agencies with their assessors."""
from __future__ import annotations

import itertools

from db.assessment import AssessmentAttempt
from db.base import utcnow
from db.engine import session_scope
from services.assessment import flow, quality
from services.core.permissions import Actor
from services.forms import definitions
from services.identity.accounts import create_account
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user, make_org
from tests.quality.shipped import raw

_seq = itertools.count(1)


def publish_model() -> None:
    national = make_admin(None)
    definitions.publish(national, definitions.save_draft(national, raw()))


def attempt(user: Actor, completed: bool = True, tier: int = 2) -> int:
    """Start a self-assessment; ``completed``: mark it completed as graded.submit would (the submit path
    is tested in tests/quality/test_graded.py)."""
    aid = flow.start(quality.KIND, user, [])
    if completed:
        with session_scope() as s:
            row = s.get(AssessmentAttempt, aid)
            assert row is not None
            row.status, row.completed_at, row.tier, row.current_section = "completed", utcnow(), tier, "done"
    return aid


def enterprise() -> tuple[Actor, int]:
    user, _org = make_enterprise_user("320102", background=False)
    return user, attempt(user)


def colleague(org_actor: Actor) -> Actor:
    """A second account of the same enterprise."""
    name = f"qd{next(_seq):04d}"
    create_account(name, PASSWORD, ["enterprise"], org_id=org_actor.org_id, phone="13800000001")
    return actor_of(name)


def agency(status: str = "approved") -> int:
    return make_org("320102", status=status, kind="agency", name=f"测试评估机构{next(_seq)}")


def assessor(agency_id: int | None) -> Actor:
    name = f"ps{next(_seq):04d}"
    create_account(name, PASSWORD, ["assessor"], org_id=agency_id, display_name=f"评估师{name}")
    return actor_of(name)
