"""Who may manage whose account (用户管理): the rank model, once, as a rule and as SQL.

An account manager acts only on accounts of LOWER rank inside their jurisdiction:

* a region administrator (national / province / city / county) manages the accounts of
  enterprises and service providers (and their staff) whose organisation lies in the
  jurisdiction, and administrators of a lower level whose region lies in it;
* the system administrator (sysadmin) manages every account except other system administrators;
* nobody manages a peer (same level), a superior, an account holding a role outside their table
  below (工信厅终审, platform operators, experts, assessors: other roles' reviewers, whose rights
  the administrator does not hold), or themselves — one's own password is changed only in
  个人中心, with the old password.

An account with several roles is manageable only if every one of its roles is. ``can_manage``
decides for one account (every action checks it); ``manageable_clause`` is the same rule as a
WHERE clause, so a search never lists an account its actions would refuse.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, select, union
from sqlalchemy.orm import Session, aliased

from db.account import Account, AccountRole
from db.organisation import Organisation
from db.reference import Region
from services.core.permissions import P_ACCOUNT_MANAGE, ROLES, Actor, RegionPath, in_jurisdiction
from services.reference import region_path
from services.core.scope import org_clause, region_clause

ORG_ROLES = frozenset({"enterprise", "provider", "provider_staff"})

# Actor role -> the roles of the accounts it may manage (inside its jurisdiction).
MANAGES: dict[str, frozenset[str]] = {
    "sysadmin": frozenset(ROLES) - {"sysadmin"},
    "admin_national": ORG_ROLES | {"admin_province", "admin_city", "admin_county"},
    "admin_province": ORG_ROLES | {"admin_city", "admin_county"},
    "admin_city": ORG_ROLES | {"admin_county"},
    "admin_county": ORG_ROLES,
}

def manageable_roles(actor: Actor) -> frozenset[str]:
    """Return the roles whose accounts ``actor`` may manage (empty without the permission)."""
    if P_ACCOUNT_MANAGE not in actor.permissions:
        return frozenset()
    out: set[str] = set()
    for role in actor.roles:
        out |= MANAGES.get(role, frozenset())
    return frozenset(out)


def can_manage(actor: Actor, account_id: int, roles: frozenset[str] | set[str], path: RegionPath) -> bool:
    """Return True if ``actor`` may view and change the account ``account_id``.

    ``roles``: the account's roles; ``path``: where it belongs (``account_path``).
    """
    allowed = manageable_roles(actor)
    if not allowed or account_id == actor.account_id or not set(roles) <= allowed:
        return False
    return in_jurisdiction(actor, path)


def account_path(session: Session, account: Account) -> RegionPath:
    """Return where an account belongs: its organisation's region, else its own jurisdiction
    (administrators, 终审), else nowhere regional (platform staff: only national scope reaches them)."""
    org = session.get(Organisation, account.org_id) if account.org_id else None
    return region_path(org.region_code if org else account.region_code)


def manageable_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the condition on ``Account`` selecting exactly the accounts ``can_manage`` allows.

    The jurisdiction is two id lists unioned (accounts of organisations inside it; accounts
    without an organisation whose region lies inside it), each using its own index — an OR
    across the joins made SQLite scan every account.
    """
    allowed = manageable_roles(actor)
    if not allowed:
        return false()
    # correlated: one primary-key seek per candidate (account_role has no index on role_code to list them)
    no_other_role = ~exists(select(AccountRole.account_id)
                            .where(AccountRole.account_id == Account.id, AccountRole.role_code.not_in(allowed)))
    base = and_(Account.id != actor.account_id, no_other_role)
    if actor.is_national:
        return base
    admin_region = aliased(Region)
    ids = union(select(Account.id).join(Organisation, Organisation.id == Account.org_id).where(org_clause(actor)),
                select(Account.id).join(admin_region, admin_region.code == Account.region_code)
                .where(Account.org_id.is_(None), region_clause(actor, admin_region)))
    return and_(base, Account.id.in_(select(ids.subquery().c.id)))
