"""Accounts: password rules, own profile and password, and administrators managing accounts.

Who may manage whom is services.identity.account_rank (accounts of lower rank inside the jurisdiction,
never peers, superiors, other roles' reviewers or oneself); the search lists exactly those.
Every change is one transaction with an audit row; password resets and disabling revoke the
account's sessions.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from db.account import Account, AccountRole, PasswordHistory
from db.base import utcnow
from db.engine import session_scope
from db.organisation import Organisation
from services.core import audit
from services.identity.auth import revoke_all
from services.core.errors import NotFound, PermissionDenied, ValidationFailed, check
from services.core.lengths import too_long
from services.identity.passwords import RECENT_PASSWORDS, hash_password, password_problems, verify_password
from services.identity.account_rank import account_path, can_manage, manageable_clause
from services.core.permissions import (ADMIN_ROLE_BY_LEVEL, P_ACCOUNT_MANAGE, P_PROFILE, ROLES, Actor, in_jurisdiction,
                                  require)
from services.reference import region, region_full_name
from services.core.rules import email_is_valid, mobile_is_valid
from services.identity.usernames import check_username_free, username_problems
from services.core.labels import STATUS

__all__ = ["password_problems", "hash_password", "verify_password", "AccountView", "profile", "update_profile",
           "change_password", "search_accounts", "admin_update", "reset_password", "set_status", "create_account"]


@dataclass(frozen=True)
class AccountView:
    id: int
    username: str
    display_name: str
    phone: str | None
    email: str | None
    status: str
    roles: tuple[str, ...]
    role_names: str
    org_id: int | None
    org_name: str | None
    region_code: str | None
    region_name: str

    @property
    def status_label(self) -> str:
        return STATUS_LABEL.get(self.status, self.status)


def _view(account: Account, org_name: str | None, org_region: str | None = None) -> AccountView:
    roles = tuple(sorted(r.role_code for r in account.roles))
    return AccountView(id=account.id, username=account.username, display_name=account.display_name,
                       phone=account.phone, email=account.email, status=account.status, roles=roles,
                       role_names="、".join(ROLES[r].name for r in roles if r in ROLES), org_id=account.org_id,
                       org_name=org_name, region_code=account.region_code or org_region,
                       region_name=region_full_name(account.region_code or org_region) if (account.region_code or org_region) else "")


def _contact_problems(phone: str, email: str, display_name: str = "") -> dict[str, list[str]]:
    too_long_email = too_long("电子邮箱", email, Account.email)
    return {"手机号": [] if mobile_is_valid(phone) else ["手机号：须为以 1 开头的 11 位数字。"],
            "电子邮箱": too_long_email or ([] if not email or email_is_valid(email) else ["电子邮箱：格式不正确。"]),
            "名称": too_long("名称", (display_name or "").strip(), Account.display_name)}


def _history(session: Session, account: Account) -> list[str]:
    rows = session.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.account_id == account.id)
                           .order_by(PasswordHistory.id.desc()).limit(RECENT_PASSWORDS))
    return [account.password_hash, *rows]


def _set_password(session: Session, account: Account, new_password: str) -> None:
    session.add(PasswordHistory(account_id=account.id, password_hash=account.password_hash))
    account.password_hash = hash_password(new_password)
    account.password_changed_at = utcnow()
    revoke_all(session, account.id)


# --- own profile -------------------------------------------------------------------------
def profile(actor: Actor) -> AccountView:
    """Return the actor's own account."""
    require(actor, P_PROFILE)
    with session_scope(read=True) as session:
        account = session.get(Account, actor.account_id)
        assert account is not None
        org = session.get(Organisation, account.org_id) if account.org_id else None
        return _view(account, org.name if org else None)


def update_profile(actor: Actor, display_name: str, phone: str, email: str) -> None:
    """Change the actor's own display name, phone and e-mail."""
    require(actor, P_PROFILE)
    phone, email = (phone or "").strip(), (email or "").strip()
    check(_contact_problems(phone, email, display_name))
    with session_scope() as session:
        account = session.get(Account, actor.account_id)
        assert account is not None
        account.display_name, account.phone, account.email = (display_name or "").strip()[:64], phone, email or None
        audit.record(session, actor.account_id, "account.profile_updated", "account", account.id)


