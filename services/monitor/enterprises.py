"""监测企业管理 — the enterprises a monitoring administrator looks after: list and search, disable /
enable their accounts, delete, and 变更审核员; plus what 下级管理员维护 needs beyond reviewers.py.

The default list holds the enterprises whose direct reviewer (直接授权审核员) is the actor or an
administrator below them, and those in the actor's jurisdiction that have no direct reviewer yet
(they get the nearest administrator when they first report). Searching, acting and deleting are
limited to the actor's jurisdiction in SQL / by region path; another jurisdiction's enterprise
looks absent.

Delete (manual: 删除): only a disabled enterprise. One that reported any month or answered any
questionnaire is kept, disabled, instead — its data stays. A real delete removes the accounts and
the organisation; audit rows the accounts wrote keep their content but lose the account link (the
deletion's own audit row names the accounts).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from db.account import Account
from db.audit import AuditLog
from db.engine import session_scope
from db.forms import FormResponse
from db.monitor import MonitorAssignment, MonitorReport, MonitorReviewer
from db.organisation import Organisation
from services.core import audit
from services.identity.auth import revoke_all
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.monitor import reviewers
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.reference import region, region_children, region_full_name, region_path
from services.orgs.registration import STATUS_LABEL as REGISTRATION_LABEL
from services.core.scope import org_clause, within
from services.core.labels import STATUS

ACCOUNT_LABEL = STATUS["monitor_account"]
PAGE = 50


@dataclass(frozen=True)
class EnterpriseFilter:
    region_code: str | None = None
    keyword: str = ""        # name, credit code or username
    status: str = ""         # "" all / active / disabled (the accounts' status)
    mine: bool = True        # only the enterprises reviewed by me or my subordinate administrators


@dataclass(frozen=True)
class EnterpriseRow:
    org_id: int
    name: str
    credit_code: str
    region_name: str
    registration: str
    usernames: str
    account_status: str      # active / disabled / none
    account_label: str
    reviewer_id: int | None
    reviewer: str
    reports: int


def _orgs_with(*where: Any) -> Any:
    """Organisation ids that have an account matching ``where`` (one uncorrelated subquery)."""
    return select(Account.org_id).where(Account.org_id.is_not(None), *where)


def _where(session: Session, actor: Actor, f: EnterpriseFilter) -> list[Any]:
    require(actor, P_MONITOR_REVIEW)
    where = [Organisation.kind == "enterprise", org_clause(actor)]
    if f.region_code:
        if not in_jurisdiction(actor, region_path(f.region_code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(f.region_code, Organisation.province_code, Organisation.city_code, Organisation.county_code))
    keyword = f.keyword.strip()
    if keyword:
        like = f"%{keyword}%"
        where.append(or_(Organisation.name.like(like), Organisation.credit_code.like(like.upper()),
                         Organisation.id.in_(_orgs_with(Account.username.like(like)))))
    if f.status == "active":
        where.append(Organisation.id.in_(_orgs_with(Account.status == "active")))
    elif f.status == "disabled":
        where += [Organisation.id.in_(_orgs_with(Account.status == "disabled")),
                  Organisation.id.not_in(_orgs_with(Account.status == "active"))]
    if f.mine:  # no direct reviewer yet, or one in my team: not assigned to anyone outside it
        team = reviewers.subtree(session, reviewers.reviewer_row(session, actor.account_id).account_id)
        where.append(Organisation.id.not_in(select(MonitorAssignment.org_id)
                                            .where(MonitorAssignment.reviewer_id.not_in(team))))
    return where


def search(actor: Actor, f: EnterpriseFilter = EnterpriseFilter(), page: int = 0,
           page_size: int = PAGE, order: tuple[Any, ...] = ()) -> tuple[int, list[EnterpriseRow]]:
    """Return (total, one page) of enterprises in the actor's jurisdiction matching the filter
    (newest first unless ``order``: clauses on organisation columns)."""
    with session_scope(read=True) as session:
        where = _where(session, actor, f)
        total = session.scalar(select(func.count()).select_from(Organisation).where(*where)) or 0
        orgs = list(session.scalars(select(Organisation).where(*where).order_by(*order, Organisation.id.desc())
                                    .offset(page * page_size).limit(page_size)))
        return int(total), _rows(session, orgs)


def every(actor: Actor, f: EnterpriseFilter = EnterpriseFilter(), order: tuple[Any, ...] = (),
          chunk: int = 1000) -> Iterator[EnterpriseRow]:
    """Yield every enterprise ``search`` pages through, read in chunks in one read-only transaction."""
    with session_scope(read=True) as session:
        where = _where(session, actor, f)
        ids = session.scalars(select(Organisation.id).where(*where).order_by(*order, Organisation.id.desc())
                              .execution_options(yield_per=chunk))
        for part in ids.partitions(chunk):
            by_id = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(part)))}
            yield from _rows(session, [by_id[i] for i in part if i in by_id])
            session.expunge_all()


def _rows(session: Session, orgs: list[Organisation]) -> list[EnterpriseRow]:
    ids = [o.id for o in orgs]
    accounts: dict[int, list[Account]] = {}
    for a in session.scalars(select(Account).where(Account.org_id.in_(ids)).order_by(Account.id)):
        accounts.setdefault(a.org_id or 0, []).append(a)
    assigned = dict(session.execute(select(MonitorAssignment.org_id, MonitorAssignment.reviewer_id)
                                    .where(MonitorAssignment.org_id.in_(ids))).all())
    names = {a.id: a.display_name or a.username for a in session.scalars(
        select(Account).where(Account.id.in_(set(assigned.values()))))}
    counts = dict(session.execute(select(MonitorReport.org_id, func.count()).where(MonitorReport.org_id.in_(ids))
                                  .group_by(MonitorReport.org_id)).all())
    out = []
    for o in orgs:
        mine = accounts.get(o.id, [])
        state = "none" if not mine else "active" if any(a.status == "active" for a in mine) else "disabled"
        reviewer = assigned.get(o.id)
        out.append(EnterpriseRow(o.id, o.name, o.credit_code or "", region_full_name(o.region_code),
                                 REGISTRATION_LABEL.get(o.status, o.status), "、".join(a.username for a in mine), state,
                                 ACCOUNT_LABEL[state], reviewer, names.get(reviewer or 0, "（首次上报时确定）"),
                                 int(counts.get(o.id, 0))))
    return out


def _orgs(session: Session, actor: Actor, org_ids: Iterable[int]) -> list[Organisation]:
    """Return the enterprises, all inside the actor's jurisdiction (else NotFound: they look absent)."""
    require(actor, P_MONITOR_REVIEW)
    ids = list(dict.fromkeys(org_ids))
    if not ids:
        raise ValidationFailed({"企业": ["企业：请先勾选要操作的企业。"]})
    orgs = list(session.scalars(select(Organisation).where(Organisation.id.in_(ids), Organisation.kind == "enterprise",
                                                           org_clause(actor))))
    if len(orgs) != len(ids):
        raise NotFound("未找到所选企业，或其不在您的管辖范围内。")
    return orgs


