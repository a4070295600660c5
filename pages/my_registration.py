"""单位注册信息 — 第 2 步：填写单位信息，暂存（服务器端草稿）或提交审核；查看审核结果."""
import streamlit as st

from components.feedback import run_action
from components.nav import guard
from components.org_form import load_into_state, org_fields
from services import registration
from services.permissions import P_ORG_OWN

actor = guard(P_ORG_OWN)
st.title("单位注册信息")
org = registration.my_org(actor)
STATUS_BOX = {"pending": st.info, "approved": st.success, "returned": st.warning}
if org is not None:
    STATUS_BOX.get(org.status, st.info)(f"审核状态：**{org.status_label}**"
                                        + (f"　提交时间：{org.submitted_at}" if org.submitted_at else ""))
    if org.status == "returned":
        st.warning(f"退回原因：{org.return_reason}\n\n请修改后重新提交。")
if org is not None and org.status in ("pending", "approved"):
    st.markdown("① 填写帐号信息 → ② 填写单位信息 → **③ " + ("等待审核" if org.status == "pending" else "注册完成") + "**")
    rows = [("企业名称", org.name), ("统一社会信用代码", org.credit_code), ("所在地区", org.region_name),
            ("所属行业", org.industry_name), ("企业规模", org.size), ("从业人员（人）", org.employees),
            ("营业收入（万元）", org.revenue), ("资产总额（万元）", org.assets), ("法定代表人", org.legal_rep),
            ("联系人", org.contact_name), ("联系电话", org.contact_phone), ("通讯地址", org.address)]
    st.dataframe({"项目": [k for k, _ in rows], "内容": ["" if v is None else str(v) for _, v in rows]},
                 hide_index=True, width="stretch")
    st.stop()

st.markdown("① 填写帐号信息 → **② 填写单位信息** → ③ 等待审核")
if "reg_loaded" not in st.session_state:
    start = registration.load_draft(actor, "registration")
    if not start and org is not None:
        start = {k: getattr(org, k) for k in registration.ORG_FIELDS}
    load_into_state("reg", start)
    st.session_state["reg_loaded"] = True
data = org_fields("reg")

b1, b2, _ = st.columns([1, 1, 4])
if b1.button("暂存", width="stretch"):
    registration.save_draft(actor, "registration", data)
    st.success("已暂存，关闭浏览器后重新登录可继续填写。")
if b2.button("提交审核", type="primary", width="stretch"):
    org_id = run_action("submit_org", lambda rid: registration.submit_org(actor, data, request_id=rid))
    if org_id:
        st.session_state.pop("reg_loaded", None)
        st.rerun()
