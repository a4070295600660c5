"""服务券查询 — 本单位领取的服务券：名称、余额、面值、有效期、状态、计费模式；详情（使用记录）与去使用."""
from pathlib import Path

import pandas as pd
import streamlit as st

from components.nav import guard, visible_pages
from components.text import md
from services.core.permissions import P_MARKET_BUY
from services.market import vouchers
from services.market.money import yuan

CATALOGUE = "pages/market/catalogue.py"   # 解决方案与产品 (去使用), when that page is part of the app

actor = guard(P_MARKET_BUY)
st.title("服务券查询")
mine = vouchers.my_vouchers(actor)
if not mine:
    st.info("贵单位还没有领取服务券，可在「服务券活动」中申请。")
    st.stop()
st.dataframe(pd.DataFrame([{"服务券名称": v["name"], "余额": yuan(v["balance_fen"]), "面值": yuan(v["face_value_fen"]),
                            "有效期至": v["valid_until"], "状态": v["status_label"], "计费模式": v["billing_mode"],
                            "所属活动": v["activity"]} for v in mine]), hide_index=True, width="stretch")

by_id = {v["id"]: v for v in mine}
chosen = st.selectbox("详情：选择服务券", list(by_id), key="my_voucher", placeholder="请选择",
                      format_func=lambda i: f"{by_id[i]['name']}（余额 {yuan(by_id[i]['balance_fen'])}，{by_id[i]['status_label']}）")
detail = vouchers.voucher_detail(actor, chosen)
with st.container(border=True):
    st.subheader(md(detail["name"]))
    st.markdown(f"所属活动：{md(detail['activity'])}  \n"  # md: names escaped; amounts, times and labels are ours
                f"面值 {yuan(detail['face_value_fen'])}　余额 **{yuan(detail['balance_fen'])}**　状态：{detail['status_label']}  \n"
                f"领取时间 {detail['granted_at']}　有效期至 {detail['valid_until']}（北京时间）　计费模式：{detail['billing_mode']}  \n"
                "适用商品：" + ("全部商品" if not detail["listings"] else md("、".join(detail["listings"]))))
    if detail["uses"]:
        st.dataframe(pd.DataFrame([{"订单编号": u["order_no"], "抵扣金额": yuan(u["amount_fen"]), "使用时间": u["at"]}
                                   for u in detail["uses"]]), hide_index=True, width="stretch")
    else:
        st.caption("尚未使用。")
    catalogue_ready = (Path(__file__).resolve().parents[2] / CATALOGUE).exists() and \
        any(p.path == CATALOGUE for p in visible_pages(actor))
    if detail["status"] == "usable" and catalogue_ready:
        st.page_link(CATALOGUE, label="去使用", icon=":material/shopping_cart:")
