"""A complete, valid 企业背景信息 for tests (the registration's own answers come from the organisation)."""
from __future__ import annotations

import io
from typing import Any

from PIL import Image

from services.core.permissions import Actor


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, format="PNG")
    return buf.getvalue()


def answers(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "legal_rep_mobile": "13912345678", "contact_title": "总经理", "email": "info@example.com", "postcode": "250000",
        "founded_on": "2010-05-01", "reg_type": "有限责任公司", "tax_grade": "A", "listed": "否", "chain": "高端装备",
        "product_1": "数控机床", "region": "370102", "address": "济南市历下区经十路 1 号", "registered_capital": "1000",
        "size": "小型", "business": "数控机床的研发、生产和销售", "high_tech": "否", "srdi": "none", "tech_sme": "是",
        "foreign_trade": "否", "group_member": "否",
        "revenue_y1": "5000", "revenue_y2": "4500", "main_revenue": "4800", "cost": "3500", "profit": "600",
        "tax_paid": "200", "total_assets": "8000", "total_liabilities": "3000",
        "staff_total": 120, "staff_rnd": 20, "staff_it": 3, "staff_social_insured": 110,
        "cloud_use": "some", "it_invest": "80", "digital_plan": "是",
        "fixed_assets": "3000", "accidents": 0, "env_penalty": "否", "credit_record": "否", "audited": "是",
        "loans_balance": "1000", "needs_financing": "否", "rnd_spend_y1": "250", "invention_patents": 3, "rnd_center": "否",
    }
    return {**base, **over}


def fill_background(actor: Actor, **over: Any) -> None:
    """Fill and submit an enterprise's 企业背景信息 through the service (certification for the marketplace)."""
    from services.market import background
    licence = background.store_license(actor, png(), "yyzz.png")
    background.submit(actor, answers(license=licence, **over))