def change_password(actor: Actor, old: str, new: str, new2: str) -> None:
    """Change the actor's password; every session of the account is revoked (sign in again)."""
    require(actor, P_PROFILE)
    with session_scope() as session:
        account = session.get(Account, actor.account_id)
        assert account is not None
        problems = {"原密码": [] if verify_password(old or "", account.password_hash) else ["原密码：不正确。"],
                    "新密码": [f"新密码：{m}" for m in password_problems(new, account.username, account.phone or "",
                                                                        _history(session, account))],
                    "确认新密码": [] if new == new2 else ["确认新密码：与新密码不一致。"]}
        check(problems)
        _set_password(session, account, new)
        audit.record(session, actor.account_id, "account.password_changed", "account", account.id)


# --- administrators ----------------------------------------------------------------------
def _accounts_stmt(actor: Actor, keyword: str, status: str):  # type: ignore[no-untyped-def]
    require(actor, P_ACCOUNT_MANAGE)
    stmt = (select(Account, Organisation.name, Organisation.region_code)
            .outerjoin(Organisation, Organisation.id == Account.org_id).where(manageable_clause(actor)))
    if keyword.strip():
        like = f"%{keyword.strip()}%"
        stmt = stmt.where(or_(Account.username.like(like), Account.display_name.like(like),
                              Account.phone.like(like), Organisation.name.like(like),
                              Organisation.credit_code.like(like)))
    if status:
        stmt = stmt.where(Account.status == status)
    return stmt


def search_accounts(actor: Actor, keyword: str = "", status: str = "", limit: int = 200) -> list[AccountView]:
    """Return the accounts the actor may manage (account_rank) matching a username / name / phone / org keyword."""
    with session_scope(read=True) as session:
        rows = session.execute(_accounts_stmt(actor, keyword, status).order_by(Account.id.desc()).limit(limit)).all()
        return [_view(a, name, org_region) for a, name, org_region in rows]


def account_page(actor: Actor, keyword: str = "", status: str = "", page: int = 0, page_size: int = 50,
                 order: tuple[Any, ...] = ()) -> tuple[int, list[AccountView]]:
    """Return (total, one page) of the accounts ``search_accounts`` finds (newest first unless ``order``)."""
    stmt = _accounts_stmt(actor, keyword, status)
    with session_scope(read=True) as session:
        total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Account.id).subquery())) or 0
        rows = session.execute(stmt.order_by(*order, Account.id.desc()).offset(page * page_size).limit(page_size)).all()
        return int(total), [_view(a, name, org_region) for a, name, org_region in rows]


def every_account(actor: Actor, keyword: str = "", status: str = "", order: tuple[Any, ...] = (),
                  chunk: int = 1000) -> Iterator[AccountView]:
    """Yield every account ``account_page`` pages through, read in chunks in one read-only transaction."""
    stmt = _accounts_stmt(actor, keyword, status).options(selectinload(Account.roles))
    with session_scope(read=True) as session:
        result = session.execute(stmt.order_by(*order, Account.id.desc()).execution_options(yield_per=chunk))
        for part in result.partitions(chunk):
            yield from (_view(a, name, org_region) for a, name, org_region in part)
            session.expunge_all()


def _managed(session: Session, actor: Actor, account_id: int) -> Account:
    """Return the account if the actor may manage it (services.identity.account_rank); else raise.

    Outside the jurisdiction looks the same as absent; inside it, a peer, a superior or another
    role's reviewer is refused, and so is the actor's own account (个人中心 is the place for it).
    """
    require(actor, P_ACCOUNT_MANAGE)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("未找到该账户。")
    if account.id == actor.account_id:
        raise PermissionDenied("不能在用户管理中修改自己的账户：请在「个人中心」修改信息或密码（须输入原密码）。")
    path = account_path(session, account)
    if not in_jurisdiction(actor, path):
        raise NotFound("未找到该账户。")
    if not can_manage(actor, account.id, {r.role_code for r in account.roles}, path):
        raise PermissionDenied("无权管理该账户：只能管理辖区内级别低于您的账户（企业、服务商及其员工、下级管理员）。")
    return account


