"""用户管理 of a certified provider (provider guide 4.7), and the experts shown on 专家团队.

Only the provider's main account (role ``provider``) of a certified organisation manages users, and
only the staff accounts (role ``provider_staff``) of its own organisation — never itself, another main
account or another organisation's users. Every action is one transaction with an audit row.

- 添加用户: username 6–30 letters, digits or underscores (unique on the platform in any letter case,
  fixed afterwards), mobile unique within the organisation (another organisation may use the same
  number), the platform's password rules (services/identity/passwords.py).
- 删除用户: the account is closed (status ``deleted``: cannot sign in, no roles, no menus, not an
  expert) rather than removed, because audit rows and listings refer to it; its username stays taken.
- 应用内权限配置: the marketplace menus a staff account may open (``menu_grant``); ``menus_for``
  answers for any actor (the main account has every menu).
- 设为专家 / 取消专家: the expert profile (region, years 0–60, ≤ 5 fields, introduction ≤ 500
  characters, photo ≤ 2 MB jpeg/png/bmp checked by content) and the ``expert`` role together;
  ``active_experts`` lists them for 专家团队; ``reviewer_experts`` (the same experts, and the platform's
  own) for the operator choosing a 专家评审 reviewer.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.account import Account, AccountRole
from db.base import utcnow
from db.engine import session_scope
from db.market import ExpertProfile, MarketFile, MenuGrant
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, check
from services.core.lengths import too_long
from services.core.permissions import P_MARKET_SELL, ROLES, Actor
from services.core.rules import email_is_valid, mobile_is_valid
from services.core.timefmt import china_time
from services.identity.accounts import _history, _set_password
from services.identity.auth import revoke_all
from services.identity.passwords import hash_password, password_problems
from services.identity.usernames import check_username_free
from services.io.upload_limits import check_size
from services.io.uploads import sniff
from services.market.access import MAIN_ROLE, MENUS, STAFF_ROLE, certified_org, granted_menus
from services.reference import region, region_full_name

EXPERT_ROLE = "expert"
USERNAME_RE = re.compile(r"[A-Za-z0-9_]{6,30}")
USERNAME_RULE = "用户名：须为 6–30 位英文字母、数字或下划线。"
DELETED = "deleted"
YEARS_MAX = 60
FIELDS_MAX, FIELD_LEN = 5, 20
INTRO_MAX = 500                                 # ExpertProfile.intro
PHOTO_TYPES, PHOTO_MB = ("jpg", "png", "bmp"), 2
PHOTO_MIME = {"jpg": "image/jpeg", "png": "image/png", "bmp": "image/bmp"}
MAIN_ONLY = "只有服务商主账号可以管理用户。"
NOT_SELF = "不能在「用户管理」中管理自己的账号，请在「个人中心」修改。"


@dataclass(frozen=True)
class ProviderUser:
    """One row of the 用户列表."""

    id: int
    username: str
    display_name: str
    phone: str | None
    email: str | None
    roles: tuple[str, ...]
    role_names: str
    created_at: str          # China time
    is_main: bool
    is_expert: bool
    menus: tuple[str, ...]


# --- who may act -------------------------------------------------------------------------------
def _main_org(session: Session, actor: Actor, lock: bool = False) -> Organisation:
    """The certified provider organisation of a main account (``PermissionDenied`` otherwise). ``lock``:
    take its row lock, so that two changes of the organisation's users' mobiles run one after the other."""
    org = certified_org(session, actor, P_MARKET_SELL, "provider", lock=lock)
    if MAIN_ROLE not in actor.roles:
        raise PermissionDenied(MAIN_ONLY)
    return org


def _staff(session: Session, actor: Actor, org: Organisation, account_id: int) -> Account:
    """A staff account of the actor's own organisation, locked (never the actor, never a main account)."""
    if account_id == actor.account_id:
        raise PermissionDenied(NOT_SELF)
    account = session.get(Account, account_id, with_for_update=True)
    if account is None or account.org_id != org.id or account.status == DELETED:
        raise NotFound("未找到该用户。")
    if MAIN_ROLE in {r.role_code for r in account.roles}:
        raise PermissionDenied("服务商主账号不能在「用户管理」中修改。")
    return account


