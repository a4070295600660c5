"""文档管理 — 组织文档、个人文档、组文档：搜索、上传文件 / 上传类别、创建类别、重命名、版本与基线、复制、共享、
下载、预览、删除到回收站 / 恢复、发送；组管理。Every rule and permission lives in services/docs/documents.py."""
import pandas as pd
import streamlit as st

from components.feedback import request_id, run_action, show_error
from components.nav import guard
from components.text import md
from services.core.errors import ServiceError
from services.core.permissions import P_MONITOR_REVIEW
from services.docs import documents as docs

actor = guard(P_MONITOR_REVIEW)
st.title("文档管理")
if (flash := st.session_state.pop("dm_flash", None)) is not None:
    st.success(md(flash))


def done(message: str) -> None:
    st.session_state["dm_flash"] = message
    st.rerun()


def size(n: int) -> str:
    return "-" if n == 0 else f"{n} B" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MB"


def table(rows: list[docs.NodeRow], where: bool = False) -> None:
    data = [{"文件名": ("📁 " if r.kind == "folder" else "") + r.name, "大小": size(r.size) if r.kind == "file" else "-",
             "版本": str(r.version_no or ""), "基线": str(r.baseline_no or ""), "创建者": r.owner, "更新时间": r.updated_at,
             **({"位置": r.path} if where else {}), **({"删除时间": r.deleted_at} if r.deleted_at else {})}
            for r in rows]
    st.dataframe(pd.DataFrame(data), hide_index=True, width="stretch")


try:
    space_list = docs.spaces(actor)
except ServiceError as exc:
    show_error(exc)
    st.stop()
labels = dict(space_list)
space = st.selectbox("文档空间", list(labels), format_func=labels.__getitem__, placeholder="请选择", key="dm_space")
tab_docs, tab_bin, tab_groups = st.tabs(["文档", "回收站", "组管理"])

