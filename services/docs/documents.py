"""文档管理: groups, and folders / files in the organisation, personal and group spaces.

Spaces (see db/docs.py) are named to callers as ``"org"`` (the actor's jurisdiction's organisation
documents), ``"personal"`` (their own) or ``"group:<id>"`` (a group they own or belong to). Every function
checks, here and not in the page, that the actor may see the space of each object it touches:

* personal documents: only their owner;
* group documents: only the group's owner and members;
* organisation documents: only administrators of the same jurisdiction (``region:<code>``) — another
  jurisdiction's documents are "not found".

Changing or removing a node (rename, delete, restore, purge, baseline) is for its owner, the group's owner
(group space) or any administrator of the jurisdiction (organisation space); in a personal space only the owner.

Uploads are checked before any transaction opens: size (``HUIQI_DOCS_MAX_MB``), the content's real type
(services/io/uploads.sniff; text by decoding), that the name's extension fits the content, and the name
(``clean_name``). One action = one transaction + one audit row ``docs.*``; a repeated ``request_id`` does
nothing twice; renames carry the ``row_version`` the user saw and never overwrite a concurrent change.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import delete as sa_delete, func, or_, select, update
from sqlalchemy.orm import Session

from config import settings
from db.account import Account, AccountRole
from db.base import utcnow
from db.docs import DocGroup, DocGroupMember, DocNode, DocVersion
from db.engine import session_scope
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.lengths import too_long
from services.core.permissions import ADMIN_ROLE_BY_LEVEL, P_MONITOR_REVIEW, Actor, has_perm
from services.core.timefmt import china_time
from services.docs.mail import Attachment, Mail, get_mailer
from services.docs.storage import Storage, get_storage
from services.io.upload_limits import check_size, check_zip
from services.io.uploads import sniff

PERMISSION = P_MONITOR_REVIEW  # the four jurisdiction administrator roles, who own 文档管理 in the manual
MAX_FILES = 100                # files in one upload
MAX_MAIL_MB = 20.0             # attachments of one message
MAX_RECIPIENTS = 10
MAX_TEXT_PREVIEW = 200_000     # characters of a text preview
NAME_MAX = 128
_ADMIN_ROLES = set(ADMIN_ROLE_BY_LEVEL.values())

# real content type -> (MIME, extensions a name may carry)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpg": ("image/jpeg", ("jpg", "jpeg")),
    "gif": ("image/gif", ("gif",)),
    "bmp": ("image/bmp", ("bmp",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "txt": ("text/plain", ("txt", "csv", "md", "log")),
}
IMAGES = {"png", "jpg", "gif", "bmp"}
_FORBIDDEN = set('/\\<>:"|?*')
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


# --- results -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    owner: str
    is_owner: bool
    members: tuple[str, ...]
    row_version: int


@dataclass(frozen=True)
class NodeRow:
    id: int
    kind: str            # folder / file
    name: str
    size: int
    owner: str
    created_at: str
    updated_at: str
    version_no: int | None
    baseline_no: int | None
    row_version: int
    path: str            # "/a/b" of the folder it lies in
    deleted_at: str = ""


@dataclass(frozen=True)
class VersionRow:
    id: int
    version_no: int
    size: int
    file_type: str
    creator: str
    created_at: str
    is_current: bool
    is_baseline: bool


@dataclass(frozen=True)
class FileOut:
    filename: str
    data: bytes
    mime: str
    file_type: str


@dataclass(frozen=True)
class Preview:
    kind: str            # pdf / image / text
    filename: str
    data: bytes
    mime: str
    text: str = ""
    truncated: bool = False


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    file_type: str
    sha256: str


# --- pure checks (no database) -------------------------------------------------------------------------
def clean_name(name: str, label: str = "名称") -> str:
    """Return ``name`` normalised (NFC, trimmed) or raise ``ValidationFailed`` when it is empty, longer than
    128 characters, ``.`` / ``..``, or holds a path separator, a control / format character or one of <>:"|?*."""
    value = unicodedata.normalize("NFC", name or "").strip()
    problems: list[str] = []
    if not value:
        problems.append(f"{label}：不能为空。")
    elif value in (".", ".."):
        problems.append(f"{label}：不能是“.”或“..”。")
    elif any(c in _FORBIDDEN for c in value):
        problems.append(f"{label}：不能包含路径分隔符或字符 / \\ < > : \" | ? *。")
    elif any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in value):
        problems.append(f"{label}：不能包含控制字符或不可见的格式字符。")
    problems += too_long(label, value, NAME_MAX)
    if problems:
        raise ValidationFailed({label: problems})
    return value


