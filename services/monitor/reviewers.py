"""The review chain's people: each administrator's upper administrator, enterprises' direct
reviewers (直接授权审核员), the 一键接收 / 越级接收 grants, and subordinate administrators.

An administrator's upper administrator is the first administrator found in the regions above
theirs (county → city → province → national). ``sync_reviewers`` keeps one ``monitor_reviewer``
row per administrator account; it runs at start-up and whenever administrators are created.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.account import Account, AccountRole
from db.engine import session_scope
from db.monitor import MonitorAssignment, MonitorReport, MonitorReviewer
from db.organisation import Organisation
from services.core import audit
from services.identity.accounts import create_account
from services.core.errors import NotFound, PermissionDenied, ValidationFailed
from services.core.permissions import ADMIN_ROLE_BY_LEVEL, P_ACCOUNT_MANAGE, P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.reference import region, region_ancestors, region_path

ADMIN_ROLES = set(ADMIN_ROLE_BY_LEVEL.values())
LEVEL_NAME = {"county": "区县", "city": "市", "province": "省", "national": "国家"}
NEXT_LEVEL = {"national": "province", "province": "city", "city": "county"}


@dataclass(frozen=True)
class ReviewerView:
    account_id: int
    username: str
    name: str
    level: str
    region_code: str | None
    region_name: str
    parent_id: int | None
    bulk_accept: bool
    skip_level: bool


def level_of(region_code: str | None) -> str:
    node = region(region_code) if region_code else None
    return node.level if node else "national"


def _admins(session: Session) -> dict[int, Account]:
    q = select(Account).join(AccountRole).where(AccountRole.role_code.in_(ADMIN_ROLES), Account.status == "active")
    return {a.id: a for a in session.scalars(q.order_by(Account.id))}


def sync_reviewers(session: Session) -> int:
    """Give every administrator a reviewer row with their upper administrator; return how many were added."""
    admins = _admins(session)
    known = {r.account_id for r in session.scalars(select(MonitorReviewer))}
    by_region: dict[str | None, int] = {}
    for a in admins.values():
        by_region.setdefault(a.region_code, a.id)
    added = 0
    for a in sorted(admins.values(), key=lambda x: len(x.region_code or "")):
        if a.id in known:
            continue
        parent = None
        if a.region_code is not None:
            above = [n.code for n in region_ancestors(a.region_code)][:-1][::-1] + [None]
            parent = next((by_region[c] for c in above if c in by_region and by_region[c] != a.id), None)
        session.add(MonitorReviewer(account_id=a.id, parent_id=parent, level=level_of(a.region_code),
                                    region_code=a.region_code))
        added += 1
    session.flush()
    return added


def direct_reviewer(session: Session, org: Organisation) -> int:
    """Return the organisation's direct reviewer, assigning the administrator of its county (or the
    nearest region above with one) the first time."""
    reviewer = direct_reviewers(session, [org]).get(org.id)
    if reviewer is None:
        raise ValidationFailed({"审核员": [NO_REVIEWER]})
    return reviewer


NO_REVIEWER = "审核员：所在地区尚无管理员，暂不能上报，请联系上级管理员。"


def direct_reviewers(session: Session, orgs: Iterable[Organisation], assign: bool = True) -> dict[int, int]:
    """Return {org id: direct reviewer} for many organisations in a few queries (an organisation whose
    regions have no administrator is left out). ``assign``: record first-time assignments (in a read
    scope pass False: the reviewer is computed, nothing written)."""
    orgs = list(orgs)
    out: dict[int, int] = {}
    ids = [o.id for o in orgs]
    for i in range(0, len(ids), 500):
        out.update(dict(session.execute(select(MonitorAssignment.org_id, MonitorAssignment.reviewer_id)
                                        .where(MonitorAssignment.org_id.in_(ids[i:i + 500]))).tuples().all()))
    todo = [o for o in orgs if o.id not in out]
    if not todo:
        return out
    wanted = {c for o in todo for c in (o.county_code, o.city_code, o.province_code) if c}
    rows: dict[str | None, int] = {}
    for r in session.scalars(select(MonitorReviewer).where(MonitorReviewer.region_code.in_(wanted)
                                                           | MonitorReviewer.region_code.is_(None))
                             .order_by(MonitorReviewer.account_id.desc())):
        rows[r.region_code] = r.account_id
    new = []
    for o in todo:
        codes = [c for c in (o.county_code, o.city_code, o.province_code) if c] + [None]
        reviewer = next((rows[c] for c in codes if c in rows), None)
        if reviewer is not None:
            out[o.id] = reviewer
            new.append({"org_id": o.id, "reviewer_id": reviewer})
    if assign and new:
        session.execute(insert(MonitorAssignment), new)
    return out


def reviewer_row(session: Session, account_id: int) -> MonitorReviewer:
    row = session.get(MonitorReviewer, account_id)
    if row is None:
        sync_reviewers(session)
        row = session.get(MonitorReviewer, account_id)
    if row is None:
        raise PermissionDenied("您不是运行监测的审核管理员。")
    return row


def subtree(session: Session, account_id: int) -> set[int]:
    """Return the administrator and every administrator below them in the chain."""
    children: dict[int, list[int]] = {}
    for r in session.scalars(select(MonitorReviewer)):
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.account_id)
    out, todo = set(), [account_id]
    while todo:
        a = todo.pop()
        if a not in out:
            out.add(a)
            todo.extend(children.get(a, []))
    return out


def _view(session: Session, r: MonitorReviewer) -> ReviewerView:
    a = session.get(Account, r.account_id)
    assert a is not None
    node = region(r.region_code) if r.region_code else None
    return ReviewerView(a.id, a.username, a.display_name or a.username, r.level, r.region_code,
                        node.name if node else "全国", r.parent_id, r.bulk_accept, r.skip_level)


def me(actor: Actor) -> ReviewerView:
    with session_scope() as session:
        return _view(session, reviewer_row(session, actor.account_id))


def subordinates(actor: Actor) -> list[ReviewerView]:
    """Return the administrators below the actor in the chain (all levels)."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        ids = subtree(session, reviewer_row(session, actor.account_id).account_id) - {actor.account_id}
        rows = session.scalars(select(MonitorReviewer).where(MonitorReviewer.account_id.in_(ids)))
        return sorted((_view(session, r) for r in rows), key=lambda v: (v.region_code or "", v.username))


