"""我的评价 — 已完成订单中的商品：立即评价（1–5 星与评价内容）或查看评价."""
import pandas as pd
import streamlit as st

from components.feedback import fragment, run_action
from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_BUY
from services.core.timefmt import china_time
from services.market import reviews

actor = guard(P_MARKET_BUY)
st.title("我的评价")
if "reviews_flash" in st.session_state:
    st.success(md(st.session_state.pop("reviews_flash")))


@fragment
def review_list() -> None:
    rows = reviews.my_reviews(actor)
    if not rows:
        st.info("订单完成后，可以在这里评价购买的商品。")
        return
    st.dataframe(pd.DataFrame([{"商品名称": r["listing_name"], "规格": r["spec_name"], "商品状态": r["listing_state"],
                                "订购时间": china_time(r["ordered_at"], "%Y-%m-%d %H:%M:%S"),
                                "评价时间": china_time(r["reviewed_at"], "%Y-%m-%d %H:%M:%S") or "---",
                                "我的评分": reviews.stars_text(r["stars"]), "操作": r["action"]} for r in rows]),
                 hide_index=True, width="stretch")
    by_id = {r["item_id"]: r for r in rows}
    chosen = st.selectbox("选择商品", list(by_id), placeholder="请选择",
                          format_func=lambda i: f"{by_id[i]['listing_name']}（{by_id[i]['spec_name']}）— {by_id[i]['action']}")
    if chosen is None:
        return
    row = by_id[chosen]
    if row["stars"]:
        with st.container(border=True):
            st.markdown(f"我的评分：{md(reviews.stars_text(row['stars']))}　评价时间：{md(china_time(row['reviewed_at']))}")
            st.markdown(md(row["text"] or "（未填写评价内容）", multiline=True))
        return
    with st.form(f"rate_{chosen}", clear_on_submit=True):
        stars = st.radio("评分", [5, 4, 3, 2, 1], format_func=lambda n: reviews.STARS[n], horizontal=True,
                         key=f"stars_{chosen}")
        text = st.text_area("评价内容", max_chars=500, key=f"text_{chosen}", placeholder="说说使用体验（可不填）")
        if st.form_submit_button("提交评价", type="primary"):
            if run_action(f"rate_{chosen}", lambda rid: reviews.rate(actor, chosen, int(stars), text, rid)):
                st.session_state["reviews_flash"] = "评价已提交，感谢您的反馈。"
                st.rerun()


review_list()
