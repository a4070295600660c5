"""The organisation details form (the manual's 企业信息注册; providers keep their shorter form),
shared by self-registration and administrators' corrections, and the details table."""
from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

import clock
from components.pickers import industry_picker, region_picker
from services.orgs.provider_fields import PROVIDER_FIELDS
from services.reference import industry_tree
from components.text import md, md_table
from services.orgs.fields import HOLDING_TYPES, ORG_FIELDS, REG_TYPES, YES_NO, size_preview
from services.orgs.registration import OrgView, detail_rows

# An enterprise's 联系电话 is derived (手机, else 电话); the loaded value still travels with the form, so a
# provider corrected through this layout (pages/admin/accounts_admin.py) keeps its own.
ENTERPRISE_KEYS = list(ORG_FIELDS)
PROVIDER_KEYS = ["name", "credit_code", "region_code", "industry_code", "employees", "revenue_k", "assets_k",
                 "legal_rep", "contact_name", "contact_phone", "address"]
LANDLINE_HELP = "请注明区号，区号和号码之间用“-”连接，如 025-12345678"


def _widget_value(key: str, value: Any) -> Any:
    if key == "listed":
        return value if value in YES_NO else {True: "是", False: "否"}.get(value) if isinstance(value, bool) else None
    if key in ("reg_type", "holding_type"):
        return value if value in (REG_TYPES if key == "reg_type" else HOLDING_TYPES) else None
    if key == "opened_on":
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
        return day if dt.date(1900, 1, 1) <= day <= clock.today() + dt.timedelta(days=3650) else None
    return "" if value is None else str(value)


def load_into_state(prefix: str, values: dict[str, Any]) -> None:
    """Put initial values into the widgets' state once (drafts, or the row being corrected)."""
    for key in ORG_FIELDS:
        st.session_state[f"{prefix}_{key}"] = _widget_value(key, values.get(key))
    stored = values.get("details") or {}
    for key, pf in PROVIDER_FIELDS.items():  # a provider's 服务商背景 (a draft holds them at the top level)
        value = values[key] if key in values else stored.get(key)
        if pf.kind == "date":
            try:
                value = dt.date.fromisoformat(str(value)[:10]) if value else None
            except ValueError:
                value = None
        elif pf.kind in ("industry", "yes_no"):
            value = value or None
        elif pf.kind != "file":
            value = "" if value is None else str(value)
        st.session_state[f"{prefix}_{key}"] = value


def _provider_background(key: Any) -> dict[str, Any]:
    """The 服务商背景 widgets (provider guide 3.1); returns the raw values by field name."""
    from services.orgs import registration
    st.markdown("##### 服务商背景")
    divisions = [n for sec in industry_tree() for n in sec.children]
    names = {n.code: f"{n.code} {n.name}" for n in divisions}
    up = st.file_uploader("企业营业执照（JPEG、JPG、PNG，不超过 10 MB）", type=["jpg", "jpeg", "png"], key=key("license_upload"))
    if up is not None and st.session_state.get(key("license_name")) != (up.name, up.size):
        try:
            st.session_state[key("license_file_id")] = registration.store_license(st.session_state["actor"],
                                                                                    up.getvalue(), up.name)
            st.session_state[key("license_name")] = (up.name, up.size)
        except Exception as exc:  # noqa: BLE001 - shown in Chinese
            from components.feedback import show_error
            show_error(exc)
    if st.session_state.get(key("license_file_id")):
        st.caption("营业执照已上传。")
    cols = st.columns(2)
    i = 0
    for name, pf in PROVIDER_FIELDS.items():
        if pf.kind == "file":
            continue
        col = cols[i % 2]
        i += 1
        if pf.kind == "date":
            col.date_input(md(pf.label), value=None, min_value=dt.date(1900, 1, 1), format="YYYY-MM-DD", key=key(name))
        elif pf.kind == "industry":
            col.selectbox(md(pf.label), list(names), index=None, format_func=lambda c: names.get(c, c), placeholder="请选择",
                          key=key(name))
        elif pf.kind == "yes_no":
            col.radio(md(pf.label), YES_NO, index=None, horizontal=True, key=key(name))
        elif pf.kind == "text" and int(pf.max) > 200:
            col.text_area(md(pf.label), max_chars=int(pf.max), key=key(name))
        else:
            col.text_input(md(pf.label), max_chars=int(pf.max) if pf.kind == "text" else 20, key=key(name),
                           help=md({"ratio": "0–100，最多 2 位小数", "count": "0–1000000 的整数",
                                    "money": "最多 2 位小数"}.get(pf.kind, "")) or None)
    data = {name: st.session_state.get(key(name)) for name in PROVIDER_FIELDS}
    started = data.get("started_on")
    if isinstance(started, dt.date):
        data["started_on"] = started.isoformat()  # drafts are JSON
    return data


