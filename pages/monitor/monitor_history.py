"""历史报送 — 按年 / 跨年 / 报表状态查看各月月报：编辑、补报、退回原因、撤销、系统筛查未通过原因、查看（导出、打印）."""
import streamlit as st

from components.feedback import run_action
from components.monitor_detail import render_detail
from components.nav import guard
from components.text import md
from services.core.errors import ServiceError
from services.monitor import reports, review, workflow
from services.core.permissions import P_MONITOR_REPORT

actor = guard(P_MONITOR_REPORT)
st.title("历史报送")
if "mh_flash" in st.session_state:  # set before a rerun / page switch
    st.success(md(st.session_state.pop("mh_flash")))

this_year = int(reports.current_period()[:4])
years = list(range(this_year, this_year - 6, -1))
if "mh_focus_year" in st.session_state:
    st.session_state["mh_mode"], st.session_state["mh_year"] = "按年", st.session_state.pop("mh_focus_year")
c1, c2, c3, c4 = st.columns([1.2, 1, 1, 1.2])
mode = c1.radio("查询方式", ["按年", "跨年"], horizontal=True, key="mh_mode")
if mode == "按年":
    year_from = year_to = int(c2.selectbox("年份", years, key="mh_year", placeholder="请选择"))
else:
    year_from = int(c2.selectbox("起始年份", years, index=1, key="mh_from", placeholder="请选择"))
    year_to = int(c3.selectbox("结束年份", years, key="mh_to", placeholder="请选择"))
    if year_from > year_to:
        year_from, year_to = year_to, year_from
statuses = ["", "unfilled", *workflow.STATUS_LABEL]
status = c4.selectbox("报表状态", statuses, key="mh_status",
                      format_func=lambda s: {"": "全部", "unfilled": "未填报"}.get(s) or workflow.STATUS_LABEL[s], placeholder="请选择")
rows = run_action("mh_rows", lambda _: reports.history(actor, year_from, year_to, status or None))
if rows is None:
    st.stop()
if not rows:
    st.info("没有符合条件的月份。")

WIDTHS = [1, 1, 1.6, 1.5, 2.6, 0.8, 0.8, 0.8]
for col, head in zip(st.columns(WIDTHS), ["报表月份", "状态", "上报时间", "系统筛查", "退回原因", "", "", ""]):
    col.markdown(f"**{md(head)}**" if head else "")
for row in rows:
    cols = st.columns(WIDTHS, vertical_alignment="center")
    cols[0].markdown(md(row.period))
    cols[1].markdown(md(row.status_label))
    cols[2].markdown(md(row.submitted_at or "—"))
    if row.screening_passed is None:
        cols[3].write("—")
    elif row.screening_passed:
        cols[3].write("通过")
    else:
        with cols[3].popover(f"未通过（{row.warning_count:d}）"):
            st.markdown("**系统筛查未通过原因**")
            for w in review.detail(actor, row.report_id).warnings if row.report_id else []:
                st.warning(md(w))
    cols[4].markdown(md(row.return_reason or ""))
    if row.action and cols[5].button(md(row.action), key=f"mh_edit_{row.period}"):
        st.session_state["monitor_period"] = row.period
        st.switch_page("pages/monitor/monitor_report.py")
    if row.can_revoke and row.report_id and cols[6].button("撤销", key=f"mh_revoke_{row.report_id}"):
        rid = row.report_id
        if run_action(f"mh_revoke_{rid}", lambda req: reports.revoke(actor, rid, req) or True):
            st.session_state["mh_flash"] = f"{row.period} 月报已撤销，可修改后重新上报。"
            st.rerun()
    if row.report_id and cols[7].button("查看", key=f"mh_view_{row.report_id}"):
        st.session_state["mh_view"] = row.report_id

viewing = st.session_state.get("mh_view")
if viewing:
    st.divider()
    try:
        detail = review.detail(actor, int(viewing))
    except ServiceError as err:
        st.session_state.pop("mh_view", None)
        st.error(md(err))
        st.stop()
    head, close = st.columns([5, 1])
    head.subheader(f"{md(detail.period)} 月报详情")
    if close.button("关闭详情", key="mh_close"):
        st.session_state.pop("mh_view", None)
        st.rerun()
    render_detail(detail, key=f"mh_detail_{detail.id}")