def _contact(session: Session, org_id: int, phone: str, email: str, display_name: str,
             account_id: int | None = None) -> dict[str, list[str]]:
    problems = {"手机号": [] if mobile_is_valid(phone) else ["手机号：须为以 1 开头的 11 位数字。"],
                "电子邮箱": too_long("电子邮箱", email, Account.email), "姓名": too_long("姓名", display_name, Account.display_name)}
    if email and not problems["电子邮箱"] and not email_is_valid(email):
        problems["电子邮箱"].append("电子邮箱：格式不正确，如 name@example.com。")
    if not problems["手机号"]:
        same = select(Account.id).where(Account.org_id == org_id, Account.phone == phone, Account.status != DELETED)
        if account_id is not None:
            same = same.where(Account.id != account_id)
        if session.scalar(same.limit(1)) is not None:
            problems["手机号"].append("手机号：本单位已有用户使用该手机号（手机号在单位内唯一）。")
    return problems


# --- users -------------------------------------------------------------------------------------
def add_user(actor: Actor, username: str, phone: str, password: str, password2: str, email: str = "",
             display_name: str = "", request_id: str | None = None) -> int:
    """添加用户: create a staff account of the actor's organisation; return its id (idempotent per request)."""
    username, phone, email = (username or "").strip(), (phone or "").strip(), (email or "").strip()
    display_name = (display_name or "").strip() or username
    with session_scope() as session:
        done = audit.replayed(session, request_id)
        if done is not None:
            return int(done.target_id or 0)
        org = _main_org(session, actor, lock=True)
        problems = _contact(session, org.id, phone, email, display_name)
        problems["用户名"] = [] if USERNAME_RE.fullmatch(username) else [USERNAME_RULE]
        problems["密码"] = [f"密码：{m}" for m in password_problems(password, username, phone)]
        problems["确认密码"] = [] if password == password2 else ["确认密码：两次输入的密码不一致。"]
        check(problems)
        check_username_free(session, username)
        account = Account(username=username, password_hash=hash_password(password), phone=phone,
                          email=email or None, display_name=display_name, org_id=org.id)
        account.roles.append(AccountRole(role_code=STAFF_ROLE))
        session.add(account)
        session.flush()
        audit.record(session, actor.account_id, "market.user_added", "account", account.id,
                     {"org_id": org.id, "username": username}, request_id=request_id)
        return account.id


def list_users(actor: Actor) -> list[ProviderUser]:
    """用户列表: the accounts of the actor's organisation (main account first), deleted ones left out."""
    with session_scope(read=True) as session:
        org = _main_org(session, actor)
        accounts = list(session.scalars(select(Account).where(Account.org_id == org.id, Account.status != DELETED)
                                        .order_by(Account.created_at, Account.id)))
        ids = [a.id for a in accounts]
        grants: dict[int, list[str]] = {}
        for account_id, menu in session.execute(select(MenuGrant.account_id, MenuGrant.menu)
                                                .where(MenuGrant.account_id.in_(ids))):
            grants.setdefault(account_id, []).append(menu)
        out = []
        for a in accounts:
            roles = tuple(sorted(r.role_code for r in a.roles))
            main = MAIN_ROLE in roles
            out.append(ProviderUser(a.id, a.username, a.display_name, a.phone, a.email, roles,
                                    "、".join(ROLES[r].name for r in roles if r in ROLES), china_time(a.created_at),
                                    main, EXPERT_ROLE in roles,
                                    MENUS if main else tuple(m for m in MENUS if m in grants.get(a.id, ()))))
        out.sort(key=lambda u: (not u.is_main, u.id))
        return out


STALE = "该用户的信息已在别处被修改，本次修改未保存。请刷新页面查看最新内容后再修改。"


