"""企业需求收集 — 中小企业数字化转型需求调查：无需登录即可填写（按网络地址限频，并需回答验证题）."""
import streamlit as st

from components.feedback import new_request, request_id, user_messages
from components.question_widgets import question_label, section_widgets
from components.signin import client_id
from components.text import md
from services.core.errors import NotFound
from services.forms.engine import evaluate
from services.forms.engine import Context
from services.market import needs_survey

RID = 0  # the widgets' key space of this page (no stored response until it is submitted)

try:
    form = needs_survey.public_form()
except NotFound:
    st.title("企业需求收集")
    st.info("暂无可填写的需求调查问卷。")
    st.stop()
st.title(md(form.title))
if form.definition.description:
    st.caption(md(form.definition.description, multiline=True))
if (done := st.session_state.pop("ns_done", None)) is not None:
    st.success(f"提交成功，感谢您的填写！（编号 {done:d}）")
for message in st.session_state.pop("ns_errors", []):
    st.error(md(message), icon=":material/error:")
if "ns_challenge" not in st.session_state:
    st.session_state["ns_challenge"] = needs_survey.new_challenge()
challenge: needs_survey.Challenge = st.session_state["ns_challenge"]

d, ctx = form.definition, Context(org={}, period=form.period or None)
working: dict = dict(st.session_state.get("ns_live", {}))
answers: dict = {}
for section in d.sections:
    pre = evaluate(d, working, ctx)
    if section.name not in pre.visible_sections:
        continue
    st.subheader(md(section.title))
    values, placeholders = section_widgets(d, section, working, pre, RID)
    answers.update(values)
    ev = evaluate(d, working, ctx)
    for name, slot in placeholders.items():
        q = d.question(name)
        shown = ev.values.get(name)
        slot.text_input(md(question_label(q)), value="" if shown is None else f"{shown} {q.unit}".strip(), disabled=True)
st.session_state["ns_live"] = answers

st.divider()
left = needs_survey.submissions_left(client_id())
st.caption(f"为防止恶意提交，同一网络地址每小时最多提交 {needs_survey.LIMIT:d} 份（当前还可提交 {left:d} 份）。")
answer = st.text_input(md(f"验证题：{challenge.question}"), key="ns_answer", max_chars=4, placeholder="请填写计算结果")
if st.button("提交问卷", type="primary", key="ns_submit"):
    try:
        rid = needs_survey.submit_anonymous(answers, client_id(), challenge.token, answer, request_id("needs_survey"))
    except Exception as exc:  # noqa: BLE001 - shown after the rerun that brings the new question
        st.session_state["ns_errors"] = user_messages(exc)
        rid = None
    else:
        new_request("needs_survey")
        for key in [k for k in st.session_state if str(k).startswith(f"fr_{RID}_") or k == "ns_live"]:
            del st.session_state[key]
        st.session_state["ns_done"] = rid
    st.session_state["ns_challenge"] = needs_survey.new_challenge()   # every attempt gets a new question
    st.session_state.pop("ns_answer", None)
    st.rerun()