def _is_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return not any(unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text[:10000])
    return False


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def check_file(name: str, data: bytes, max_mb: float | None = None) -> CheckedFile:
    """Check one upload without touching the database: size, name, real content type, extension vs content."""
    label = f"文件“{(name or '')[:40]}”"
    filename = clean_name(name, "文件名")
    if not data:
        raise ValidationFailed({label: [f"{label}：文件为空。"]})
    check_size(data, label, settings.docs_max_mb if max_mb is None else max_mb)
    real = sniff(data)
    if real is None and _is_text(data):
        real = "txt"
    if real not in TYPES:
        allowed = "、".join(sorted({e for _, exts in TYPES.values() for e in exts}))
        raise ValidationFailed({label: [f"{label}：文件内容不是允许的类型（允许：{allowed}）。"]})
    if real in ("xlsx", "docx"):
        check_zip(data, label)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in TYPES[real][1]:
        raise ValidationFailed({label: [f"{label}：文件内容是 {real}，与扩展名“.{ext}”不符，请检查后重新上传。"
                                        if ext else f"{label}：文件名缺少扩展名（内容是 {real}）。"]})
    return CheckedFile(filename, data, real, hashlib.sha256(data).hexdigest())


def _check_batch(files: Sequence[tuple[str, bytes]]) -> list[CheckedFile]:
    if not files:
        raise ValidationFailed({"文件": ["文件：请选择要上传的文件。"]})
    if len(files) > MAX_FILES:
        raise ValidationFailed({"文件": [f"文件：一次最多上传 {MAX_FILES} 个文件（当前 {len(files)} 个）。"]})
    checked = [check_file(n, d) for n, d in files]
    names = [c.name for c in checked]
    if len(set(names)) != len(names):
        raise ValidationFailed({"文件": ["文件：同一次上传中有重名的文件。"]})
    return checked


# --- access ------------------------------------------------------------------------------------------------
def _gate(actor: Actor | None) -> Actor:
    if actor is None or not has_perm(actor, PERMISSION):
        raise PermissionDenied("没有文档管理权限。")
    return actor


def org_key(actor: Actor) -> str:
    """The organisation space of the actor's jurisdiction (``region:CN`` nationally)."""
    if actor.roles & _ADMIN_ROLES:
        return f"region:{actor.region_code or 'CN'}"
    if actor.org_id is not None:
        return f"org:{actor.org_id}"
    raise PermissionDenied("没有组织文档空间。")


def _is_member(session: Session, actor: Actor, group_id: int) -> DocGroup | None:
    group = session.get(DocGroup, group_id)
    if group is None:
        return None
    if group.owner_id == actor.account_id:
        return group
    if session.get(DocGroupMember, (group_id, actor.account_id)) is not None:
        return group
    return None


def _can_see(session: Session, actor: Actor, key: str) -> bool:
    kind, _, ident = key.partition(":")
    if kind == "account":
        return ident == str(actor.account_id)
    if kind == "group":
        return ident.isdigit() and _is_member(session, actor, int(ident)) is not None
    return key == org_key(actor)


def _can_change(session: Session, actor: Actor, node: DocNode) -> bool:
    """Rename / delete / restore / purge / baseline: the node's owner; the group owner in a group space; any
    administrator of the jurisdiction in the organisation space; only the owner in a personal space."""
    if not _can_see(session, actor, node.space_key):
        return False
    kind, _, ident = node.space_key.partition(":")
    if node.owner_id == actor.account_id or kind in ("region", "org"):
        return True
    if kind == "group":
        group = session.get(DocGroup, int(ident))
        return group is not None and group.owner_id == actor.account_id
    return False


