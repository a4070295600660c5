"""Marketplace demo data: the demo provider's products, taken through the real approval chain, and a
voucher activity — so a demo enterprise can browse, grab a voucher and buy right away.

Idempotent (does nothing once a listing exists) and only run with the rest of the demo data
(``manage.py seed-demo``, or ``prepare`` with ``HUIQI_DEMO_DATA=true``). Everything goes through the
services a person would use (listings, vouchers), signed in as the documented demo accounts.
"""
from __future__ import annotations

import datetime as dt
import io
import random

from sqlalchemy import func, select

import clock

from db.account import Account
from db.engine import session_scope
from db.market import Listing
from services.identity.auth import actor_for
from services.market import listing_review, listings, vouchers
from services.market.money import parse_yuan
from services.core.permissions import Actor

# name, product, tags, categories, industries, specs (name, mode, pricing, 元), colour
PRODUCTS = [
    ("设备联网与数据采集方案", "云边协同采集网关", ["工业互联网", "智能制造"], ["设备管理", "生产制造"], ["C34", "C35"],
     [("标准版", "year", "simple", "12000.00"), ("试用版", "month", "free", "0")], (31, 119, 180)),
    ("中小企业云 MES", "轻量化制造执行系统", ["智能制造", "上云用云"], ["生产制造", "质量管控"], ["C33", "C34", "C38"],
     [("基础版", "year", "simple", "36000.00"), ("按月订阅", "month", "simple", "3500.00")], (44, 160, 44)),
    ("能耗在线监测与节能诊断", "能源管理平台", ["节能降碳", "数据分析"], ["能源管理"], ["C26", "C30", "C31"],
     [("监测点位（个）", "quantity", "simple", "800.00")], (214, 39, 40)),
    ("供应链协同云平台", "采购与库存协同", ["上云用云", "协同办公"], ["供应链管理", "仓储物流"], ["C13", "C17"],
     [("企业版", "year", "simple", "18000.00")], (148, 103, 189)),
    ("工业网络安全防护服务", "工控安全评估与加固", ["网络安全"], ["安全生产"], ["C26", "C36"],
     [("年度服务", "year", "simple", "50000.00")], (140, 86, 75)),
    ("数字营销获客工具", "私域营销 SaaS", ["数字营销", "数据分析"], ["营销服务", "经营管理"], ["C13", "C29"],
     [("按月订阅", "month", "simple", "980.00"), ("按年订阅", "year", "simple", "9800.00")], (227, 119, 194)),
]
ACTIVITY = "2027 年中小企业数字化转型服务券"
# the demo enterprise's 企业背景信息 (besides what its registration holds), submitted through the service so
# that it can grab vouchers and buy right away (services.market.access.certified_org)
BACKGROUND = {
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


def seed_background(actor: Actor) -> None:
    """Submit the demo 企业背景信息 for an enterprise account (a generated licence image)."""
    from services.market import background
    licence = background.store_license(actor, _picture((31, 119, 180), 7), "yyzz.png")
    background.submit(actor, {**BACKGROUND, "license": licence})


def _picture(colour: tuple[int, int, int], seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (640, 360), colour)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y, r = rng.randrange(640), rng.randrange(360), rng.randrange(20, 90)
        shade = tuple(min(255, c + rng.randrange(30, 90)) for c in colour)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _pdf(title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, title)
    return bytes(pdf.output())


def _actor(username: str) -> Actor | None:
    with session_scope(read=True) as s:
        account = s.scalar(select(Account).where(Account.username == username))
        return actor_for(account, s) if account is not None else None


def _plain(fen: int) -> str:
    """Fen as the listing form's 元 number (no separators)."""
    return f"{fen // 100}.{fen % 100:02d}"


def _content(provider: Actor, i: int) -> dict[str, object]:
    name, product, tags, categories, industries, specs, colour = PRODUCTS[i]
    image = listings.upload_file(provider, _picture(colour, i), f"cover{i}.png", "image")
    docs = [listings.upload_file(provider, _pdf(f"Case {k + 1}"), f"case{k + 1}.pdf", "case_doc") for k in range(3)]
    customers = ["南京某精密机械有限公司", "苏州某电子科技有限公司", "无锡某新材料股份有限公司"]
    prices = [parse_yuan(p, "规格定价") for *_, p in specs]          # fen: no float arithmetic on money
    return {
        "name": name, "product_name": product, "catalogue": "solution", "tags": tags, "categories": categories,
        "industries": industries, "price_low": _plain(max(100, min(prices)) * 4 // 5),
        "price_high": _plain(max(prices) * 3), "delivery_days": str(20 + 10 * i), "delivery_person_days": str(15 + 5 * i),
        "case_rows": [{"customer": c, "annual_output": f"{8000 + 1500 * k}.00", "sales_amount": f"{30 + 12 * k}.50",
                       "delivery_months": str(2 + k)} for k, c in enumerate(customers)],
        "contact_name": "王经理", "contact_methods": ["mobile", "email"], "contact_mobile": "13851700000",
        "contact_email": "service@example.com",
        "banner_title": name, "banner_text": f"{product}：开箱即用，按需订阅，服务券可抵扣。",
        "highlight_rows": [{"highlight": "两周上线"}, {"highlight": "按需订阅，随时升级"}, {"highlight": "本地化实施团队"}],
        "description": "服务内容：需求调研、部署实施、人员培训与一年运维。注意事项：请提前准备现场网络条件。",
        "user_case_rows": [{"user_case_title": f"{c}", "user_case_text": "上线三个月，关键指标改善明显。"} for c in customers],
        "support": "售后服务时间：工作日 9:00–18:00；服务热线 025-00000000；服务邮箱 service@example.com",
        "spec_rows": [{"spec_name": sn, "purchase_mode": mode, "pricing": pricing, "unit_price": price}
                      for sn, mode, pricing, price in specs],
        "image_id": image, "case_docs": docs, "screenshot_ids": [],
        "module_order": ["highlights", "description", "screenshots"],
    }


def seed_market() -> int:
    """Put the demo provider's products on sale and open a voucher activity; return the listings made."""
    with session_scope(read=True) as s:
        if s.scalar(select(func.count()).select_from(Listing)):
            return 0
    provider, operator, expert, final = (_actor(u) for u in ("fuwu_demo", "operator", "expert", "final_js"))
    if provider is None or operator is None or expert is None or final is None:
        return 0
    enterprise = _actor("qiye_demo")
    if enterprise is not None:
        seed_background(enterprise)
    made = 0
    for i in range(len(PRODUCTS)):
        _listing_id, version_id = listings.create_listing(provider)
        listings.save_draft(provider, version_id, _content(provider, i), 1)
        listings.submit(provider, version_id)
        listing_review.operator_approve(operator, version_id, expert.account_id)
        listing_review.expert_approve(expert, version_id)
        listing_review.final_approve(final, version_id)
        made += 1
    today = clock.today()
    vouchers.create_activity(operator, {
        "name": ACTIVITY, "description": "面向已认证的中小企业，购买平台上架的数字化转型解决方案时抵扣。",
        "starts_at": (today - dt.timedelta(days=1)).isoformat() + "T00:00:00",
        "ends_at": (today + dt.timedelta(days=180)).isoformat() + "T23:59:59",
        "types": [{"name": "500 元通用券", "face_value_fen": 50_000, "quantity": 500, "per_enterprise_limit": 2},
                  {"name": "2000 元专项券", "face_value_fen": 200_000, "quantity": 100, "per_enterprise_limit": 1}]})
    return made
