"""服务券管理（平台运营）— 新建服务券活动及其券种，活动列表，停止活动，按地区统计发放与使用."""
import datetime as dt

import pandas as pd
import streamlit as st

from charts.vouchers import region_bars
from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_OPERATE
from services.core.timefmt import china_now
from services.market import vouchers
from services.market.money import yuan
from services.reference import region_children

actor = guard(P_MARKET_OPERATE)
st.title("服务券管理")
if flash := st.session_state.pop("voucher_admin_flash", None):
    st.success(md(flash))
create_tab, list_tab = st.tabs(["新建活动", "活动列表与统计"])

with create_tab, st.form("voucher_activity_new"):
    name = st.text_input("活动名称 *", max_chars=100)
    description = st.text_area("活动说明", max_chars=1000)
    today = china_now().date()
    c1, c2, c3, c4 = st.columns(4)
    start_day = c1.date_input("开始日期 *", today, key="va_start_day")
    start_time = c2.time_input("开始时间（北京时间）", dt.time(0, 0), key="va_start_time")
    end_day = c3.date_input("结束日期 *", today + dt.timedelta(days=30), key="va_end_day")
    end_time = c4.time_input("结束时间（北京时间）", dt.time(0, 0), key="va_end_time")
    provinces = {p.code: p.name for p in region_children(None)}
    region = st.selectbox("面向地区", [""] + list(provinces), format_func=lambda c: provinces.get(c, "不限"),
                          placeholder="请选择")
    st.caption("服务券类型：面值按元填写；适用商品编号多个用逗号分隔，留空表示适用于全部商品。")
    table = st.data_editor(pd.DataFrame([{"名称": "数字化转型服务券", "面值（元）": "1000.00", "数量": 100,
                                          "每家企业限领": 1, "有效天数": 365, "适用商品编号": ""}]),
                           num_rows="dynamic", hide_index=True, width="stretch", key="va_types")
    if st.form_submit_button("创建活动", type="primary"):
        def create(rid: str) -> int:
            spec = vouchers.spec_from_table(name, description, f"{start_day}T{start_time}", f"{end_day}T{end_time}",
                                            region, table.to_dict("records"))
            return vouchers.create_activity_once(actor, spec, rid)
        if run_action("voucher_activity_new", create):
            st.session_state["voucher_admin_flash"] = f"服务券活动「{name.strip()}」已创建并上架。"
            st.rerun()

with list_tab:
    activities = vouchers.list_activities(actor, include_ended=True)
    if not activities:
        st.info("还没有服务券活动。")
        st.stop()
    st.dataframe(pd.DataFrame([{"编号": a["id"], "活动名称": a["name"], "开始时间": a["starts_at"], "结束时间": a["ends_at"],
                                "状态": a["status_label"], "面向地区": a["region_name"], "券种": a["type_count"]}
                               for a in activities]), hide_index=True, width="stretch")
    by_id = {a["id"]: a for a in activities}
    chosen = st.selectbox("选择活动", list(by_id), format_func=lambda i: f"{i}　{by_id[i]['name']}",
                          key="va_chosen", placeholder="请选择")
    st.dataframe(pd.DataFrame([{"服务券": t["name"], "面值": yuan(t["face_value_fen"]), "数量": t["quantity"],
                                "剩余": t["remaining"], "每家企业限领": t["per_enterprise_limit"], "有效天数": t["valid_days"],
                                "适用商品": "全部" if not t["listing_ids"] else "、".join(map(str, t["listing_ids"]))}
                               for t in vouchers.activity_types(chosen)]), hide_index=True, width="stretch")
    if by_id[chosen]["status"] == "published" and st.button("停止活动", key=f"va_stop_{chosen}"):
        if run_action(f"va_stop_{chosen}", lambda rid: vouchers.stop_activity(actor, chosen, rid) or True):
            st.session_state["voucher_admin_flash"] = f"服务券活动「{by_id[chosen]['name']}」已停止，已发放的服务券仍可使用。"
            st.rerun()
    level = st.radio("统计层级", list(vouchers.STAT_LEVELS), format_func=lambda k: f"按{vouchers.STAT_LEVELS[k]}",
                     horizontal=True, key="va_level")
    stats = vouchers.activity_stats(actor, chosen, level)
    if not stats:
        st.caption("该活动还没有发放服务券。")
    else:
        st.dataframe(pd.DataFrame([{"地区": r["region"], "发放张数": r["granted_count"], "发放金额": yuan(r["granted_fen"]),
                                    "使用张数": r["used_count"], "使用金额": yuan(r["used_fen"])} for r in stats]),
                     hide_index=True, width="stretch")
        st.plotly_chart(region_bars(stats), key=f"va_chart_{chosen}_{level}")