def set_enabled(actor: Actor, org_ids: Iterable[int], enabled: bool) -> int:
    """启用 / 禁用 the enterprises' accounts (disabling signs them out everywhere); return how many changed."""
    status = "active" if enabled else "disabled"
    with session_scope() as session:
        changed = 0
        for org in _orgs(session, actor, org_ids):
            accounts = list(session.scalars(select(Account).where(Account.org_id == org.id)))
            for a in accounts:
                a.status = status
                if not enabled:
                    revoke_all(session, a.id)
            changed += bool(accounts)
            audit.record(session, actor.account_id, f"monitor.enterprise_{'enabled' if enabled else 'disabled'}",
                         "organisation", org.id, {"name": org.name, "accounts": [a.username for a in accounts]})
        return changed


def has_data(session: Session, org_id: int) -> bool:
    """Whether the enterprise ever reported a month or answered a questionnaire (any response)."""
    return bool(session.scalar(select(exists().where(MonitorReport.org_id == org_id))) or
                session.scalar(select(exists().where(FormResponse.org_id == org_id))))


def delete_enterprise(actor: Actor, org_id: int) -> str:
    """删除 a disabled enterprise: "deleted", or "kept_disabled" when it has reports or answers."""
    with session_scope() as session:
        org = _orgs(session, actor, [org_id])[0]
        accounts = list(session.scalars(select(Account).where(Account.org_id == org.id)))
        if any(a.status == "active" for a in accounts):
            raise Conflict(f"企业「{org.name}」的账户仍为正常状态：请先禁用，再删除。")
        detail = {"name": org.name, "credit_code": org.credit_code,
                  "accounts": [{"id": a.id, "username": a.username} for a in accounts]}
        if has_data(session, org.id):
            audit.record(session, actor.account_id, "monitor.enterprise_kept_disabled", "organisation", org.id,
                         {**detail, "reason": "已上报过数据或填写过调查问卷"})
            return "kept_disabled"
        ids = [a.id for a in accounts]
        from db.market import MarketFile  # its registration's licence images (企业背景信息 / 服务商背景)
        session.execute(delete(MarketFile).where(MarketFile.purpose == "license",
                                                 (MarketFile.org_id == org.id) | MarketFile.account_id.in_(ids or [0])))
        if ids:
            session.execute(update(AuditLog).where(AuditLog.actor_id.in_(ids)).values(actor_id=None))
            for a in accounts:
                session.delete(a)
            session.flush()
        session.execute(delete(MonitorAssignment).where(MonitorAssignment.org_id == org.id))
        session.delete(org)
        session.flush()
        audit.record(session, actor.account_id, "monitor.enterprise_deleted", "organisation", org_id, detail)
        return "deleted"


