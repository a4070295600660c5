"""商品审批 — 运营初审 (choose the expert) / 专家评审 / 工信厅终审: the full listing, earlier opinions, 通过 or 驳回."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.history import render_history
from components.listing_page import render_listing
from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_EXPERT, P_MARKET_FINAL, P_MARKET_OPERATE, has_perm
from services.core.timefmt import china_time
from services.market import listing_review, listings

STAGES = {"operator": ("运营初审", P_MARKET_OPERATE), "expert": ("专家评审", P_MARKET_EXPERT),
          "final": ("工信厅终审", P_MARKET_FINAL)}

actor = guard(tuple(perm for _label, perm in STAGES.values()))
mine = [s for s, (_label, perm) in STAGES.items() if has_perm(actor, perm)]
st.title("商品审批")
if "listing_review_flash" in st.session_state:   # set before st.rerun(), which would discard a message shown in place
    st.success(md(st.session_state.pop("listing_review_flash")))
stage = st.radio("审批队列", mine, format_func=lambda s: md(STAGES[s][0]), horizontal=True) if len(mine) > 1 else mine[0]
rows = listing_review.review_queue(actor, stage)
if not rows:
    st.info(md(f"「{STAGES[stage][0]}」队列中没有待审批的商品。"))
    st.stop()
st.dataframe(pd.DataFrame([{"商品名称": r.name, "服务商": r.org_name, "版本": f"第 {r.version_no} 版",
                            "提交时间": china_time(r.submitted_at, "%Y-%m-%d %H:%M")} for r in rows]),
             hide_index=True, width="stretch")
by_id = {r.version_id: r for r in rows}
chosen = st.selectbox("选择商品", list(by_id), format_func=lambda i: f"{by_id[i].name}（{by_id[i].org_name}）",
                      placeholder="请选择")
row = by_id[chosen]


def done(message: str) -> None:
    st.session_state["listing_review_flash"] = message
    st.rerun()


with st.container(border=True):
    render_listing(listings.get_version(actor, row.version_id), listings.files_of(actor, row.version_id))
render_history(listings.history(actor, row.version_id), title="审批记录（前序意见）", holder=True)

with st.form(f"review_{row.version_id}"):
    expert = None
    if stage == "operator":
        experts = dict(listing_review.expert_choices(actor, row.version_id))
        expert = st.selectbox("评审专家（初审通过时必选）", list(experts), format_func=experts.get, index=None,
                              placeholder="请选择专家")
    reason = st.text_area("驳回原因（驳回时必填，服务商可见）", max_chars=500)
    b1, b2 = st.columns(2)
    ok = b1.form_submit_button("通过", type="primary")
    no = b2.form_submit_button("驳回")
key = f"listing_review_{row.version_id}"
if ok:
    if stage == "operator":
        if expert is None:
            st.error("评审专家：初审通过时请选择一位专家。")
        elif run_action(key, lambda rid: listing_review.operator_approve(actor, row.version_id, expert, rid) or True):
            done(f"「{row.name}」已通过运营初审，已交给所选专家评审。")
    elif stage == "expert":
        if run_action(key, lambda rid: listing_review.expert_approve(actor, row.version_id, rid) or True):
            done(f"「{row.name}」已评审通过，等待工信厅终审。")
    elif run_action(key, lambda rid: listing_review.final_approve(actor, row.version_id, rid) or True):
        done(f"「{row.name}」已终审通过，现已上架。")
if no and run_action(key, lambda rid: listing_review.reject(actor, row.version_id, reason, rid) or True):
    done(f"「{row.name}」已驳回，服务商将看到驳回原因。")
