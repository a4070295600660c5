"""客户评价 — 客户对本单位商品的评价：商品、客户、评价时间、评分与评价详情."""
import pandas as pd
import streamlit as st

from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_SELL
from services.core.timefmt import china_time
from services.market import reviews

actor = guard(P_MARKET_SELL)
st.title("客户评价")
rows = reviews.provider_reviews(actor)
if not rows:
    st.info("暂无客户评价。")
    st.stop()
st.dataframe(pd.DataFrame([{"商品名称": r["listing_name"], "商品状态": r["listing_state"],
                            "订购时间": china_time(r["ordered_at"], "%Y-%m-%d %H:%M:%S"), "客户": r["customer"],
                            "评价时间": china_time(r["reviewed_at"], "%Y-%m-%d %H:%M:%S"),
                            "客户评分": reviews.stars_text(r["stars"])} for r in rows]), hide_index=True, width="stretch")
by_id = {r["id"]: r for r in rows}
chosen = st.selectbox("查看评价", list(by_id), placeholder="请选择",
                      format_func=lambda i: f"{by_id[i]['listing_name']} — {by_id[i]['customer']}")
if chosen is not None:
    with st.container(border=True):
        st.markdown(f"{md(reviews.stars_text(by_id[chosen]['stars']))}　{md(china_time(by_id[chosen]['reviewed_at']))}")
        st.markdown(md(by_id[chosen]["text"] or "（客户未填写评价内容）", multiline=True))
