"""Who may do what in the marketplace, beyond the named permission: the organisation must be certified.

Until its registration is approved (认证审核) a provider can sign in and follow its progress but cannot
list products or manage users, and an enterprise cannot grab vouchers or buy. Every marketplace
service that acts for an organisation calls ``certified_org`` inside its transaction.
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
    return org
