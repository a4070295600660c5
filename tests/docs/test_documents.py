"""文档管理 (services/docs): permissions by space, versions and baseline, recycle area, copy and share,
names, content and size checks, both storage adapters, the mail outbox. Both databases."""
from __future__ import annotations

import email
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from config import settings
from db.audit import AuditLog
from db.docs import DocBlob, DocNode, DocVersion
from db.engine import session_scope
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.docs import documents as docs
from services.docs.storage import DatabaseStorage, LocalStorage
from tests.factories import make_admin, make_enterprise_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(params=["database", "local"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setattr(settings, "docs_storage", request.param)
    monkeypatch.setattr(settings, "docs_dir", tmp_path / "documents")
    monkeypatch.setattr(settings, "mail_outbox_dir", tmp_path / "outbox")
    return str(request.param)


@pytest.fixture
def admins(db: str, storage: str):  # type: ignore[no-untyped-def]
    """Two administrators of Jiangsu (same jurisdiction), one of Zhejiang."""
    return make_admin("320000"), make_admin("320000"), make_admin("330000")


def audits(action: str) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


# --- permissions ----------------------------------------------------------------------------------------------
def test_personal_documents_are_their_owners_only(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, _ = admins
    [fid] = docs.upload(js1, "personal", None, [("私人.txt", "只给自己看".encode())])
    assert [r.name for r in docs.list_folder(js1, "personal")] == ["私人.txt"]
    assert docs.list_folder(js2, "personal") == []                      # js2's own personal space is empty
    for call in (lambda: docs.download(js2, fid), lambda: docs.versions(js2, fid),
                 lambda: docs.rename(js2, fid, "x.txt", 1), lambda: docs.delete(js2, fid),
                 lambda: docs.copy(js2, fid, "personal", None), lambda: docs.share(js2, fid, folder_space="personal")):
        with pytest.raises(NotFound):
            call()
    assert docs.download(js1, fid).data == "只给自己看".encode()


def test_organisation_documents_stay_in_their_jurisdiction(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, zj = admins
    folder = docs.create_folder(js1, "org", None, "公共文档")
    [fid] = docs.upload(js1, "org", folder, [("制度.pdf", PDF)])
    # the same jurisdiction's other administrator sees and may work on them
    assert [r.name for r in docs.list_folder(js2, "org", folder)] == ["制度.pdf"]
    assert docs.download(js2, fid).data == PDF
    # another jurisdiction sees nothing of them, not even by id
    assert docs.list_folder(zj, "org") == []
    assert docs.search(zj, "org", "制度") == []
    with pytest.raises(NotFound):
        docs.download(zj, fid)
    with pytest.raises(NotFound):
        docs.list_folder(zj, "org", folder)
    with pytest.raises(NotFound):
        docs.upload(zj, "org", folder, [("x.txt", b"hello")])
    with pytest.raises(NotFound):
        docs.delete(zj, fid)
    # a county administrator below Jiangsu is another jurisdiction too
    nanjing = make_admin("320100")
    with pytest.raises(NotFound):
        docs.download(nanjing, fid)


def test_group_documents_for_members_only(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, zj = admins
    gid = docs.create_group(js1, "质量小组")
    [fid] = docs.upload(js1, f"group:{gid}", None, [("纪要.txt", b"minutes")])
    with pytest.raises(NotFound):                                        # not a member yet
        docs.list_folder(js2, f"group:{gid}")
    with pytest.raises(NotFound):
        docs.download(js2, fid)
    assert all(g.id != gid for g in docs.list_groups(js2))
    docs.set_members(js1, gid, [js2.username])
    assert [r.name for r in docs.list_folder(js2, f"group:{gid}")] == ["纪要.txt"]
    assert (f"group:{gid}", "组文档：质量小组") in docs.spaces(js2)
    # a member may read and add, but neither manage the group nor remove the owner's file
    docs.upload(js2, f"group:{gid}", None, [("补充.txt", b"more")])
    with pytest.raises(PermissionDenied):
        docs.rename_group(js2, gid, "改名", 1)
    with pytest.raises(PermissionDenied):
        docs.delete(js2, fid)
    # the other province's administrator cannot be added
    with pytest.raises(ValidationFailed, match="组员"):
        docs.set_members(js1, gid, [zj.username])
    docs.set_members(js1, gid, [])                                       # removed: the door closes again
    with pytest.raises(NotFound):
        docs.download(js2, fid)


def test_group_maintenance(admins) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    gid = docs.create_group(js1, "小组", request_id="g-1")
    assert docs.create_group(js1, "小组", request_id="g-1") == gid       # double submit: once
    with pytest.raises(Conflict):
        docs.create_group(js1, "小组")
    row = next(g for g in docs.list_groups(js1) if g.id == gid)
    docs.rename_group(js1, gid, "新小组", row.row_version)
    with pytest.raises(Conflict, match="已被他人修改"):
        docs.rename_group(js1, gid, "又一个名字", row.row_version)       # stale version
    docs.upload(js1, f"group:{gid}", None, [("a.txt", b"a")])
    with pytest.raises(Conflict, match="组内还有文档"):
        docs.delete_group(js1, gid)
    [node] = docs.list_folder(js1, f"group:{gid}")
    docs.delete(js1, node.id)
    docs.purge(js1, node.id)
    docs.delete_group(js1, gid)
    assert docs.list_groups(js1) == []


def test_enterprise_users_have_no_document_management(db: str) -> None:
    enterprise, _ = make_enterprise_user("320102")
    with pytest.raises(PermissionDenied):
        docs.list_folder(enterprise, "personal")


# --- versions, rename, copy, share ----------------------------------------------------------------------------
def test_each_upload_is_a_version_and_a_baseline_can_be_set(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, _ = admins
    [fid] = docs.upload(js1, "org", None, [("方案.txt", b"v1")])
    assert docs.upload(js1, "org", None, [("方案.txt", b"v2")], request_id="up-2") == [fid]
    assert docs.upload(js1, "org", None, [("方案.txt", b"v2")], request_id="up-2") == [fid]  # replay: no v3
    docs.upload(js2, "org", None, [("方案.TXT", b"v3")])                 # same name, other case: same file
    vs = docs.versions(js1, fid)
    assert [v.version_no for v in vs] == [3, 2, 1] and vs[0].is_current and vs[0].creator == js2.username
    assert docs.download(js1, fid).data == b"v3"
    assert docs.download(js1, fid, vs[2].id).data == b"v1"
    docs.set_baseline(js1, fid, vs[1].id)
    assert [v.version_no for v in docs.versions(js1, fid) if v.is_baseline] == [2]
    [row] = docs.list_folder(js1, "org")
    assert (row.version_no, row.baseline_no) == (3, 2)


def test_rename_guards_concurrency_names_and_extension(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, _ = admins
    [a, b] = docs.upload(js1, "org", None, [("a.txt", b"a"), ("b.txt", b"b")])
    seen = {r.id: r.row_version for r in docs.list_folder(js1, "org")}
    docs.rename(js2, a, "甲.txt", seen[a])
    with pytest.raises(Conflict, match="已被他人修改"):                  # js1 still holds the old version
        docs.rename(js1, a, "乙.txt", seen[a])
    with pytest.raises(Conflict, match="同名"):
        docs.rename(js1, b, "甲.txt", seen[b])
    with pytest.raises(ValidationFailed, match="扩展名"):
        docs.rename(js1, b, "b.exe", seen[b])
    assert sorted(r.name for r in docs.list_folder(js1, "org")) == ["b.txt", "甲.txt"]


def test_copy_and_share(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, _ = admins
    src = docs.create_folder(js1, "personal", None, "资料")
    sub = docs.create_folder(js1, "personal", src, "子目录")
    docs.upload(js1, "personal", sub, [("图.png", png())])
    [f] = docs.upload(js1, "personal", src, [("说明.txt", b"x")])
    dest = docs.create_folder(js1, "org", None, "归档")
    new = docs.copy(js1, src, "org", dest)
    copied = docs.list_folder(js1, "org", new)
    assert [r.name for r in copied] == ["子目录", "说明.txt"]
    assert [r.name for r in docs.list_folder(js2, "org", copied[0].id)] == ["图.png"]   # the org space sees it
    with pytest.raises(Conflict, match="同名"):
        docs.copy(js1, src, "org", dest)
    with pytest.raises(ValidationFailed, match="下级"):
        docs.copy(js1, src, "personal", sub)
    gid = docs.create_group(js1, "共享组")
    docs.set_members(js1, gid, [js2.username])
    shared = docs.share(js1, f, group_id=gid)
    assert docs.download(js2, shared).data == b"x"
    assert docs.share(js2, shared, folder_space="personal", folder_id=None, request_id="s-1") == \
        docs.share(js2, shared, folder_space="personal", folder_id=None, request_id="s-1")
    assert [r.name for r in docs.list_folder(js2, "personal")] == ["说明.txt"]
    assert audits("docs.share") == 2 and audits("docs.copy") == 1
    with session_scope() as s:                                            # bytes kept once
        keys = s.scalars(select(DocVersion.blob_key).where(DocVersion.file_type == "txt")).all()
    assert len(keys) == 4 and len(set(keys)) == 1


def test_search_finds_names_anywhere_in_the_space(admins) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    folder = docs.create_folder(js1, "org", None, "二级")
    docs.upload(js1, "org", folder, [("年度报告_2020.txt", b"x"), ("其他.txt", b"y")])
    docs.upload(js1, "org", None, [("100%完成.txt", b"z")])
    assert [(r.name, r.path) for r in docs.search(js1, "org", "报告_")] == [("年度报告_2020.txt", "/二级")]
    assert [r.name for r in docs.search(js1, "org", "%")] == ["100%完成.txt"]   # % is literal


# --- recycle area -------------------------------------------------------------------------------------------------
def test_delete_restore_purge(admins, storage: str) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    folder = docs.create_folder(js1, "personal", None, "旧")
    [fid] = docs.upload(js1, "personal", folder, [("x.txt", b"only here")])
    docs.delete(js1, folder, request_id="d-1")
    docs.delete(js1, folder, request_id="d-1")
    assert audits("docs.delete") == 1
    assert docs.list_folder(js1, "personal") == []
    with pytest.raises(NotFound):                                      # hidden with its folder
        docs.download(js1, fid)
    assert [r.name for r in docs.recycle_bin(js1, "personal")] == ["旧"]
    docs.create_folder(js1, "personal", None, "旧")                     # the name is free meanwhile
    with pytest.raises(Conflict, match="同名"):
        docs.restore(js1, folder)
    [other] = docs.list_folder(js1, "personal")
    docs.delete(js1, other.id)
    docs.purge(js1, other.id)
    docs.restore(js1, folder)
    assert docs.download(js1, fid).data == b"only here"
    docs.delete(js1, folder)
    docs.purge(js1, folder)
    assert docs.recycle_bin(js1, "personal") == []
    digest = __import__("hashlib").sha256(b"only here").hexdigest()
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(DocNode)) == 0
        assert s.get(DocBlob, digest) is None
    assert not (settings.docs_dir / digest[:2] / digest).exists()


def test_purge_keeps_bytes_another_version_uses(admins) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    [a] = docs.upload(js1, "personal", None, [("a.txt", b"shared bytes")])
    b = docs.copy(js1, a, "org", None)
    docs.delete(js1, a)
    docs.purge(js1, a)
    assert docs.download(js1, b).data == b"shared bytes"


# --- checks -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a/b.txt", "..\\x.txt", "a\x00.txt", "bad\u202egpj.txt", "x" * 125 + ".txt",
                                  "  ", "..", "a:b.txt"])
def test_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed):
        docs.check_file(name, b"text")


def test_name_is_normalised_and_length_bound() -> None:
    assert docs.clean_name("  报告.txt ") == "报告.txt"
    assert docs.clean_name("x" * 124 + ".txt") == "x" * 124 + ".txt"


def test_content_decides_the_type(admins) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    assert docs.check_file("a.png", png()).file_type == "png"
    assert docs.check_file("说明.txt", "中文".encode("gb18030")).file_type == "txt"
    with pytest.raises(ValidationFailed, match="不符"):
        docs.check_file("a.pdf", png())                                  # a PNG named .pdf
    with pytest.raises(ValidationFailed, match="不符"):
        docs.check_file("run.exe", b"plain text")                        # text named .exe
    with pytest.raises(ValidationFailed, match="不是允许的类型"):
        docs.check_file("a.txt", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64))  # an executable
    with pytest.raises(ValidationFailed):                                 # one bad file refuses the batch
        docs.upload(js1, "personal", None, [("ok.txt", b"fine"), ("bad.txt", b"\x00\x01")])
    assert docs.list_folder(js1, "personal") == []


def test_size_limit_before_any_transaction(admins, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    monkeypatch.setattr(settings, "docs_max_mb", 0.001)                 # about 1 KB
    opened: list[int] = []
    monkeypatch.setattr(docs, "session_scope", lambda: opened.append(1))  # would fail if reached
    with pytest.raises(ValidationFailed, match="不能超过"):
        docs.upload(js1, "personal", None, [("big.txt", b"a" * 2000)])
    assert opened == []


# --- storage and mail ---------------------------------------------------------------------------------------------
def test_the_configured_storage_holds_the_bytes(admins, storage: str) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    data = png()
    [fid] = docs.upload(js1, "personal", None, [("图.png", data)])
    digest = __import__("hashlib").sha256(data).hexdigest()
    on_disk = (settings.docs_dir / digest[:2] / digest).exists()
    with session_scope() as s:
        in_db = s.get(DocBlob, digest) is not None
        assert (on_disk, in_db) == ((False, True) if storage == "database" else (True, False))
        other = LocalStorage() if storage == "database" else DatabaseStorage()
        with pytest.raises(NotFound):
            other.get(s, digest)
    pv = docs.preview(js1, fid)
    assert (pv.kind, pv.data) == ("image", data)


def test_preview_kinds(admins) -> None:  # type: ignore[no-untyped-def]
    js1, _, _ = admins
    t, p = docs.upload(js1, "personal", None, [("说明.txt", "第一行\n第二行".encode()), ("a.pdf", PDF)])
    assert docs.preview(js1, t).text == "第一行\n第二行"
    assert docs.preview(js1, p).kind == "pdf"
    folder = docs.create_folder(js1, "personal", None, "夹")
    with pytest.raises(ValidationFailed):
        docs.preview(js1, folder)


def test_send_writes_the_outbox_with_attachments(admins) -> None:  # type: ignore[no-untyped-def]
    js1, js2, _ = admins
    folder = docs.create_folder(js1, "personal", None, "发送")
    docs.upload(js1, "personal", folder, [("a.txt", b"alpha"), ("b.pdf", PDF)])
    ident = docs.send(js1, [folder], "x@example.com; y@example.org", "资料", "请查收", request_id="m-1")
    assert docs.send(js1, [folder], "x@example.com; y@example.org", "资料", "请查收", request_id="m-1") == ident
    files = list(settings.mail_outbox_dir.glob("*.eml"))
    assert [f.stem for f in files] == [ident]
    msg = email.message_from_bytes(files[0].read_bytes())
    assert msg["To"] == "x@example.com, y@example.org"
    parts = {p.get_filename(): p.get_payload(decode=True) for p in msg.walk() if p.get_filename()}
    assert parts == {"a.txt": b"alpha", "b.pdf": PDF}
    assert audits("docs.send") == 1
    with pytest.raises(ValidationFailed, match="收件人"):
        docs.send(js1, [folder], "not-an-address", "资料")
    with pytest.raises(NotFound):                                       # someone else's personal folder
        docs.send(js2, [folder], "x@example.com", "资料")


def test_concurrent_renames_one_wins_the_other_is_told(admins) -> None:  # type: ignore[no-untyped-def]
    import threading
    js1, js2, _ = admins
    [fid] = docs.upload(js1, "org", None, [("原名.txt", b"x")])
    [row] = docs.list_folder(js1, "org")
    barrier, results = threading.Barrier(2), {}

    def attempt(who, name: str) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            docs.rename(who, fid, name, row.row_version)
            results[name] = "ok"
        except Conflict:
            results[name] = "conflict"

    threads = [threading.Thread(target=attempt, args=(a, n)) for a, n in ((js1, "甲.txt"), (js2, "乙.txt"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["conflict", "ok"]
    winner = next(n for n, r in results.items() if r == "ok")
    assert [r.name for r in docs.list_folder(js1, "org")] == [winner]
    assert audits("docs.rename") == 1