# --- 文档 ----------------------------------------------------------------------------------------------------
with tab_docs:
    try:
        folder_list = docs.folders(actor, space)
        paths = {None: "/（根目录）", **dict(folder_list)}
        if st.session_state.get("dm_folder") not in paths:
            st.session_state["dm_folder"] = None
        folder = st.selectbox("当前类别", list(paths), format_func=paths.__getitem__, placeholder="请选择", key="dm_folder")
        needle = st.text_input("文件名称", max_chars=docs.NAME_MAX, key="dm_search", placeholder="输入名称的一部分后回车搜索")
        rows = docs.search(actor, space, needle) if needle.strip() else docs.list_folder(actor, space, folder)
    except ServiceError as exc:
        show_error(exc)
        st.stop()
    st.caption(f"共 {len(rows)} 项" + ("（搜索结果）" if needle.strip() else ""))
    if rows:
        table(rows, where=bool(needle.strip()))

    c1, c2, c3 = st.columns(3)
    with c1.popover("上传文件"):
        with st.form("dm_upload", clear_on_submit=True):
            files = st.file_uploader("选择文件（同名文件成为新版本）", accept_multiple_files=True, key="dm_files",
                                     type=sorted({e for _, exts in docs.TYPES.values() for e in exts}))
            if st.form_submit_button("上传", type="primary"):
                picked = [(f.name, f.getvalue()) for f in files or []]
                if run_action("dm_upload", lambda rid: docs.upload(actor, space, folder, picked, rid)):
                    done(f"已上传 {len(picked)} 个文件。")
    with c2.popover("上传类别"):
        with st.form("dm_upload_folder", clear_on_submit=True):
            fname = st.text_input("类别名称", max_chars=docs.NAME_MAX, key="dm_up_folder_name")
            ffiles = st.file_uploader("类别中的文件", accept_multiple_files=True, key="dm_folder_files",
                                      type=sorted({e for _, exts in docs.TYPES.values() for e in exts}))
            if st.form_submit_button("上传", type="primary"):
                fpicked = [(f.name, f.getvalue()) for f in ffiles or []]
                if run_action("dm_upload_folder",
                              lambda rid: docs.upload_folder(actor, space, folder, fname, fpicked, rid)):
                    done(f"已上传类别“{fname}”（{len(fpicked)} 个文件）。")
    with c3.popover("创建类别"):
        with st.form("dm_mkdir", clear_on_submit=True):
            new_name = st.text_input("类别名称", max_chars=docs.NAME_MAX, key="dm_mkdir_name")
            if st.form_submit_button("创建", type="primary"):
                if run_action("dm_mkdir", lambda rid: docs.create_folder(actor, space, folder, new_name, rid)):
                    done(f"已创建类别“{new_name}”。")

    if rows:
        by_id = {r.id: r for r in rows}
        chosen = st.selectbox("选择文件或类别", list(by_id), placeholder="请选择", key="dm_chosen",
                              format_func=lambda i: ("📁 " if by_id[i].kind == "folder" else "") + by_id[i].name)
        item = by_id[chosen]
        names = (["下载与预览", "版本"] if item.kind == "file" else []) + ["重命名", "复制与共享", "发送", "删除"]
        parts = dict(zip(names, st.tabs(names)))
        if item.kind == "file":
            with parts["下载与预览"]:
                try:
                    out = docs.download(actor, item.id)
                    st.download_button("下载", out.data, file_name=out.filename, mime=out.mime, key=f"dm_dl_{item.id}")
                    if out.file_type in ("pdf", "txt") or out.file_type in docs.IMAGES:
                        if st.toggle("预览", key=f"dm_pv_{item.id}"):
                            pv = docs.preview(actor, item.id)
                            if pv.kind == "image":
                                st.image(pv.data, caption=None)
                            elif pv.kind == "text":
                                st.text(pv.text)
                                if pv.truncated:
                                    st.caption("文件较长，只显示了开头部分，完整内容请下载。")
                            else:
                                try:
                                    st.pdf(pv.data)
                                except Exception:  # noqa: BLE001 - the PDF viewer component is optional
                                    st.info("此环境未安装 PDF 预览组件，请下载后查看。")
                    else:
                        st.caption("此类文件不能在线预览，请下载后查看。")
                except ServiceError as exc:
                    show_error(exc)
            with parts["版本"]:
                try:
                    vs = docs.versions(actor, item.id)
                except ServiceError as exc:
                    show_error(exc)
                    vs = []
                st.dataframe(pd.DataFrame([{"版本": v.version_no, "大小": size(v.size), "上传者": v.creator,
                                            "上传时间": v.created_at, "当前": "是" if v.is_current else "",
                                            "基线": "是" if v.is_baseline else ""} for v in vs]),
                             hide_index=True, width="stretch")
                if vs:
                    with st.form(f"dm_base_{item.id}"):
                        vmap = {v.id: v.version_no for v in vs}
                        vid = st.selectbox("版本", list(vmap), format_func=lambda i: f"第 {vmap[i]} 版", placeholder="请选择", key="dm_base_v")
                        if st.form_submit_button("设置基线"):
                            if run_action("dm_base", lambda rid: docs.set_baseline(actor, item.id, vid, rid) or True):
                                done(f"已将第 {vmap[vid]} 版设为基线。")
                        old = docs.download(actor, item.id, vid)
                    st.download_button("下载所选版本", old.data, file_name=f"v{vmap[vid]}_{old.filename}", mime=old.mime,
                                       key=f"dm_dlv_{item.id}")
        with parts["重命名"], st.form(f"dm_rename_{item.id}"):
            renamed = st.text_input("新名称", value=item.name, max_chars=docs.NAME_MAX, key=f"dm_rn_{item.id}")
            if st.form_submit_button("重命名"):
                if run_action("dm_rename", lambda rid: docs.rename(actor, item.id, renamed, item.row_version, rid) or True):
                    done(f"已重命名为“{renamed}”。")
        with parts["复制与共享"]:
            with st.form(f"dm_copy_{item.id}"):
                t_space = st.selectbox("复制到空间", list(labels), format_func=labels.__getitem__, placeholder="请选择", key="dm_cp_space")
                try:
                    t_paths = {None: "/（根目录）", **dict(docs.folders(actor, t_space))}
                except ServiceError as exc:
                    show_error(exc)
                    t_paths = {None: "/（根目录）"}
                t_folder = st.selectbox("目标类别", list(t_paths), format_func=t_paths.__getitem__, placeholder="请选择", key="dm_cp_folder")
                st.caption("更换空间后请先点“刷新目标类别”再选择类别。")
                b1, b2, b3 = st.columns(3)
                b1.form_submit_button("刷新目标类别")
                if b2.form_submit_button("确认复制"):
                    if run_action("dm_copy", lambda rid: docs.copy(actor, item.id, t_space, t_folder, rid)):
                        done(f"已复制到 {labels[t_space]} {t_paths[t_folder]}。")
                if b3.form_submit_button("共享到此类别"):
                    if run_action("dm_share", lambda rid: docs.share(actor, item.id, folder_space=t_space,
                                                                        folder_id=t_folder, request_id=rid)):
                        done(f"已共享到 {labels[t_space]} {t_paths[t_folder]}。")
            groups = {g.id: g.name for g in docs.list_groups(actor)}
            if groups:
                with st.form(f"dm_share_group_{item.id}"):
                    gid = st.selectbox("共享给组", list(groups), format_func=groups.__getitem__, placeholder="请选择", key="dm_sh_group")
                    if st.form_submit_button("共享到组"):
                        if run_action("dm_share_g", lambda rid: docs.share(actor, item.id, group_id=gid, request_id=rid)):
                            done(f"已共享到组“{groups[gid]}”。")
        with parts["发送"], st.form(f"dm_send_{item.id}"):
            to = st.text_input("收件人", max_chars=1300, key="dm_to", help="最多 10 个邮箱地址，用逗号或分号分隔")
            subject = st.text_input("主题", value=item.name, max_chars=200, key="dm_subject")
            body = st.text_area("正文", max_chars=5000, key="dm_body")
            if st.form_submit_button("发送"):
                if run_action("dm_send", lambda rid: docs.send(actor, [item.id], to, subject, body, rid)):
                    done("邮件已发送（附件为所选文件）。")
        with parts["删除"]:
            st.caption("删除后可在“回收站”中恢复。")
            if st.button("删除", key=f"dm_del_{item.id}"):
                if run_action("dm_delete", lambda rid: docs.delete(actor, item.id, rid) or True):
                    done(f"已删除“{item.name}”，可在回收站恢复。")