def edit_user(actor: Actor, account_id: int, display_name: str, phone: str, email: str = "",
              request_id: str | None = None, *, seen: ProviderUser | None = None) -> None:
    """编辑用户: 姓名, 手机号 (unique in the organisation) and 邮箱; the username never changes.
    ``seen``: the row the form was filled from; ``Conflict`` when someone changed the user since, so two
    editors never overwrite each other silently."""
    phone, email, display_name = (phone or "").strip(), (email or "").strip(), (display_name or "").strip()
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor, lock=True)
        account = _staff(session, actor, org, account_id)
        problems = _contact(session, org.id, phone, email, display_name, account.id)
        if not display_name:
            problems["姓名"].append("姓名：必填项，请填写。")
        check(problems)
        before = {"display_name": account.display_name, "phone": account.phone, "email": account.email}
        if seen is not None and (seen.display_name, seen.phone, seen.email) != tuple(before.values()):
            raise Conflict(STALE)
        account.display_name, account.phone, account.email = display_name, phone, email or None
        audit.record(session, actor.account_id, "market.user_updated", "account", account.id,
                     {"before": before}, request_id=request_id)


def delete_user(actor: Actor, account_id: int, request_id: str | None = None) -> None:
    """删除用户: close the account (see the module docstring) and sign it out everywhere."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor)
        account = _staff(session, actor, org, account_id)
        account.status = DELETED
        account.roles.clear()
        session.execute(delete(MenuGrant).where(MenuGrant.account_id == account.id))
        profile = session.get(ExpertProfile, account.id)
        if profile is not None:
            profile.active, profile.updated_at = False, utcnow()
        revoke_all(session, account.id)
        audit.record(session, actor.account_id, "market.user_deleted", "account", account.id,
                     {"username": account.username}, request_id=request_id)


def reset_password(actor: Actor, account_id: int, password: str, password2: str,
                   request_id: str | None = None) -> None:
    """重置密码: the platform's password rules (not a recent one); the account's sessions end."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor)
        account = _staff(session, actor, org, account_id)
        check({"密码": [f"密码：{m}" for m in password_problems(password, account.username, account.phone or "",
                                                               _history(session, account))],
               "确认密码": [] if password == password2 else ["确认密码：两次输入的密码不一致。"]})
        _set_password(session, account, password)
        audit.record(session, actor.account_id, "market.user_password_reset", "account", account.id,
                     request_id=request_id)


# --- menus (应用内权限配置) ----------------------------------------------------------------------
def set_menus(actor: Actor, account_id: int, menus: list[str] | tuple[str, ...] | set[str],
              request_id: str | None = None, *, seen: ProviderUser | None = None) -> None:
    """Replace a staff account's marketplace menus with ``menus`` (each one of ``MENUS``). ``seen``: the
    row the form was filled from; ``Conflict`` when the menus were changed since."""
    chosen = list(dict.fromkeys(menus or ()))
    unknown = [m for m in chosen if m not in MENUS]
    check({"菜单权限": [f"菜单权限：只能从（{'、'.join(MENUS)}）中选择，「{'、'.join(unknown)}」不是可配置的菜单。"]
           if unknown else []})
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor)
        account = _staff(session, actor, org, account_id)
        if seen is not None and set(seen.menus) != set(session.scalars(
                select(MenuGrant.menu).where(MenuGrant.account_id == account.id))) & set(MENUS):
            raise Conflict(STALE)
        session.execute(delete(MenuGrant).where(MenuGrant.account_id == account.id))
        session.add_all(MenuGrant(account_id=account.id, menu=m) for m in chosen)
        audit.record(session, actor.account_id, "market.user_menus", "account", account.id, {"menus": chosen},
                     request_id=request_id)


def menus_for(actor: Actor | None) -> set[str]:
    """The provider menus ``actor`` may open: every one for a certified main account, the granted ones for
    a staff account of a certified provider, none otherwise (the rule is ``access.granted_menus``, which
    the listing, order and review services enforce)."""
    if actor is None or actor.org_id is None or P_MARKET_SELL not in actor.permissions:
        return set()
    with session_scope(read=True) as session:
        org = session.get(Organisation, actor.org_id)
        if org is None or org.kind != "provider" or org.status != "approved":
            return set()
        return granted_menus(session, actor, org)


