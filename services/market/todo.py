"""我的待办 of the marketplace workbench (provider guide 4.1/4.3, enterprise guide 5.1/5.2).

- 待我审批 (``waiting_for_me``): the listing versions whose current step the actor may act on — by the
  listing approval definition's own rules (a role rule: the actor has that role; a holder rule: the
  version waits for this very account), read from ``workflow_instance`` — and the pending
  registrations the actor reviews (services/orgs/registration.review_queue: providers for the operator,
  enterprises in the jurisdiction for administrators).
- 我的申请 (``my_applications``): the actor's own organisation's registration and its listing versions,
  filtered by 创建时间区间 (China dates, both ends included), 申请名称 and 申请人 (contains).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import aliased

from clock import CHINA
from db.account import Account
from db.base import as_utc
from db.engine import session_scope
from db.market import Listing, ListingVersion
from db.organisation import Organisation
from db.workflow import WorkflowInstance
from services.core.errors import ValidationFailed
from services.core.permissions import Actor
from services.core.timefmt import china_time
from services.market import access
from services.orgs import registration
from services.workflow import definitions

LISTING = "listing_version"
KIND_LABEL = {"registration": "单位认证", LISTING: "商品发布"}
NAME_MAX = 100          # 申请名称 / 申请人 filters: longest text
LIMIT = 500


@dataclass(frozen=True)
class TodoItem:
    kind: str               # registration / listing_version
    kind_label: str         # 单位认证 / 商品发布
    id: int                 # the organisation's or the listing version's id
    name: str               # 申请名称
    status: str
    status_label: str
    applicant: str          # 申请人
    created_at: str         # China time
    org_name: str = ""


def _listing_clause(actor: Actor):  # type: ignore[no-untyped-def]
    """Instances of listing versions waiting for ``actor``, by the definition's review rules."""
    wf = definitions.get("listing_approval")
    parts: list[ColumnElement[bool]] = []
    for action in wf.actions.values():
        if action.permission is None or action.permission not in actor.permissions:
            continue
        for rule in action.who:
            states = list(rule.states or action.sources)
            if rule.kind == "role" and rule.role in actor.roles:
                parts.append(WorkflowInstance.state.in_(states))
            elif rule.kind == "holder":
                parts.append(and_(WorkflowInstance.state.in_(states), WorkflowInstance.holder_id == actor.account_id))
    return or_(*parts) if parts else false()


def waiting_for_me(actor: Actor) -> list[TodoItem]:
    """待我审批: listing versions at a step the actor may act on, then registrations the actor reviews."""
    wf = definitions.get("listing_approval")
    submitter = aliased(Account)
    out: list[TodoItem] = []
    with session_scope(read=True) as session:
        rows = session.execute(
            select(ListingVersion, WorkflowInstance.state, submitter.display_name, Organisation.name)
            .join(WorkflowInstance, and_(WorkflowInstance.subject_type == LISTING,
                                         WorkflowInstance.subject_id == ListingVersion.id))
            .join(Listing, Listing.id == ListingVersion.listing_id)
            .join(Organisation, Organisation.id == Listing.org_id)
            .outerjoin(submitter, submitter.id == WorkflowInstance.submitter_id)
            .where(_listing_clause(actor))
            .order_by(ListingVersion.submitted_at, ListingVersion.id).limit(LIMIT))
        for v, state, who, org_name in rows:
            out.append(TodoItem(LISTING, KIND_LABEL[LISTING], v.id, v.name, state, wf.label(state), who or "",
                                china_time(v.submitted_at or v.created_at), org_name))
    if registration.can_review(actor):
        for org in registration.review_queue(actor, "pending", limit=LIMIT):
            out.append(TodoItem("registration", KIND_LABEL["registration"], org.id, org.name, org.status,
                                org.status_label, org.contact_name or "", org.submitted_at or "", org.name))
    return out


def _day_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if start and end and start > end:
        raise ValidationFailed({"创建时间": ["创建时间：开始日期不能晚于结束日期。"]})
    lo = dt.datetime.combine(start, dt.time(), CHINA).astimezone(dt.timezone.utc) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.timezone.utc) if end else None
    return lo, hi


def my_applications(actor: Actor, start: dt.date | None = None, end: dt.date | None = None, name: str = "",
                    applicant: str = "") -> list[TodoItem]:
    """我的申请: the registration and the listing versions of the actor's organisation, newest first."""
    name, applicant = (name or "").strip(), (applicant or "").strip()
    for label, text in (("申请名称", name), ("申请人", applicant)):
        if len(text) > NAME_MAX:
            raise ValidationFailed({label: [f"{label}：不能超过 {NAME_MAX} 个字符。"]})
    lo, hi = _day_bounds(start, end)
    org = registration.my_org(actor)
    if org is None:
        return []
    wf = definitions.get("listing_approval")
    creator = aliased(Account)
    items: list[tuple[dt.datetime, TodoItem]] = []
    with session_scope(read=True) as session:
        row = session.get(Organisation, org.id)
        # a provider's staff account sees the listing applications only with 商品上架 or 我的商品 (应用内权限配置)
        listings_too = row is not None and (row.kind != "provider" or bool(
            access.granted_menus(session, actor, row) & {access.LIST, access.MINE}))
        stmt = (select(ListingVersion, creator.display_name)
                .join(Listing, Listing.id == ListingVersion.listing_id)
                .outerjoin(creator, creator.id == ListingVersion.created_by)
                .where(Listing.org_id == org.id))
        if lo is not None:
            stmt = stmt.where(ListingVersion.created_at >= lo)
        if hi is not None:
            stmt = stmt.where(ListingVersion.created_at < hi)
        if name:
            stmt = stmt.where(ListingVersion.name.contains(name, autoescape=True))
        if applicant:
            stmt = stmt.where(creator.display_name.contains(applicant, autoescape=True))
        if not listings_too:
            stmt = stmt.where(false())
        for v, who in session.execute(stmt.order_by(ListingVersion.id.desc()).limit(LIMIT)):
            items.append((as_utc(v.created_at) or v.created_at, TodoItem(LISTING, KIND_LABEL[LISTING], v.id, v.name, v.status,
                                                 wf.label(v.status), who or "", china_time(v.created_at), org.name)))
        applicant_name = session.scalar(select(Account.display_name).where(Account.org_id == org.id)
                                        .order_by(Account.id).limit(1)) or ""
        when = as_utc(row.submitted_at or row.created_at) if row is not None else None
        keep = (row is not None and when is not None and (lo is None or when >= lo) and (hi is None or when < hi)
                and (not name or name in org.name) and (not applicant or applicant in applicant_name))
        if keep and row is not None and when is not None:
            items.append((when, TodoItem("registration", KIND_LABEL["registration"], org.id, org.name, org.status,
                                         org.status_label, applicant_name, china_time(when), org.name)))
    items.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in items]
