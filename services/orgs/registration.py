"""Self-registration of enterprises and service providers, and its review by administrators.

Steps (as the manuals show): 1 account → 2 organisation details → 3 done (pending review).
The account can sign in at once; the organisation waits for an administrator of its region.
States: draft → pending → approved | returned(reason) → pending → …
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.account import Account, AccountRole
from db.base import utcnow
from db.draft import FormDraft
from db.engine import session_scope
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, check
from services.core.lengths import MAX_DRAFT_BYTES, too_big, too_long
from services.orgs.fields import ORG_FIELDS, apply_org_values, industry_path, phones, plain, thousand_from_wan
from services.orgs.fields import validate_org_form
from services.orgs.provider_fields import provider_rows
from services.identity.passwords import hash_password, password_problems
from services.core.permissions import P_ORG_EDIT, P_ORG_OWN, P_ORG_REVIEW, Actor, require
from services.reference import industry_full_name, region_full_name, region_path
from services.core.rules import email_is_valid, mobile_is_valid
from services.core.timefmt import china_time
from services.identity.usernames import check_username_free, username_problems
from services.workflow import definitions, engine as workflow

SUBJECT = "organisation"

KINDS = {"enterprise": "企业用户", "provider": "服务商"}
STATUS_LABEL = dict(definitions.get("registration").states)  # draft / pending / approved / returned
DUPLICATE_HINT = "说明该单位已在平台注册过账户，请联系所在地区管理员或平台技术支持找回账户名。"

# The review chain is declared in specs/workflows/registration.yaml; ``organisation.status`` is the
# instance's state, copied there by the workflow engine only (the lists and counts filter on it).
workflow.register_subject(workflow.Subject(
    "organisation", Organisation, "registration", name=lambda org: org.name or "该单位",
    region=lambda org: region_path(org.region_code), owner_org=lambda org: org.id, mirror={"state": "status"},
    audit_detail=lambda _org: {}))

# The form's fields, rules and units: services.orgs.fields (ORG_FIELDS, validate_org_form and
# apply_org_values are imported from here by pages and services/monitor/review.py).


# --- step 1: the account -----------------------------------------------------------------
def register_account(kind: str, username: str, password: str, password2: str, phone: str,
                     email: str = "", request_id: str | None = None) -> int:
    """Create an enterprise or provider account (step 1); return its id. Idempotent per request id."""
    username, phone, email = (username or "").strip(), (phone or "").strip(), (email or "").strip()
    problems: dict[str, list[str]] = {"角色": [], "用户名": [], "手机号": [], "密码": [], "确认密码": [], "电子邮箱": []}
    if kind not in KINDS:
        problems["角色"].append("角色：请选择「企业用户」或「服务商」。")
    problems["用户名"] = username_problems(username)
    if not mobile_is_valid(phone):
        problems["手机号"].append("手机号：须为以 1 开头的 11 位数字。")
    problems["电子邮箱"] = too_long("电子邮箱", email, Account.email)
    if email and not problems["电子邮箱"] and not email_is_valid(email):
        problems["电子邮箱"].append("电子邮箱：格式不正确。")
    problems["密码"] = [f"密码：{m}" for m in password_problems(password, username=username, phone=phone)]
    if password != password2:
        problems["确认密码"].append("确认密码：两次输入的密码不一致。")
    check(problems)
    with session_scope() as session:
        done = audit.replayed(session, request_id)
        if done is not None:
            return int(done.target_id or 0)
        check_username_free(session, username)
        account = Account(username=username, password_hash=hash_password(password), phone=phone,
                          email=email or None, display_name=username)
        account.roles.append(AccountRole(role_code=kind))
        session.add(account)
        session.flush()
        audit.record(session, account.id, "registration.account_created", "account", account.id,
                     {"kind": kind}, request_id=request_id)
        return account.id


# --- step 2: organisation details ----------------------------------------------------------
def applicant_kind(actor: Actor) -> str:
    """Return "provider" or "enterprise": which registration form and rules apply to the actor."""
    return "provider" if "provider" in actor.roles else "enterprise"


def save_draft(actor: Actor, form_key: str, data: dict[str, Any]) -> dict[str, list[str]]:
    """暂存: keep the unfinished form server-side and check what is filled; return the problems.

    Only the format of filled fields and the uniqueness of name and credit code are checked
    (required fields wait for 提交审核). The draft is kept even with problems, so nothing typed
    is lost; the page shows the returned messages. Only the form's fields are kept, and a draft
    larger than ``MAX_DRAFT_BYTES`` is refused (``ValidationFailed``) and not stored.
    """
    from services.orgs.provider_fields import PROVIDER_FIELDS
    data = {k: v for k, v in data.items() if k in ORG_FIELDS or k in PROVIDER_FIELDS}
    check({"暂存": too_big("暂存内容", data, MAX_DRAFT_BYTES)})
    clean, problems = validate_org_form(data, applicant_kind(actor), mode="draft")
    with session_scope() as session:
        account = session.get(Account, actor.account_id)
        for label, msgs in _unique_problems(session, clean, account.org_id if account else None).items():
            problems.setdefault(label, []).extend(msgs)
        draft = session.get(FormDraft, (actor.account_id, form_key))
        if draft is None:
            session.add(FormDraft(account_id=actor.account_id, form_key=form_key, data=data))
        else:
            draft.data = data
    return {label: msgs for label, msgs in problems.items() if msgs}


def load_draft(actor: Actor, form_key: str) -> dict[str, Any]:
    """Return the saved draft (or {})."""
    with session_scope(read=True) as session:
        draft = session.get(FormDraft, (actor.account_id, form_key))
        return dict(draft.data) if draft else {}


def _unique_problems(session: Session, clean: dict[str, Any], own_id: int | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {"企业名称": [], "统一社会信用代码": []}
    other = Organisation.id != own_id if own_id else Organisation.id.is_not(None)
    if clean["name"] and session.scalar(select(Organisation.id).where(Organisation.name == clean["name"], other)):
        problems["企业名称"].append(f"企业名称：该名称已注册。{DUPLICATE_HINT}")
    if clean["credit_code"] and session.scalar(select(Organisation.id).where(
            Organisation.credit_code == clean["credit_code"], other)):
        problems["统一社会信用代码"].append(f"统一社会信用代码：该代码已注册。{DUPLICATE_HINT}")
    return problems


def store_license(actor: Actor, data: bytes, filename: str) -> int:
    """Keep a provider's 企业营业执照 image (JPEG/PNG by content, ≤ 10 MB); return its file id, which the
    form then carries as ``license_file_id`` (only the uploading account's own file is accepted)."""
    import hashlib
    from db.market import MarketFile
    from services.io.upload_limits import check_size
    from services.io.uploads import sniff
    from services.orgs.provider_fields import LICENSE_MB, LICENSE_TYPES
    require(actor, P_ORG_OWN)
    label = "企业营业执照"
    check_size(data, label, LICENSE_MB)
    real = sniff(data)
    if real not in LICENSE_TYPES:
        raise ValidationFailed({label: [f"{label}：文件内容不是 JPEG 或 PNG 图片，请重新上传。"]})
    with session_scope() as session:
        account = session.get(Account, actor.account_id)
        row = MarketFile(org_id=account.org_id if account else None, account_id=actor.account_id, purpose="license",
                         filename=(filename or f"license.{real}").rsplit("/", 1)[-1][:128],
                         mime="image/png" if real == "png" else "image/jpeg", size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), data=data)
        session.add(row)
        session.flush()
        audit.record(session, actor.account_id, "registration.license_uploaded", "market_file", row.id)
        return row.id


