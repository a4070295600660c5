"""问卷调查管理 — design questionnaires in the browser (no YAML): 主题定义, 问题定义, 逻辑分支定义, 数据校验定义,
布局定义, 预览, 启用; the list with 编辑 / 删除 / 预览 / 复制 / 新增 / 分发 / 停用 / 查看 / 分析 / 导出.

Thin: every rule is in services.forms.designer (the document) and services.forms.questionnaires (who may do
what, persistence). Each design step is a form inside a fragment, so a click reruns only the editor. The
editor keeps the document it loaded; a save over a draft someone else changed since is refused (Conflict)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from components.downloads import XLSX_MIME, prepared_download
from components.feedback import fragment, run_action, show_error
from components.form_stats import question_stats_view
from components.nav import guard
from components.question_widgets import section_widgets
from components.text import md
from services.core.permissions import P_FORMS_DESIGN, P_FORMS_RESULTS, has_perm
from services.forms import analysis, definitions, designer as D, questionnaires
from services.forms.engine import evaluate
from services.forms.loader import load_definition
from services.forms.types import QUESTION_TYPES
from services.reference import industry_tree, region_children, region_full_name

actor = guard((P_FORMS_DESIGN, P_FORMS_RESULTS))
DESIGNS = has_perm(actor, P_FORMS_DESIGN)
FREQ_OPTIONS = ["全部", "月", "季", "年"]
FREQ_CODE = {"月": "month", "季": "quarter", "年": "year"}
STATUS_OPTIONS = ["全部", "未启用", "已启用", "已停用"]
STATUS_CODE = {"未启用": "draft", "已启用": "published", "已停用": "stopped"}
STEPS = ["主题定义", "问题定义", "逻辑分支定义", "数据校验定义", "布局定义"]
PATTERN_KEYS = list(D.PATTERNS)

st.title("问卷调查管理")
st.caption("在页面上设计问卷：主题、题目、逻辑分支、数据校验、布局，随时预览；启用后问卷不可修改（复制可得到新版本）。"
           "频率为“月”的问卷在企业月报第四步填写，“季”“年”的在“在线填报”中填写；只发给调查范围内的企业。")
if "vd_flash" in st.session_state:
    st.success(md(st.session_state.pop("vd_flash")))


def _lines(text: str) -> list[str]:
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def _rerun_editor() -> None:
    """Rerun only the editor when the click came from it alone, else the page (a full run has no fragment scope)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def _save(vid: int, new: dict[str, Any], note: str) -> None:
    """Store the designer's document over the one this editor loaded (Conflict when someone saved since)."""
    base = st.session_state[f"vd_doc_{vid}"]
    try:
        questionnaires.save(actor, vid, new, base)
    except Exception as exc:  # noqa: BLE001 - shown in Chinese
        show_error(exc)
        return
    st.session_state[f"vd_doc_{vid}"] = new
    st.session_state["vd_flash"] = note
    _rerun_editor()


def _edit(vid: int, change: Any, note: str) -> None:
    """Apply one designer edit to the loaded document and save it (errors shown, nothing saved)."""
    try:
        new = change(st.session_state[f"vd_doc_{vid}"])
    except Exception as exc:  # noqa: BLE001 - a ValidationFailed naming the field
        show_error(exc)
        return
    _save(vid, new, note)


# --- 主题定义 -------------------------------------------------------------------------------------
def _scope_regions() -> dict[str, str]:
    """The regions a scope may name: below the actor's jurisdiction, two levels deep."""
    out: dict[str, str] = {}
    for node in region_children(actor.region_code):
        out[node.code] = region_full_name(node.code)
        for child in region_children(node.code):
            out[child.code] = region_full_name(child.code)
    return out


