"""企业自诊断 — 新建自诊断（须知、等级特征、裁剪）→ 逐级答题 → 成效类指标 → 诊断结果与 PDF 报告。"""
import time

import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts.cmmm import domain_radar, level_bars, peer_bars
from components.feedback import run_action
from components.form_renderer import section_widgets
from components.nav import guard
from services.cmmm import diagnosis as dx
from services.cmmm.report import build_pdf
from services.cmmm.results import result, score_table
from services.errors import ServiceError, ValidationFailed
from services.forms import responses
from services.numfmt import fmt
from services.permissions import P_DIAG_FILL

actor = guard(P_DIAG_FILL)
st.title("企业自诊断")
st.caption("智能制造能力成熟度模型（GB/T 39116-2020）· 评估方法（GB/T 39117-2020）")
if (flash := st.session_state.pop("cmmm_flash", None)) is not None:
    st.success(flash)


def show_result(diagnosis_id: int) -> None:
    res = result(actor, diagnosis_id)
    c1, c2, c3 = st.columns(3)
    c1.metric("总分 S", fmt(res.total_score))
    c2.metric("成熟度等级", res.level_label or "—")
    c3.metric("完成时间", res.completed_at or "—")
    st.markdown("#### 各等级得分")
    st.dataframe(pd.DataFrame(score_table(res)), hide_index=True, width="stretch", key=f"scores_{diagnosis_id}")
    left, right = st.columns(2)
    with left:
        st.markdown("#### 能力域得分")
        if len(res.domains) >= 3:
            st_echarts(domain_radar(res.domains), height="380px", key=f"radar_{diagnosis_id}")
    with right:
        st.markdown("#### 与平均水平对比")
        st_echarts(peer_bars([(p.label, p.average) for p in res.peers]), height="220px", key=f"peer_{diagnosis_id}")
        for p in res.peers[1:]:
            if p.average is None:
                st.caption(f"{p.label}：样本不足（{p.count} 家，至少 3 家才显示平均值）")
        st_echarts(level_bars([(lvl, score) for lvl, score, _ in res.level_rows]), height="220px",
                   key=f"levels_{diagnosis_id}")
    st.download_button("下载 PDF 报告", build_pdf(res), file_name=f"自诊断报告_{res.org_name}_{diagnosis_id}.pdf",
                       mime="application/pdf", key=f"pdf_{diagnosis_id}", type="primary")


def answer_level(view: dx.DiagnosisView) -> None:
    section_name = view.current_section
    r = responses.get_response(actor, view.response_id)
    d, _ = dx.evaluation(actor, view.id)
    section = next(s for s in d.sections if s.name == section_name)
    key = f"cmmm_{view.id}_{section_name}"
    if key not in st.session_state:  # what this page was loaded with (optimistic concurrency)
        st.session_state[key] = {"version": r.sections[section_name].version if section_name in r.sections else 0,
                                 "answers": dict(r.answers)}
    loaded = st.session_state[key]
    done = [lvl for lvl in dx.LEVELS if lvl in view.level_scores]
    st.progress(len(done) / 6, text=f"已完成 {len(done)} 个等级 · 当前：{section.title}")
    for lvl in done:
        st.caption(f"{dx.LEVEL_NAMES[int(lvl[-1])]}：{fmt(view.level_scores[lvl])}")
    st.subheader(section.title)
    if section.description:
        st.info(section.description)
    working = dict(loaded["answers"])
    from services.forms.engine import evaluate
    pre = evaluate(d, working, r.context)
    values, placeholders = section_widgets(d, section, working, pre, view.response_id)
    answered = sum(1 for q in section.questions if q.name in pre.visible and values.get(q.name))
    total = sum(1 for q in section.questions if q.name in pre.visible and q.answerable)
    st.caption(f"共 {total} 题，已答 {answered} 题，进度 {answered}/{total}")
    c1, c2, c3 = st.columns([1, 1, 3])
    save = c1.button("保存", key=f"{key}_save")
    final = section_name == "effectiveness"
    submit = c2.button("提交" if final else "提交本级", key=f"{key}_submit", type="primary")
    try:
        if save:
            loaded["version"] = dx.save(actor, view.id, section_name, values, loaded["version"], loaded["answers"])
            loaded["answers"].update(values)
            st.success("已保存，可随时「继续自诊断」。")
        elif submit and final:
            run_action(f"finish_{view.id}", lambda rid: dx.finish(actor, view.id, values, loaded["version"],
                                                                   loaded["answers"], rid))
            if dx.get(actor, view.id).status == "completed":
                st.session_state["cmmm_flash"] = "自诊断已完成。"
                st.session_state["cmmm_view"] = view.id
                st.rerun()
        elif submit:
            outcome = dx.submit_level(actor, view.id, int(section_name[-1]), values, loaded["version"], loaded["answers"])
            (st.success if outcome.achieved else st.warning)(outcome.message)
            if outcome.achieved and outcome.next_section != "effectiveness":
                with st.spinner(f"{dx.ADVANCE_SECONDS} 秒后自动进入下一级……"):
                    time.sleep(dx.ADVANCE_SECONDS)
            st.rerun()
    except ValidationFailed as err:
        for msgs in err.problems.values():
            for m in msgs:
                st.error(m)
    except ServiceError as err:
        st.error(str(err))