def org_fields(prefix: str, kind: str = "enterprise") -> dict[str, Any]:
    """Render the fields (pickers cascade, so no st.form) and return the raw values by form name."""
    def key(name: str) -> str:
        return f"{prefix}_{name}"

    state = st.session_state
    enterprise = kind == "enterprise"
    c1, c2 = st.columns(2)
    c1.text_input("企业名称 *", key=key("name"))
    c2.text_input("统一社会信用代码 *", key=key("credit_code"), max_chars=18)
    if enterprise:
        st.text_input("法人代表 *", key=key("legal_rep"))
    industry_code = industry_picker(key("industry"), state.get(key("industry_code")) or None,
                                    "所属行业 *（GB/T 4754-2017，" + ("选择到小类）" if enterprise else "至少选到大类）"))
    region_code = region_picker(key("region"), state.get(key("region_code")) or None, "所在地区 *（选择到区县）")
    if enterprise:
        c1, c2 = st.columns([1, 2])
        c1.selectbox("注册类型 *", REG_TYPES, index=None, placeholder="请选择", key=key("reg_type"))
        c2.radio("控股类型 *", HOLDING_TYPES, index=None, horizontal=True, key=key("holding_type"))
    star = " " + md("*") if enterprise else ""  # a literal star (md would drop a leading blank)
    c1, c2, c3 = st.columns(3)
    c1.text_input("上年末营业收入（千元）" + star, key=key("revenue_k"), help="填写报送数据企业的上年末营业收入")
    c2.text_input("上年末从业人数（人）" + star, key=key("employees"), help="填写报送数据企业的上年末从业人数")
    c3.text_input("上年末资产总计（千元）" + star, key=key("assets_k"), help="填写报送数据企业的上年末资产总计")
    size_slot = st.empty()
    if enterprise:
        c1, c2 = st.columns(2)
        c1.radio("是否上市 *", YES_NO, index=None, horizontal=True, key=key("listed"))
        c2.text_input("股票代码", key=key("stock_code"), max_chars=6, help="上市企业必填，6 位数字",
                      disabled=state.get(key("listed")) != "是")
        c1, c2 = st.columns([3, 1])
        c1.text_input("通讯地址 *", key=key("address"))
        c2.text_input("邮政编码 *", key=key("postcode"), max_chars=6)
        c1, c2 = st.columns(2)
        c1.date_input("开业时间 *", value=None, min_value=dt.date(1900, 1, 1), format="YYYY-MM-DD",
                      key=key("opened_on"))
        c2.text_input("企业网址", key=key("website"), placeholder="http://", help="网址请加 http:// 或 https://")
        c1, c2, c3 = st.columns(3)
        c1.text_input("联系人 *", key=key("contact_name"))
        c2.text_input("电话", key=key("phone"), placeholder="025-12345678", help=LANDLINE_HELP)
        c3.text_input("传真", key=key("fax"), placeholder="025-12345679", help=LANDLINE_HELP)
        c1, c2 = st.columns(2)
        c1.text_input("手机", key=key("mobile"), max_chars=11, help="11 位手机号；电话和手机至少填写一项")
        c2.text_input("电子邮箱", key=key("email"))
        st.text_area("主营业务/主要产品 *", key=key("business"), max_chars=500)
        st.caption("带 * 的为必填项；电话和手机至少填写一项；企业规模由系统自动计算。")
    else:
        c1, c2, c3 = st.columns(3)
        c1.text_input("法人代表 *", key=key("legal_rep"))
        c2.text_input("联系人 *", key=key("contact_name"))
        c3.text_input("联系电话 *", key=key("contact_phone"), help="手机号或「区号-号码」")
        st.text_input("通讯地址", key=key("address"))
    data = {k: state.get(key(k)) for k in (ENTERPRISE_KEYS if enterprise else PROVIDER_KEYS)}
    if not enterprise:
        data.update(_provider_background(key))
    data["region_code"], data["industry_code"] = region_code, industry_code
    opened = data.get("opened_on")
    if isinstance(opened, dt.date):
        data["opened_on"] = opened.isoformat()  # drafts are JSON
    size = size_preview(data, kind)
    size_slot.caption("企业规模（按工信部联企业〔2011〕300号自动计算）：**" + md(size) + "**" if size else
                      "企业规模：选择所属行业并填写上年末营业收入、从业人数和资产总计后自动计算。")
    return data


def show_details(view: OrgView) -> None:
    """The registration details as the manual's 企业注册信息详细 table (two label/value pairs a row)."""
    rows = detail_rows(view)
    if len(rows) % 2:
        rows.append(("", ""))
    st.markdown(md_table(["项目", "内容", "项目", "内容"], [(a, x, b, y) for (a, x), (b, y) in zip(rows[::2], rows[1::2])]))