# --- 回收站 -----------------------------------------------------------------------------------------------------
with tab_bin:
    try:
        trash = docs.recycle_bin(actor, space)
    except ServiceError as exc:
        show_error(exc)
        trash = []
    if not trash:
        st.info("回收站是空的。")
    else:
        table(trash, where=True)
        tmap = {r.id: r for r in trash}
        tid = st.selectbox("选择已删除的项", list(tmap), format_func=lambda i: tmap[i].path.rstrip("/") + "/" + tmap[i].name,
                           placeholder="请选择", key="dm_trash")
        r1, r2 = st.columns(2)
        if r1.button("恢复", key="dm_restore"):
            if run_action("dm_restore", lambda rid: docs.restore(actor, tid, rid) or True):
                done(f"已恢复“{tmap[tid].name}”。")
        if r2.button("彻底删除", key="dm_purge", type="primary"):
            if run_action("dm_purge", lambda rid: docs.purge(actor, tid, rid) or True):
                done(f"已彻底删除“{tmap[tid].name}”。")

# --- 组管理 -----------------------------------------------------------------------------------------------------
with tab_groups:
    try:
        my_groups = docs.list_groups(actor)
    except ServiceError as exc:
        show_error(exc)
        my_groups = []
    if my_groups:
        st.dataframe(pd.DataFrame([{"组名称": g.name, "创建者": g.owner, "组员": "、".join(g.members)}
                                   for g in my_groups]), hide_index=True, width="stretch")
    with st.form("dm_group_add", clear_on_submit=True):
        gname = st.text_input("组名称", max_chars=64, key="dm_group_name")
        if st.form_submit_button("添加"):
            if run_action("dm_group_add", lambda rid: docs.create_group(actor, gname, rid)):
                done(f"已添加组“{gname}”。")
    owned = {g.id: g for g in my_groups if g.is_owner}
    if owned:
        gsel = st.selectbox("维护组", list(owned), format_func=lambda i: owned[i].name, placeholder="请选择", key="dm_group_sel")
        g = owned[gsel]
        t_members, t_rename, t_delete = st.tabs(["组员", "修改", "删除"])
        with t_members, st.form(f"dm_members_{g.id}"):
            cands = dict(docs.member_candidates(actor))
            picked_members = st.multiselect("组员", list(cands), default=[m for m in g.members if m in cands],
                                            format_func=lambda u: f"{u}（{cands[u]}）" if cands[u] else u,
                                            placeholder="请选择", key=f"dm_members_sel_{g.id}")
            if st.form_submit_button("保存组员"):
                if run_action("dm_members", lambda rid: docs.set_members(actor, g.id, picked_members, rid) or True):
                    done(f"已保存组“{g.name}”的组员。")
        with t_rename, st.form(f"dm_group_rename_{g.id}"):
            g_new = st.text_input("组名称", value=g.name, max_chars=64, key=f"dm_group_rn_{g.id}")
            if st.form_submit_button("修改"):
                if run_action("dm_group_rename", lambda rid: docs.rename_group(actor, g.id, g_new, g.row_version, rid) or True):
                    done(f"已将组改名为“{g_new}”。")
        with t_delete:
            if st.button("删除组", key=f"dm_group_del_{g.id}"):
                if run_action("dm_group_del", lambda rid: docs.delete_group(actor, g.id, rid) or True):
                    done(f"已删除组“{g.name}”。")
