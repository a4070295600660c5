"""文档管理: groups, and folders / files in the organisation, personal and group spaces — the API, and its writing half.

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

import re
from typing import Sequence

from sqlalchemy import delete as sa_delete, func, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.docs import DocNode, DocVersion
from db.engine import session_scope
from services.core import audit
from services.core.errors import Conflict, ValidationFailed
from services.core.lengths import too_long
from services.core.permissions import Actor
from services.docs.access import (check_changeable, gate, get_folder, get_node, is_hidden, name_taken, replayed_result,
                                  resolve_space, sibling_named)
from services.docs.files import TYPES, CheckedFile, check_batch, clean_name
from services.docs.mail import Attachment, Mail, get_mailer
from services.docs.reading import NodeRow, node_row, version_of
from services.docs.storage import Storage, get_storage

# The whole 文档管理 API is read from this module (pages, tests): the access rules live in access.py, the file
# checks in files.py, the groups in groups.py, listings / download / preview in reading.py; writing is here.
from services.docs.access import PERMISSION, org_key  # noqa: F401,E402
from services.docs.files import IMAGES, MAX_FILES, NAME_MAX, check_file  # noqa: F401,E402
from services.docs.groups import (GroupRow, create_group, delete_group, list_groups,  # noqa: F401,E402
                                  member_candidates, rename_group, set_members)
from services.docs.reading import (FileOut, Preview, VersionRow, download, folders, list_folder, preview,  # noqa: F401,E402
                                  search, spaces, versions)

MAX_MAIL_MB = 20.0             # attachments of one message
MAX_RECIPIENTS = 10

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")

# --- writing --------------------------------------------------------------------------------------------------
def create_folder(actor: Actor, space: str, parent_id: int | None, name: str, request_id: str | None = None) -> int:
    """创建类别 (a folder) in ``parent_id`` (None: the root); return its id."""
    gate(actor)
    name = clean_name(name, "文件夹名称")
    with session_scope() as s:
        if (done := replayed_result(s, request_id)) is not None:
            return int(done)
        key = resolve_space(s, actor, space)
        parent = get_folder(s, actor, key, parent_id)
        node_id = _new_folder(s, actor, key, parent.id if parent else None, name)
        audit.record(s, actor.account_id, "docs.folder_create", "doc_node", node_id, {"name": name, "space": key},
                     request_id=request_id)
        return node_id


def _new_folder(session: Session, actor: Actor, key: str, parent_id: int | None, name: str) -> int:
    if sibling_named(session, key, parent_id, name):
        raise name_taken(name)
    node = DocNode(space_key=key, parent_id=parent_id, kind="folder", name=name, owner_id=actor.account_id)
    session.add(node)
    session.flush()
    return node.id


def _put_file(session: Session, store: Storage, actor: Actor, key: str, parent_id: int | None,
              f: CheckedFile) -> tuple[int, int]:
    """Add ``f`` as a new file, or as a new version of the live file of that name; return (node id, version no)."""
    node = sibling_named(session, key, parent_id, f.name)
    if node is not None and node.kind != "file":
        raise name_taken(f.name)
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
    gate(actor)
    checked = check_batch(files)
    store = get_storage()
    with session_scope() as s:
        if (done := replayed_result(s, request_id)) is not None:
            return list(done)
        key = resolve_space(s, actor, space)
        parent = get_folder(s, actor, key, parent_id)
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
    gate(actor)
    folder_name = clean_name(folder_name, "文件夹名称")
    checked = check_batch([(re.split(r"[/\\]", n)[-1], d) for n, d in files])
    store = get_storage()
    with session_scope() as s:
        if (done := replayed_result(s, request_id)) is not None:
            return int(done)
        key = resolve_space(s, actor, space)
        parent = get_folder(s, actor, key, parent_id)
        folder_id = _new_folder(s, actor, key, parent.id if parent else None, folder_name)
        for f in checked:
            _put_file(s, store, actor, key, folder_id, f)
        audit.record(s, actor.account_id, "docs.upload_folder", "doc_node", folder_id,
                     {"space": key, "name": folder_name, "files": [f.name for f in checked]}, request_id=request_id)
        return folder_id


def rename(actor: Actor, node_id: int, name: str, row_version: int, request_id: str | None = None) -> None:
    """重命名; ``row_version`` is what the user saw — a concurrent change makes this a Conflict, never an overwrite."""
    gate(actor)
    name = clean_name(name, "名称")
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        node = get_node(s, actor, node_id)
        check_changeable(s, actor, node)
        if node.kind == "file":
            kept = node.name.rsplit(".", 1)[-1].lower() if "." in node.name else ""
            new = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            cur = s.get(DocVersion, node.current_version_id)
            if cur is not None and new not in TYPES[cur.file_type][1]:
                raise ValidationFailed({"名称": [f"名称：扩展名须与文件内容相符（.{kept}）。"]})
        if sibling_named(s, node.space_key, node.parent_id, name, skip=node.id):
            raise name_taken(name)
        before = node.name
        done = s.execute(update(DocNode).where(DocNode.id == node_id, DocNode.row_version == row_version)
                         .values(name=name, row_version=DocNode.row_version + 1, updated_at=utcnow()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("此文件或文件夹已被他人修改（例如已重命名），请刷新后重试。")
        audit.record(s, actor.account_id, "docs.rename", "doc_node", node_id, {"before": before, "name": name},
                     request_id=request_id)


def set_baseline(actor: Actor, node_id: int, version_id: int, request_id: str | None = None) -> None:
    """设置基线: mark one of the file's versions as its baseline."""
    gate(actor)
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        node = get_node(s, actor, node_id)
        check_changeable(s, actor, node)
        v = version_of(s, node, version_id)
        node.baseline_version_id = v.id
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.baseline", "doc_node", node_id, {"version_no": v.version_no},
                     request_id=request_id)


