"""文档管理 — who may see and change what: the permission gate, spaces, nodes, siblings and replays.

The rules are told in services/docs/documents.py's docstring; this module holds them, for the groups and
the documents modules alike."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.account import Account
from db.docs import DocGroup, DocGroupMember, DocNode
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied
from services.core.permissions import ADMIN_ROLE_BY_LEVEL, P_MONITOR_REVIEW, Actor, has_perm

PERMISSION = P_MONITOR_REVIEW  # the four jurisdiction administrator roles, who own 文档管理 in the manual
ADMIN_ROLES = set(ADMIN_ROLE_BY_LEVEL.values())


# --- access ------------------------------------------------------------------------------------------------
def gate(actor: Actor | None) -> Actor:
    if actor is None or not has_perm(actor, PERMISSION):
        raise PermissionDenied("没有文档管理权限。")
    return actor


def org_key(actor: Actor) -> str:
    """The organisation space of the actor's jurisdiction (``region:CN`` nationally)."""
    if actor.roles & ADMIN_ROLES:
        return f"region:{actor.region_code or 'CN'}"
    if actor.org_id is not None:
        return f"org:{actor.org_id}"
    raise PermissionDenied("没有组织文档空间。")


def member_group(session: Session, actor: Actor, group_id: int) -> DocGroup | None:
    group = session.get(DocGroup, group_id)
    if group is None:
        return None
    if group.owner_id == actor.account_id:
        return group
    if session.get(DocGroupMember, (group_id, actor.account_id)) is not None:
        return group
    return None


def can_see(session: Session, actor: Actor, key: str) -> bool:
    kind, _, ident = key.partition(":")
    if kind == "account":
        return ident == str(actor.account_id)
    if kind == "group":
        return ident.isdigit() and member_group(session, actor, int(ident)) is not None
    return key == org_key(actor)


def can_change(session: Session, actor: Actor, node: DocNode) -> bool:
    """Rename / delete / restore / purge / baseline: the node's owner; the group owner in a group space; any
    administrator of the jurisdiction in the organisation space; only the owner in a personal space."""
    if not can_see(session, actor, node.space_key):
        return False
    kind, _, ident = node.space_key.partition(":")
    if node.owner_id == actor.account_id or kind in ("region", "org"):
        return True
    if kind == "group":
        group = session.get(DocGroup, int(ident))
        return group is not None and group.owner_id == actor.account_id
    return False


def resolve_space(session: Session, actor: Actor, space: str) -> str:
    if space == "org":
        return org_key(actor)
    if space == "personal":
        return f"account:{actor.account_id}"
    kind, _, ident = space.partition(":")
    if kind == "group" and ident.isdigit() and member_group(session, actor, int(ident)):
        return f"group:{ident}"
    raise NotFound("文档空间不存在或无权访问。")


def get_node(session: Session, actor: Actor, node_id: int, *, deleted: bool = False) -> DocNode:
    """The node if the actor may see its space (else NotFound: they may not know it exists)."""
    node = session.get(DocNode, node_id)
    if node is None or not can_see(session, actor, node.space_key) or (node.deleted_at is not None) != deleted:
        raise NotFound("文件或文件夹不存在或无权访问。")
    if not deleted and is_hidden(session, node):
        raise NotFound("文件或文件夹不存在或无权访问。")
    return node


def is_hidden(session: Session, node: DocNode) -> bool:
    """True when an ancestor folder lies in the recycle area."""
    parent_id = node.parent_id
    while parent_id is not None:
        parent = session.get(DocNode, parent_id)
        if parent is None or parent.deleted_at is not None:
            return True
        parent_id = parent.parent_id
    return False


def check_changeable(session: Session, actor: Actor, node: DocNode) -> None:
    if not can_change(session, actor, node):
        raise PermissionDenied("只有创建者、组的所有者或本辖区管理员可以修改或删除此项。")


def get_folder(session: Session, actor: Actor, key: str, folder_id: int | None) -> DocNode | None:
    if folder_id is None:
        return None
    folder = get_node(session, actor, folder_id)
    if folder.kind != "folder" or folder.space_key != key:
        raise NotFound("目标文件夹不存在或不在此空间。")
    return folder


def sibling_named(session: Session, key: str, parent_id: int | None, name: str, skip: int | None = None) -> DocNode | None:
    q = select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_(None),
                              DocNode.parent_id.is_(None) if parent_id is None else DocNode.parent_id == parent_id,
                              func.lower(DocNode.name) == name.lower())
    if skip is not None:
        q = q.where(DocNode.id != skip)
    return session.scalars(q).first()


def name_taken(name: str) -> Conflict:
    return Conflict(f"名称：当前文件夹中已有同名的文件或文件夹“{name}”，请换一个名称。")


def replayed_result(session: Session, request_id: str | None) -> Any:
    done = audit.replayed(session, request_id)
    return None if done is None else (done.detail or {}).get("result", done.target_id)


def username_of(session: Session, account_id: int | None) -> str:
    return (session.scalar(select(Account.username).where(Account.id == account_id)) or "") if account_id else ""
