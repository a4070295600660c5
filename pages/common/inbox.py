"""消息中心 — 站内消息（月报上报、退回、审核通过、冻结等通知）：查看、标为已读、打开相关月报."""
import streamlit as st

from components.nav import guard
from components.text import md
from services.core import notify
from services.core.permissions import P_MONITOR_REPORT, P_MONITOR_REVIEW, P_QUALITY_ASSESS, has_perm

actor = guard(None)
unread = notify.unread_count(actor)
st.title(f"消息中心（{unread:d} 条未读）" if unread else "消息中心")
if "inbox_flash" in st.session_state:
    st.success(md(st.session_state.pop("inbox_flash")))

c1, c2 = st.columns([3, 1])
only_unread = c1.toggle("只看未读", key="inbox_unread")
if unread and c2.button("全部标为已读", key="inbox_all_read"):
    n = notify.mark_read(actor)
    st.session_state["inbox_flash"] = f"已将 {n} 条消息标为已读。"
    st.rerun()

notes = notify.inbox(actor, unread_only=only_unread)
if not notes:
    st.info("没有未读消息。" if only_unread else "暂无消息。")


OPENABLE = ("monitor_report", "quality_application", "quality_question")   # links 查看 can open


def open_link(link: str) -> None:
    """Open what a notification points at (a monthly report: 月报审核 for reviewers, 历史报送 for enterprises)."""
    kind, _, ident = link.partition(":")
    if kind == "monitor_report" and ident.isdigit():
        if has_perm(actor, P_MONITOR_REVIEW):
            st.session_state["mrv_open"] = int(ident)
            st.switch_page("pages/monitor/monitor_review.py")
        if has_perm(actor, P_MONITOR_REPORT):
            st.session_state["mh_view"] = int(ident)
            st.switch_page("pages/monitor/monitor_history.py")
    if kind == "quality_application" and ident.isdigit():   # 评估申请: the agency's queue, or 我的评估申请
        if has_perm(actor, P_QUALITY_ASSESS):
            st.session_state["qa_open"] = int(ident)
            st.switch_page("pages/quality/quality_assessor.py")
        st.switch_page("pages/quality/quality_applications.py")
    if kind == "quality_question":
        st.switch_page("pages/quality/quality_questions.py")


for n in notes:
    with st.container(border=True):
        head, b1, b2 = st.columns([5, 1, 1], vertical_alignment="center")
        head.markdown(("" if n.read else "🔴 ") + f"**{md(n.title)}**  \n{md(n.at)}")
        if n.body:
            st.markdown(md(n.body, multiline=True))
        if not n.read and b1.button("标为已读", key=f"inbox_read_{n.id}"):
            notify.mark_read(actor, [n.id])
            st.rerun()
        if n.link and n.link.split(":")[0] in OPENABLE and b2.button("查看", key=f"inbox_open_{n.id}"):
            notify.mark_read(actor, [n.id])
            open_link(n.link)
