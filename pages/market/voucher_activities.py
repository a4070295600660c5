"""服务券活动 — 上架中的活动（开始、结束时间为北京时间）；详情中列出各类服务券及余量，立即申请 / 抢券."""
import pandas as pd
import streamlit as st

from components.feedback import fragment, new_request, request_id, user_messages
from components.nav import guard
from components.text import md
from services.core.permissions import P_MARKET_BUY
from services.market import vouchers
from services.market.money import yuan

actor = guard(P_MARKET_BUY)
st.title("服务券活动")
activities = vouchers.list_activities(actor)
if not activities:
    st.info("目前没有进行中的服务券活动。")
    st.stop()
st.dataframe(pd.DataFrame([{"活动名称": a["name"], "开始时间": a["starts_at"], "结束时间": a["ends_at"],
                            "状态": a["status_label"], "面向地区": a["region_name"]} for a in activities]),
             hide_index=True, width="stretch")
by_id = {a["id"]: a for a in activities}
chosen = st.selectbox("详情：选择活动", list(by_id), format_func=lambda i: by_id[i]["name"],
                      key="voucher_activity", placeholder="请选择")


def _grab(type_id: int, name: str) -> None:
    """The button's callback: runs before the card is drawn again, so the card shows the new stock."""
    try:
        vouchers.grab_once(actor, type_id, request_id(f"grab_{type_id}"))
    except Exception as exc:  # noqa: BLE001 - shown in Chinese on the card (user_messages logs a defect)
        st.session_state[f"grab_msg_{type_id}"] = ("error", user_messages(exc))
        return
    new_request(f"grab_{type_id}")
    st.session_state[f"grab_msg_{type_id}"] = ("success", [f"申请成功：「{name}」已发放到贵单位，可在「服务券查询」中查看。"])


@fragment
def voucher_type(activity_id: int, type_id: int, is_open: bool) -> None:
    """One voucher type with its button: a grab reruns only this card, with the stock read afresh."""
    t = next(x for x in vouchers.activity_types(activity_id) if x["id"] == type_id)
    with st.container(border=True):
        left, right = st.columns([3, 1])
        left.markdown(f"**{md(t['name'])}**　面值 {md(yuan(t['face_value_fen']))}")  # md: the name escaped; the amount is ours
        left.caption(f"剩余 {t['remaining']:d} / {t['quantity']:d} 张　每家企业限领 {t['per_enterprise_limit']:d} 张　"
                     f"领取后 {t['valid_days']:d} 天内有效　"
                     + ("适用于全部商品" if not t["listing_ids"] else f"适用于指定的 {len(t['listing_ids']):d} 个商品"))
        right.button("立即申请" if t["remaining"] > 0 else "已抢完", key=f"grab_{type_id}", type="primary",
                     disabled=not is_open or t["remaining"] <= 0, on_click=_grab, args=(type_id, t["name"]))
        if message := st.session_state.pop(f"grab_msg_{type_id}", None):
            kind, texts = message
            for text in texts:
                (st.success if kind == "success" else st.error)(md(text))


activity = by_id[chosen]
st.subheader(md(activity["name"]))
st.caption(md(f"活动时间：{activity['starts_at']} 至 {activity['ends_at']}（北京时间）　状态：{activity['status_label']}"))
if activity["description"]:
    st.markdown(md(activity["description"], multiline=True))
for vtype in vouchers.activity_types(activity["id"]):
    voucher_type(activity["id"], vtype["id"], activity["open"])