def _copy_tree(session: Session, actor: Actor, src: DocNode, key: str, parent_id: int | None) -> int:
    if sibling_named(session, key, parent_id, src.name):
        raise name_taken(src.name)
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
    gate(actor)
    with session_scope() as s:
        if (done := replayed_result(s, request_id)) is not None:
            return int(done)
        src = get_node(s, actor, node_id)
        key = resolve_space(s, actor, target_space)
        target = get_folder(s, actor, key, target_folder_id)
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
    gate(actor)
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        node = get_node(s, actor, node_id)
        check_changeable(s, actor, node)
        node.deleted_at, node.deleted_by = utcnow(), actor.account_id
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.delete", "doc_node", node_id, {"name": node.name},
                     request_id=request_id)


def recycle_bin(actor: Actor, space: str) -> list[NodeRow]:
    """Items deleted from the space (each deleted folder once, its contents inside it)."""
    gate(actor)
    with session_scope(read=True) as s:
        key = resolve_space(s, actor, space)
        nodes = s.scalars(select(DocNode).where(DocNode.space_key == key, DocNode.deleted_at.is_not(None))
                          .order_by(DocNode.deleted_at.desc())).all()
        return [node_row(s, n) for n in nodes]


def restore(actor: Actor, node_id: int, request_id: str | None = None) -> None:
    """恢复 an item from the recycle area to its folder."""
    gate(actor)
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        node = get_node(s, actor, node_id, deleted=True)
        check_changeable(s, actor, node)
        if node.parent_id is not None and is_hidden(s, node):
            raise Conflict("它所在的文件夹也已删除，请先恢复上级文件夹。")
        if sibling_named(s, node.space_key, node.parent_id, node.name):
            raise Conflict(f"原位置已有同名的“{node.name}”，请先重命名或删除它再恢复。")
        node.deleted_at, node.deleted_by = None, None
        node.row_version += 1
        audit.record(s, actor.account_id, "docs.restore", "doc_node", node_id, {"name": node.name},
                     request_id=request_id)


def purge(actor: Actor, node_id: int, request_id: str | None = None) -> None:
    """彻底删除 an item of the recycle area with everything in it; blobs no other version uses are removed."""
    gate(actor)
    store = get_storage()
    orphans: list[str] = []
    with session_scope() as s:
        if replayed_result(s, request_id) is not None:
            return
        node = get_node(s, actor, node_id, deleted=True)
        check_changeable(s, actor, node)
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
        return [(node.name, version_of(session, node, None))]
    out: list[tuple[str, DocVersion]] = []
    for child in session.scalars(select(DocNode).where(DocNode.parent_id == node.id, DocNode.deleted_at.is_(None))
                                 .order_by(DocNode.name)).all():
        out += _files_of(session, actor, child)
    return out


def send(actor: Actor, node_ids: Sequence[int], to: str, subject: str, body: str = "",
         request_id: str | None = None) -> str:
    """发送: e-mail files (a folder: its files) as attachments through the mail adapter; return the message id.
    ``to``: up to 10 addresses separated by commas, semicolons or spaces."""
    gate(actor)
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
        if (done := replayed_result(s, request_id)) is not None:
            return str(done)
        store = get_storage()
        attachments: list[Attachment] = []
        for nid in node_ids:
            for name, v in _files_of(s, actor, get_node(s, actor, nid)):
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
