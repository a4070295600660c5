"""质量管理能力自评估 — 开始评估（熟悉确认）→ 企业信息 → 条款符合性评估（指标树 / 等级特征 / 条款）→ 质量绩效参数 → 提交与等级结果."""
from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_echarts import st_echarts

from charts.quality import tier_bars
from components.feedback import error_boundary, fragment, run_action, show_error
from components.nav import guard
from components.quality_profile import profile_form
from components.quality_dialogue import clause_dialogue
from components.quality_examples import example_button
from components.question_widgets import question_widget, widget_key
from components.text import md
from services.assessment import clauses, evidence, flow, graded, quality
from services.core.errors import Conflict
from services.core.permissions import P_QUALITY_FILL
from services.forms import responses
from services.forms.schema import Definition, Grading, Group
from services.quality import comments, profile
from services.quality.guides import GUIDES, PAGE as DOCS_PAGE

actor = guard(P_QUALITY_FILL)
st.title("质量管理能力自评估")

STEPS = ("企业信息", "条款符合性评估", "质量绩效参数", "提交")
PROFILE_STEP, CLAUSE_STEP, PERF_STEP = STEPS[:3]
FAMILIAR = ("是", "否")
GUIDE = """**自评估操作说明**（请仔细阅读后再开始评估）

1. **评估依据**：《制造业企业质量管理能力评估规范》。一级指标为 6.2 质量管理体系的有效性、6.3 质量管理数字化、
   6.4 持续改进提升的能力；每个一级指标下有若干二级指标，每个二级指标按 经验级、检验级、保证级、预防级、卓越级 五个等级列出条款。
2. **开始评估**：确认已熟悉标准和本平台的操作办法后开始；有未完成的自评估时只能继续评估，完成后才能开始新的评估。
3. **符合性条款项测评**：左侧为一级、二级指标及完成进度，中间为所选指标各等级的特征要求，右侧为条款（从低等级到高等级）。
   每条条款选择 符合 / 基本符合 / 不符合，填写对该要求的符合性情况描述（必填，未填写不计入进度）；
   除“不符合”外须上传佐证材料。点【暂存】保存当前条款；用“上一个 / 下一个二级指标”切换。
4. **质量绩效参数填报**：按上一年度数据填写各项参数，系统自动计算比率；每项须写明数据依据和情况说明。
5. **提交**：全部条款和绩效参数填写完整后才能提交；提交后系统计算二级指标、一级指标和总体等级。
6. **多人填报**：一家企业一个账号，可多人同时填写不同的一级指标；同一条款被他人先保存时，系统会提示并显示对方的修改，不会互相覆盖。
"""


def _go(step: str, indicator: int | None = None) -> None:
    st.session_state["q_step"] = step
    if indicator is not None:
        st.session_state["q_ind"] = indicator


def _open(attempt_id: int) -> None:
    st.session_state["q_attempt"] = attempt_id
    st.session_state["q_step"] = PROFILE_STEP      # step 1 of every assessment: confirm 企业信息
    st.session_state["q_ind"] = 0


def _edit_profile(on: bool) -> None:
    st.session_state["q_profile_edit"] = on


def profile_editor() -> None:
    """【编辑企业信息】 on the self-assessment home: 保存 keeps it (the latest save wins)."""
    st.markdown("#### 编辑企业信息")
    view = profile.form(actor)
    if view.saved_at:
        st.caption(f"最近保存：{md(view.saved_at)}")
    answers = profile_form(view, "q_profile_home", "保存")
    saved = run_action("q_profile_home", lambda rid: profile.save(actor, answers, rid)) if answers is not None else None
    if saved is not None:
        st.session_state["q_profile_edit"] = False
        st.session_state["q_flash"] = "企业信息已保存。"
        st.rerun()
    st.button("返回", key="q_profile_back", on_click=_edit_profile, args=(False,))