def _space_key(session: Session, actor: Actor, space: str) -> str:
    if space == "org":
        return org_key(actor)
    if space == "personal":
        return f"account:{actor.account_id}"
    kind, _, ident = space.partition(":")
    if kind == "group" and ident.isdigit() and _is_member(session, actor, int(ident)):
        return f"group:{ident}"
    raise NotFound("文档空间不存在或无权访问。")


def _node(session: Session, actor: Actor, node_id: int, *, deleted: bool = False) -> DocNode:
    """The node if the actor may see its space (else NotFound: they may not know it exists)."""
    node = session.get(DocNode, node_id)
    if node is None or not _can_see(session, actor, node.space_key) or (node.deleted_at is not None) != deleted:
        raise NotFound("文件或文件夹不存在或无权访问。")
    if not deleted and _hidden(session, node):
        raise NotFound("文件或文件夹不存在或无权访问。")
    return node


def _hidden(session: Session, node: DocNode) -> bool:
    """True when an ancestor folder lies in the recycle area."""
    parent_id = node.parent_id
    while parent_id is not None:
        parent = session.get(DocNode, parent_id)
        if parent is None or parent.deleted_at is not None:
            return True
        parent_id = parent.parent_id
    return False


def _changeable(session: Session, actor: Actor, node: DocNode) -> None:
    if not _can_change(session, actor, node):
        raise PermissionDenied("只有创建者、组的所有者或本辖区管理员可以修改或删除此项。")


def _folder(session: Session, actor: Actor, key: str, folder_id: int | None) -> DocNode | None:
    if folder_id is None:
        return None
    folder = _node(session, actor, folder_id)
    if folder.kind != "folder" or folder.space_key != key:
        raise NotFound("目标文件夹不存在或不在此空间。")
    return folder


def _sibling(session: Session, key: str, parent_id: int | None, name: str, skip: int | None = None) -> DocNode | None:
    q = select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_(None),
                              DocNode.parent_id.is_(None) if parent_id is None else DocNode.parent_id == parent_id,
                              func.lower(DocNode.name) == name.lower())
    if skip is not None:
        q = q.where(DocNode.id != skip)
    return session.scalars(q).first()


def _taken(name: str) -> Conflict:
    return Conflict(f"名称：当前文件夹中已有同名的文件或文件夹“{name}”，请换一个名称。")


def _replay(session: Session, request_id: str | None) -> Any:
    done = audit.replayed(session, request_id)
    return None if done is None else (done.detail or {}).get("result", done.target_id)


# --- groups ------------------------------------------------------------------------------------------------
def list_groups(actor: Actor) -> list[GroupRow]:
    """Groups the actor owns or belongs to."""
    _gate(actor)
    with session_scope() as s:
        member_of = select(DocGroupMember.group_id).where(DocGroupMember.account_id == actor.account_id)
        groups = s.scalars(select(DocGroup).where(or_(DocGroup.owner_id == actor.account_id,
                                                      DocGroup.id.in_(member_of))).order_by(DocGroup.name)).all()
        out = []
        for g in groups:
            names = s.scalars(select(Account.username).join(DocGroupMember, DocGroupMember.account_id == Account.id)
                              .where(DocGroupMember.group_id == g.id).order_by(Account.username)).all()
            out.append(GroupRow(g.id, g.name, _username(s, g.owner_id), g.owner_id == actor.account_id,
                                tuple(names), g.row_version))
        return out


def _owned_group(session: Session, actor: Actor, group_id: int) -> DocGroup:
    group = _is_member(session, actor, group_id)
    if group is None:
        raise NotFound("组不存在或无权访问。")
    if group.owner_id != actor.account_id:
        raise PermissionDenied("只有组的创建者可以维护此组。")
    return group