# --- experts -----------------------------------------------------------------------------------
def _photo_type(data: bytes) -> str:
    """Check an expert photo's size and its *content* (jpeg/png/bmp ≤ 2 MB) before any transaction; return
    its real type."""
    check_size(data, "照片", PHOTO_MB)
    real = sniff(data)
    if real not in PHOTO_TYPES:
        raise ValidationFailed({"照片": ["照片：文件内容不是 JPEG、PNG 或 BMP 图片，请重新上传。"]})
    return real


def _photo(session: Session, org_id: int, account_id: int, data: bytes, filename: str, real: str) -> int:
    """Keep an expert photo already checked by ``_photo_type``; return its id."""
    row = MarketFile(org_id=org_id, account_id=account_id, purpose="photo",
                     filename=(filename or f"photo.{real}").rsplit("/", 1)[-1][:128], mime=PHOTO_MIME[real],
                     size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    session.add(row)
    session.flush()
    return row.id


def expert_problems(region_code: str, years: Any, fields: list[str], intro: str) -> dict[str, list[str]]:
    """The problems of an expert profile (pure)."""
    problems: dict[str, list[str]] = {"所属区域": [], "服务年限": [], "专业领域": [], "专家介绍": []}
    if not region_code:
        problems["所属区域"].append("所属区域：必填项，请选择。")
    elif region(region_code) is None:
        problems["所属区域"].append("所属区域：请从行政区划列表中选择。")
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= YEARS_MAX:
        problems["服务年限"].append(f"服务年限：须为 0–{YEARS_MAX} 的整数（年）。")
    if not fields:
        problems["专业领域"].append("专业领域：至少填写 1 项。")
    if len(fields) > FIELDS_MAX:
        problems["专业领域"].append(f"专业领域：最多 {FIELDS_MAX} 项（当前 {len(fields)} 项）。")
    if any(len(f) > FIELD_LEN for f in fields):
        problems["专业领域"].append(f"专业领域：每项不能超过 {FIELD_LEN} 个字符。")
    if not intro:
        problems["专家介绍"].append("专家介绍：必填项，请填写。")
    elif len(intro) > INTRO_MAX:
        problems["专家介绍"].append(f"专家介绍：不能超过 {INTRO_MAX} 个字符（当前 {len(intro)} 个）。")
    return problems


def set_expert(actor: Actor, account_id: int, *, region_code: str, years: int, fields: list[str], intro: str,
               photo: bytes | None = None, photo_name: str = "", request_id: str | None = None) -> None:
    """设为专家 (or update the profile): the profile, active, and the ``expert`` role, in one transaction.

    A new ``photo`` replaces the old one; without it the old one stays."""
    fields = list(dict.fromkeys(f.strip() for f in (fields or []) if f and f.strip()))
    intro = (intro or "").strip()
    check(expert_problems((region_code or "").strip(), years, fields, intro))
    real = _photo_type(photo) if photo else None
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor)
        account = _staff(session, actor, org, account_id)
        photo_id = _photo(session, org.id, account.id, photo, photo_name, real) if photo and real else None
        profile = session.get(ExpertProfile, account.id)
        if profile is None:
            profile = ExpertProfile(account_id=account.id, org_id=org.id)
            session.add(profile)
        profile.region_code, profile.years, profile.fields, profile.intro = region_code.strip(), years, fields, intro
        profile.active, profile.updated_at = True, utcnow()
        if photo_id is not None:
            profile.photo_id = photo_id
        if EXPERT_ROLE not in {r.role_code for r in account.roles}:
            account.roles.append(AccountRole(role_code=EXPERT_ROLE))
        revoke_all(session, account.id)   # the new role takes effect at the next sign-in
        audit.record(session, actor.account_id, "market.expert_set", "account", account.id,
                     {"fields": fields, "years": years, "region": region_code}, request_id=request_id)