def new_diagnosis() -> None:
    try:
        vid, d = dx.definition()
    except ServiceError:
        st.warning("自诊断模型尚未发布（specs/cmmm/self_diagnosis.yaml），请联系平台管理员。")
        return
    with st.expander("填报须知与成熟度等级特征", expanded=True):
        st.markdown(d.description)
        for s in d.sections:
            if s.name in dx.LEVELS:
                st.markdown(f"**{s.title}**：{s.description}")
    st.markdown("**能力域裁剪**（请勾选本企业**不参与**自诊断的能力域；人员、技术、资源要素和生产能力域不可裁剪；开始答题后不能更改）")
    cols = st.columns(4)
    chosen = [code for i, (code, label) in enumerate(dx.TAILORABLE.items())
              if cols[i].checkbox(label, key=f"tailor_{code}")]
    if st.button("开始答题", type="primary"):
        new_id = run_action("cmmm_start", lambda rid: dx.start(actor, chosen, rid))
        if new_id:
            st.session_state["cmmm_view"] = new_id
            st.rerun()


history = dx.history(actor)
active = next((h for h in history if h.status == "in_progress"), None)
viewing = st.session_state.get("cmmm_view")
tab_work, tab_history = st.tabs(["自诊断", f"历史记录（{len(history)}）"])
with tab_history:
    if history:
        st.dataframe(pd.DataFrame([{"编号": h.id, "开始时间": h.started_at, "状态": h.status_label,
                                    "完成时间": h.completed_at or "", "总分": fmt(h.total_score, empty=""),
                                    "成熟度等级": h.level_label} for h in history]), hide_index=True, width="stretch")
        done = [h for h in history if h.status == "completed"]
        if done:
            pick = st.selectbox("查看结果", [h.id for h in done], format_func=lambda i: f"第 {i} 号自诊断", placeholder="请选择")
            if st.button("查看", key="hist_view"):
                st.session_state["cmmm_view"] = pick
                st.rerun()
    else:
        st.info("还没有自诊断记录。")
with tab_work:
    if viewing and any(h.id == viewing and h.status == "completed" for h in history):
        show_result(int(viewing))
        if st.button("返回", key="back"):
            st.session_state.pop("cmmm_view", None)
            st.rerun()
    elif active is not None:
        names = "、".join(dx.TAILORABLE.get(t, t) for t in active.tailoring) or "无"
        st.markdown(f"**第 {active.id} 号自诊断 · {active.status_label}** · 裁剪：{names}")
        answer_level(active)
        with st.expander("放弃本次自诊断"):
            st.caption("放弃后可重新选择裁剪并新建自诊断（放弃的不计入每月次数）。")
            if st.button("确认放弃", key="abandon"):
                dx.abandon(actor, active.id)
                st.rerun()
    else:
        new_diagnosis()
