"""单位注册信息 — 第 2 步：填写单位信息，暂存（服务器端草稿）或提交审核；查看审核结果."""
import streamlit as st

from components.feedback import run_action
from components.nav import guard
from components.pickers import industry_picker, region_picker
from services import registration
from services.errors import ServiceError
from services.permissions import P_ORG_OWN
from services.rules import classify_size, size_indicators

actor = guard(P_ORG_OWN)
st.title("单位注册信息")
org = registration.my_org(actor)
STATUS_BOX = {"pending": st.info, "approved": st.success, "returned": st.warning}
if org is not None:
    STATUS_BOX.get(org.status, st.info)(f"审核状态：**{org.status_label}**"
                                        + (f"　提交时间：{org.submitted_at}" if org.submitted_at else ""))
    if org.status == "returned":
        st.warning(f"退回原因：{org.return_reason}。请修改后重新提交。")
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
    for k, v in start.items():
        st.session_state[f"reg_{k}"] = "" if v is None else str(v)
    st.session_state["reg_loaded"] = True

c1, c2 = st.columns(2)
c1.text_input("企业名称 *", key="reg_name")
c2.text_input("统一社会信用代码 *", key="reg_credit_code", max_chars=18)
region_code = region_picker("reg_region", st.session_state.get("reg_region_code") or None, "所在地区 *（选择到区县）")
industry_code = industry_picker("reg_industry", st.session_state.get("reg_industry_code") or None,
                                "所属行业 *（GB/T 4754-2017，至少选到大类）")
c1, c2, c3 = st.columns(3)
c1.text_input("从业人员（人）", key="reg_employees")
c2.text_input("上年营业收入（万元）", key="reg_revenue")
c3.text_input("上年末资产总额（万元）", key="reg_assets")
c1, c2, c3 = st.columns(3)
c1.text_input("法定代表人 *", key="reg_legal_rep")
c2.text_input("联系人 *", key="reg_contact_name")
c3.text_input("联系电话 *", key="reg_contact_phone", help="手机号或「区号-号码」")
st.text_input("通讯地址", key="reg_address")

data = {k: st.session_state.get(f"reg_{k}", "") for k in registration.ORG_FIELDS}
data["region_code"], data["industry_code"] = region_code, industry_code
if industry_code and len(industry_code) > 1:
    try:
        needed = size_indicators(industry_code)
        values = {k: float(data[k]) if str(data[k]).strip() else None for k in ("employees", "revenue", "assets")}
        st.caption("企业规模（按工信部联企业〔2011〕300号自动计算）：**"
                   + classify_size(industry_code, **values) + "**")
    except (ValueError, TypeError) as err:
        st.caption(f"企业规模将自动计算。{err}")

b1, b2, _ = st.columns([1, 1, 4])
if b1.button("暂存", width="stretch"):
    registration.save_draft(actor, "registration", data)
    st.success("已暂存，关闭浏览器后重新登录可继续填写。")
if b2.button("提交审核", type="primary", width="stretch"):
    org_id = run_action("submit_org", lambda rid: registration.submit_org(actor, data, request_id=rid))
    if org_id:
        st.session_state.pop("reg_loaded", None)
        st.rerun()