def _license_problems(session: Session, actor: Actor, clean: dict[str, Any], org_id: int | None) -> dict[str, list[str]]:
    from db.market import MarketFile
    file_id = (clean.get("details") or {}).get("license_file_id")
    if file_id is None:
        return {}
    row = session.get(MarketFile, file_id)
    if row is None or row.purpose != "license" or not (row.account_id == actor.account_id
                                                       or (org_id is not None and row.org_id == org_id)):
        return {"企业营业执照": ["企业营业执照：请重新上传。"]}
    return {}


def submit_org(actor: Actor, data: dict[str, Any], request_id: str | None = None) -> int:
    """Validate and submit the actor's organisation for review (step 2); return its id."""
    require(actor, P_ORG_OWN)
    kind = applicant_kind(actor)
    clean, problems = validate_org_form(data, kind)
    check(problems)
    try:
        with session_scope() as session:
            done = audit.replayed(session, request_id)
            if done is not None:
                return int(done.target_id or 0)
            account = session.get(Account, actor.account_id)
            assert account is not None
            org = session.get(Organisation, account.org_id) if account.org_id else None
            if org is not None and org.status == "pending":
                raise Conflict("注册信息已提交，正在等待管理员审核，请勿重复提交。")
            check(_unique_problems(session, clean, org.id if org else None))
            check(_license_problems(session, actor, clean, org.id if org else None))
            if org is None:
                org = Organisation(kind=kind, status="draft", details={})
                session.add(org)
            apply_org_values(org, clean)
            org.submitted_at, org.return_reason = utcnow(), None
            session.flush()
            account.org_id = org.id
            draft = session.get(FormDraft, (actor.account_id, "registration"))
            if draft is not None:
                session.delete(draft)
            # the account owns the organisation from this transaction on
            workflow.transition(session, SUBJECT, org, "submit", replace(actor, org_id=org.id),
                                detail={"name": org.name}, request_id=request_id)
            return org.id
    except IntegrityError as exc:  # a concurrent registration took the name or code first
        raise Conflict(f"企业名称或统一社会信用代码已被注册。{DUPLICATE_HINT}") from exc