def create_group(actor: Actor, name: str, request_id: str | None = None) -> int:
    """添加组; return its id."""
    _gate(actor)
    name = clean_name(name, "组名称")
    problems = too_long("组名称", name, DocGroup.name)
    if problems:
        raise ValidationFailed({"组名称": problems})
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
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
    _gate(actor)
    name = clean_name(name, "组名称")
    problems = too_long("组名称", name, DocGroup.name)
    if problems:
        raise ValidationFailed({"组名称": problems})
    with session_scope() as s:
        if _replay(s, request_id) is not None:
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
    _gate(actor)
    with session_scope() as s:
        if _replay(s, request_id) is not None:
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
    _gate(actor)
    with session_scope() as s:
        q = (select(Account.username, Account.display_name).join(AccountRole, AccountRole.account_id == Account.id)
             .where(AccountRole.role_code.in_(_ADMIN_ROLES), Account.status == "active",
                    Account.id != actor.account_id).distinct().order_by(Account.username).limit(1000))
        if actor.region_code:
            q = q.where(Account.region_code.like(actor.region_code[:2] + "%"))
        return [(u, d) for u, d in s.execute(q).all()]


def set_members(actor: Actor, group_id: int, usernames: Sequence[str], request_id: str | None = None) -> None:
    """组员: replace the member list (owner only) with these administrators."""
    _gate(actor)
    allowed = {u for u, _ in member_candidates(actor)}
    wanted = sorted({u.strip() for u in usernames if u.strip()})
    unknown = [u for u in wanted if u not in allowed]
    if unknown:
        raise ValidationFailed({"组员": [f"组员：{'、'.join(unknown[:10])} 不是可选的管理员账号。"]})
    with session_scope() as s:
        if _replay(s, request_id) is not None:
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


# --- reading -------------------------------------------------------------------------------------------------
def spaces(actor: Actor) -> list[tuple[str, str]]:
    """(space, label) of every space the actor may open: 组织文档, 个人文档, then 组文档 of each group."""
    _gate(actor)
    out = [("org", "组织文档"), ("personal", "个人文档")]
    out += [(f"group:{g.id}", f"组文档：{g.name}") for g in list_groups(actor)]
    return out


def _username(session: Session, account_id: int | None) -> str:
    return (session.scalar(select(Account.username).where(Account.id == account_id)) or "") if account_id else ""


def _path(session: Session, parent_id: int | None) -> str:
    parts: list[str] = []
    while parent_id is not None:
        parent = session.get(DocNode, parent_id)
        if parent is None:
            break
        parts.append(parent.name)
        parent_id = parent.parent_id
    return "/" + "/".join(reversed(parts))


def _row(session: Session, n: DocNode) -> NodeRow:
    cur = session.get(DocVersion, n.current_version_id) if n.current_version_id else None
    base = session.get(DocVersion, n.baseline_version_id) if n.baseline_version_id else None
    return NodeRow(n.id, n.kind, n.name, n.size, _username(session, n.owner_id), china_time(n.created_at),
                   china_time(n.updated_at), cur.version_no if cur else None, base.version_no if base else None,
                   n.row_version, _path(session, n.parent_id), china_time(n.deleted_at) if n.deleted_at else "")


def list_folder(actor: Actor, space: str, folder_id: int | None = None) -> list[NodeRow]:
    """The live folders (first) and files directly in ``folder_id`` (None: the space's root)."""
    _gate(actor)
    with session_scope() as s:
        key = _space_key(s, actor, space)
        parent = _folder(s, actor, key, folder_id)
        nodes = s.scalars(select(DocNode).where(
            DocNode.space_key == key, DocNode.deleted_at.is_(None),
            DocNode.parent_id.is_(None) if parent is None else DocNode.parent_id == parent.id)
            .order_by(DocNode.kind.desc(), DocNode.name)).all()
        return [_row(s, n) for n in nodes]


def search(actor: Actor, space: str, text: str) -> list[NodeRow]:
    """Live files and folders anywhere in the space whose name contains ``text`` (at most 500)."""
    _gate(actor)
    needle = (text or "").strip()[:NAME_MAX]
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with session_scope() as s:
        key = _space_key(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_(None),
                                                func.lower(DocNode.name).like(pattern.lower(), escape="\\"))
                          .order_by(DocNode.name).limit(500)).all()
        return [_row(s, n) for n in nodes if not _hidden(s, n)]


def folders(actor: Actor, space: str) -> list[tuple[int, str]]:
    """(id, path) of every live folder of the space, for pickers."""
    _gate(actor)
    with session_scope() as s:
        key = _space_key(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.kind == "folder",
                                                DocNode.deleted_at.is_(None))).all()
        out = [(n.id, (_path(s, n.parent_id).rstrip("/") + "/" + n.name)) for n in nodes if not _hidden(s, n)]
        return sorted(out, key=lambda x: x[1])


