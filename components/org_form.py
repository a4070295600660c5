"""The organisation details form, shared by self-registration and administrators' corrections."""
from __future__ import annotations

from typing import Any

import streamlit as st

from components.pickers import industry_picker, region_picker
from services.registration import ORG_FIELDS
from services.rules import classify_size, size_indicators


def load_into_state(prefix: str, values: dict[str, Any]) -> None:
    """Put initial values into the widgets' state once (drafts, or the row being corrected)."""
    for key in ORG_FIELDS:
        v = values.get(key)
        st.session_state[f"{prefix}_{key}"] = "" if v is None else str(v)


def org_fields(prefix: str) -> dict[str, Any]:
    """Render the fields (pickers cascade, so no st.form) and return the raw values."""
    c1, c2 = st.columns(2)
    c1.text_input("企业名称 *", key=f"{prefix}_name")
    c2.text_input("统一社会信用代码 *", key=f"{prefix}_credit_code", max_chars=18)
    region_code = region_picker(f"{prefix}_region", st.session_state.get(f"{prefix}_region_code") or None,
                                "所在地区 *（选择到区县）")
    industry_code = industry_picker(f"{prefix}_industry", st.session_state.get(f"{prefix}_industry_code") or None,
                                    "所属行业 *（GB/T 4754-2017，至少选到大类）")
    c1, c2, c3 = st.columns(3)
    c1.text_input("从业人员（人）", key=f"{prefix}_employees")
    c2.text_input("上年营业收入（万元）", key=f"{prefix}_revenue")
    c3.text_input("上年末资产总额（万元）", key=f"{prefix}_assets")
    c1, c2, c3 = st.columns(3)
    c1.text_input("法定代表人 *", key=f"{prefix}_legal_rep")
    c2.text_input("联系人 *", key=f"{prefix}_contact_name")
    c3.text_input("联系电话 *", key=f"{prefix}_contact_phone", help="手机号或「区号-号码」")
    st.text_input("通讯地址", key=f"{prefix}_address")
    data = {k: st.session_state.get(f"{prefix}_{k}", "") for k in ORG_FIELDS}
    data["region_code"], data["industry_code"] = region_code, industry_code
    _size_hint(data)
    return data


def _size_hint(data: dict[str, Any]) -> None:
    code = data.get("industry_code")
    if not code or len(code) < 2:
        return
    try:
        size_indicators(code)
        values = {k: float(data[k]) if str(data[k]).strip() else None for k in ("employees", "revenue", "assets")}
        st.caption("企业规模（按工信部联企业〔2011〕300号自动计算）：**" + classify_size(code, **values) + "**")
    except (ValueError, TypeError) as err:
        st.caption(f"企业规模将自动计算。{err}")
