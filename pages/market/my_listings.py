"""我的商品 — the provider's listings by status: 已上架 / 待审核 / 已驳回 / 草稿 / 已撤销 / 已下架."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.history import render_history
from components.listing_page import render_listing
from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_SELL
from services.core.timefmt import china_time
from services.market import listings

actor = guard(P_MARKET_SELL)
st.title("我的商品")
if "my_listings_flash" in st.session_state:   # set before st.rerun(), which would discard a message shown in place
    st.success(md(st.session_state.pop("my_listings_flash")))

tab = st.radio("状态", list(listings.TABS), format_func=listings.TABS.get, horizontal=True, key="my_listings_tab")
rows = listings.my_listings(actor, tab)
if not rows:
    st.info(f"没有「{listings.TABS[tab]}」的商品。")
    st.stop()
st.dataframe(pd.DataFrame([{"商品名称": r.name, "版本": f"第 {r.version_no} 版", "状态": r.status_label,
                            "更新时间": china_time(r.updated_at, "%Y-%m-%d %H:%M"),
                            **({"驳回原因": r.reason} if tab == "returned" else {})} for r in rows]),
             hide_index=True, width="stretch")
by_id = {r.version_id: r for r in rows}
chosen = st.selectbox("选择商品", list(by_id), format_func=lambda i: f"{by_id[i].name}（第 {by_id[i].version_no} 版）",
                      placeholder="请选择")
row = by_id[chosen]


def done(message: str) -> None:
    st.session_state["my_listings_flash"] = message
    st.rerun()


a1, a2, a3 = st.columns(3)
if row.status in listings.REVIEW_STATES and a1.button("撤销", key=f"withdraw_{row.version_id}"):
    if run_action(f"withdraw_{row.version_id}", lambda rid: listings.withdraw(actor, row.version_id, rid) or True):
        done(f"「{row.name}」的申请已撤销，可在「已撤销」中重新编辑。")
if row.status in listings.REEDITABLE and a2.button("重新编辑", key=f"reedit_{row.version_id}"):
    new = run_action(f"reedit_{row.version_id}", lambda rid: listings.reedit(actor, row.version_id, rid))
    if new:
        st.session_state["listing_version"] = new
        st.switch_page("pages/market/listing_edit.py")
if row.status == "draft" and a2.button("继续编辑", key=f"edit_{row.version_id}"):
    st.session_state["listing_version"] = row.version_id
    st.switch_page("pages/market/listing_edit.py")
if tab == "on_sale" and a3.button("下架", key=f"delist_{row.listing_id}"):
    if run_action(f"delist_{row.listing_id}", lambda rid: listings.delist(actor, row.listing_id, rid) or True):
        done(f"「{row.name}」已下架。")
if tab == "delisted" and a3.button("上架", key=f"relist_{row.listing_id}"):
    if run_action(f"relist_{row.listing_id}", lambda rid: listings.relist(actor, row.listing_id, rid) or True):
        done(f"「{row.name}」已重新上架。")

with st.expander("商品详情与审批记录"):
    render_listing(listings.get_version(actor, row.version_id), listings.files_of(actor, row.version_id))
    render_history(listings.history(actor, row.version_id), title="审批记录", holder=True)
