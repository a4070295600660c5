"""文档管理 — groups (组管理): create, rename, delete, members; owned by their creator."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from db.account import Account, AccountRole
from db.docs import DocGroup, DocGroupMember, DocNode
from db.engine import session_scope
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.lengths import too_long
from services.core.permissions import Actor
from services.docs.access import ADMIN_ROLES, gate, member_group, replayed_result, username_of
from services.docs.files import clean_name


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    owner: str
    is_owner: bool
    members: tuple[str, ...]
    row_version: int


# --- groups ------------------------------------------------------------------------------------------------
def list_groups(actor: Actor) -> list[GroupRow]:
    """Groups the actor owns or belongs to."""
    gate(actor)
    with session_scope(read=True) as s:
        member_of = select(DocGroupMember.group_id).where(DocGroupMember.account_id == actor.account_id)
        groups = s.scalars(select(DocGroup).where(or_(DocGroup.owner_id == actor.account_id,
                                                      DocGroup.id.in_(member_of))).order_by(DocGroup.name)).all()
        out = []
        for g in groups:
            names = s.scalars(select(Account.username).join(DocGroupMember, DocGroupMember.account_id == Account.id)
                              .where(DocGroupMember.group_id == g.id).order_by(Account.username)).all()
            out.append(GroupRow(g.id, g.name, username_of(s, g.owner_id), g.owner_id == actor.account_id,
                                tuple(names), g.row_version))
        return out


def _owned_group(session: Session, actor: Actor, group_id: int) -> DocGroup:
    group = member_group(session, actor, group_id)
    if group is None:
        raise NotFound("组不存在或无权访问。")
    if group.owner_id != actor.account_id:
        raise PermissionDenied("只有组的创建者可以维护此组。")
    return group


def _group_name(name: str) -> str:
    """Return the cleaned 组名称, or raise naming the rule (names, length)."""
    name = clean_name(name, "组名称")
    problems = too_long("组名称", name, DocGroup.name)
    if problems:
        raise ValidationFailed({"组名称": problems})
    return name


def create_group(actor: Actor, name: str, request_id: str | None = None) -> int:
    """添加组; return its id."""
    gate(actor)
    name = _group_name(name)
    with session_scope() as s:
        if (done := replayed_result(s, request_id)) is not None:
            return int(done)
        if s.scalar(select(DocGroup.id).where(DocGroup.owner_id == actor.account_id, DocGroup.name == name)):
            raise Conflict(f"组名称：您已有名为“{name}”的组。")
        group = DocGroup(name=name, owner_id=actor.account_id)
        s.add(group)
        s.flush()
        audit.record(s, actor.account_id, "docs.group_create", "doc_group", group.id, {"name": name},
                     request_id=request_id)
        return group.id


def rename_group(actor: Actor, group_id: int, name: str, row_version: int, request_id: str | None = None) -> None:
    """修改组名称 (owner only); refuses when the group changed since ``row_version`` was read."""
    gate(actor)
    name = _group_name(name)
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        group = _owned_group(s, actor, group_id)
        if s.scalar(select(DocGroup.id).where(DocGroup.owner_id == actor.account_id, DocGroup.name == name,
                                              DocGroup.id != group_id)):
            raise Conflict(f"组名称：您已有名为“{name}”的组。")
        before = group.name
        done = s.execute(update(DocGroup).where(DocGroup.id == group_id, DocGroup.row_version == row_version)
                         .values(name=name, row_version=DocGroup.row_version + 1))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("此组已被他人修改，请刷新后重试。")
        audit.record(s, actor.account_id, "docs.group_rename", "doc_group", group_id, {"before": before, "name": name},
                     request_id=request_id)


def delete_group(actor: Actor, group_id: int, request_id: str | None = None) -> None:
    """删除组 (owner only; refused while the group still holds documents, recycle area included)."""
    gate(actor)
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        group = _owned_group(s, actor, group_id)
        if s.scalar(select(func.count()).select_from(DocNode).where(DocNode.space_key == f"group:{group_id}")):
            raise Conflict("组内还有文档（含回收站），请先删除并彻底清除后再删除组。")
        name = group.name
        s.delete(group)
        audit.record(s, actor.account_id, "docs.group_delete", "doc_group", group_id, {"name": name},
                     request_id=request_id)


def member_candidates(actor: Actor) -> list[tuple[str, str]]:
    """(username, display name) of active administrators the actor may add: those of the same province
    (every administrator for a national one), the actor excluded."""
    gate(actor)
    with session_scope(read=True) as s:
        q = (select(Account.username, Account.display_name).join(AccountRole, AccountRole.account_id == Account.id)
             .where(AccountRole.role_code.in_(ADMIN_ROLES), Account.status == "active",
                    Account.id != actor.account_id).distinct().order_by(Account.username).limit(1000))
        if actor.region_code:
            q = q.where(Account.region_code.like(actor.region_code[:2] + "%"))
        return [(u, d) for u, d in s.execute(q).all()]


def set_members(actor: Actor, group_id: int, usernames: Sequence[str], request_id: str | None = None) -> None:
    """组员: replace the member list (owner only) with these administrators."""
    gate(actor)
    allowed = {u for u, _ in member_candidates(actor)}
    wanted = sorted({u.strip() for u in usernames if u.strip()})
    unknown = [u for u in wanted if u not in allowed]
    if unknown:
        raise ValidationFailed({"组员": [f"组员：{'、'.join(unknown[:10])} 不是可选的管理员账号。"]})
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        _owned_group(s, actor, group_id)
        ids = s.scalars(select(Account.id).where(Account.username.in_(wanted))).all() if wanted else []
        for m in s.scalars(select(DocGroupMember).where(DocGroupMember.group_id == group_id)).all():
            s.delete(m)
        s.flush()
        for account_id in ids:
            s.add(DocGroupMember(group_id=group_id, account_id=account_id))
        s.execute(update(DocGroup).where(DocGroup.id == group_id).values(row_version=DocGroup.row_version + 1))
        audit.record(s, actor.account_id, "docs.group_members", "doc_group", group_id, {"members": wanted},
                     request_id=request_id)
