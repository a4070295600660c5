"""质量自评估 · 自评估历史: the organisation's attempts (开始、完成时间，状态，总体等级); 继续评估 for the unfinished
one; for a finished one 自评估报告 (tiers per second-level, first-level and overall, charts, 下载报告 PDF) and
自评估情况 (every clause's answers, read-only, through components/quality_answers.render_answers)."""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.quality import tier_bars, tier_radar
from components.downloads import prepared_download
from components.feedback import error_boundary, fragment
from components.nav import guard
from components.quality_answers import render_answers
from components.text import md, md_table
from services.core.permissions import P_QUALITY_FILL
from services.quality import history, report

actor = guard(P_QUALITY_FILL)
st.title("自评估历史")
VIEWS = ("自评估报告", "自评估情况")
ASSESS_PAGE = "pages/quality/quality_assess.py"


def _continue(attempt_id: int) -> None:
    st.session_state["q_attempt"] = attempt_id
    st.session_state["q_step"] = "企业信息"
    st.session_state["q_ind"] = 0


def report_view(rep: history.Report) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("总体等级", md(rep.overall_label))
    c2.metric("开始时间", md(rep.attempt.started_at))
    c3.metric("完成时间", md(rep.attempt.completed_at or "—"))
    st.markdown("#### 一级指标等级")
    st.markdown(md_table(["一级指标", "等级"], [(r.name, r.label) for r in rep.first_level]))
    st_echarts(tier_radar([(r.name, r.tier) for r in rep.first_level], rep.level_labels), height="360px",
               key=f"qh_radar_{rep.attempt.id}")
    st.markdown("#### 二级指标等级")
    st.markdown(md_table(["一级指标", "二级指标", "等级"], [(r.parent, r.name, r.label) for r in rep.second_level]))
    rows = [("总体", rep.overall), *((r.name, r.tier) for r in rep.first_level),
            *((r.name, r.tier) for r in rep.second_level)]
    st_echarts(tier_bars(rows, rep.level_labels, rep.below_label), height="560px", key=f"qh_bars_{rep.attempt.id}")
    title = "企业信息（评估时确认）" if rep.profile_kept else "企业信息（该次评估未确认，显示当前信息）"
    with st.expander(md(title)):
        st.markdown(md_table(["项目", "内容"], [(label, text) for label, text in rep.profile_rows]))
    prepared_download(f"qh_pdf_{rep.attempt.id}", rep.attempt.id, lambda: report.build_pdf(actor, rep.attempt.id),
                      "生成报告", "下载报告（PDF）", f"质量管理能力自评估报告_{rep.attempt.id}.pdf", "application/pdf")


@fragment
def attempt_view(attempt_id: int) -> None:
    """One finished attempt: its report or its answers (a click reruns this part only)."""
    snap = history.completed_snapshot(actor, attempt_id)
    shown = st.radio("查看", VIEWS, key=f"qh_view_{attempt_id}", horizontal=True)
    if shown == VIEWS[0]:
        report_view(history.report(actor, attempt_id, snap))
    else:
        render_answers(snap)


with error_boundary():
    rows = history.attempts(actor)
    if not rows:
        st.info("还没有自评估记录。")
        st.page_link(ASSESS_PAGE, label="开始评估", icon=":material/verified_user:")
        st.stop()
    st.markdown(md_table(["序号", "开始时间", "完成时间", "状态", "总体等级"],
                         [(len(rows) - i, r.started_at, r.completed_at or "—", r.status_label, r.tier_label)
                          for i, r in enumerate(rows)]))
    running = next((r for r in rows if r.status == "in_progress"), None)
    if running is not None:
        if st.button("继续评估", key="qh_continue", type="primary", on_click=_continue, args=(running.id,)):
            st.switch_page(ASSESS_PAGE)
    done = [r for r in rows if r.status == "completed"]
    if done:
        names = {r.id: f"{r.completed_at} 完成 · 总体等级 {r.tier_label}" for r in done}
        picked = st.selectbox("已完成的自评估", [r.id for r in done], index=0, key="qh_pick",
                              format_func=lambda i: names.get(i, str(i)), placeholder="请选择一次自评估")
        if picked is not None:
            attempt_view(int(picked))
