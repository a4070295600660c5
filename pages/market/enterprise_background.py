"""企业背景信息 — the enterprise's background form (enterprise guide 3.2: 企业背景 and the sections 运营 … 创新研发),
rendered from specs/market/enterprise_background.yaml. 暂存 keeps a server-side draft (restored after the
browser closes); 提交 lets the forms engine check every field and rule. What the registration already holds
(企业名称, 统一社会信用代码 …) is shown from the organisation, read-only."""
from typing import Any

import streamlit as st

from components.feedback import error_boundary, fragment, run_action, show_error
from components.nav import guard
from components.question_widgets import question_widget
from components.text import md
from services.core.errors import NotFound, PermissionDenied
from services.core.permissions import P_MARKET_BUY
from services.core.timefmt import china_time
from services.forms.engine import evaluate
from services.market import background, background_form

actor = guard(P_MARKET_BUY)
st.title("企业背景信息")
st.caption("服务市场：申请服务券和购买商品前，请完整填写并提交企业背景信息。带 * 的为必填项；可随时暂存，"
           "关闭浏览器后再次进入本页会恢复暂存的内容。")
if "bg_flash" in st.session_state:
    st.success(md(st.session_state.pop("bg_flash")))
try:
    view = background.form(actor)
except (NotFound, PermissionDenied) as exc:
    show_error(exc)
    st.stop()

if "bg_answers" not in st.session_state:
    st.session_state["bg_answers"] = dict(view.answers)
status = {"none": "尚未填写", "draft": "已暂存，尚未提交", "submitted": "已提交"}[view.status]
if view.submitted_at:
    import datetime as dt
    status += f"（最近提交：{china_time(dt.datetime.fromisoformat(view.submitted_at))}）"
st.markdown(f"状态：**{md(status)}**")


def _license(q: Any, value: Any) -> Any:
    if isinstance(value, dict):
        st.caption(f"{md(q.label)}：已上传 {md(value.get('name'))}")
    up = st.file_uploader(md(f"{q.label} *（JPEG、JPG、PNG，不超过 {q.max_mb:g} MB）"), type=list(q.file_types),
                          key="bg_license_upload")
    if up is not None and st.session_state.get("bg_license_seen") != (up.name, up.size):
        try:
            value = background.store_license(actor, up.getvalue(), up.name)
            st.session_state["bg_license_seen"] = (up.name, up.size)
        except Exception as exc:  # noqa: BLE001 - shown in Chinese
            show_error(exc)
    return value


def _submit(answers: dict[str, Any], rid: str) -> bool:
    background.submit(actor, answers, rid)
    return True


@fragment
def background_form_view() -> None:
    d = background_form.definition("enterprise")
    working: dict[str, Any] = st.session_state["bg_answers"]
    ev = evaluate(d, {k: v for k, v in working.items() if v is not None}, with_scores=False)
    for i, section in enumerate(d.sections):
        shown = [q for q in section.questions if q.name in ev.visible]
        with st.expander(md(f"{section.title}（{len(section.questions)}）"), expanded=i == 0):
            cols = st.columns(2)
            for j, q in enumerate(shown):
                with cols[j % 2] if q.type not in ("multiple", "textarea") else st.container():
                    if q.name in view.locked:
                        st.text_input(md(f"{q.label} *"), value=background.answer_text(q, working.get(q.name)),
                                      disabled=True, key=f"bg_q_{q.name}", help="来自单位注册信息；如需修改请到「单位注册信息」。")
                    elif q.type == "file":
                        working[q.name] = _license(q, working.get(q.name))
                    else:
                        working[q.name] = question_widget(q, working.get(q.name), f"bg_q_{q.name}", ev)
    c1, c2 = st.columns([1, 1])
    if c1.button("暂存", key="bg_save"):
        problems = run_action("bg_save", lambda rid: background.save_draft(actor, working))
        if problems is not None:
            st.success("已暂存。关闭浏览器后再次进入本页会恢复这些内容。")
            for msgs in problems.values():
                for m in msgs:
                    st.warning(md(m))
    if c2.button("提交", type="primary", key="bg_submit"):
        if run_action("bg_submit", lambda rid: _submit(working, rid)):
            st.session_state["bg_flash"] = "企业背景信息已提交，审核人员可在注册信息详细中查看。"
            st.session_state.pop("bg_answers", None)
            st.rerun(scope="app")


with error_boundary():
    background_form_view()
