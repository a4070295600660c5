"""当期报送 — 本月（或补报月份）的运行监测月报：一、基本信息 二、主要经济指标 三、产品产销存（表单引擎），
四、调查问卷；然后上报，进入审核."""
import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.form_renderer import render_response
from components.monitor_detail import change_rows
from components.nav import guard
from components.text import md
from services.forms.definitions import definition_for_version
from services.monitor import reports, review, workflow
from services.core.permissions import P_MONITOR_REPORT

actor = guard(P_MONITOR_REPORT)
st.title("当期报送")
if "flash" in st.session_state:  # the renderer's message after a questionnaire was submitted
    st.success(md(st.session_state.pop("flash")))

options = reports.period_options()
if "monitor_period" in st.session_state:  # 编辑 / 补报 from 历史报送
    wanted = st.session_state.pop("monitor_period")
    if wanted in options:
        st.session_state["mr_period"] = wanted
period = st.selectbox("报表月份", options, key="mr_period",
                      format_func=lambda p: f"{p}（当期）" if p == options[0] else f"{p}（补报）", placeholder="请选择")
report_id = run_action("mr_open", lambda _: reports.open_report(actor, period))
if report_id is None:
    st.stop()
d = review.detail(actor, report_id)
st.markdown(f"**{md(period)} 月报** · 状态：**{md(d.status_label)}**")

if d.status == "frozen":
    st.warning("冻结：等待管理员确认企业名称、统一社会信用代码或所属行业的变更，确认后才能继续填报。")
    st.dataframe(pd.DataFrame(change_rows(d)), hide_index=True, width="stretch")
elif d.status == "returned":
    st.error(f"退回原因：{md(d.return_reason or '（未说明）')}　请修改后重新上报。")
elif d.status == "unfrozen":
    st.info("关键信息变更已确认，已解除冻结，请继续填报并上报。")
elif d.status == "reviewing":
    st.info(f"审核中：等待 {md(d.holder)} 审核。管理员尚未处理时，可在「历史报送」中撤销后修改。")
elif d.status == "accepted":
    st.success("审核通过。")
elif d.return_reason:  # a refused key-field change
    st.error(f"关键信息变更被驳回：{md(d.return_reason)}")
if d.status not in workflow.EDITABLE:
    render_response(actor, d.response_id)  # read-only
    st.stop()

step_key, q_key = f"mr_step_{report_id}", f"mr_q_{report_id}"
sections = definition_for_version(d.version_id).sections
titles = [s.title for s in sections] + ["四、调查问卷"]
if step_key not in st.session_state and d.current_section == reports.QUESTIONNAIRE_STEP and d.status != "returned":
    st.session_state[step_key] = 4  # a new session opens on the step the enterprise reached
on_questionnaires = st.session_state.get(step_key) == 4
st.caption("填报步骤：" + " → ".join(f"**{md(t)}**" if (i == 3) == on_questionnaires else md(t) for i, t in enumerate(titles)))


def to_questionnaires() -> None:
    st.session_state[step_key] = 4
    reports.set_step(actor, report_id, reports.QUESTIONNAIRE_STEP)


if not on_questionnaires:
    render_response(actor, d.response_id, printable=False, on_finish=to_questionnaires)
    if review.detail(actor, report_id).status != d.status:  # saving step 1 froze it: show that at once
        st.rerun()
    st.stop()

# --- 四、调查问卷, then 上报 -------------------------------------------------------------------
st.subheader("四、调查问卷")
st.caption("请完成本月的全部调查问卷（显示「问卷已答」），然后点击「上报」。")
items = reports.questionnaires(actor, report_id)
if not items:
    st.info("本月没有需要填写的调查问卷。")
for q in items:
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"**{md(q.title)}**")
    if q.answered:
        c2.markdown(":green[**问卷已答**]")
    elif c2.button("进入答题", key=f"mr_qopen_{report_id}_{q.version_id}"):
        opened = run_action("mr_qopen", lambda _, v=q.version_id: reports.open_questionnaire(actor, report_id, v))
        if opened:
            st.session_state[q_key] = opened
            st.rerun()
active = st.session_state.get(q_key)
if active is not None and any(q.response_id == active and q.answered for q in items):
    st.session_state.pop(q_key)  # just answered: close it
    active = None
if active is not None:
    with st.container(border=True):
        st.markdown(f"#### {md(next((q.title for q in items if q.response_id == active), '调查问卷'))}")
        render_response(actor, active, printable=False)

c1, c2 = st.columns([1, 4])
if c1.button("上一步", key=f"mr_back_{report_id}"):
    st.session_state.pop(step_key, None)
    reports.set_step(actor, report_id, sections[-1].name)
    st.rerun()
if c2.button("上报", key=f"mr_submit_{report_id}", type="primary"):
    warnings = run_action(f"mr_submit_{report_id}", lambda req: reports.submit_report(actor, report_id, req))
    if warnings is not None:
        st.session_state.pop(step_key, None)
        st.session_state["mh_flash"] = f"{period} 月报已上报，进入审核。" + (
            f"系统筛查有 {len(warnings)} 条提示，已记录供审核人员参考。" if warnings else "系统筛查通过。")
        st.session_state["mh_focus_year"] = int(period[:4])
        st.switch_page("pages/monitor/monitor_history.py")