def _theme_form(key: str, theme: D.Theme, submit: str) -> D.Theme | None:
    regions = _scope_regions()
    sections = {n.code: f"{n.code} {n.name}" for n in industry_tree()}
    with st.form(key):
        title = st.text_input("问卷名称", theme.title, max_chars=D.TITLE_MAX, key=f"{key}_title")
        freq = st.radio("调查频率", ["月", "季", "年"], horizontal=True, key=f"{key}_freq",
                        index=["month", "quarter", "year"].index(theme.frequency))
        c1, c2 = st.columns(2)
        start = c1.date_input("开始日期", dt.date.fromisoformat(theme.start) if theme.start else None, format="YYYY-MM-DD",
                              key=f"{key}_start")
        end = c2.date_input("截止日期", dt.date.fromisoformat(theme.end) if theme.end else None, format="YYYY-MM-DD",
                            key=f"{key}_end")
        description = st.text_area("问卷说明", theme.description, max_chars=D.HELP_MAX, key=f"{key}_desc")
        st.markdown("**调查范围**（不选即全部）")
        picked = st.multiselect("地区", list(regions), [r for r in theme.regions if r in regions],
                                format_func=lambda c: regions[c], placeholder="全部（本问卷归属地区）", key=f"{key}_regions")
        inds = st.multiselect("行业门类", list(sections), list(theme.industries), format_func=lambda c: sections[c],
                              placeholder="全部行业", key=f"{key}_inds")
        sizes = st.multiselect("企业规模", list(D.SIZES), list(theme.sizes), placeholder="全部规模", key=f"{key}_sizes")
        manu = st.radio("是否制造业", list(D.MANUFACTURING), horizontal=True,
                        index=list(D.MANUFACTURING).index(theme.manufacturing),
                        format_func=lambda k: D.MANUFACTURING[k], key=f"{key}_manu")
        if not st.form_submit_button(submit, type="primary"):  # md: callers pass literals
            return None
    return D.Theme(title, FREQ_CODE[freq], description, start.isoformat() if start else "",
                   end.isoformat() if end else "", tuple(picked), tuple(inds), tuple(sizes), manu)


# --- the editor -------------------------------------------------------------------------------------
def _pick(views: dict[str, Any], label: str, key: str) -> str | None:
    """A question picker (题号. 题目) over ``views`` (name → QuestionView); None until one is chosen."""
    return st.selectbox(label, list(views), index=None, placeholder="请选择题目", key=key,  # md: literal labels
                        format_func=lambda n: f"{views[n].number}. {views[n].label}")


