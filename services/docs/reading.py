"""文档管理 — reading: the spaces an actor may open, folder listings, search, versions, download and preview."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.docs import DocNode, DocVersion
from db.engine import session_scope
from services.core.errors import NotFound, ValidationFailed
from services.core.permissions import Actor
from services.core.timefmt import china_time
from services.docs.access import gate, get_folder, get_node, is_hidden, resolve_space, username_of
from services.docs.files import IMAGES, NAME_MAX, TYPES, decode_text
from services.docs.groups import list_groups
from services.docs.storage import get_storage

MAX_TEXT_PREVIEW = 200_000     # characters of a text preview


# --- results -------------------------------------------------------------------------------------------
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


# --- reading -------------------------------------------------------------------------------------------------
def spaces(actor: Actor) -> list[tuple[str, str]]:
    """(space, label) of every space the actor may open: 组织文档, 个人文档, then 组文档 of each group."""
    gate(actor)
    out = [("org", "组织文档"), ("personal", "个人文档")]
    out += [(f"group:{g.id}", f"组文档：{g.name}") for g in list_groups(actor)]
    return out


def _path(session: Session, parent_id: int | None) -> str:
    parts: list[str] = []
    while parent_id is not None:
        parent = session.get(DocNode, parent_id)
        if parent is None:
            break
        parts.append(parent.name)
        parent_id = parent.parent_id
    return "/" + "/".join(reversed(parts))


def node_row(session: Session, n: DocNode) -> NodeRow:
    cur = session.get(DocVersion, n.current_version_id) if n.current_version_id else None
    base = session.get(DocVersion, n.baseline_version_id) if n.baseline_version_id else None
    return NodeRow(n.id, n.kind, n.name, n.size, username_of(session, n.owner_id), china_time(n.created_at),
                   china_time(n.updated_at), cur.version_no if cur else None, base.version_no if base else None,
                   n.row_version, _path(session, n.parent_id), china_time(n.deleted_at) if n.deleted_at else "")


def list_folder(actor: Actor, space: str, folder_id: int | None = None) -> list[NodeRow]:
    """The live folders (first) and files directly in ``folder_id`` (None: the space's root)."""
    gate(actor)
    with session_scope(read=True) as s:
        key = resolve_space(s, actor, space)
        parent = get_folder(s, actor, key, folder_id)
        nodes = s.scalars(select(DocNode).where(
            DocNode.space_key == key, DocNode.deleted_at.is_(None),
            DocNode.parent_id.is_(None) if parent is None else DocNode.parent_id == parent.id)
            .order_by(DocNode.kind.desc(), DocNode.name)).all()
        return [node_row(s, n) for n in nodes]


def search(actor: Actor, space: str, text: str) -> list[NodeRow]:
    """Live files and folders anywhere in the space whose name contains ``text`` (at most 500)."""
    gate(actor)
    needle = (text or "").strip()[:NAME_MAX]
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with session_scope(read=True) as s:
        key = resolve_space(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_(None),
                                                func.lower(DocNode.name).like(pattern.lower(), escape="\\"))
                          .order_by(DocNode.name).limit(500)).all()
        return [node_row(s, n) for n in nodes if not is_hidden(s, n)]


def folders(actor: Actor, space: str) -> list[tuple[int, str]]:
    """(id, path) of every live folder of the space, for pickers."""
    gate(actor)
    with session_scope(read=True) as s:
        key = resolve_space(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.kind == "folder",
                                                DocNode.deleted_at.is_(None))).all()
        out = [(n.id, (_path(s, n.parent_id).rstrip("/") + "/" + n.name)) for n in nodes if not is_hidden(s, n)]
        return sorted(out, key=lambda x: x[1])


def versions(actor: Actor, node_id: int) -> list[VersionRow]:
    """A file's versions, newest first."""
    gate(actor)
    with session_scope(read=True) as s:
        node = get_node(s, actor, node_id)
        rows = s.scalars(select(DocVersion).where(DocVersion.node_id == node.id)
                         .order_by(DocVersion.version_no.desc())).all()
        return [VersionRow(v.id, v.version_no, v.size, v.file_type, username_of(s, v.created_by), china_time(v.created_at),
                           v.id == node.current_version_id, v.id == node.baseline_version_id) for v in rows]


def version_of(session: Session, node: DocNode, version_id: int | None) -> DocVersion:
    if node.kind != "file":
        raise ValidationFailed({"文件": ["文件：文件夹不能下载或预览，请选择文件。"]})
    v = session.get(DocVersion, version_id or node.current_version_id)
    if v is None or v.node_id != node.id:
        raise NotFound("版本不存在。")
    return v


def download(actor: Actor, node_id: int, version_id: int | None = None) -> FileOut:
    """A file's bytes (its current version, or ``version_id``)."""
    gate(actor)
    with session_scope(read=True) as s:
        node = get_node(s, actor, node_id)
        v = version_of(s, node, version_id)
        return FileOut(node.name, get_storage().get(s, v.blob_key), TYPES[v.file_type][0], v.file_type)


def preview(actor: Actor, node_id: int, version_id: int | None = None) -> Preview:
    """What the page shows of a file: a PDF, an image, or text (the first 200,000 characters)."""
    out = download(actor, node_id, version_id)
    if out.file_type == "pdf":
        return Preview("pdf", out.filename, out.data, out.mime)
    if out.file_type in IMAGES:
        return Preview("image", out.filename, out.data, out.mime)
    if out.file_type == "txt":
        text = decode_text(out.data)
        return Preview("text", out.filename, b"", out.mime, text[:MAX_TEXT_PREVIEW], len(text) > MAX_TEXT_PREVIEW)
    raise ValidationFailed({"预览": [f"预览：{out.file_type} 文件不能在线预览，请下载后查看。"]})