def admin_update(actor: Actor, account_id: int, display_name: str, phone: str, email: str) -> None:
    """Edit an account's display name, phone and e-mail."""
    phone, email = (phone or "").strip(), (email or "").strip()
    check(_contact_problems(phone, email, display_name))
    with session_scope() as session:
        account = _managed(session, actor, account_id)
        account.display_name, account.phone, account.email = (display_name or "").strip()[:64], phone, email or None
        audit.record(session, actor.account_id, "account.updated", "account", account.id, {"by_admin": True})


def reset_password(actor: Actor, account_id: int, new_password: str) -> None:
    """Set a new password for an account the actor may manage; its sessions are revoked."""
    with session_scope() as session:
        account = _managed(session, actor, account_id)
        check({"新密码": [f"新密码：{m}" for m in password_problems(new_password, account.username,
                                                                  account.phone or "", _history(session, account))]})
        _set_password(session, account, new_password)
        audit.record(session, actor.account_id, "account.password_reset", "account", account.id)


def set_status(actor: Actor, account_id: int, status: str) -> None:
    """Enable (``active``) or disable (``disabled``) an account; disabling revokes its sessions."""
    if status not in ("active", "disabled"):
        raise ValidationFailed({"状态": ["状态：只能为启用或停用。"]})
    with session_scope() as session:
        account = _managed(session, actor, account_id)
        account.status = status
        if status == "disabled":
            revoke_all(session, account.id)
        audit.record(session, actor.account_id, f"account.{status}", "account", account.id)


def create_account(username: str, password: str, roles: list[str], region_code: str | None = None,
                   phone: str | None = None, display_name: str = "", org_id: int | None = None,
                   check_password: bool = True, session: Session | None = None) -> int:
    """Create an account directly (command line, demo data, and services that create an account as
    part of a larger action — pass their ``session`` so it is one transaction); return its id."""
    problems: dict[str, list[str]] = {"角色": [f"角色：未知角色 {r}。" for r in roles if r not in ROLES],
                                      "地区": [] if region_code is None or region(region_code) else
                                      [f"地区：未知的行政区划代码 {region_code}。"]}
    if check_password:
        problems["密码"] = [f"密码：{m}" for m in password_problems(password, username, phone or "")]
    problems["用户名"] = username_problems(username)
    problems["名称"] = too_long("名称", display_name, Account.display_name)
    problems["手机号"] = [] if phone is None or mobile_is_valid(phone) else ["手机号：须为以 1 开头的 11 位数字。"]
    check(problems)
    if session is None:
        with session_scope() as own:
            return _insert_account(own, username, password, roles, region_code, phone, display_name, org_id)
    return _insert_account(session, username, password, roles, region_code, phone, display_name, org_id)


def _insert_account(session: Session, username: str, password: str, roles: list[str], region_code: str | None,
                    phone: str | None, display_name: str, org_id: int | None) -> int:
    check_username_free(session, username)
    account = Account(username=username, password_hash=hash_password(password), phone=phone,
                      display_name=display_name or username, region_code=region_code, org_id=org_id)
    account.roles.extend(AccountRole(role_code=r) for r in roles)
    session.add(account)
    session.flush()
    audit.record(session, None, "account.created", "account", account.id, {"roles": roles})
    return account.id


def admin_role_for(region_code: str | None) -> str:
    """Return the administrator role for a jurisdiction root (None = national)."""
    node = region(region_code) if region_code else None
    return ADMIN_ROLE_BY_LEVEL[node.level if node else None]


# --- the list source (specs/lists/accounts.yaml) ----------------------------------------------
STATUS_LABEL = STATUS["account"]


def _register() -> None:
    from services.lists.source import Field as F, Page, Param, Source, register

    def page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
        return Page(*account_page(actor, p.get("keyword") or "", p.get("status") or "", index, size, order.clauses))

    register(Source(
        "accounts", P_ACCOUNT_MANAGE,
        {"id": F("ID", "number", Account.id), "username": F("用户名", sort=Account.username),
         "display_name": F("名称", sort=Account.display_name), "role_names": F("角色"), "org_name": F("单位"),
         "region_name": F("辖区"), "phone": F("手机号", "code"), "email": F("电子邮箱"), "status_label": F("状态")},
        {"keyword": Param("text", "关键词"), "status": Param("select", "状态", lambda: STATUS_LABEL)},
        page, lambda actor, p, order: every_account(actor, p.get("keyword") or "", p.get("status") or "", order.clauses)))


_register()