def _questions_step(vid: int, doc: dict[str, Any]) -> None:
    views = D.questions(doc)
    st.dataframe(pd.DataFrame([{"题号": q.number, "题型": q.type_label, "题目": q.label, "必填": "是" if q.required else "",
                                "选项": "、".join(lb for _, lb in q.options) or "、".join(q.rows)} for q in views]),
                 hide_index=True, width="stretch")
    with st.form(f"vd_add_{vid}", clear_on_submit=True):
        st.markdown("**新增题目**")
        qtype = st.selectbox("题型", list(D.DESIGNABLE), index=None, placeholder="请选择题型",
                             format_func=lambda t: QUESTION_TYPES[t].label)
        label = st.text_input("题目", max_chars=D.LABEL_MAX)
        options = st.text_area("选项（选择题、矩阵选择题的列；每行一项）")
        rows = st.text_area("矩阵行（矩阵题；每行一项）")
        cells = st.text_area("矩阵填空的列（每行一项）")
        cell_type = st.selectbox("矩阵填空列的类型", list(D.CELL_TYPES), format_func=lambda t: D.CELL_TYPES[t],
                                 placeholder="请选择")
        c1, c2 = st.columns(2)
        unit = c1.text_input("单位（数字题）", max_chars=D.UNIT_MAX)
        required = c2.checkbox("必填")
        if st.form_submit_button("添加题目", type="primary"):
            if qtype is None:
                st.error("题型：请选择题型。")
            else:
                _edit(vid, lambda d: D.add_question(d, qtype, label, options=_lines(options), rows=_lines(rows),
                                                    cells=[(c, cell_type) for c in _lines(cells)], required=required,
                                                    unit=unit), "已添加题目。")
    names = {q.name: q for q in views}
    pick = _pick(names, "修改题目", f"vd_pick_{vid}")
    if pick is None:
        return
    q = names[pick]
    with st.form(f"vd_q_{vid}_{pick}"):
        label = st.text_input("题目", q.label, max_chars=D.LABEL_MAX)
        new_type = st.selectbox("题型", list(D.DESIGNABLE), index=list(D.DESIGNABLE).index(q.type),
                                format_func=lambda t: QUESTION_TYPES[t].label, placeholder="请选择题型")
        options = st.text_area("选项（每行一项）", "\n".join(lb for _, lb in q.options))
        rows = st.text_area("矩阵行（每行一项）", "\n".join(q.rows))
        cells = st.text_area("矩阵填空的列（每行一项）", "\n".join(lb for lb, _ in q.cells))
        help_text = st.text_input("填写说明", q.help, max_chars=D.HELP_MAX)
        unit = st.text_input("单位（数字题）", q.unit, max_chars=D.UNIT_MAX)
        c1, c2, c3, c4 = st.columns(4)
        save, up = c1.form_submit_button("保存题目", type="primary"), c2.form_submit_button("上移")
        down, delete = c3.form_submit_button("下移"), c4.form_submit_button("删除题目")
    kinds = dict(q.cells)
    if save:
        _edit(vid, lambda d: D.edit_question(
            d, pick, label=label, qtype=new_type, options=_lines(options) if new_type in D.CHOICE_TYPES else None,
            rows=_lines(rows) if new_type in D.MATRIX_TYPES else None,
            cells=[(c, kinds.get(c, "decimal")) for c in _lines(cells)] if new_type == "matrix_fill" else None,
            help=help_text, unit=unit), "题目已保存。")
    elif up or down:
        _edit(vid, lambda d: D.move_question(d, pick, -1 if up else 1), "题目已移动。")
    elif delete:
        _edit(vid, lambda d: D.delete_question(d, pick), "题目已删除。")


def _branch_step(vid: int, doc: dict[str, Any]) -> None:
    existing = D.branches(doc)
    if existing:
        st.dataframe(pd.DataFrame([{"题目": b.question_label, "选项": "、".join(b.option_labels), "跳转到": b.to_label}
                                   for b in existing]), hide_index=True, width="stretch")
        with st.form(f"vd_branch_del_{vid}"):
            idx = st.selectbox("删除分支", [b.index for b in existing], index=None, placeholder="请选择分支",
                               format_func=lambda i: f"{existing[i].question_label} → {existing[i].to_label}")
            if st.form_submit_button("删除分支") and idx is not None:
                _edit(vid, lambda d: D.delete_branch(d, idx), "分支已删除。")
    views = D.questions(doc)
    choice = {q.name: q for q in views if q.type in ("single", "multiple")}
    if not choice:
        st.info("逻辑分支从单选题或多选题出发；请先添加选择题。")
        return
    qname = _pick(choice, "新增分支：选择题号", f"vd_bq_{vid}")
    if qname is None:
        return
    q = choice[qname]
    later = {v.name: f"{v.number}. {v.label}" for v in views if v.number > q.number}
    targets = {**later, D.END: "结束问卷"}
    labels = dict(q.options)
    with st.form(f"vd_branch_{vid}_{qname}"):
        st.markdown(f"**{q.number:d}. {md(q.label)}**")
        opts = st.multiselect("勾选需要跳转的选项", list(labels), format_func=lambda v: labels[v], placeholder="请选择选项")
        to = st.selectbox("跳转到", list(targets), index=None, format_func=lambda n: targets[n], placeholder="请选择题目或结束问卷")
        if st.form_submit_button("保存分支", type="primary"):
            if to is None:
                st.error("跳转到：请选择后面的题目或结束问卷。")
            else:
                _edit(vid, lambda d: D.add_branch(d, qname, opts, to), "分支已保存。")