@dataclass(frozen=True)
class ReviewerChoice:
    account_id: int
    label: str


def reviewer_choices(actor: Actor, org_ids: Iterable[int]) -> list[ReviewerChoice]:
    """Return the administrators (the actor and those below) whose region covers every selected enterprise."""
    with session_scope(read=True) as session:
        orgs = _orgs(session, actor, org_ids)
        team = reviewers.subtree(session, reviewers.reviewer_row(session, actor.account_id).account_id)
        rows = session.execute(select(MonitorReviewer, Account).join(Account, Account.id == MonitorReviewer.account_id)
                               .where(MonitorReviewer.account_id.in_(team), Account.status == "active")
                               .order_by(MonitorReviewer.region_code, Account.username))
        out = []
        for r, a in rows:
            if all(r.region_code is None or r.region_code in (o.province_code, o.city_code, o.county_code) for o in orgs):
                place = region(r.region_code).name if r.region_code and region(r.region_code) else "全国"  # type: ignore[union-attr]
                out.append(ReviewerChoice(a.id, f"{a.display_name or a.username}（{a.username}，{place}）"))
        return out


def change_reviewer(actor: Actor, org_ids: Iterable[int], reviewer_id: int) -> int:
    """变更审核员: all report months of the selected enterprises move to ``reviewer_id`` (reviewers.py checks
    the jurisdiction and that the reviewer's region covers every enterprise)."""
    return reviewers.change_reviewer(actor, org_ids, reviewer_id)


def subordinate_regions(actor: Actor) -> list[tuple[str, str]]:
    """Return (code, name) of the regions one level below the actor's, for 创建下级管理员."""
    require(actor, P_MONITOR_REVIEW)
    if actor.region_code is None and not actor.is_national:
        return []
    wanted = reviewers.NEXT_LEVEL.get(reviewers.level_of(actor.region_code))
    return [(n.code, n.name) for n in region_children(actor.region_code) if n.level == wanted]



# --- the list source (specs/lists/monitor_enterprises.yaml) -----------------------------------
def _filter(p: dict[str, Any]) -> EnterpriseFilter:
    return EnterpriseFilter(region_code=p.get("region"), keyword=p.get("keyword") or "", status=p.get("status") or "",
                            mine=bool(p.get("mine", True)))


def _register() -> None:
    from services.lists.source import Field as F, Page, Param, Source, register
    register(Source(
        "monitor_enterprises", P_MONITOR_REVIEW,
        {"name": F("企业名称", sort=Organisation.name), "credit_code": F("统一社会信用代码", "code", Organisation.credit_code),
         "usernames": F("企业用户名"), "region_name": F("所在地区"), "registration": F("注册状态"),
         "account_label": F("用户状态"), "reviewer": F("直接授权审核员"), "reports": F("已建月报", "number")},
        {"region": Param("region", "地区"), "keyword": Param("text", "关键词"),
         "status": Param("select", "用户状态", lambda: {"active": "正常", "disabled": "失效"}),
         "mine": Param("flag", "仅本人及下级审核员负责的企业")},
        lambda actor, p, order, index, size: Page(*search(actor, _filter(p), index, size, order.clauses)),
        lambda actor, p, order: every(actor, _filter(p), order.clauses)))


_register()
