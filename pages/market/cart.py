"""购物车 — 修改数量、删除，结算后进入订单确认与支付."""
import streamlit as st

from components.feedback import fragment, run_action
from components.nav import guard
from components.text import md
from services.core.labels import STATUS
from services.core.permissions import P_MARKET_BUY
from services.market import cart, orders
from services.market.money import yuan

MODES = STATUS["purchase_mode"]
actor = guard(P_MARKET_BUY)
st.title("购物车")


@fragment
def cart_view() -> None:
    lines = cart.lines(actor)
    if not lines:
        st.info("购物车是空的。")
        st.page_link("pages/market/catalogue.py", label="去选购解决方案与产品", icon=":material/storefront:")
        return
    with st.form("cart_quantities"):
        for line in lines:
            c1, c2, c3, c4 = st.columns([4, 2, 2, 2])
            c1.markdown(f"**{md(line['listing_name'])}**　{md(line['spec_name'])}（{md(MODES.get(line['purchase_mode'], ''))}）")
            if line["problem"]:
                c1.warning(md(line["problem"]))
            c2.markdown(f"单价 {md(yuan(line['unit_price_fen']))}")
            c3.number_input("数量", min_value=cart.MIN_QTY, max_value=cart.MAX_QTY, value=line["quantity"], step=1,
                            key=f"cart_qty_{line['id']}")
            c4.checkbox("删除", key=f"cart_del_{line['id']}")
        saved = st.form_submit_button("保存修改")
    if saved:
        changes: dict[int, int | None] = {}
        for line in lines:
            qty = int(st.session_state[f"cart_qty_{line['id']}"])
            if st.session_state.get(f"cart_del_{line['id']}"):
                changes[line["id"]] = None
            elif qty != line["quantity"]:
                changes[line["id"]] = qty
        if run_action("cart_save", lambda rid: cart.update_lines(actor, changes, rid) >= 0):
            st.rerun(scope="fragment")
    ok = [line for line in lines if not line["problem"]]
    st.markdown(f"可结算 {len(ok)} 项，合计 **{md(yuan(sum(line['amount_fen'] for line in ok)))}**")
    if ok and st.button("结算", type="primary"):
        order_id = run_action("cart_checkout", lambda rid: orders.place(
            actor, [(line["spec_id"], line["quantity"]) for line in ok], rid, from_cart=True))
        if order_id:
            st.session_state["pay_order"] = order_id
            st.session_state.pop("pay_chosen", None)
            st.switch_page("pages/market/my_orders.py")


cart_view()