def _num(label: str, value: Any, key: str, integer: bool = False) -> Any:
    got = st.number_input(label, value=value, step=1 if integer else None, key=key, placeholder="不限")  # md: callers pass literals
    return None if got is None else (int(got) if integer else float(got))


def _check_step(vid: int, doc: dict[str, Any]) -> None:
    views = {q.name: q for q in D.questions(doc) if q.type != "note"}
    name = _pick(views, "选择题目", f"vd_cq_{vid}")
    if name is None:
        return
    q, c = views[name], views[name].check
    k = f"vd_c_{vid}_{name}"
    with st.form(k):
        required = st.checkbox("必填", c.required)
        new = D.Check(required=required)
        if q.type in D.NUMBER_TYPES:
            lo, hi = _num("最小值", c.min, f"{k}_min"), _num("最大值", c.max, f"{k}_max")
            prec = _num("小数位数", c.precision, f"{k}_prec", integer=True) if q.type in ("decimal", "percent") else None
            new = D.Check(required=required, min=lo, max=hi, precision=prec)
        elif q.type in D.TEXT_TYPES:
            lo_n = _num("最少字数", c.min_length, f"{k}_minlen", integer=True)
            hi_n = _num("最多字数", c.max_length, f"{k}_maxlen", integer=True)
            pattern = st.selectbox("格式", PATTERN_KEYS, index=PATTERN_KEYS.index(c.pattern) if c.pattern else None,
                                   format_func=lambda p: D.PATTERNS[p][0], placeholder="不限格式")
            new = D.Check(required=required, min_length=lo_n, max_length=hi_n, pattern=pattern)
        elif q.type == "multiple":
            new = D.Check(required=required, min_count=_num("最少选择几项", c.min_count, f"{k}_minc", integer=True),
                          max_count=_num("最多选择几项", c.max_count, f"{k}_maxc", integer=True))
        if st.form_submit_button("保存校验", type="primary"):
            _edit(vid, lambda d: D.set_check(d, name, new), "校验规则已保存。")


def _layout_step(vid: int, doc: dict[str, Any]) -> None:
    views = {q.name: q for q in D.questions(doc) if q.type in D.CHOICE_TYPES}
    if not views:
        st.info("每行显示的选项数只对选择题有效；请先添加选择题。")
        return
    name = _pick(views, "选择题目", f"vd_lq_{vid}")
    if name is None:
        return
    with st.form(f"vd_l_{vid}_{name}"):
        per_row = st.number_input("每行显示选项数", 1, D.MAX_PER_ROW, views[name].per_row or 1, step=1)
        if st.form_submit_button("保存布局", type="primary"):
            _edit(vid, lambda d: D.set_layout(d, name, int(per_row)), "布局已保存。")
    _preview(load_definition(st.session_state[f"vd_doc_{vid}"]), f"pvq{vid}", only=name)


def _preview(d: Any, rid: str, only: str | None = None) -> None:
    """Render the questionnaire with the fill renderer's widgets; answers stay in this browser only."""
    working: dict[str, Any] = dict(st.session_state.get(f"vd_pv_{rid}", {}))
    ev = evaluate(d, working)
    with st.container(border=True):
        st.markdown(f"**{md(d.title)}**")
        if d.description:
            st.caption(md(d.description, multiline=True))
        for s in d.sections:
            if only is not None:
                s = replace(s, groups=tuple(replace(g, questions=tuple(q for q in g.questions if q.name == only))
                                            for g in s.groups))
            values, _ = section_widgets(d, s, working, ev, rid)  # type: ignore[arg-type]
            working.update(values)
        st.session_state[f"vd_pv_{rid}"] = working
        end = evaluate(d, working)
        if any(q.name not in end.visible for q in d.questions()):
            st.caption("按逻辑分支，部分题目不显示。")
        st.caption("预览：答案不会保存。")