def guidance() -> None:
    """"否": the operating guidance, with links to the three documents inside the app."""
    st.info(GUIDE)
    st.markdown("请在线查看以下文档：")
    for key, title in GUIDES.items():
        st.page_link(DOCS_PAGE, label=md(title), query_params={"doc": key}, icon=":material/description:")


def start_screen() -> None:
    if "q_flash" in st.session_state:
        st.success(md(st.session_state.pop("q_flash")))
    if st.session_state.get("q_profile_edit"):
        profile_editor()
        return
    st.button("编辑企业信息", key="q_profile_open", on_click=_edit_profile, args=(True,), icon=":material/edit:")
    latest = quality.current(actor)
    if latest is not None and latest.status == "completed":
        tier = _grading(flow.definition(quality.KIND)[1]).label(latest.level)
        st.caption(f"最近一次自评估完成于 {md(latest.completed_at)}，总体等级：{md(tier)}。")
        st.button("查看评估结果", key="q_view_last", on_click=_open, args=(latest.id,))
        st.page_link("pages/quality/quality_history.py", label="自评估历史", icon=":material/history_edu:")
        st.page_link("pages/quality/quality_applications.py", label="发起评估申请", icon=":material/send:")
    st.markdown("#### 开始评估")
    ok = st.radio("是否已熟悉《制造业企业质量管理能力评估规范》标准，并掌握本自评估平台的操作办法？", FAMILIAR,
                  index=None, horizontal=True, key="q_familiar")
    if ok == "否":
        guidance()
        return
    if ok != "是":
        return
    if latest is not None and latest.status == "in_progress":
        st.warning(f"您有一份未完成的自评估（开始于 {md(latest.started_at)}），完成后才能开始新的评估。")
        st.button("继续评估", key="q_continue", type="primary", on_click=_open, args=(latest.id,))
        return
    label = "开始新的评估" if latest is not None else "开始评估"
    if st.button(label, key="q_start", type="primary"):
        aid = run_action("q_start", lambda rid: flow.start(quality.KIND, actor, [], request_id=rid))
        if aid is not None:
            _open(aid)
            st.rerun()


def _grading(d: Definition) -> Grading:
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    return g


def _conf_labels(d: Definition, g: Grading, grp: Group) -> dict[str, str]:
    q = d.question(f"{grp.name}_{g.conformity}")
    return {c.value: c.label for c in q.choices}


@fragment
def clause_panel(d: Definition, rid: int, node: quality.IndicatorNode) -> None:
    """The indicator's clauses, each its own form: 暂存 reruns this panel only."""
    g = _grading(d)
    # the clause states are read only for forms not yet loaded (first view, or after a conflict)
    states = clauses.clause_states(actor, rid) \
        if any(f"qbase_{rid}_{grp.name}" not in st.session_state for grp in node.clauses) else {}
    counts = comments.clause_counts_many(actor, [grp.name for grp in node.clauses])
    level_label = {x.key: x.label for x in g.levels}
    for grp in node.clauses:
        base_key = f"qbase_{rid}_{grp.name}"
        if base_key not in st.session_state:
            s = states.get(grp.name)
            st.session_state[base_key] = (s.version, s.data) if s else (0, {})
        version, data = st.session_state[base_key]
        conf_q, desc_q, ev_q = (f"{grp.name}_{x}" for x in (g.conformity, g.description, g.evidence))
        labels = _conf_labels(d, g, grp)
        options = [g.full, g.partial, g.none]
        form_key = f"qf_{rid}_{grp.name}"
        with st.form(form_key):
            st.markdown(f"**{md(grp.title)}**（{md(level_label.get(str(grp.tags.get(g.level_tag)), ''))}）")
            picked = st.radio("符合情况", options, key=f"{form_key}_{version}_conf", horizontal=True,
                              index=options.index(data[conf_q]) if data.get(conf_q) in options else None,
                              format_func=lambda o: md(labels.get(o, o)))
            desc = st.text_area("对该要求的符合性情况描述（必填）", value=data.get(desc_q) or "",
                                key=f"{form_key}_{version}_desc")
            files = list(data.get(ev_q) or [])
            if files:
                st.caption("已上传：" + "、".join(md(f.get("name")) for f in files))
            uploads = st.file_uploader("佐证材料（选“不符合”时无需上传）", accept_multiple_files=True,
                                       key=f"{form_key}_{version}_files")
            saved = st.form_submit_button("暂存")
        clause_dialogue(actor, int(st.session_state["q_attempt"]), grp.name, counts[grp.name])
        example_button(d, grp.name)
        if not saved:
            continue
        try:
            if picked != g.none and uploads:
                files = evidence.add_files(d, grp.name, files, [(u.name, u.getvalue()) for u in uploads])
            new: dict[str, Any] = {conf_q: picked, desc_q: desc.strip() or None}
            if files:
                new[ev_q] = files
            v = clauses.save_clause(actor, rid, grp.name, new, version, data, complete=False)
        except Conflict as exc:
            show_error(exc)
            st.session_state.pop(base_key, None)  # the next run loads the other person's answers
            st.button("载入对方的修改", key=f"{form_key}_reload")
            continue
        except Exception as exc:  # noqa: BLE001 - shown in Chinese
            show_error(exc)
            continue
        st.session_state[base_key] = (v, {k: x for k, x in new.items() if x is not None})
        st.success(f"已暂存：{md(grp.title)}")