# --- the applicant's view ----------------------------------------------------------------
@dataclass(frozen=True)
class OrgView:
    """A plain, page-ready view of an organisation: every form field by its form name, and more."""

    id: int
    kind: str
    name: str
    credit_code: str | None
    region_code: str | None
    region_name: str
    industry_code: str | None
    industry_name: str
    industry_path: str  # 门类→大类→中类→小类
    size: str | None
    employees: int | None
    revenue: float | None  # 万元
    assets: float | None  # 万元
    revenue_k: str | None  # 千元, as the form shows it
    assets_k: str | None  # 千元
    legal_rep: str | None
    contact_name: str | None
    contact_phone: str | None
    address: str | None
    reg_type: str | None
    holding_type: str | None
    listed: bool | None
    stock_code: str | None
    postcode: str | None
    opened_on: str | None  # YYYY-MM-DD
    website: str | None
    phone: str | None
    fax: str | None
    mobile: str | None
    email: str | None
    business: str | None
    status: str
    status_label: str
    return_reason: str | None
    submitted_at: str | None
    version: int
    extra: tuple[tuple[str, str], ...] = ()  # a provider's 服务商背景 / an enterprise's 企业背景信息 (label, text)
    details: dict[str, Any] | None = None   # the stored details (the edit form reloads a provider's fields)


def org_view(org: Organisation) -> OrgView:
    """Return the plain view of an organisation row."""
    details = org.details or {}
    phone, mobile = phones(org)
    return OrgView(id=org.id, kind=org.kind, name=org.name, credit_code=org.credit_code, region_code=org.region_code,
                   region_name=region_full_name(org.region_code), industry_code=org.industry_code,
                   industry_name=industry_full_name(org.industry_code), industry_path=industry_path(org.industry_code),
                   size=org.size, employees=org.employees,
                   revenue=float(org.revenue) if org.revenue is not None else None,
                   assets=float(org.assets) if org.assets is not None else None,
                   revenue_k=plain(thousand_from_wan(org.revenue)), assets_k=plain(thousand_from_wan(org.assets)),
                   legal_rep=org.legal_rep, contact_name=org.contact_name, contact_phone=org.contact_phone,
                   address=org.address, reg_type=details.get("reg_type"), holding_type=details.get("holding_type"),
                   listed=details.get("listed"), stock_code=details.get("stock_code"),
                   postcode=details.get("postcode"), opened_on=details.get("opened_on"),
                   website=details.get("website"), phone=phone, fax=details.get("fax"), mobile=mobile,
                   email=details.get("email"), business=details.get("business"),
                   status=org.status, status_label=STATUS_LABEL.get(org.status, org.status),
                   return_reason=org.return_reason,
                   submitted_at=china_time(org.submitted_at) or None,  # shown in China time
                   version=org.version,
                   extra=_extra_rows(org.kind, details), details=dict(details))