@fragment
def editor(vid: int) -> None:
    slot = f"vd_doc_{vid}"
    if slot not in st.session_state:
        st.session_state[slot] = questionnaires.document(actor, vid)
    doc = st.session_state[slot]
    if "vd_flash" in st.session_state:
        st.success(md(st.session_state.pop("vd_flash")))
    if st.button("刷新（载入最新内容）", key=f"vd_reload_{vid}"):
        st.session_state[slot] = questionnaires.document(actor, vid)
        _rerun_editor()
    step = st.radio("设计步骤", STEPS + ["预览"], horizontal=True, key=f"vd_step_{vid}")
    if step == "主题定义":
        theme = _theme_form(f"vd_theme_{vid}", D.theme_of(doc), "保存主题")
        if theme is not None:
            _edit(vid, lambda d: D.set_theme(d, theme), "主题已保存。")
    elif step == "问题定义":
        _questions_step(vid, doc)
    elif step == "逻辑分支定义":
        _branch_step(vid, doc)
    elif step == "数据校验定义":
        _check_step(vid, doc)
    elif step == "布局定义":
        _layout_step(vid, doc)
    else:
        _preview(load_definition(doc), f"pv{vid}")


# --- the list -----------------------------------------------------------------------------------------
with st.form("vd_filters"):
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 1])
    freq = c1.selectbox("调查频率", FREQ_OPTIONS, placeholder="全部", key="vd_f_freq")
    status = c2.selectbox("调查状态", STATUS_OPTIONS, placeholder="全部", key="vd_f_status")
    date_from = c3.date_input("起始时间", None, format="YYYY-MM-DD", key="vd_f_from")
    date_to = c4.date_input("截止时间", None, format="YYYY-MM-DD", key="vd_f_to")
    mine = c5.checkbox("只看我发布的", key="vd_f_mine")
    st.form_submit_button("查询")
try:
    rows = questionnaires.list_rows(actor, FREQ_CODE.get(freq or ""), STATUS_CODE.get(status or ""), date_from, date_to,
                                    mine)
except Exception as exc:  # noqa: BLE001 - a Chinese message (e.g. reversed dates)
    show_error(exc)
    rows = []

if DESIGNS:
    with st.expander("新增问卷", expanded=not rows):
        theme = _theme_form("vd_new", D.Theme(""), "保存并进入问题定义")
        if theme is not None:
            new_id = run_action("vd_new", lambda rid: questionnaires.create(actor, theme, rid), "问卷已创建。")
            if new_id:
                for k in [k for k in st.session_state if str(k).startswith("vd_new_")]:
                    del st.session_state[k]   # an empty form for the next 新增
                st.session_state.update({"vd_selected": new_id, "vd_action": "编辑", f"vd_step_{new_id}": "问题定义"})
                st.rerun()

if not rows:
    st.info("没有符合条件的问卷。")
    st.stop()
st.dataframe(pd.DataFrame([{"问卷名称": r.title, "频率": r.frequency_label, "版本": r.version, "状态": r.status_label,
                            "归属": r.owner_label, "开始": r.start, "截止": r.end, "创建时间": r.created_at,
                            "启用时间": r.published_at, "分发": "、".join(r.distributed),
                            "来源": "分发给我" if r.distributed_to_me and not r.changeable else ""} for r in rows]),
             hide_index=True, width="stretch")
by_id = {r.id: r for r in rows}
if st.session_state.get("vd_selected") in by_id:
    st.session_state["vd_version"] = st.session_state.pop("vd_selected")
vid = st.selectbox("选择问卷", list(by_id), index=None, placeholder="请选择问卷", key="vd_version",
                   format_func=lambda i: f"{by_id[i].title}（第 {by_id[i].version} 版 · {by_id[i].status_label}）")
if vid is None:
    st.stop()
row = by_id[vid]
actions = ["预览"]
if row.changeable and row.status == "draft":
    actions = ["编辑", "预览", "启用", "删除"]
