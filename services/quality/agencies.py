"""Third-party evaluation agencies (organisations of kind ``agency``) and the assessors who work for them.

An agency's assessors are the active accounts of that organisation holding the ``assessor`` role; they
see and act on the applications sent to their agency only (services.quality.applications). The platform's
assessors — who answer 我有疑问 — are every active account holding the role (services.quality.questions)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.account import Account, AccountRole
from db.engine import session_scope
from db.organisation import Organisation
from services.core import audit
from services.core.errors import PermissionDenied
from services.core.permissions import P_QUALITY_ASSESS, Actor, require

ASSESSOR = "assessor"
AGENCY = "agency"
DEMO_AGENCY = "示例质量评估机构"


def choices(session: Session | None = None) -> list[tuple[int, str]]:
    """The agencies an enterprise may choose: approved organisations of kind agency, by name."""
    def run(s: Session) -> list[tuple[int, str]]:
        rows = s.execute(select(Organisation.id, Organisation.name).where(
            Organisation.kind == AGENCY, Organisation.status == "approved").order_by(Organisation.name))
        return [(int(i), str(n)) for i, n in rows]
    if session is not None:
        return run(session)
    with session_scope(read=True) as s:
        return run(s)


def is_agency(session: Session, org_id: int | None) -> bool:
    org = session.get(Organisation, org_id) if org_id else None
    return org is not None and org.kind == AGENCY and org.status == "approved"


def assessor_ids(session: Session, agency_id: int | None = None) -> list[int]:
    """Active assessor accounts — of one agency, or (None) all of the platform's."""
    stmt = (select(Account.id).join(AccountRole, AccountRole.account_id == Account.id)
            .where(AccountRole.role_code == ASSESSOR, Account.status == "active"))
    if agency_id is not None:
        stmt = stmt.where(Account.org_id == agency_id)
    return list(session.scalars(stmt.order_by(Account.id)))


def my_agency(session: Session, actor: Actor) -> int:
    """The agency the assessor works for, or ``PermissionDenied`` (an assessor of no approved agency)."""
    require(actor, P_QUALITY_ASSESS)
    if ASSESSOR not in actor.roles or not is_agency(session, actor.org_id):
        raise PermissionDenied("您的账户不属于任何评估机构，不能处理评估申请。请联系平台管理员。")
    assert actor.org_id is not None
    return actor.org_id


def agency_name(actor: Actor) -> str | None:
    """The name of the actor's agency (None: not an agency's assessor)."""
    with session_scope(read=True) as s:
        return s.get(Organisation, actor.org_id).name if actor.org_id and is_agency(s, actor.org_id) else None  # type: ignore[union-attr]


def seed_demo_agency() -> int:
    """Demo data only (``manage.py seed-demo`` / ``prepare`` with demo data, never production): an approved
    agency 示例质量评估机构 and the demo assessor account (``assessor``) as its member. Idempotent;
    return 1 when it made the agency, else 0."""
    with session_scope() as s:
        if s.scalar(select(Organisation.id).where(Organisation.name == DEMO_AGENCY)) is not None:
            return 0
        account = s.scalar(select(Account).where(Account.username == "assessor"))
        if account is None:
            return 0
        org = Organisation(kind=AGENCY, name=DEMO_AGENCY, region_code=None, status="approved",
                           contact_name="王评估", contact_phone="025-86000000", details={"demo": True})
        s.add(org)
        s.flush()
        account.org_id = org.id
        audit.record(s, None, "quality.demo_agency", "organisation", org.id, {"member": account.id})
        return 1