def versions(actor: Actor, node_id: int) -> list[VersionRow]:
    """A file's versions, newest first."""
    _gate(actor)
    with session_scope() as s:
        node = _node(s, actor, node_id)
        rows = s.scalars(select(DocVersion).where(DocVersion.node_id == node.id)
                         .order_by(DocVersion.version_no.desc())).all()
        return [VersionRow(v.id, v.version_no, v.size, v.file_type, _username(s, v.created_by), china_time(v.created_at),
                           v.id == node.current_version_id, v.id == node.baseline_version_id) for v in rows]


def _version(session: Session, node: DocNode, version_id: int | None) -> DocVersion:
    if node.kind != "file":
        raise ValidationFailed({"文件": ["文件：文件夹不能下载或预览，请选择文件。"]})
    v = session.get(DocVersion, version_id or node.current_version_id)
    if v is None or v.node_id != node.id:
        raise NotFound("版本不存在。")
    return v


def download(actor: Actor, node_id: int, version_id: int | None = None) -> FileOut:
    """A file's bytes (its current version, or ``version_id``)."""
    _gate(actor)
    with session_scope() as s:
        node = _node(s, actor, node_id)
        v = _version(s, node, version_id)
        return FileOut(node.name, get_storage().get(s, v.blob_key), TYPES[v.file_type][0], v.file_type)


def preview(actor: Actor, node_id: int, version_id: int | None = None) -> Preview:
    """What the page shows of a file: a PDF, an image, or text (the first 200,000 characters)."""
    out = download(actor, node_id, version_id)
    if out.file_type == "pdf":
        return Preview("pdf", out.filename, out.data, out.mime)
    if out.file_type in IMAGES:
        return Preview("image", out.filename, out.data, out.mime)
    if out.file_type == "txt":
        text = _decode(out.data)
        return Preview("text", out.filename, b"", out.mime, text[:MAX_TEXT_PREVIEW], len(text) > MAX_TEXT_PREVIEW)
    raise ValidationFailed({"预览": [f"预览：{out.file_type} 文件不能在线预览，请下载后查看。"]})


# --- writing --------------------------------------------------------------------------------------------------
def create_folder(actor: Actor, space: str, parent_id: int | None, name: str, request_id: str | None = None) -> int:
    """创建类别 (a folder) in ``parent_id`` (None: the root); return its id."""
    _gate(actor)
    name = clean_name(name, "文件夹名称")
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
            return int(done)
        key = _space_key(s, actor, space)
        parent = _folder(s, actor, key, parent_id)
        node_id = _new_folder(s, actor, key, parent.id if parent else None, name)
        audit.record(s, actor.account_id, "docs.folder_create", "doc_node", node_id, {"name": name, "space": key},
                     request_id=request_id)
        return node_id


def _new_folder(session: Session, actor: Actor, key: str, parent_id: int | None, name: str) -> int:
    if _sibling(session, key, parent_id, name):
        raise _taken(name)
    node = DocNode(space_key=key, parent_id=parent_id, kind="folder", name=name, owner_id=actor.account_id)
    session.add(node)
    session.flush()
    return node.id


def _put_file(session: Session, store: Storage, actor: Actor, key: str, parent_id: int | None,
              f: CheckedFile) -> tuple[int, int]:
    """Add ``f`` as a new file, or as a new version of the live file of that name; return (node id, version no)."""
    node = _sibling(session, key, parent_id, f.name)
    if node is not None and node.kind != "file":
        raise _taken(f.name)
    if node is None:
        node = DocNode(space_key=key, parent_id=parent_id, kind="file", name=f.name, owner_id=actor.account_id)
        session.add(node)
        session.flush()
    store.put(session, f.sha256, f.data)
    number = (session.scalar(select(func.max(DocVersion.version_no)).where(DocVersion.node_id == node.id)) or 0) + 1
    v = DocVersion(node_id=node.id, version_no=number, file_type=f.file_type, size=len(f.data), blob_key=f.sha256,
                   created_by=actor.account_id)
    session.add(v)
    session.flush()
    node.current_version_id, node.size, node.updated_at = v.id, v.size, utcnow()
    node.row_version += 1
    return node.id, number


