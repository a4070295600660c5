"""Who may do what in the marketplace, beyond the named permission: the organisation must be certified.

Until its registration is approved (认证审核) a provider can sign in and follow its progress but cannot
list products or manage users, and an enterprise cannot grab vouchers or buy. An enterprise must also have
submitted its 企业背景信息 (services.market.background; the page of that name) — the issue's registration
"with the enterprise background sections", kept as a separate page because the form needs the organisation
to exist. Every marketplace service that acts for an organisation calls ``certified_org`` inside its
transaction.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.account import Account
from db.market import MenuGrant
from db.organisation import Organisation
from services.core.errors import PermissionDenied
from services.core.permissions import P_MARKET_SELL, Actor, require

MAIN_ROLE, STAFF_ROLE = "provider", "provider_staff"
# The marketplace menus of a provider (应用内权限配置): the main account has all, a staff account the granted ones.
LIST, MINE, ORDERS, REVIEWS = MENUS = ("商品上架", "我的商品", "订单管理", "客户评价")

NOT_CERTIFIED = {
    "provider": "贵单位的服务商认证尚未通过审核，通过后才能上架商品和管理用户。请在「单位注册信息」查看审核进度。",
    "enterprise": "贵单位的企业认证尚未通过审核，通过后才能申请服务券和购买商品。请在「单位注册信息」查看审核进度。",
}
NO_BACKGROUND = "请先在「企业背景信息」页面填写并提交企业背景信息，提交后才能申请服务券和购买商品。"


def certified_org(session: Session, actor: Actor, perm: str, kind: str, *, lock: bool = False) -> Organisation:
    """Return the actor's own organisation after checking ``perm``, its kind and that it is certified.

    ``kind``: "provider" or "enterprise". ``lock``: take the row lock (SELECT … FOR UPDATE)."""
    require(actor, perm)
    if actor.org_id is None:
        raise PermissionDenied("此功能仅对已认证的服务商或企业开放。")
    org = session.get(Organisation, actor.org_id, with_for_update=lock)
    if org is None or org.kind != kind:
        raise PermissionDenied("此功能仅对已认证的服务商或企业开放。")
    if org.status != "approved":
        raise PermissionDenied(NOT_CERTIFIED[kind])
    if kind == "enterprise":
        from services.market.background import submitted
        if not submitted(org):
            raise PermissionDenied(NO_BACKGROUND)
    return org


def granted_menus(session: Session, actor: Actor, org: Organisation) -> set[str]:
    """The provider menus ``actor`` may use in ``org`` (its own, certified organisation), read from the
    database on every call so that a change of 应用内权限配置 holds at once: every menu for an active
    main account, the granted ones for an active staff account, none otherwise."""
    account = session.get(Account, actor.account_id)
    if account is None or account.status != "active" or account.org_id != org.id:
        return set()
    roles = {r.role_code for r in account.roles}
    if MAIN_ROLE in roles:
        return set(MENUS)
    if STAFF_ROLE not in roles:
        return set()
    return set(session.scalars(select(MenuGrant.menu).where(MenuGrant.account_id == account.id))) & set(MENUS)


def provider_org(session: Session, actor: Actor, *menus: str, lock: bool = False) -> Organisation:
    """``certified_org`` for a provider, and the actor must hold one of ``menus`` (应用内权限配置): a staff
    account without the grant cannot use the function through the service, whatever the navigation shows."""
    org = certified_org(session, actor, P_MARKET_SELL, "provider", lock=lock)
    if menus and not granted_menus(session, actor, org) & set(menus):
        raise PermissionDenied(f"您没有「{'」或「'.join(menus)}」菜单的权限，请联系本单位服务商主账号在"
                               "「用户管理 → 应用内权限配置」中授权。")
    return org
