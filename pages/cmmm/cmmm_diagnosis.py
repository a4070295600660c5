"""企业自诊断 — 新建自诊断（须知、等级特征、裁剪）→ 逐级答题 → 成效类指标 → 诊断结果与 PDF 报告。"""
import time
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts.cmmm import domain_radar, level_bars, peer_bars
from components.downloads import prepared_download
from components.feedback import fragment, run_action
from components.question_widgets import group_widgets
from components.nav import guard
from components.text import md
from services.cmmm import diagnosis as dx
from services.cmmm.report import build_pdf
from services.cmmm.results import result, score_table
from services.core.errors import ServiceError
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.engine import Evaluation, evaluate
from services.forms.schema import Definition, Group, Section
from services.core.numfmt import fmt
from services.core.timefmt import china_now
from services.core.permissions import P_DIAG_FILL

actor = guard(P_DIAG_FILL)
st.title("企业自诊断")
st.caption("智能制造能力成熟度模型（GB/T 39116-2020）· 评估方法（GB/T 39117-2020）")
if (flash := st.session_state.pop("cmmm_flash", None)) is not None:
    st.success(md(flash))


def show_result(diagnosis_id: int, where: str = "work") -> None:
    """Draw one completed diagnosis (``where`` keeps the chart keys apart when two tabs show results)."""
    res = result(actor, diagnosis_id)
    c1, c2, c3 = st.columns(3)
    c1.metric("总分 S", fmt(res.total_score))
    c2.metric("成熟度等级", md(res.level_label or "—"))
    c3.metric("完成时间", md(res.completed_at or "—"))
    st.markdown("#### 各等级得分")
    st.dataframe(pd.DataFrame(score_table(res)), hide_index=True, width="stretch", key=f"scores_{diagnosis_id}")
    left, right = st.columns(2)
    with left:
        st.markdown("#### 能力域得分")
        if len(res.domains) >= 3:
            st_echarts(domain_radar(res.domains), height="380px", key=f"{where}_radar_{diagnosis_id}")
    with right:
        st.markdown("#### 与平均水平对比")
        st_echarts(peer_bars([(p.label, p.average) for p in res.peers]), height="220px",
                   key=f"{where}_peer_{diagnosis_id}")
        for p in res.peers[1:]:
            if p.average is None:
                st.caption(f"{md(p.label)}：样本不足（{p.count:d} 家，至少 3 家才显示平均值）")
        st_echarts(level_bars([(lvl, score) for lvl, score, _ in res.level_rows], res.level_gates), height="220px",
                   key=f"{where}_levels_{diagnosis_id}")
    prepared_download(f"{where}_pdf", diagnosis_id, lambda: build_pdf(res), "生成 PDF 报告", "下载 PDF 报告",
                      f"自诊断报告_{res.org_name}_{diagnosis_id}.pdf", "application/pdf")


def _level_state(view: dx.DiagnosisView) -> dict[str, Any]:
    """What the level's form was loaded with (answers, section version, evaluation context), read once
    per level: answering reruns only the form's fragment and reads nothing else."""
    key = f"cmmm_{view.id}_{view.current_section}"
    if key not in st.session_state:
        r = responses.get_response(actor, view.response_id)
        st.session_state[key] = {"version": r.sections[view.current_section].version
                                 if view.current_section in r.sections else 0,
                                 "answers": dict(r.answers), "context": r.context, "version_id": r.version_id,
                                 "saved_at": None}
    return st.session_state[key]  # type: ignore[no-any-return]


def answer_level(view: dx.DiagnosisView) -> None:
    state = _level_state(view)
    d = definition_for_version(state["version_id"])
    section = next(s for s in d.sections if s.name == view.current_section)
    m = dx.model()
    done = [t for t in m.tiers if t.section in view.level_scores]
    st.progress(len(done) / (len(m.tiers) + 1), text=f"已完成 {len(done)} 个等级 · 当前：{md(section.title)}")
    for t in done:
        st.caption(md(f"{t.label}：{fmt(view.level_scores[t.section])}"))
    st.subheader(md(section.title))
    if section.description:
        st.info(md(section.description, multiline=True))
    progress, saved_note = st.empty(), st.empty()
    _evaluation(d, state)
    values: dict[str, Any] = {}
    for group in section.groups:  # one fragment per group: an answer redraws only its own few questions
        values.update(group_form(view, d, section, group, progress, saved_note) or {})
    final = section.name == m.after_tiers
    if not st.button("提交" if final else "提交本级", key=f"cmmm_{view.id}_{section.name}_submit", type="primary"):
        return
    saved = state["answers"]
    if final:
        run_action(f"finish_{view.id}", lambda rid: dx.finish(actor, view.id, values, state["version"], saved, rid))
        if dx.get(actor, view.id).status == "completed":
            st.session_state["cmmm_flash"] = "自诊断已完成。"
            st.session_state["cmmm_view"] = view.id
            st.rerun()
        return
    tier = m.tier_of(section.name)
    assert tier is not None
    outcome = run_action(f"level_{view.id}", lambda rid: dx.submit_level(actor, view.id, tier.level, values,
                                                                        state["version"], saved))
    if outcome is None:
        return
    (st.success if outcome.achieved else st.warning)(md(outcome.message))
    if outcome.achieved and outcome.next_section != m.after_tiers and (pause := dx.advance_seconds()):
        with st.spinner(f"{int(pause)} 秒后自动进入下一级……"):  # md: a whole number
            time.sleep(pause)
    st.rerun()