def upload(actor: Actor, space: str, parent_id: int | None, files: Sequence[tuple[str, bytes]],
           request_id: str | None = None) -> list[int]:
    """上传文件: each (name, bytes) becomes a new file, or a new version of the same-named file; return node ids.
    Every file is checked (size, content, name) before the transaction opens; one bad file refuses them all."""
    _gate(actor)
    checked = _check_batch(files)
    store = get_storage()
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
            return list(done)
        key = _space_key(s, actor, space)
        parent = _folder(s, actor, key, parent_id)
        placed = [_put_file(s, store, actor, key, parent.id if parent else None, f) for f in checked]
        ids = [i for i, _ in placed]
        audit.record(s, actor.account_id, "docs.upload", "doc_node", ids[0],
                     {"space": key, "files": [f.name for f in checked], "versions": [n for _, n in placed],
                      "result": ids}, request_id=request_id)
        return ids


def upload_folder(actor: Actor, space: str, parent_id: int | None, folder_name: str,
                  files: Sequence[tuple[str, bytes]], request_id: str | None = None) -> int:
    """上传类别: a new folder ``folder_name`` holding ``files`` (each name's last path component is kept);
    return the folder's id."""
    _gate(actor)
    folder_name = clean_name(folder_name, "文件夹名称")
    checked = _check_batch([(re.split(r"[/\\]", n)[-1], d) for n, d in files])
    store = get_storage()
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
            return int(done)
        key = _space_key(s, actor, space)
        parent = _folder(s, actor, key, parent_id)
        folder_id = _new_folder(s, actor, key, parent.id if parent else None, folder_name)
        for f in checked:
            _put_file(s, store, actor, key, folder_id, f)
        audit.record(s, actor.account_id, "docs.upload_folder", "doc_node", folder_id,
                     {"space": key, "name": folder_name, "files": [f.name for f in checked]}, request_id=request_id)
        return folder_id


