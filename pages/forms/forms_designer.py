"""问卷设计 — 定义即数据：上传或在线编辑 YAML / Excel，校验，发布（不可修改），复制为新版本，停用。"""
import pandas as pd
import streamlit as st
import yaml

from components.downloads import XLSX_MIME, prepared_download
from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.core.errors import ValidationFailed
from services.forms import definitions, ownership, xlsform
from services.forms.loader import load_definition
from services.core.permissions import P_FORMS_DESIGN

actor = guard(P_FORMS_DESIGN)
st.title("问卷设计")
st.caption("问卷、评估模型、月报表都是经过校验的定义（数据），不需要编写页面代码。已发布的版本不可修改，修改请复制为新草稿再发布。"
           "每个定义属于全国或一个地区（归属）：只有归属地区及其上级的管理员可以发布、修改、停用或新建版本；"
           "地区的定义只发给该地区的企业。")

versions = definitions.list_versions(actor)
if versions:
    st.dataframe(pd.DataFrame([{"代码": v.code, "标题": v.title, "类型": v.kind_label, "归属": v.owner_label,
                                "版本": v.version, "状态": v.status_label,
                                "题目数": v.questions, "发布时间": v.published_at or ""} for v in versions]),
                 hide_index=True, width="stretch")

with st.expander("导入定义（YAML / JSON / Excel）", expanded=not versions):
    up = st.file_uploader("选择文件", type=["yaml", "yml", "json", "xlsx"], key="def_upload")
    if up is not None and st.button("校验并保存为草稿", key="def_import"):
        vid = run_action("def_import", lambda rid: definitions.import_file(actor, up.getvalue(), up.name, rid),
                         "已保存为草稿。")
        if vid:
            st.session_state["def_selected"] = vid

if not versions:
    st.stop()
by_id = {v.id: v for v in versions}
if st.session_state.get("def_selected") in by_id:  # a version just created: show it
    st.session_state["def_version"] = st.session_state.pop("def_selected")
vid = st.selectbox("选择版本", list(by_id), key="def_version", index=None, placeholder="请选择要查看或编辑的版本",
                   format_func=lambda i: f"{by_id[i].code} · v{by_id[i].version} · {by_id[i].kind_label} · {by_id[i].owner_label}"
                                         f" · {by_id[i].status_label} · {by_id[i].title}")
if vid is None:  # opens light: a large model (hundreds of questions) is loaded only when chosen
    st.stop()
v = by_id[vid]
doc = definitions.version_document(vid)
if not v.changeable:  # convenience only: the service refuses these actions anyway
    st.info(f"该定义属于{md(v.owner_label)}，您不能发布、修改、停用或新建版本；"
            f"「复制为新草稿」将创建{md(ownership.owner_label(ownership.scope_of(actor)))}自己的新定义（新代码）。")
c1, c2, c3, c4 = st.columns(4)
if v.status == "draft" and c1.button("发布", type="primary", disabled=not v.changeable):
    if run_action(f"publish_{vid}", lambda rid: definitions.publish(actor, vid, rid) or True, "已发布。"):
        st.rerun()
if c2.button("复制为新草稿"):
    new = run_action(f"copy_{vid}", lambda rid: definitions.copy_to_draft(actor, vid, request_id=rid), "已复制为新草稿。")
    if new:
        st.session_state["def_selected"] = new
        st.rerun()
if v.status == "published" and c3.button("停用", disabled=not v.changeable):
    if run_action(f"stop_{vid}", lambda rid: definitions.stop(actor, vid, rid) or True, "已停用。"):
        st.rerun()
text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
c4.download_button("下载 YAML", text, file_name=f"{v.code}_v{v.version}.yaml", mime="text/yaml")
prepared_download("def_xlsx", vid, lambda: xlsform.to_workbook(doc), "生成 Excel（survey / choices / settings）",
                  "下载 Excel（survey / choices / settings）", f"{v.code}_v{v.version}.xlsx", XLSX_MIME)  # built on demand

tab_struct, tab_edit = st.tabs(["结构", "编辑（草稿）"])
with tab_struct:
    d = load_definition(doc)
    st.markdown(f"**{md(d.title)}**　{md(d.description)}")
    for s in d.sections:
        st.markdown(f"**{md(s.title)}**")
        st.dataframe(pd.DataFrame([{"名称": q.name, "题型": q.qtype.label, "题目": q.label,
                                    "必填": "是" if q.required is True else ("条件" if q.required else ""),
                                    "显示条件": q.show_if or "", "规则数": len(q.constraints)} for q in s.questions]),
                     hide_index=True, width="stretch")
with tab_edit:
    if v.status != "draft":
        st.info("已发布或已停用的版本不可修改；请先「复制为新草稿」。")
    elif not v.changeable:
        st.info(f"该草稿属于{md(v.owner_label)}，您不能修改；请先「复制为新草稿」。")
    else:
        edited = st.text_area("定义（YAML）", text, height=420, key=f"def_text_{vid}")
        if st.button("校验并保存草稿", key=f"def_save_{vid}"):
            run_action(f"def_save_{vid}", lambda _: definitions.update_text(actor, vid, edited) or True,
                       "草稿已保存（已通过校验）。")
