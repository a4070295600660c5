"""Roles, named permissions and the one function that checks them.

Roles come from the five manuals. A permission is a dotted string; a role grants a set of them.
``has_perm`` answers for a permission and, optionally, an object's region (jurisdiction).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.core.errors import PermissionDenied

# --- the permission catalogue -------------------------------------------------------------
P_PROFILE = "account.profile"              # view/edit own profile and password
P_ORG_OWN = "org.manage_own"               # fill and submit own organisation registration
P_ORG_REVIEW = "org.review"                # review registrations in jurisdiction
P_ORG_VIEW = "org.view"                    # view organisations in jurisdiction
P_ORG_EDIT = "org.edit"                    # correct organisations' registration details in jurisdiction
P_ACCOUNT_MANAGE = "account.manage"        # manage accounts in jurisdiction
P_AUDIT_VIEW = "audit.view"                # read the audit log in jurisdiction
P_SYSTEM = "system.admin"                  # platform-wide settings, all accounts
P_DIAG_FILL = "selfdiag.fill"              # CMMM self-diagnosis (issue 4)
P_DIAG_ADMIN = "selfdiag.admin"            # CMMM admin queries (issue 4)
P_STATS_VIEW = "stats.view"                # dashboards (issue 5)
P_MONITOR_REPORT = "monitor.report"        # monthly monitoring report (issue 6)
P_MONITOR_REVIEW = "monitor.review"        # monthly monitoring review chain (issue 6)
P_MARKET_SELL = "market.sell"              # provider listings (marketplace)
P_MARKET_BUY = "market.buy"                # enterprise orders (marketplace)
P_MARKET_OPERATE = "market.operate"        # operator first review
P_MARKET_EXPERT = "market.expert_review"   # expert review
P_MARKET_FINAL = "market.final_review"     # provincial department final review
P_QUALITY_FILL = "quality.fill"            # quality self-assessment
P_QUALITY_ASSESS = "quality.assess"        # assessor comments / evaluation
P_QUALITY_ADMIN = "quality.admin"          # quality self-assessment list and tier statistics in jurisdiction
P_FORMS_DESIGN = "forms.design"            # author, publish, copy and stop definitions
P_FORMS_FILL = "forms.fill"                # answer published questionnaires for one's organisation
P_FORMS_RESULTS = "forms.results"          # view, analyse and export responses in jurisdiction

_ADMIN = {P_PROFILE, P_ORG_REVIEW, P_ORG_VIEW, P_ORG_EDIT, P_ACCOUNT_MANAGE, P_AUDIT_VIEW, P_DIAG_ADMIN,
          P_STATS_VIEW, P_MONITOR_REVIEW, P_FORMS_RESULTS, P_QUALITY_ADMIN}


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    scope: str  # "org": bound to an organisation; "region": bound to a jurisdiction; "none"
    permissions: frozenset[str] = field(default_factory=frozenset)


ROLES: dict[str, RoleDef] = {r.code: r for r in [
    RoleDef("enterprise", "企业用户", "org", frozenset({P_PROFILE, P_ORG_OWN, P_DIAG_FILL, P_MONITOR_REPORT,
                                                      P_MARKET_BUY, P_QUALITY_FILL, P_FORMS_FILL})),
    RoleDef("provider", "服务商", "org", frozenset({P_PROFILE, P_ORG_OWN, P_MARKET_SELL, P_FORMS_FILL})),
    RoleDef("provider_staff", "服务商员工", "org", frozenset({P_PROFILE, P_MARKET_SELL})),
    RoleDef("expert", "专家", "none", frozenset({P_PROFILE, P_MARKET_EXPERT})),
    RoleDef("operator", "平台运营人员", "none", frozenset({P_PROFILE, P_MARKET_OPERATE, P_ORG_VIEW})),
    RoleDef("admin_national", "国家级管理员", "region", frozenset(_ADMIN | {P_FORMS_DESIGN})),
    RoleDef("admin_province", "省级管理员", "region", frozenset(_ADMIN | {P_FORMS_DESIGN})),
    RoleDef("admin_city", "市级管理员", "region", frozenset(_ADMIN)),
    RoleDef("admin_county", "区县管理员", "region", frozenset(_ADMIN)),
    RoleDef("final_reviewer", "工信厅终审", "region", frozenset({P_PROFILE, P_MARKET_FINAL, P_ORG_VIEW})),
    RoleDef("assessor", "评估机构/评估师", "none", frozenset({P_PROFILE, P_QUALITY_ASSESS})),
    RoleDef("sysadmin", "系统管理员", "none", frozenset({P_PROFILE, P_SYSTEM, P_ACCOUNT_MANAGE, P_ORG_VIEW, P_ORG_EDIT,
                                                      P_ORG_REVIEW, P_AUDIT_VIEW, P_STATS_VIEW, P_FORMS_DESIGN,
                                                      P_FORMS_RESULTS})),
]}

ADMIN_ROLE_BY_LEVEL = {None: "admin_national", "province": "admin_province", "city": "admin_city",
                       "county": "admin_county"}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a plain value built from the account, safe to keep between reruns."""

    account_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    permissions: frozenset[str]
    org_id: int | None = None
    region_code: str | None = None     # jurisdiction root; None with an admin role = national
    region_level: str | None = None    # province / city / county

    @property
    def is_national(self) -> bool:
        return self.region_code is None and bool(self.roles & {"admin_national", "sysadmin", "operator", "expert"})


def permissions_for(roles: set[str] | frozenset[str]) -> frozenset[str]:
    """Return the union of the permissions granted by ``roles``."""
    out: set[str] = set()
    for code in roles:
        if code in ROLES:
            out |= ROLES[code].permissions
    return frozenset(out)


def in_jurisdiction(actor: Actor, path: "RegionPath") -> bool:
    """Return True if an object at region ``path`` lies inside the actor's jurisdiction."""
    if actor.region_code is None:
        return actor.is_national
    return actor.region_code in (path.province_code, path.city_code, path.county_code)


@dataclass(frozen=True)
class RegionPath:
    province_code: str | None
    city_code: str | None
    county_code: str | None


def has_perm(actor: Actor | None, perm: str, region: RegionPath | None = None, org_id: int | None = None) -> bool:
    """Return True if ``actor`` holds ``perm`` and, when given, the object is theirs to act on.

    ``region``: the object's region path — must lie in the actor's jurisdiction unless the
    actor only acts on their own organisation. ``org_id``: the object's organisation — an
    org-bound actor may act only on their own.
    """
    if actor is None or perm not in actor.permissions:
        return False
    if org_id is not None and actor.org_id is not None and actor.org_id == org_id:
        return True
    if org_id is not None and actor.org_id is not None and not (actor.roles - {"enterprise", "provider", "provider_staff"}):
        return False
    if region is not None:
        return in_jurisdiction(actor, region)
    return True


def require(actor: Actor | None, perm: str, region: RegionPath | None = None, org_id: int | None = None) -> Actor:
    """Raise ``PermissionDenied`` unless ``has_perm``; return the actor for chaining."""
    if not has_perm(actor, perm, region, org_id):
        raise PermissionDenied("无权执行此操作：超出您的权限或管辖范围。")
    assert actor is not None
    return actor
