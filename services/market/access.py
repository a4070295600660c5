"""Who may do what in the marketplace, beyond the named permission: the organisation must be certified.

Until its registration is approved (认证审核) a provider can sign in and follow its progress but cannot
list products or manage users, and an enterprise cannot grab vouchers or buy. An enterprise must also have
submitted its 企业背景信息 (services.market.background; the page of that name) — the issue's registration
"with the enterprise background sections", kept as a separate page because the form needs the organisation
to exist. Every marketplace service that acts for an organisation calls ``certified_org`` inside its
transaction.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from db.organisation import Organisation
from services.core.errors import PermissionDenied
from services.core.permissions import Actor, require

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