def unset_expert(actor: Actor, account_id: int, request_id: str | None = None) -> None:
    """取消专家: the ``expert`` role goes and the profile becomes inactive (kept for history)."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        org = _main_org(session, actor)
        account = _staff(session, actor, org, account_id)
        profile = session.get(ExpertProfile, account.id)
        roles = [r for r in account.roles if r.role_code == EXPERT_ROLE]
        if (profile is None or not profile.active) and not roles:
            raise ValidationFailed({"专家": ["专家：该用户不是专家。"]})
        for r in roles:
            account.roles.remove(r)
        if profile is not None:
            profile.active, profile.updated_at = False, utcnow()
        revoke_all(session, account.id)
        audit.record(session, actor.account_id, "market.expert_unset", "account", account.id, request_id=request_id)


def expert_profile(actor: Actor, account_id: int) -> dict[str, Any] | None:
    """The expert profile of a staff account of the actor's organisation, for the 专家录入 form (or None)."""
    with session_scope(read=True) as session:
        org = _main_org(session, actor)
        _staff(session, actor, org, account_id)
        p = session.get(ExpertProfile, account_id)
        if p is None:
            return None
        return {"region_code": p.region_code, "years": p.years, "fields": list(p.fields or []), "intro": p.intro,
                "active": p.active, "photo_id": p.photo_id}


def active_experts() -> list[dict[str, Any]]:
    """The experts on 专家团队 (choosable as 专家评审 reviewer too, see ``reviewer_experts``): active profile, active account holding the
    ``expert`` role, of a certified provider. Each: account_id, name, org_name, fields, region_code,
    region_name, years, intro, photo_id."""
    with session_scope(read=True) as session:
        has_role = select(AccountRole.account_id).where(AccountRole.role_code == EXPERT_ROLE)
        rows = session.execute(
            select(ExpertProfile, Account.display_name, Organisation.name)
            .join(Account, Account.id == ExpertProfile.account_id)
            .join(Organisation, Organisation.id == ExpertProfile.org_id)
            .where(ExpertProfile.active.is_(True), Account.status == "active", Account.id.in_(has_role),
                   Organisation.status == "approved")
            .order_by(func.lower(Account.display_name), Account.id))
        return [{"account_id": p.account_id, "name": name, "org_name": org_name, "fields": list(p.fields or []),
                 "region_code": p.region_code, "region_name": region_full_name(p.region_code) if p.region_code else "",
                 "years": p.years, "intro": p.intro, "photo_id": p.photo_id} for p, name, org_name in rows]


def reviewer_experts(session: Session, exclude_org: int) -> list[tuple[int, str]]:
    """The experts an operator may choose as 专家评审 reviewer of a listing of ``exclude_org``, as (account
    id, name): active accounts holding the ``expert`` role whose expert profile was not cancelled — a
    platform expert (no organisation), or a provider's expert while that provider is certified (the
    experts of ``active_experts``) — and never one of the listing's own organisation."""
    cancelled = select(ExpertProfile.account_id).where(ExpertProfile.active.is_(False))
    rows = session.execute(
        select(Account.id, Account.display_name, Account.username)
        .join(AccountRole, AccountRole.account_id == Account.id)
        .outerjoin(Organisation, Organisation.id == Account.org_id)
        .where(AccountRole.role_code == EXPERT_ROLE, Account.status == "active", Account.id.not_in(cancelled),
               Account.org_id.is_(None) | ((Organisation.status == "approved") & (Account.org_id != exclude_org)))
        .order_by(Account.display_name, Account.id)).all()
    return [(r.id, r.display_name or r.username) for r in rows]


def expert_photo(file_id: int) -> tuple[bytes, str] | None:
    """The photo of an active expert (bytes, mime), or None: only photos shown on 专家团队 are public."""
    with session_scope(read=True) as session:
        row = session.scalar(select(MarketFile).join(ExpertProfile, ExpertProfile.photo_id == MarketFile.id)
                             .where(MarketFile.id == file_id, MarketFile.purpose == "photo",
                                    ExpertProfile.active.is_(True)))
        return (bytes(row.data), row.mime) if row is not None else None
