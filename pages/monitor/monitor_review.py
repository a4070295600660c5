"""月报审核 — 辖区内等待本人审核的月报：筛选、查看本月 / 上月、接收、退回（必填原因）；一键接收、越级接收（经授权）；
冻结确认（企业修改关键信息后确认变更或驳回）."""
import pandas as pd
import streamlit as st

from components.admin_list import admin_list
from components.feedback import run_action
from components.monitor_detail import change_rows, render_detail, render_history
from components.nav import guard
from components.text import md
from services.core.errors import ServiceError
from services.monitor import reports, review, reviewers
from services.monitor.review import QueueFilter
from services.core.permissions import P_MONITOR_REVIEW
from services.reference import region_full_name

actor = guard(P_MONITOR_REVIEW)
st.title("月报审核")
if "mrv_flash" in st.session_state:  # set before a rerun, which would discard a message shown in place
    st.success(md(st.session_state.pop("mrv_flash")))
try:
    me: reviewers.ReviewerView | None = reviewers.me(actor)
except ServiceError:
    me = None

grants = st.columns(4)
if me is not None and me.bulk_accept and grants[0].button("一键接收", key="mrv_bulk"):
    n = run_action("mrv_bulk", lambda _: review.bulk_accept(actor))
    if n is not None:
        st.session_state["mrv_flash"] = f"一键接收：已接收下级审核员上报的 {n} 份月报。"
        st.rerun()
if me is not None and me.level == "province" and me.skip_level and grants[1].button("越级接收", key="mrv_skip"):
    done = run_action("mrv_skip", lambda _: review.skip_level_accept(actor))
    if done is not None:
        st.session_state["mrv_flash"] = f"越级接收：{done[0]} 份系统筛查通过的月报已直接报送国家级；{done[1]} 份需逐一审核。"
        st.rerun()

tab_queue, tab_frozen = st.tabs(["月报审核", "冻结确认"])

with tab_queue:
    opened = st.session_state.pop("mrv_open", None)  # 查看 in 消息中心: filters that contain the linked report
    linked = run_action("mrv_open", lambda _: review.detail(actor, int(opened))) if opened is not None else None
    if linked is not None:
        st.session_state.update(mrv_period=linked.period if linked.period in reports.period_options() else None,
                                mrv_status="all", mrv_screening=None, mrv_keyword="")
    rows = [item["row"] for item in admin_list("monitor_review", actor, "mrv")]
    if not rows and linked is None:
        st.info("没有符合条件的月报。")
    labels = {r.id: f"{r.period} {r.org_name}（{r.status_label}）" for r in rows}
    if linked is not None:
        labels.setdefault(linked.id, f"{linked.period} {linked.org_name}（{linked.status_label}）")
        st.session_state["mrv_pick"] = linked.id
    if labels:
        chosen = st.selectbox("选择月报", list(labels), key="mrv_pick", format_func=lambda i: labels.get(i, str(i)), placeholder="请选择")
        try:
            cur, prev = review.with_last_month(actor, chosen)
        except ServiceError as err:
            st.error(md(err))
            st.stop()
        st.subheader(f"{md(cur.org_name)} · {md(cur.period)}")
        left, right = st.columns(2, gap="large")
        with left:
            st.markdown(f"##### 查看本月（{md(cur.period)}）")
            render_detail(cur, key=f"mrv_cur_{cur.id}", history=False)
        with right:
            st.markdown("##### 查看上月")
            if prev is None:
                st.info("上月没有月报。")
            else:
                render_detail(prev, key=f"mrv_prev_{prev.id}", history=False, exports=False)
        render_history(cur)
        if cur.can_accept or cur.can_return:
            with st.container(border=True):
                if cur.can_accept and st.button("接收", type="primary", key=f"mrv_accept_{cur.id}"):
                    result = run_action(f"mrv_accept_{cur.id}", lambda req: review.accept(actor, cur.id, req))
                    if result is not None:
                        st.session_state["mrv_flash"] = (f"已接收「{cur.org_name}」{cur.period} 月报，" +
                                                         ("审核通过。" if result == "accepted" else "已报送上级审核。"))
                        st.rerun()
                if cur.can_return:
                    reason = st.text_area("退回原因（必填，150 字以内，企业可见）", max_chars=150, key=f"mrv_reason_{cur.id}")
                    if st.button("退回", key=f"mrv_return_{cur.id}"):
                        if run_action(f"mrv_return_{cur.id}",
                                      lambda req: review.return_report(actor, cur.id, reason, req) or True):
                            st.session_state["mrv_flash"] = f"已退回「{cur.org_name}」{cur.period} 月报。"
                            st.rerun()
        elif cur.status == "reviewing":
            st.caption(f"该月报正等待 {md(cur.holder)} 审核，您不能接收或退回。")

with tab_frozen:
    found = run_action("mrv_frozen", lambda _: review.queue(actor, QueueFilter(status="frozen"), 0, 20))
    frozen_total, frozen = found if found is not None else (0, [])
    if not frozen:
        st.info("没有等待确认的关键信息变更。")
    elif frozen_total > len(frozen):
        st.caption(f"共 {frozen_total:d} 份冻结的月报，先显示其中 {len(frozen)} 份，处理后显示其余的。")
    for r in frozen:
        fd = review.detail(actor, r.id)
        with st.container(border=True):
            st.markdown(f"**{md(r.org_name)}** · {md(r.period)} · {md(region_full_name(r.region_code))}")
            st.dataframe(pd.DataFrame(change_rows(fd)), hide_index=True, width="stretch")
            b1, b2, b3 = st.columns([1, 3, 1], vertical_alignment="bottom")
            if b1.button("确认变更", type="primary", key=f"mrv_confirm_{r.id}"):
                if run_action(f"mrv_confirm_{r.id}", lambda req, i=r.id: review.confirm_change(actor, i, req) or True):
                    st.session_state["mrv_flash"] = f"已确认「{r.org_name}」的关键信息变更，月报已解除冻结。"
                    st.rerun()
            why = b2.text_input("驳回原因", key=f"mrv_reject_reason_{r.id}", max_chars=review.RETURN_REASON_MAX)
            if b3.button("驳回", key=f"mrv_reject_{r.id}"):
                if run_action(f"mrv_reject_{r.id}", lambda _, i=r.id: review.reject_change(actor, i, why) or True):
                    st.session_state["mrv_flash"] = f"已驳回「{r.org_name}」的关键信息变更。"
                    st.rerun()
