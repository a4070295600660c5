"""订单管理（企业）— 订单确认与支付（选择服务券抵扣），我的订单，订单详情，取消订单."""
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import fragment, new_request, run_action
from components.nav import guard
from components.text import md, md_table
from services.core.labels import STATUS
from services.core.permissions import P_MARKET_BUY
from services.core.timefmt import china_time
from services.market import orders, vouchers
from services.market.money import yuan

MODES = STATUS["purchase_mode"]
actor = guard(P_MARKET_BUY)
st.title("订单管理")
if "orders_flash" in st.session_state:
    st.success(md(st.session_state.pop("orders_flash")))


def lines_table(detail: dict[str, Any]) -> None:
    st.markdown(md_table(["商品名称", "规格", "购买方式", "单价", "数量", "金额", "抵扣金额", "实付金额"],
                         [(i["listing_name"], i["spec_name"], MODES.get(i["purchase_mode"], ""), yuan(i["unit_price_fen"]),
                           i["quantity"], yuan(i["amount_fen"]), yuan(i["voucher_fen"]), yuan(i["cash_fen"]))
                          for i in detail["items"]]))


def toggle(vid: int) -> None:
    """Keep the ticked vouchers in the order they were ticked (they deduct in that order)."""
    chosen: list[int] = st.session_state.setdefault("pay_chosen", [])
    if st.session_state.get(f"voucher_{vid}"):
        if vid not in chosen:
            chosen.append(vid)
    elif vid in chosen:
        chosen.remove(vid)


@fragment
def pay_panel(order_id: int) -> None:
    detail = orders.order_detail(actor, order_id)
    with st.container(border=True):
        st.subheader("订单确认")
        st.caption(f"订单号：{md(detail['order_no'])}　创建时间：{md(china_time(detail['created_at']))}")
        lines_table(detail)
        st.markdown(f"订单总价：**{md(yuan(detail['total_fen']))}**")
        if detail["status"] != "unpaid":
            st.info(f"该订单{md(detail['status_label'])}。")
            if st.button("关闭"):
                st.session_state.pop("pay_order", None)
                st.rerun()
            return
        offered = vouchers.eligible(actor, orders.pay_listing_ids(actor, order_id))
        by_id = {v["id"]: v for v in offered}
        st.markdown("**选择服务券**（按勾选顺序抵扣）" if offered else "暂无可用于本订单的服务券。")
        for v in offered:
            st.checkbox(f"{md(v['name'])}　余额 {md(yuan(v['balance_fen']))}　有效期至 {md(china_time(v['valid_until'], '%Y-%m-%d'))}",
                        key=f"voucher_{v['id']}", on_change=toggle, args=(v["id"],))
        chosen = [vid for vid in st.session_state.get("pay_chosen", []) if vid in by_id]
        cash, takes = vouchers.settle(detail["total_fen"], [by_id[vid]["balance_fen"] for vid in chosen])
        st.markdown(f"服务券抵扣：{md(yuan(sum(takes)))}　还需支付：**{md(yuan(cash))}**")
        c1, c2, _ = st.columns([1, 1, 3])
        if c1.button("确认支付", type="primary", key=f"pay_{order_id}"):
            paid = run_action(f"pay_{order_id}", lambda rid: orders.pay(actor, order_id, chosen, rid))
            if not paid:   # refused and rolled back: the next click is a new attempt, under a new idempotency key
                new_request(f"pay_{order_id}")
            if paid:
                st.session_state.pop("pay_order", None)
                st.session_state.pop("pay_chosen", None)
                st.session_state["orders_flash"] = (f"订单 {paid['order_no']} 支付成功：服务券抵扣 {yuan(paid['voucher_fen'])}，"
                                                    f"实付 {yuan(paid['cash_fen'])}。")
                st.rerun()
        if c2.button("取消订单", key=f"cancel_{order_id}"):
            if run_action(f"cancel_{order_id}", lambda rid: orders.cancel(actor, order_id, rid)):
                st.session_state.pop("pay_order", None)
                st.session_state["orders_flash"] = "订单已取消。"
                st.rerun()


@fragment
def order_list() -> None:
    codes = list(STATUS["market_order"])
    status = st.selectbox("订单状态", [None, *codes], format_func=lambda c: "全部" if c is None else STATUS["market_order"][c],
                          placeholder="全部")
    rows = orders.my_orders(actor, status)
    if not rows:
        st.info("暂无订单。")
        return
    st.dataframe(pd.DataFrame([{"订单号": r["order_no"], "商品名称": r["listing_name"], "订单类型": r["order_type"],
                                "支付状态": r["pay_status"], "订单状态": r["status_label"], "总价": yuan(r["total_fen"]),
                                "创建时间": china_time(r["created_at"])} for r in rows]), hide_index=True, width="stretch")
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox("查看订单", list(by_id), format_func=lambda i: f"{by_id[i]['order_no']} {by_id[i]['listing_name']}",
                          placeholder="请选择")
    if chosen is None:
        return
    detail = orders.order_detail(actor, chosen)
    with st.container(border=True):
        st.caption(f"订单号：{md(detail['order_no'])}　订单状态：{md(detail['status_label'])}　支付状态：{md(detail['pay_status'])}"
                   f"　创建时间：{md(china_time(detail['created_at']))}")
        lines_table(detail)
        st.markdown(f"总价 {md(yuan(detail['total_fen']))}　服务券抵扣 {md(yuan(detail['voucher_fen']))}　"
                    f"实付 {md(yuan(detail['cash_fen']))}")
        if detail["status"] == "unpaid" and st.button("去支付", key=f"topay_{chosen}"):
            st.session_state["pay_order"] = chosen
            st.session_state.pop("pay_chosen", None)
            st.rerun()
        if detail["status"] == "completed":
            st.page_link("pages/market/my_reviews.py", label="立即评价", icon=":material/star:")


if st.session_state.get("pay_order"):
    pay_panel(int(st.session_state["pay_order"]))
st.subheader("我的订单")
order_list()