def profile_screen(aid: int) -> None:
    """Step 1: the saved 企业信息 prefilled; 下一步 saves it (the latest wins), keeps a copy with this attempt."""
    st.markdown("#### 第一步：确认企业信息")
    answers = profile_form(profile.form(actor), f"q_profile_{aid}", "下一步")
    kept = run_action(f"q_profile_{aid}", lambda rid: profile.confirm(actor, aid, answers, rid)) \
        if answers is not None else None
    if kept is not None:
        st.session_state["q_next_step"] = CLAUSE_STEP   # the step radio is already drawn in this run
        st.rerun()


def clause_screen(aid: int) -> None:
    snap = quality.snapshot(actor, aid)
    d, rid = snap.definition, snap.attempt.response_id
    g = _grading(d)
    nodes = quality.indicators(d)
    idx = min(int(st.session_state.get("q_ind", 0)), len(nodes) - 1)
    node = nodes[idx]
    prog = {i.name: i for i in quality.progress(snap).indicators}
    left, mid, right = st.columns([1.3, 1.4, 2.6])
    with left:
        st.markdown("#### 评估指标")
        heading = None
        for n, x in enumerate(nodes):
            if x.section_title != heading:
                heading = x.section_title
                st.markdown(f"**{md(heading)}**")
            p = prog[x.name]
            st.button(f"{md(x.name)}（{p.done:d}/{p.total:d}）", key=f"q_ind_{n}", on_click=_go, args=(CLAUSE_STEP, n),
                      type="primary" if n == idx else "secondary", width="stretch")
    with mid:
        st.markdown(f"#### {md(node.name)}")
        st.caption("各等级特征要求")
        for lv in g.levels:
            own = [c.title for c in node.clauses if str(c.tags.get(g.level_tag)) == lv.key]
            st.markdown(f"**{md(lv.label)}**：{md(lv.description)}")
            for t in own:
                st.caption(md(t))
    with right:
        st.markdown("#### 符合性条款")
        clause_panel(d, rid, node)
        a, b = st.columns(2)
        a.button("上一个二级指标", key="q_prev", disabled=idx == 0, on_click=_go, args=(CLAUSE_STEP, idx - 1))
        b.button("下一个二级指标", key="q_next", disabled=idx == len(nodes) - 1, on_click=_go, args=(CLAUSE_STEP, idx + 1))


