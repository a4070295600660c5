"""文档管理 through the real app (AppTest): create a folder, upload, preview, download, versions and
baseline, rename, delete to the recycle bin and restore, groups; another jurisdiction sees nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from config import settings
from services.docs import documents as docs
from tests.factories import PASSWORD, make_admin
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

PAGE = "pages/admin/documents.py"


@pytest.fixture(autouse=True)
def database_storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings, "docs_storage", "database")
    monkeypatch.setattr(settings, "mail_outbox_dir", tmp_path / "outbox")


def open_page(username: str) -> AppTest:
    at = signed_in(username, PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["文档管理"]
    return at


def test_folder_upload_preview_versions_rename_recycle(app) -> None:  # type: ignore[no-untyped-def]
    js = make_admin("320000", "dm_js")
    make_admin("330000", "dm_zj")
    at = open_page("dm_js")
    assert "共 0 项" in joined(at.caption)
    # 创建类别
    at.text_input(key="dm_mkdir_name").set_value("公共文档")
    by_label(at.button, "创建").click().run()
    assert_clean(at)
    assert "已创建类别“公共文档”" in joined(at.success)
    # 上传文件 into the root
    at.file_uploader(key="dm_files").set_value(("说明.txt", "第一版内容".encode(), "text/plain"))
    [b for b in at.button if b.label == "上传"][0].click().run()          # the first 上传: 上传文件's form
    assert_clean(at)
    assert "已上传 1 个文件" in joined(at.success)
    assert list(at.dataframe[0].value["文件名"]) == ["📁 公共文档", "说明.txt"]
    # a second version through the service, then the page shows both and sets the baseline
    [fid] = docs.upload(js, "org", None, [("说明.txt", "第二版内容".encode())])
    at.run()
    at.selectbox(key="dm_chosen").set_value(fid).run()
    assert_clean(at)
    assert [b.label for b in at.get("download_button")][:1] == ["下载"]
    at.toggle(key=f"dm_pv_{fid}").set_value(True).run()
    assert "第二版内容" in [t.value for t in at.text]
    assert list(at.dataframe[1].value["版本"]) == [2, 1]
    at.selectbox(key="dm_base_v").set_value(docs.versions(js, fid)[1].id)
    by_label(at.button, "设置基线").click().run()
    assert "已将第 1 版设为基线" in joined(at.success), (joined(at.error), joined(at.warning))
    assert [v.version_no for v in docs.versions(js, fid) if v.is_baseline] == [1]
    # rename
    at.selectbox(key="dm_chosen").set_value(fid).run()
    at.text_input(key=f"dm_rn_{fid}").set_value("说明2.txt")
    by_label(at.button, "重命名").click().run()
    assert "已重命名为“说明2.txt”" in joined(at.success)
    # delete to the recycle bin, restore
    at.selectbox(key="dm_chosen").set_value(fid).run()
    by_label(at.button, "删除").click().run()
    assert "可在回收站恢复" in joined(at.success)
    assert list(at.dataframe[0].value["文件名"]) == ["📁 公共文档"]
    by_label(at.button, "恢复").click().run()
    assert "已恢复“说明2.txt”" in joined(at.success)
    # another jurisdiction's administrator sees none of it
    other = open_page("dm_zj")
    assert "共 0 项" in joined(other.caption)


def test_groups_and_bad_upload(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320000", "dm_js2")
    make_admin("320100", "dm_nj")
    at = open_page("dm_js2")
    at.text_input(key="dm_group_name").set_value("质量小组")
    by_label(at.button, "添加").click().run()
    assert_clean(at)
    assert "已添加组“质量小组”" in joined(at.success)
    at.multiselect(key=next(w.key for w in at.multiselect if w.key.startswith("dm_members_sel_"))).set_value(["dm_nj"])
    by_label(at.button, "保存组员").click().run()
    assert "已保存组“质量小组”的组员" in joined(at.success)
    member = open_page("dm_nj")
    assert "组文档：质量小组" in member.selectbox(key="dm_space").options
    # a PNG named .pdf is refused with a Chinese message, never a traceback
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    at.file_uploader(key="dm_files").set_value(("报告.pdf", png, "application/pdf"))
    [b for b in at.button if b.label == "上传"][0].click().run()
    assert_clean(at)
    assert "不是允许的类型" in joined(at.error) or "不符" in joined(at.error)