def _extra_rows(kind: str, details: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A provider's 服务商背景, or an enterprise's submitted 企业背景信息 (services.market.background)."""
    if kind == "provider":
        return tuple(provider_rows(details))
    if kind == "enterprise":
        from services.market.background import rows as background_rows
        return tuple(background_rows(details))
    return ()


def detail_rows(view: OrgView) -> list[tuple[str, str]]:
    """Return (label, text) pairs in the order of the manual's 企业注册信息详细 table."""
    listed = {True: "是", False: "否"}.get(view.listed) if view.listed is not None else None
    rows: list[tuple[str, Any]] = [
        ("企业名称", view.name), ("统一社会信用代码", view.credit_code), ("法人代表", view.legal_rep),
        ("所在地区", view.region_name if view.region_code else None), ("所属行业", view.industry_path),
        ("注册类型", view.reg_type), ("控股类型", view.holding_type), ("企业规模", view.size),
        (ORG_FIELDS["revenue_k"], view.revenue_k), (ORG_FIELDS["employees"], view.employees),
        (ORG_FIELDS["assets_k"], view.assets_k), ("是否上市", listed), ("股票代码", view.stock_code),
        ("企业网址", view.website), ("邮政编码", view.postcode), ("通讯地址", view.address),
        ("联系人", view.contact_name), ("电话", view.phone), ("传真", view.fax), ("手机", view.mobile),
        ("电子邮箱", view.email), ("开业时间", view.opened_on), ("主营业务/主要产品", view.business)]
    if view.kind != "enterprise":  # providers: their shorter form
        keep = {"企业名称", "统一社会信用代码", "法人代表", "所在地区", "所属行业", "企业规模", "联系人", "通讯地址",
                ORG_FIELDS["revenue_k"], ORG_FIELDS["employees"], ORG_FIELDS["assets_k"]}
        rows = [r for r in rows if r[0] in keep] + [("联系电话", view.contact_phone), *view.extra]
    else:  # enterprises: the 企业背景信息 they submitted (or that it is not submitted yet)
        rows += list(view.extra)
    return [(label, "" if value is None else str(value)) for label, value in rows]


def my_org(actor: Actor) -> OrgView | None:
    """Return the actor's own organisation, or None before step 2 is submitted."""
    if actor.org_id is None:
        with session_scope(read=True) as session:
            account = session.get(Account, actor.account_id)
            org_id = account.org_id if account else None
    else:
        org_id = actor.org_id
    if org_id is None:
        return None
    with session_scope(read=True) as session:
        org = session.get(Organisation, org_id)
        return org_view(org) if org else None


# --- review: enterprises by their regional administrators, providers by the platform operator --------
# Enterprises' registrations are reviewed by an administrator whose jurisdiction contains them (actions
# approve / return); providers' certification (认证审核) by a national platform operator (certify /
# certify_return: permission market.operate, holder rule role operator). Each reviewer sees and acts on
# only their own kind: a regional administrator does not see providers, an operator does not see enterprises.
REVIEW_ACTIONS = {"enterprise": ("approve", "return"), "provider": ("certify", "certify_return")}
NOT_YOURS = "无权执行此操作：超出您的权限或管辖范围。"


def _actions_for(kind: str) -> tuple[str, str]:
    return REVIEW_ACTIONS["provider" if kind == "provider" else "enterprise"]


def certifies_providers(actor: Actor | None) -> bool:
    """True if the actor may certify providers: the definition's permission and role rule of ``certify``."""
    if actor is None:
        return False
    action = workflow.SUBJECTS[SUBJECT].definition().action("certify")
    return (action.permission in actor.permissions
            and any(r.kind == "role" and r.role in actor.roles for r in action.who))


def can_review(actor: Actor | None) -> bool:
    """True if the actor reviews registrations of some kind (enterprises in a jurisdiction, or providers)."""
    from services.core.permissions import has_perm
    return has_perm(actor, P_ORG_REVIEW) or certifies_providers(actor)


def _may_review(actor: Actor, org: Organisation) -> bool:
    from services.core.permissions import has_perm
    if org.kind == "provider":
        return certifies_providers(actor)
    return has_perm(actor, P_ORG_REVIEW, region=region_path(org.region_code))


def _review_clause(actor: Actor):  # type: ignore[no-untyped-def]
    """The organisations the actor reviews, as SQL (``PermissionDenied`` when none)."""
    from sqlalchemy import and_
    from services.core.permissions import has_perm
    from services.core.scope import org_clause
    parts = []
    if has_perm(actor, P_ORG_REVIEW):
        parts.append(and_(Organisation.kind != "provider", org_clause(actor)))
    if certifies_providers(actor):
        parts.append(Organisation.kind == "provider")
    if not parts:
        raise PermissionDenied(NOT_YOURS)
    return or_(*parts)


KEYWORD_MAX = 50


def review_queue(actor: Actor, status: str = "pending", keyword: str = "", limit: int = 200) -> list[OrgView]:
    """Return the registrations the actor reviews with ``status`` (newest first): enterprises in an
    administrator's jurisdiction, providers for a platform operator."""
    clause = _review_clause(actor)
    keyword = (keyword or "").strip()
    if len(keyword) > KEYWORD_MAX:
        raise ValidationFailed({"企业名称 / 统一社会信用代码": [
            f"企业名称 / 统一社会信用代码：关键词不能超过 {KEYWORD_MAX} 个字符（当前 {len(keyword)} 个）。"]})
    with session_scope(read=True) as session:
        stmt = select(Organisation).where(clause)
        if status:
            stmt = stmt.where(Organisation.status == status)
        if keyword:   # contains(autoescape): a typed % or _ is a character, not a wildcard
            stmt = stmt.where(or_(Organisation.name.contains(keyword, autoescape=True),
                                  Organisation.credit_code.contains(keyword, autoescape=True)))
        rows = session.scalars(stmt.order_by(Organisation.submitted_at.desc(), Organisation.id.desc()).limit(limit))
        return [org_view(o) for o in rows]


def license_image(actor: Actor, org_id: int) -> tuple[bytes, str] | None:
    """The 企业营业执照 image of a registration (bytes, mime), for whoever reviews it or its own accounts;
    None when it has none. ``NotFound`` for anyone else: another provider or a buyer never reads it."""
    from db.market import MarketFile
    with session_scope(read=True) as session:
        org = session.get(Organisation, org_id)
        if org is None or not (actor.org_id == org.id or _may_review(actor, org)):
            raise NotFound("未找到该注册申请。")
        file_id = (org.details or {}).get("license_file_id")
        row = session.get(MarketFile, file_id) if isinstance(file_id, int) else None
        if row is None or row.purpose != "license" or row.org_id not in (None, org.id):
            return None
        return bytes(row.data), row.mime


def review_counts(actor: Actor) -> dict[str, int]:
    """Return the number of registrations the actor reviews, per status."""
    clause = _review_clause(actor)
    with session_scope(read=True) as session:
        rows = session.execute(select(Organisation.status, func.count()).where(clause)
                               .group_by(Organisation.status))
        return {s: n for s, n in rows}


def _reviewable(session: Session, actor: Actor, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id, with_for_update=True)
    if org is None:
        raise NotFound("未找到该注册申请。")
    if not _may_review(actor, org):
        raise PermissionDenied(NOT_YOURS)
    return org


def approve(actor: Actor, org_id: int, request_id: str | None = None) -> None:
    """Approve a pending registration: an enterprise in the actor's jurisdiction, or certify a provider
    (platform operator)."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _reviewable(session, actor, org_id)
        workflow.transition(session, SUBJECT, org, _actions_for(org.kind)[0], actor, request_id=request_id)
        org.reviewed_at, org.reviewed_by, org.return_reason = utcnow(), actor.account_id, None


def return_for_changes(actor: Actor, org_id: int, reason: str, request_id: str | None = None) -> None:
    """Return a pending registration to the applicant with a reason they will see (2–500 characters)."""
    workflow.check_reason(workflow.SUBJECTS[SUBJECT].definition().action("return"), reason)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _reviewable(session, actor, org_id)
        step = workflow.transition(session, SUBJECT, org, _actions_for(org.kind)[1], actor, reason=reason,
                                   request_id=request_id)
        org.reviewed_at, org.reviewed_by, org.return_reason = utcnow(), actor.account_id, step.reason


def review_history(actor: Actor, org_id: int) -> list[workflow.HistoryRow]:
    """Return the registration's full history (who, when, action, from → to, reason), oldest first:
    for the applicant's own organisation, or a reviewer of it (see ``review_queue``)."""
    from services.core.permissions import has_perm
    with session_scope(read=True) as session:
        org = session.get(Organisation, org_id)
        account = session.get(Account, actor.account_id)  # the actor may predate their organisation
        own = org is not None and account is not None and account.org_id == org.id and has_perm(actor, P_ORG_OWN)
        if org is None or not (own or _may_review(actor, org)):
            raise NotFound("未找到该注册申请。")
        return workflow.history(session, SUBJECT, org.id, start_label="未提交")


# --- corrections by administrators ---------------------------------------------------------
def org_for_admin(actor: Actor, org_id: int) -> OrgView:
    """Return an organisation in the actor's jurisdiction (``NotFound`` outside it)."""
    from services.core.permissions import has_perm
    with session_scope(read=True) as session:
        org = session.get(Organisation, org_id)
        if org is None or not has_perm(actor, P_ORG_EDIT, region=region_path(org.region_code)):
            raise NotFound("未找到该单位。")
        return org_view(org)


def admin_update_org(actor: Actor, org_id: int, data: dict[str, Any], version: int,
                     request_id: str | None = None) -> None:
    """Correct an organisation's registration details (manual: 管理员可修改企业注册信息).

    ``version`` is the one the admin's form was loaded with: if someone changed the row since,
    raise ``Conflict`` instead of silently overwriting. Old and new region must both be in the
    jurisdiction. The audit row lists the changed fields with old and new values. The rules are
    the organisation kind's, in "correct" mode (see ``validate_org_form``).
    """
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound("未找到该单位。")
        require(actor, P_ORG_EDIT, region=region_path(org.region_code))
        correct_org(session, actor, org, data, version, request_id)


def form_values(org: Organisation) -> dict[str, Any]:
    """Return an organisation's registration as the form holds it (what the edit pages load)."""
    view = org_view(org)
    return {k: getattr(view, k) for k in ORG_FIELDS}


def correct_org(session: Session, actor: Actor | None, org: Organisation, data: dict[str, Any],
                version: int | None = None, request_id: str | None = None) -> None:
    """Apply an administrator's correction inside the caller's transaction: the kind's rules in
    "correct" mode, the new region in the jurisdiction, the row unchanged since ``version`` (when
    given), unique name and credit code; the audit row lists the changed fields, old and new.
    ``actor=None`` is the system applying a change a rule decided (a monitor freeze confirmed
    automatically): the same rules, no jurisdiction, the audit row without an actor."""
    clean, problems = validate_org_form(data, org.kind, mode="correct")
    check(problems)
    if actor is not None:
        require(actor, P_ORG_EDIT, region=region_path(clean["region_code"]))
    if version is not None and org.version != version:
        raise Conflict("该单位信息已被他人修改，请刷新页面后重新编辑。")
    check(_unique_problems(session, clean, org.id))
    before = org_view(org)
    apply_org_values(org, clean)
    session.flush()
    after = org_view(org)
    changed = {k: [getattr(before, k), getattr(after, k)] for k in ORG_FIELDS if getattr(before, k) != getattr(after, k)}
    changed.pop("size", None)
    if before.size != after.size:
        changed["size"] = [before.size, after.size]
    if "name" in changed:  # accounts that show the organisation's name show the new one
        for account in session.scalars(select(Account).where(Account.org_id == org.id,
                                                             Account.display_name == changed["name"][0])):
            account.display_name = org.name[:64]
    audit.record(session, actor.account_id if actor else None, "organisation.corrected", "organisation", org.id,
                 {"changed": changed}, request_id=request_id)
