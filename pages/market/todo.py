"""我的待办 — 待我审批（商品发布的各审批环节、单位认证）与我的申请（按创建时间区间、申请名称、申请人筛选）."""
import pandas as pd
import streamlit as st

from components.feedback import show_error
from components.nav import guard
from services.core.errors import ServiceError
from services.market import todo

actor = guard(None)
st.title("我的待办")


def _table(items: list[todo.TodoItem]) -> None:
    if not items:
        st.info("暂无事项。")
        return
    st.dataframe(pd.DataFrame([{"申请名称": i.name, "申请类型": i.kind_label, "状态": i.status_label, "单位": i.org_name,
                                "申请人": i.applicant, "创建时间": i.created_at} for i in items]),
                 hide_index=True, width="stretch")


mine, apps = st.tabs(["待我审批", "我的申请"])
with mine:
    waiting = todo.waiting_for_me(actor)
    st.caption(f"共 {len(waiting):d} 项待处理")
    _table(waiting)
    if any(i.kind == "registration" for i in waiting):
        st.page_link("pages/market/certification.py" if "operator" in actor.roles else "pages/orgs/review_registrations.py",
                     label="去审核单位认证", icon=":material/fact_check:")
with apps:
    with st.form("todo_filters"):
        c1, c2, c3 = st.columns([2, 1, 1])
        span = c1.date_input("创建时间区间", value=(), key="todo_span")
        name = c2.text_input("申请名称", max_chars=todo.NAME_MAX, key="todo_name")
        applicant = c3.text_input("申请人", max_chars=todo.NAME_MAX, key="todo_applicant")
        st.form_submit_button("查询")
    dates = list(span) if isinstance(span, (list, tuple)) else [span]
    start = dates[0] if dates else None
    end = dates[1] if len(dates) > 1 else start
    try:
        _table(todo.my_applications(actor, start, end, name, applicant))
    except ServiceError as exc:
        show_error(exc)
    if "provider" in actor.roles or "enterprise" in actor.roles:
        st.page_link("pages/orgs/my_registration.py", label="我的企业（认证结果）", icon=":material/apartment:")