def rename(actor: Actor, node_id: int, name: str, row_version: int, request_id: str | None = None) -> None:
    """重命名; ``row_version`` is what the user saw — a concurrent change makes this a Conflict, never an overwrite."""
    _gate(actor)
    name = clean_name(name, "名称")
    with session_scope() as s:
        if _replay(s, request_id) is not None:
            return
        node = _node(s, actor, node_id)
        _changeable(s, actor, node)
        if node.kind == "file":
            kept = node.name.rsplit(".", 1)[-1].lower() if "." in node.name else ""
            new = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            cur = s.get(DocVersion, node.current_version_id)
            if cur is not None and new not in TYPES[cur.file_type][1]:
                raise ValidationFailed({"名称": [f"名称：扩展名须与文件内容相符（.{kept}）。"]})
        if _sibling(s, node.space_key, node.parent_id, name, skip=node.id):
            raise _taken(name)
        before = node.name
        done = s.execute(update(DocNode).where(DocNode.id == node_id, DocNode.row_version == row_version)
                         .values(name=name, row_version=DocNode.row_version + 1, updated_at=utcnow()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("此文件或文件夹已被他人修改（例如已重命名），请刷新后重试。")
        audit.record(s, actor.account_id, "docs.rename", "doc_node", node_id, {"before": before, "name": name},
                     request_id=request_id)


def set_baseline(actor: Actor, node_id: int, version_id: int, request_id: str | None = None) -> None:
    """设置基线: mark one of the file's versions as its baseline."""
    _gate(actor)
    with session_scope() as s:
        if _replay(s, request_id) is not None:
            return
        node = _node(s, actor, node_id)
        _changeable(s, actor, node)
        v = _version(s, node, version_id)
        node.baseline_version_id = v.id
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.baseline", "doc_node", node_id, {"version_no": v.version_no},
                     request_id=request_id)


def _copy_tree(session: Session, actor: Actor, src: DocNode, key: str, parent_id: int | None) -> int:
    if _sibling(session, key, parent_id, src.name):
        raise _taken(src.name)
    node = DocNode(space_key=key, parent_id=parent_id, kind=src.kind, name=src.name, owner_id=actor.account_id,
                   size=src.size)
    session.add(node)
    session.flush()
    if src.kind == "file":
        cur = session.get(DocVersion, src.current_version_id)
        if cur is not None:
            v = DocVersion(node_id=node.id, version_no=1, file_type=cur.file_type, size=cur.size, blob_key=cur.blob_key,
                           created_by=actor.account_id)
            session.add(v)
            session.flush()
            node.current_version_id = v.id
    else:
        for child in session.scalars(select(DocNode).where(DocNode.parent_id == src.id,
                                                           DocNode.deleted_at.is_(None))).all():
            _copy_tree(session, actor, child, key, node.id)
    return node.id


def _inside(session: Session, folder: DocNode | None, node: DocNode) -> bool:
    while folder is not None:
        if folder.id == node.id:
            return True
        folder = session.get(DocNode, folder.parent_id) if folder.parent_id else None
    return False


def copy(actor: Actor, node_id: int, target_space: str, target_folder_id: int | None,
         request_id: str | None = None, *, action: str = "docs.copy") -> int:
    """复制 a file (its current version) or a folder (with its live contents) into a folder of any space the
    actor may open; return the new node's id. The bytes are shared, not duplicated."""
    _gate(actor)
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
            return int(done)
        src = _node(s, actor, node_id)
        key = _space_key(s, actor, target_space)
        target = _folder(s, actor, key, target_folder_id)
        if src.kind == "folder" and _inside(s, target, src):
            raise ValidationFailed({"目标文件夹": ["目标文件夹：不能复制到它自己或它的下级文件夹中。"]})
        new_id = _copy_tree(s, actor, src, key, target.id if target else None)
        audit.record(s, actor.account_id, action, "doc_node", new_id,
                     {"from": node_id, "space": key, "folder": target_folder_id}, request_id=request_id)
        return new_id


def share(actor: Actor, node_id: int, *, folder_space: str | None = None, folder_id: int | None = None,
          group_id: int | None = None, request_id: str | None = None) -> int:
    """共享: copy into another folder (``folder_space`` + ``folder_id``) or into a group's space (its root,
    seen by the group's members); return the new node's id."""
    if group_id is not None:
        return copy(actor, node_id, f"group:{group_id}", None, request_id, action="docs.share")
    if folder_space is None:
        raise ValidationFailed({"共享到": ["共享到：请选择文件夹或组。"]})
    return copy(actor, node_id, folder_space, folder_id, request_id, action="docs.share")


def delete(actor: Actor, node_id: int, request_id: str | None = None) -> None:
    """删除: move a file or folder (with its contents) to the recycle area."""
    _gate(actor)
    with session_scope() as s:
        if _replay(s, request_id) is not None:
            return
        node = _node(s, actor, node_id)
        _changeable(s, actor, node)
        node.deleted_at, node.deleted_by = utcnow(), actor.account_id
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.delete", "doc_node", node_id, {"name": node.name},
                     request_id=request_id)


def recycle_bin(actor: Actor, space: str) -> list[NodeRow]:
    """Items deleted from the space (each deleted folder once, its contents inside it)."""
    _gate(actor)
    with session_scope() as s:
        key = _space_key(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_not(None))
                          .order_by(DocNode.deleted_at.desc())).all()
        return [_row(s, n) for n in nodes]


def restore(actor: Actor, node_id: int, request_id: str | None = None) -> None:
    """恢复 an item from the recycle area to its folder."""
    _gate(actor)
    with session_scope() as s:
        if _replay(s, request_id) is not None:
            return
        node = _node(s, actor, node_id, deleted=True)
        _changeable(s, actor, node)
        if node.parent_id is not None and _hidden(s, node):
            raise Conflict("它所在的文件夹也已删除，请先恢复上级文件夹。")
        if _sibling(s, node.space_key, node.parent_id, node.name):
            raise Conflict(f"原位置已有同名的“{node.name}”，请先重命名或删除它再恢复。")
        node.deleted_at, node.deleted_by = None, None
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.restore", "doc_node", node_id, {"name": node.name},
                     request_id=request_id)