def grant(actor: Actor, account_id: int, bulk_accept: bool, skip_level: bool) -> None:
    """Grant or withdraw 一键接收 / 越级接收 for an administrator below the actor (越级接收: provinces only)."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        reviewer_row(session, actor.account_id)
        if account_id == actor.account_id or account_id not in subtree(session, actor.account_id):
            raise PermissionDenied("只能为下级管理员授权。")
        row = reviewer_row(session, account_id)
        if skip_level and row.level != "province":
            raise ValidationFailed({"越级接收": ["越级接收：只能授权给省级管理员。"]})
        before = {"bulk_accept": row.bulk_accept, "skip_level": row.skip_level}
        row.bulk_accept, row.skip_level, row.granted_by = bulk_accept, skip_level, actor.account_id
        audit.record(session, actor.account_id, "monitor.grant", "account", account_id,
                     {"before": before, "after": {"bulk_accept": bulk_accept, "skip_level": skip_level}})


def create_subordinate(actor: Actor, username: str, password: str, region_code: str, display_name: str = "",
                       phone: str | None = None) -> int:
    """Create an administrator for a region one level below the actor's; they report to the actor.

    One transaction: a username taken meanwhile (a unique violation at commit) leaves nothing behind
    and reaches the page as a ``Conflict`` with a Chinese message (``services.core.errors.as_service_error``)."""
    require(actor, P_ACCOUNT_MANAGE)
    require(actor, P_MONITOR_REVIEW)
    node = region(region_code)
    if node is None or node.level != NEXT_LEVEL.get(level_of(actor.region_code)) or \
            not in_jurisdiction(actor, region_path(region_code)):
        raise ValidationFailed({"所在地区": ["所在地区：只能为本辖区内下一级地区创建管理员。"]})
    with session_scope() as session:  # the account, its place in the chain and the audit row: one transaction
        account_id = create_account(username, password, [ADMIN_ROLE_BY_LEVEL[node.level]], region_code=region_code,
                                    display_name=display_name or f"{node.name}管理员", phone=phone, session=session)
        session.add(MonitorReviewer(account_id=account_id, parent_id=actor.account_id, level=node.level,
                                    region_code=region_code))
        audit.record(session, actor.account_id, "monitor.subordinate_created", "account", account_id,
                     {"region": region_code})
    return account_id


def change_reviewer(actor: Actor, org_ids: Iterable[int], reviewer_id: int) -> int:
    """Move enterprises (and all their report months) to another direct reviewer; return how many.

    The new reviewer's region must cover every enterprise, and both must lie in the actor's
    jurisdiction. Reports the old reviewer still holds move with them."""
    require(actor, P_MONITOR_REVIEW)
    ids = list(dict.fromkeys(org_ids))
    with session_scope() as session:
        mine = subtree(session, reviewer_row(session, actor.account_id).account_id)
        target = session.get(MonitorReviewer, reviewer_id)
        if target is None or reviewer_id not in mine:
            raise NotFound("未找到该审核员，或其不在您的管辖范围内。")
        target_actor_region = target.region_code
        orgs = list(session.scalars(select(Organisation).where(Organisation.id.in_(ids))))
        for org in orgs:
            path = region_path(org.region_code)
            if not in_jurisdiction(actor, path):
                raise NotFound("未找到所选企业。")
            if target_actor_region is not None and target_actor_region not in (path.province_code, path.city_code,
                                                                                path.county_code):
                raise ValidationFailed({"审核员": [f"审核员：企业「{org.name}」不在该审核员的管辖地区内。"]})
        for org in orgs:
            old = direct_reviewer(session, org)
            session.get(MonitorAssignment, org.id).reviewer_id = reviewer_id  # type: ignore[union-attr]
            session.execute(update(MonitorReport).where(MonitorReport.org_id == org.id, MonitorReport.holder_id == old,
                                                        MonitorReport.status == "reviewing", MonitorReport.acted.is_(False))
                            .values(holder_id=reviewer_id, holder_level=target.level,
                                    row_version=MonitorReport.row_version + 1))
            session.execute(update(MonitorReport).where(MonitorReport.org_id == org.id)
                            .values(reviewer_id=reviewer_id, row_version=MonitorReport.row_version + 1))
            audit.record(session, actor.account_id, "monitor.reviewer_changed", "organisation", org.id,
                         {"from": old, "to": reviewer_id})
        return len(orgs)
