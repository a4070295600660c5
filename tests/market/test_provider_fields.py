"""服务商背景: the provider registration's own fields, their ranges, and the 营业执照 image by content."""
from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from services.core.errors import ValidationFailed
from services.orgs import registration
from services.orgs.fields import validate_org_form
from tests.factories import PASSWORD, actor_of, org_form

BASE = {"name": "济南数字服务有限公司", "region_code": "370102", "industry_code": "65", "legal_rep": "王五",
        "contact_name": "赵六", "contact_phone": "13912345678", "employees": "30", "assets_k": "5000", "revenue_k": "3000"}


def problems(**over: Any) -> dict[str, list[str]]:
    data = {**BASE, "credit_code": org_form("370102")["credit_code"], **over}
    return {k: v for k, v in validate_org_form(data, "provider")[1].items() if v}


@pytest.mark.parametrize("key,value,ok", [
    ("rd_ratio", "0", True), ("rd_ratio", "100", True), ("rd_ratio", "100.01", False), ("rd_ratio", "-1", False),
    ("rd_ratio", "12.345", False), ("industrial_clients", "1000000", True), ("industrial_clients", "1000001", False),
    ("industrial_clients", "2.5", False), ("staff_total", "abc", False), ("avg_sales", "99999999.99", True),
    ("profile", "字" * 1000, True), ("profile", "字" * 1001, False), ("high_tech", "也许", False),
    ("sector_1", "ZZ99", False), ("sector_1", "34", True), ("started_on", "2999-01-01", False),
    ("started_on", "2010-05-01", True)])
def test_ranges_and_lengths(key: str, value: str, ok: bool) -> None:
    assert (problems(**{key: value}) == {}) is ok, problems(**{key: value})


def test_consistency_between_fields() -> None:
    assert "博士以上学历人员占比（%）" in problems(master_ratio="10", doctor_ratio="20")
    assert "3年以上经验的实施人员数量（人）" in problems(implementers_1y="5", implementers_3y="6")
    assert "运维及服务人员数量（人）" in problems(staff_total="10", service_staff="11")
    assert "近三年工业领域年平均销售额（万元）" in problems(avg_sales="100", avg_industrial_sales="200")
    assert problems(master_ratio="20", doctor_ratio="20", staff_total="10", service_staff="10") == {}


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, format="PNG")
    return buf.getvalue()


def test_fields_are_stored_and_shown_with_the_license(db: str) -> None:
    registration.register_account("provider", "fws_fields", PASSWORD, PASSWORD, "13912345670")
    actor = actor_of("fws_fields")
    with pytest.raises(ValidationFailed, match="企业营业执照：文件内容不是"):
        registration.store_license(actor, b"%PDF-1.4 not an image" + b"\0" * 100, "yyzz.png")
    file_id = registration.store_license(actor, png(), "yyzz.png")
    data = {**BASE, "credit_code": org_form("370102")["credit_code"], "license_file_id": file_id,
            "rd_ratio": "35.5", "industrial_clients": "120", "sector_1": "65", "high_tech": "是",
            "local_entity_name": "济南分公司"}
    org_id = registration.submit_org(actor, data)
    view = registration.my_org(actor)
    assert view is not None and view.id == org_id
    rows = dict(registration.detail_rows(view))
    assert rows["研发人员占比（%）"] == "35.5" and rows["工业客户累计数量（个）"] == "120"
    assert rows["企业营业执照"] == "已上传" and rows["本省实体机构名称"] == "济南分公司" and rows["是否高新技术企业"] == "是"
    registration.register_account("provider", "fws_other", PASSWORD, PASSWORD, "13912345671")
    other = actor_of("fws_other")
    with pytest.raises(ValidationFailed, match="企业营业执照：请重新上传"):   # someone else's file id
        registration.submit_org(other, {**data, "name": "另一家服务有限公司",
                                        "credit_code": org_form("370102")["credit_code"]})