def purge(actor: Actor, node_id: int, request_id: str | None = None) -> None:
    """彻底删除 an item of the recycle area with everything in it; blobs no other version uses are removed."""
    _gate(actor)
    store = get_storage()
    orphans: list[str] = []
    with session_scope() as s:
        if _replay(s, request_id) is not None:
            return
        node = _node(s, actor, node_id, deleted=True)
        _changeable(s, actor, node)
        ids, frontier = [node.id], [node.id]
        while frontier:
            frontier = list(s.scalars(select(DocNode.id).where(DocNode.parent_id.in_(frontier))).all())
            ids += frontier
        keys = set(s.scalars(select(DocVersion.blob_key).where(DocVersion.node_id.in_(ids))).all())
        name = node.name
        s.execute(sa_delete(DocVersion).where(DocVersion.node_id.in_(ids)))
        s.execute(sa_delete(DocNode).where(DocNode.id.in_(ids)))
        s.expunge_all()
        used = set(s.scalars(select(DocVersion.blob_key).where(DocVersion.blob_key.in_(keys))).all()) if keys else set()
        orphans = sorted(keys - used)
        if store.name == "database":
            for k in orphans:
                store.delete(s, k)
        audit.record(s, actor.account_id, "docs.purge", "doc_node", node_id, {"name": name, "nodes": len(ids)},
                     request_id=request_id)
    if store.name != "database":  # files go only after the rows are gone for good
        with session_scope() as s:
            for k in orphans:
                store.delete(s, k)


def _files_of(session: Session, actor: Actor, node: DocNode) -> list[tuple[str, DocVersion]]:
    if node.kind == "file":
        return [(node.name, _version(session, node, None))]
    out: list[tuple[str, DocVersion]] = []
    for child in session.scalars(select(DocNode).where(DocNode.parent_id == node.id, DocNode.deleted_at.is_(None))
                                 .order_by(DocNode.name)).all():
        out += _files_of(session, actor, child)
    return out


def send(actor: Actor, node_ids: Sequence[int], to: str, subject: str, body: str = "",
         request_id: str | None = None) -> str:
    """发送: e-mail files (a folder: its files) as attachments through the mail adapter; return the message id.
    ``to``: up to 10 addresses separated by commas, semicolons or spaces."""
    _gate(actor)
    addresses = [a for a in re.split(r"[,;，；\s]+", to or "") if a]
    problems: dict[str, list[str]] = {}
    if not addresses:
        problems["收件人"] = ["收件人：请填写至少一个邮箱地址。"]
    elif len(addresses) > MAX_RECIPIENTS:
        problems["收件人"] = [f"收件人：最多 {MAX_RECIPIENTS} 个地址（当前 {len(addresses)} 个）。"]
    elif bad := [a for a in addresses if len(a) > 128 or not _EMAIL.match(a)]:
        problems["收件人"] = [f"收件人：{'、'.join(bad[:5])} 不是有效的邮箱地址。"]
    subject = (subject or "").strip()
    problems["主题"] = ["主题：不能为空。"] if not subject else too_long("主题", subject, 200)
    problems["正文"] = too_long("正文", body or "", 5000)
    if not node_ids:
        problems["文件"] = ["文件：请选择要发送的文件。"]
    if any(problems.values()):
        raise ValidationFailed(problems)
    with session_scope() as s:
        if (done := _replay(s, request_id)) is not None:
            return str(done)
        store = get_storage()
        attachments: list[Attachment] = []
        for nid in node_ids:
            for name, v in _files_of(s, actor, _node(s, actor, nid)):
                attachments.append(Attachment(name, store.get(s, v.blob_key), TYPES[v.file_type][0]))
        if not attachments:
            raise ValidationFailed({"文件": ["文件：所选文件夹中没有文件。"]})
        total = sum(len(a.data) for a in attachments)
        if total > MAX_MAIL_MB * (1 << 20):
            raise ValidationFailed({"文件": [f"文件：附件合计不能超过 {MAX_MAIL_MB:g} MB。"]})
        message_id = get_mailer().send(Mail(tuple(addresses), subject, body or "", tuple(attachments)))
        audit.record(s, actor.account_id, "docs.send", "doc_node", node_ids[0],
                     {"to": addresses, "files": [a.filename for a in attachments], "result": message_id},
                     request_id=request_id)
        return message_id