def perf_screen(aid: int) -> None:
    snap = quality.snapshot(actor, aid)
    d, rid = snap.definition, snap.attempt.response_id
    g = _grading(d)
    section = next(s for s in d.sections if s.name == g.performance_section)
    results = {r.name: r for r in quality.perf_results(snap)}
    with st.form(f"q_perf_{rid}"):
        values: dict[str, Any] = {}
        for grp in section.groups:
            st.markdown(f"##### {md(grp.title)}")
            for q in grp.questions:
                if q.type == "calculated":
                    r = results.get(q.name)
                    if r is None:
                        continue
                    st.caption(md(r.formula))
                    if r.value is not None:
                        st.markdown(f"**{md(r.label)}：{md(r.value)} {md(r.unit)}**")
                    else:
                        st.warning(md(r.message))
                    continue
                if q.type != "note":
                    values[q.name] = question_widget(q, snap.answers.get(q.name), widget_key(rid, q.name))
        saved = st.form_submit_button("暂存并计算")
    if saved:
        base = {q.name: snap.answers.get(q.name) for q in section.questions}
        done = run_action(f"q_perf_{rid}", lambda _: responses.save_section(
            actor, rid, section.name, {**base, **values}, snap.perf_version, base, complete=False))
        if done is not None:
            st.rerun()


def submit_screen(aid: int) -> None:
    snap = quality.snapshot(actor, aid)
    items = quality.missing_items(snap)
    nodes = quality.indicators(snap.definition)
    where = {c.name: n for n, x in enumerate(nodes) for c in x.clauses}
    if items:
        st.warning(md(f"还有 {len(items)} 处未完成，暂不能提交。请补全以下内容："))
        for k, m in enumerate(items):
            c1, c2 = st.columns([4, 1])
            c1.markdown(f"- {md(m.indicator)} · {md(m.item)}：{md(m.what)}")
            if m.anchor in where:
                c2.button("去填写", key=f"q_miss_{k}", on_click=_go, args=(CLAUSE_STEP, where[m.anchor]))
            else:
                c2.button("去填写", key=f"q_miss_{k}", on_click=_go, args=(PERF_STEP,))
    else:
        st.success("全部条款和质量绩效参数已填写完整，可以提交。")
    if st.button("提交", key="q_submit", type="primary"):
        grades = run_action(f"q_submit_{aid}", lambda rid: graded.submit(quality.KIND, actor, aid, request_id=rid))
        if grades is not None:
            st.rerun()


def result_screen(aid: int) -> None:
    snap = quality.snapshot(actor, aid)
    d = snap.definition
    g = _grading(d)
    grades = quality.progress(snap)
    c1, c2 = st.columns(2)
    c1.metric("总体等级", md(g.label(grades.overall)))
    c2.metric("完成时间", md(snap.attempt.completed_at or "—"))
    titles = {s.name: s.title for s in d.sections}
    st.markdown("#### 一级指标等级")
    for sec, tier in grades.first_level.items():
        st.markdown(f"- {md(titles[sec])}：{md(g.label(tier))}")
    st.markdown("#### 二级指标等级")
    for i in grades.indicators:
        st.markdown(f"- {md(i.name)}：{md(g.label(i.tier))}")
    rows = [("总体", grades.overall), *((titles[k], v) for k, v in grades.first_level.items()),
            *((i.name, i.tier) for i in grades.indicators)]
    st_echarts(tier_bars(rows, [x.label for x in g.levels], g.below_label), height="560px", key=f"q_chart_{aid}")
    st.button("返回", key="q_back", on_click=lambda: st.session_state.pop("q_attempt", None))


with error_boundary():
    aid = st.session_state.get("q_attempt")
    if aid is None:
        start_screen()
    elif flow.get(quality.KIND, actor, aid).status != "in_progress":
        result_screen(aid)
    else:
        if "q_next_step" in st.session_state:
            st.session_state["q_step"] = st.session_state.pop("q_next_step")
        step = st.radio("步骤", STEPS, key="q_step", horizontal=True)
        if step == PROFILE_STEP:
            profile_screen(aid)
        elif step == CLAUSE_STEP:
            clause_screen(aid)
        elif step == PERF_STEP:
            perf_screen(aid)
        else:
            submit_screen(aid)
