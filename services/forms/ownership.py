"""Who owns a definition, who may change it, who sees it and which organisations it reaches.

Every definition (questionnaire, assessment model, report form — any kind) has an owner scope:
national (``owner_region`` NULL) or one region (a province, city or county adcode), set when it is
created from the creator's jurisdiction; files shipped under ``specs/`` are national.

- **change** (publish, update a draft, stop, save a new version, import over it): an administrator
  holding 问卷设计 whose jurisdiction contains the owner region — the owner's level or above, on
  the path to it. A national definition: national administrators and the system administrator only.
- **see** (the designer's list, copying, 问卷结果): definitions on the actor's own path — national
  ones, those of the regions above the actor and those inside the jurisdiction; another
  province's definitions are not listed.
- **copy**: whoever cannot change the original gets a new definition of their own scope (a new
  code), never a new version of someone else's definition.
- **reach**: a national definition reaches every organisation; a regional one only organisations
  inside that region (在线填报, the monthly report's questionnaires, opening a response).

This module is the one place these rules are written.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from db.forms import FormDefinition
from db.organisation import Organisation
from db.reference import Region
from services.core.errors import PermissionDenied
from services.core.permissions import P_FORMS_DESIGN, Actor, has_perm, in_jurisdiction
from services.reference import region_ancestors, region_full_name, region_path
from services.core.scope import region_clause

CHANGE_VERBS = "发布、修改、停用或新建版本"


def owner_label(owner_region: str | None) -> str:
    """Return the owner scope as users read it: 全国, 江苏省, 江苏省 / 南京市 …"""
    return region_full_name(owner_region)


def scope_of(actor: Actor) -> str | None:
    """Return the owner scope a definition created by ``actor`` gets (None = national)."""
    return actor.region_code


def can_change(actor: Actor, owner_region: str | None) -> bool:
    """Return True if ``actor`` may publish, update, stop or version a definition of this owner scope."""
    if owner_region is None:
        return has_perm(actor, P_FORMS_DESIGN) and actor.region_code is None and actor.is_national
    return has_perm(actor, P_FORMS_DESIGN, region=region_path(owner_region))


def require_change(actor: Actor, definition: FormDefinition, action: str) -> None:
    """Raise ``PermissionDenied`` (naming the definition, its owner and the way out) unless ``can_change``."""
    if can_change(actor, definition.owner_region):
        return
    label = owner_label(definition.owner_region)
    who = "国家级管理员（或系统管理员）" if definition.owner_region is None else f"{label}及其上级的管理员"
    raise PermissionDenied(f"无权{action}定义「{definition.title}」（{definition.code}）：该定义属于{label}，"
                           f"只有{who}可以{CHANGE_VERBS}。如需调整，请「复制为新草稿」，"
                           f"将得到{owner_label(scope_of(actor))}自己的定义。")


def can_see(actor: Actor, owner_region: str | None) -> bool:
    """Return True if the definition lies on the actor's path (see the module docstring)."""
    if owner_region is None:
        return True
    if actor.region_code is None:
        return actor.is_national
    above = {n.code for n in region_ancestors(actor.region_code)}
    return owner_region in above or in_jurisdiction(actor, region_path(owner_region))


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the condition selecting the definitions ``can_see`` admits, as SQL."""
    if actor.region_code is None:
        return true() if actor.is_national else FormDefinition.owner_region.is_(None)
    above = [n.code for n in region_ancestors(actor.region_code)]
    inside = select(Region.code).where(region_clause(actor, Region))
    return or_(FormDefinition.owner_region.is_(None), FormDefinition.owner_region.in_(above),
               FormDefinition.owner_region.in_(inside))


def reach_clause(org: Organisation) -> ColumnElement[bool]:
    """Return the condition selecting the definitions that reach this organisation."""
    path = [c for c in (org.province_code, org.city_code, org.county_code) if c]
    return or_(FormDefinition.owner_region.is_(None), FormDefinition.owner_region.in_(path))


def reaches(definition: FormDefinition, org: Organisation) -> bool:
    """Return True if the definition reaches this organisation (national, or the organisation is inside)."""
    owner = definition.owner_region
    return owner is None or owner in (org.province_code, org.city_code, org.county_code)


def copy_code(session: Session, code: str, owner_region: str | None) -> str:
    """Return a free code for a copy of ``code`` owned by ``owner_region``: ``code_320000``, ``code_320000_2`` …"""
    suffix = f"_{owner_region or 'cn'}"
    return free_code(session, code[:64 - len(suffix) - 3] + suffix)


def free_code(session: Session, base: str) -> str:
    """Return ``base`` if no definition has that code, else ``base_2``, ``base_3`` …"""
    taken = set(session.scalars(select(FormDefinition.code).where(FormDefinition.code.like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate
