"""订单管理（服务商）— 本单位商品的订单：价格、抵扣金额、实付金额、订购用户；完成交付."""
import pandas as pd
import streamlit as st

from components.feedback import fragment, run_action
from components.nav import guard
from components.text import md, md_table
from services.core.permissions import P_MARKET_SELL
from services.core.timefmt import china_time
from services.market import orders
from services.market.money import yuan

actor = guard(P_MARKET_SELL)
st.title("订单管理")
if "porders_flash" in st.session_state:
    st.success(md(st.session_state.pop("porders_flash")))


@fragment
def order_lines() -> None:
    rows = orders.provider_orders(actor)
    if not rows:
        st.info("暂无订单。")
        return
    st.dataframe(pd.DataFrame([{"订单号": r["order_no"], "商品名称": r["listing_name"], "规格": r["spec_name"],
                                "订单类型": r["order_type"], "价格": yuan(r["amount_fen"]), "抵扣金额": yuan(r["voucher_fen"]),
                                "实付金额": yuan(r["cash_fen"]), "订购用户": r["buyer"],
                                "订购时间": china_time(r["ordered_at"], "%Y-%m-%d %H:%M:%S"), "订单状态": r["status_label"]}
                               for r in rows]), hide_index=True, width="stretch")
    by_order = {r["order_id"]: r for r in rows}
    chosen = st.selectbox("查看订单", list(by_order), placeholder="请选择",
                          format_func=lambda i: f"{by_order[i]['order_no']} {by_order[i]['buyer']}")
    if chosen is None:
        return
    detail = orders.order_detail(actor, chosen)
    with st.container(border=True):
        st.caption(f"订单号：{md(detail['order_no'])}　订购用户：{md(detail['buyer'])}　订单状态：{md(detail['status_label'])}")
        st.markdown(md_table(["商品名称", "规格", "数量", "价格", "抵扣金额", "实付金额"],
                             [(i["listing_name"], i["spec_name"], i["quantity"], yuan(i["amount_fen"]),
                               yuan(i["voucher_fen"]), yuan(i["cash_fen"])) for i in detail["items"]]))
        if by_order[chosen]["can_complete"] and st.button("完成交付", type="primary", key=f"complete_{chosen}"):
            if run_action(f"complete_{chosen}", lambda rid: orders.complete(actor, chosen, rid)):
                st.session_state["porders_flash"] = f"订单 {detail['order_no']} 已完成交付。"
                st.rerun()
        elif detail["status"] == "paid" and not by_order[chosen]["can_complete"]:
            st.caption("该订单含其他服务商的商品，由平台运营人员确认完成。")


order_lines()
