"""A valid 企业信息 (specs/profiles/quality_enterprise.yaml) for tests."""
from __future__ import annotations

from typing import Any


def valid_profile(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"business": "汽车零部件的研发与制造", "products": "制动盘", "address": "南京市江宁区天元路 1 号",
                           "main_revenue": 1800,
                           "employees": 120, "above_scale": "否", "high_tech": "是", "srdi": "province",
                           "cluster": "auto", "park": "other", "park_other": "江宁滨江开发区", "systems": ["iso9001"],
                           "contact_name": "王五", "contact_dept": "质量部", "contact_phone": "025-52345678"}
    out.update(over)
    return {k: v for k, v in out.items() if v is not None}