if DESIGNS:
    actions.append("复制")
if row.changeable and row.status == "published":
    actions += ["分发", "停用"]
if row.status != "draft":
    actions += ["查看", "分析", "导出"]
action = st.radio("操作", actions, horizontal=True, key=f"vd_action_{vid}",
                  index=actions.index(st.session_state.pop("vd_action")) if st.session_state.get("vd_action") in actions else 0)

if action == "编辑":
    if not row.designed:
        st.info("该问卷由 YAML / Excel 导入（含题组或计算题），请在“问卷设计”（高级）中编辑。")
    else:
        editor(vid)
elif action == "预览":
    _preview(load_definition(questionnaires.document(actor, vid)), f"pvl{vid}")
elif action == "启用":
    st.warning("问卷一旦启用，将不可做任何修改（可复制为新版本后修改）。")
    _preview(load_definition(questionnaires.document(actor, vid)), f"pve{vid}")
    if st.button("确认启用", type="primary", key=f"vd_publish_{vid}"):
        if run_action(f"vd_publish_{vid}", lambda rid: definitions.publish(actor, vid, rid) or True):
            st.session_state.pop(f"vd_doc_{vid}", None)
            st.session_state["vd_flash"] = "问卷已启用。"
            st.rerun()
elif action == "删除":
    st.warning("删除后不可恢复。")
    if st.button("确认删除", type="primary", key=f"vd_delete_{vid}"):
        if run_action(f"vd_delete_{vid}", lambda rid: definitions.delete_draft(actor, vid, rid) or True):
            st.session_state["vd_flash"] = "问卷已删除。"
            st.rerun()
elif action == "复制":
    st.caption("复制得到一份新的未启用版本（不是本单位的问卷时，得到本单位自己的新问卷）。")
    if st.button("确认复制", type="primary", key=f"vd_copy_{vid}"):
        new_id = run_action(f"vd_copy_{vid}", lambda rid: definitions.copy_to_draft(actor, vid, request_id=rid))
        if new_id:
            st.session_state.update({"vd_selected": new_id, "vd_action": "编辑", "vd_flash": "已复制为新版本。"})
            st.rerun()
elif action == "分发":
    st.caption("分发：下级管理员在本页“分发给我”中可预览、查看、分析和导出本辖区的填报，并收到通知；"
               "问卷只发给调查范围内的企业。")
    options = dict(questionnaires.subordinate_regions(actor, vid))
    with st.form(f"vd_dist_{vid}"):
        picked = st.multiselect("分发给下级地区", list(options), format_func=lambda c: options[c], placeholder="请选择地区")
        if st.form_submit_button("分发", type="primary"):
            n = run_action(f"vd_dist_{vid}", lambda rid: questionnaires.distribute(actor, vid, picked, rid))
            if n is not None:
                st.session_state["vd_flash"] = f"已分发到 {n:d} 个地区。"
                st.rerun()
elif action == "停用":
    st.warning("停用后企业不能再填写该问卷；已提交的填报仍可查看。")
    if st.button("确认停用", type="primary", key=f"vd_stop_{vid}"):
        if run_action(f"vd_stop_{vid}", lambda rid: definitions.stop(actor, vid, rid) or True):
            st.session_state["vd_flash"] = "问卷已停用。"
            st.rerun()
elif action == "查看":
    total = analysis.response_count(actor, vid)
    st.caption(f"辖区内已提交 {total:d} 份")
    if total:
        st.dataframe(pd.DataFrame(analysis.responses_table(actor, vid)), hide_index=True, width="stretch")
elif action == "分析":
    question_stats_view(actor, vid, "vd")
elif action == "导出":
    prepared_download("vd_xlsx", vid, lambda: questionnaires.export_submissions(actor, vid), "生成 Excel", "导出 Excel",
                      f"{row.code}_v{row.version}.xlsx", XLSX_MIME)