def _show_progress(section: Section, state: dict[str, Any], progress: Any, saved_note: Any) -> None:
    """The level's counter and the time of the last automatic save, drawn into the page's placeholders."""
    answers, visible = state["answers"], state["evaluated"][1].visible
    shown = [q for q in section.questions if q.answerable and q.name in visible]
    answered = sum(1 for q in shown if answers.get(q.name))
    progress.caption(f"共 {len(shown)} 题，已答 {answered:d} 题，进度 {answered:d}/{len(shown)}")
    if state["saved_at"]:
        saved_note.caption(f"已自动保存（{md(state['saved_at'])}），可随时离开，回来后「继续自诊断」。")
    else:
        saved_note.empty()


def _evaluation(d: Definition, state: dict[str, Any]) -> Evaluation:
    """The level's evaluation for the answers saved so far (made once per saved version, shared by the groups)."""
    if state.get("evaluated", (None,))[0] != state["version"]:
        state["evaluated"] = (state["version"], evaluate(d, state["answers"], state["context"]))
    return state["evaluated"][1]  # type: ignore[no-any-return]


@fragment
def group_form(view: dx.DiagnosisView, d: Definition, section: Section, group: Group, progress: Any,
               saved_note: Any) -> dict[str, Any]:
    """One group's questions (a capability sub-domain, 2–6 questions). An answer reruns only this
    fragment and is saved as a draft at once (server-side, per level): nothing is lost on sign-out,
    navigation or a closed browser. Returns the group's answers (used by 提交 on a full run)."""
    state = _level_state(view)
    saved = state["answers"]
    pre = _evaluation(d, state)
    values: dict[str, Any] = {}
    group_widgets(d, group, dict(saved), pre, view.response_id, values, {})
    if any(v != saved.get(k) for k, v in values.items()):
        whole = {q.name: saved.get(q.name) for q in section.questions} | values
        version = run_action(f"autosave_{view.id}", lambda rid: dx.save(actor, view.id, section.name, whole,
                                                                         state["version"], saved))
        if version is not None:
            state["version"] = version
            saved.update(values)
            state["saved_at"] = china_now().strftime("%H:%M:%S")
            here = {q.name for q in section.questions}
            if _evaluation(d, state).visible & here != pre.visible & here:
                st.rerun(scope="app")  # an answer showed or hid questions of other groups: redraw them all
    _show_progress(section, state, progress, saved_note)  # on every run: a fragment may only refill what it filled
    return values


def new_diagnosis() -> None:
    try:
        vid, d = dx.definition()
    except ServiceError:
        st.warning("自诊断模型尚未发布（specs/cmmm/self_diagnosis.yaml），请联系平台管理员。")
        return
    m = dx.model()
    with st.expander("填报须知与成熟度等级特征", expanded=True):
        st.markdown(md(d.description, multiline=True))
        for s in d.sections:
            if m.tier_of(s.name) is not None:
                st.markdown(f"**{md(s.title)}**：{md(s.description)}")
    st.markdown("**能力域裁剪**（请勾选本企业**不参与**自诊断的能力域；人员、技术、资源要素和生产能力域不可裁剪；开始答题后不能更改）")
    cols = st.columns(4)
    chosen = [code for i, (code, label) in enumerate(m.tailorable)
              if cols[i].checkbox(md(label), key=f"tailor_{code}")]
    if st.button("开始答题", type="primary"):
        new_id = run_action("cmmm_start", lambda rid: dx.start(actor, chosen, rid))
        if new_id:
            st.session_state["cmmm_view"] = new_id
            st.session_state.pop("cmmm_new", None)
            st.rerun()


history = dx.history(actor)  # newest first
active = next((h for h in history if h.status == "in_progress"), None)
done = [h for h in history if h.status == "completed"]
viewing = st.session_state.get("cmmm_view")
if not any(h.id == viewing and h.status == "completed" for h in history):
    viewing = None
if viewing is None and active is None and done and not st.session_state.get("cmmm_new"):
    viewing = done[0].id  # after finishing, the landing shows the latest result, not a blank new diagnosis
tab_work, tab_history = st.tabs(["自诊断", f"历史记录（{len(history)}）"])
with tab_history:
    if history:
        st.dataframe(pd.DataFrame([{"编号": h.id, "开始时间": h.started_at, "状态": h.status_label,
                                    "完成时间": h.completed_at or "", "总分": fmt(h.total_score, empty=""),
                                    "成熟度等级": h.level_label} for h in history]), hide_index=True, width="stretch")
        if done:
            pick = st.selectbox("查看结果", [h.id for h in done], format_func=lambda i: f"第 {i} 号自诊断",
                                key="hist_pick", placeholder="请选择")
            if st.button("查看", key="hist_view"):
                st.session_state["cmmm_hist_view"] = pick
            if st.session_state.get("cmmm_hist_view") == pick:  # drawn here, where the user is looking
                show_result(int(pick), where="history")
    else:
        st.info("还没有自诊断记录。")
with tab_work:
    if viewing is not None:
        show_result(int(viewing))
        if active is not None:
            if st.button("继续自诊断", key="back", type="primary"):
                st.session_state.pop("cmmm_view", None)
                st.rerun()
        elif st.button("开始新的自诊断", key="new"):
            st.session_state.pop("cmmm_view", None)
            st.session_state["cmmm_new"] = True
            st.rerun()
    elif active is not None:
        names = "、".join(dx.tailorable().get(t, t) for t in active.tailoring) or "无"
        st.markdown(f"**第 {active.id:d} 号自诊断 · {md(active.status_label)}** · 裁剪：{md(names)}")
        answer_level(active)
        with st.expander("放弃本次自诊断"):
            st.caption("放弃后可重新选择裁剪并新建自诊断（放弃的不计入每月次数）。")
            if st.button("确认放弃", key="abandon"):
                run_action("cmmm_abandon", lambda rid: dx.abandon(actor, active.id))
                st.rerun()
    else:
        new_diagnosis()
