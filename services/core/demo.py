"""Realistic demo data: enterprises over real regions and industries, and one account per role.

Deterministic (seeded), idempotent (does nothing if demo accounts exist). All demo accounts use
the password ``DEMO_PASSWORD``; enterprise accounts share one bcrypt hash so seeding thousands
takes seconds.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from db.account import Account, AccountRole
from db.base import utcnow
from db.engine import session_scope
from db.organisation import Organisation
from services.identity.accounts import create_account
from services.orgs.fields import HOLDING_TYPES, REG_TYPES
from services.identity.passwords import DEMO_PASSWORD, hash_password
from services.reference import industry_ancestors, region, region_path, regions_at_level, _industries
from services.core.rules import CREDIT_CHARSET, classify_size, credit_code_for

# The password is public (README), so the password rules refuse it for real use (services.identity.passwords)
# and production refuses to start while a demo account still has it (services.core.production).

# username, role, region, display name — documented in the README.
DEMO_STAFF = [
    ("sysadmin", "sysadmin", None, "系统管理员"),
    ("admin_cn", "admin_national", None, "国家级管理员"),
    ("admin_js", "admin_province", "320000", "江苏省管理员"),
    ("admin_nj", "admin_city", "320100", "南京市管理员"),
    ("admin_xw", "admin_county", "320102", "玄武区管理员"),
    ("admin_gl", "admin_county", "320106", "鼓楼区管理员"),
    ("admin_gd", "admin_province", "440000", "广东省管理员"),
    ("admin_sz", "admin_city", "440300", "深圳市管理员"),
    ("final_js", "final_reviewer", "320000", "江苏省工信厅终审"),
    ("operator", "operator", None, "平台运营人员"),
    ("expert", "expert", None, "评审专家"),
    ("assessor", "assessor", None, "评估师"),
]
# The first enterprises: username, county, registration status (index 4 is a service provider).
DEMO_SPECIALS = {0: ("qiye_demo", "320102", "approved"), 1: ("qiye_pending", "320102", "pending"),
                 2: ("qiye_returned", "320102", "returned"), 3: ("qiye_gulou", "320106", "approved"),
                 4: ("fuwu_demo", "320102", "approved")}
DEMO_USERNAMES = frozenset([s[0] for s in DEMO_STAFF] + [s[0] for s in DEMO_SPECIALS.values()])
GENERATED_PREFIX = "qy"  # the other demo enterprises: qy000005, qy000006, … (prefix + six digits)
# Heavier weights for provinces with many manufacturers.
PROVINCE_WEIGHT = {"32": 9, "33": 8, "44": 8, "37": 6, "35": 4, "34": 4, "41": 4, "42": 3, "51": 3, "43": 3,
                   "13": 3, "31": 3, "11": 2, "12": 2, "50": 2, "36": 2, "21": 2, "61": 2}
WORDS = ["华", "恒", "瑞", "鑫", "盛", "达", "博", "锐", "智", "德", "远", "丰", "宏", "泰", "安", "信", "新", "创",
         "嘉", "联", "众", "川", "海", "金", "诚", "科", "力", "源", "通", "晟", "隆", "昌", "坤", "宇", "航", "明"]
TRADE = {"C": ["机械", "精密", "电子", "材料", "化工", "制造", "装备", "科技"], "default": ["贸易", "服务", "科技", "实业"]}


def make_credit_code(rng: random.Random, adcode: str) -> str:
    """Return a valid unified social credit code registered in ``adcode``."""
    drawn = "".join(rng.choice(CREDIT_CHARSET) for _ in range(9))  # nine draws, as before: same demo data after
    return credit_code_for(adcode, drawn[:8])


def _sizes(rng: random.Random, code: str) -> tuple[int, Decimal, Decimal]:
    employees = max(1, int(rng.lognormvariate(3.6, 1.2)))
    revenue = Decimal(str(round(employees * rng.uniform(15, 120), 1)))
    assets = Decimal(str(round(float(revenue) * rng.uniform(0.6, 2.5), 1)))
    return employees, revenue, assets


def demo_details(seed: int, i: int, mobile: str, business: str) -> dict[str, Any]:
    """Return enterprise ``i``'s 企业信息注册 details (注册类型, 控股类型, 上市, 邮编, 开业时间, 网址, 电话 …).

    Drawn from their own generator per enterprise, so the main sequence (names, codes, sizes) is
    unchanged; every value passes services.orgs.fields' rules.
    """
    rng = random.Random(f"{seed}-details-{i}")
    reg_type = rng.choices(REG_TYPES, [2, 40, 10, 35, 5, 4, 3, 1])[0]
    holding = {"国有独资公司": "国有控股", "私营企业": "私人控股", "个体经营": "私人控股", "外商投资企业": "外商控股",
               "港澳台商投资企业": "港澳台商控股"}.get(reg_type) or rng.choice(HOLDING_TYPES)
    listed = reg_type == "股份有限公司" and rng.random() < 0.3
    area = "025" if i < 5 else f"0{rng.randrange(310, 999)}"
    details: dict[str, Any] = {
        "reg_type": reg_type, "holding_type": holding, "listed": listed, "postcode": f"{rng.randrange(100000, 860000)}",
        "opened_on": (dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12000))).isoformat(),
        "phone": f"{area}-{rng.randrange(20_000_000, 89_999_999)}", "mobile": mobile,
        "email": f"contact@qy{i:06d}.com.cn", "business": business, "demo": True}
    if listed:
        details["stock_code"] = rng.choice(["600", "601", "000", "002", "300", "688"]) + f"{rng.randrange(1000):03d}"
    if rng.random() < 0.6:
        details["website"] = f"http://www.qy{i:06d}.com.cn"
    if rng.random() < 0.3:
        details["fax"] = f"{area}-{rng.randrange(20_000_000, 89_999_999)}"
    return details


def seed_demo(enterprises: int = 3000, seed: int = 2026, progress: Callable[[float], None] | None = None) -> dict[str, int]:
    """Create demo accounts and ``enterprises`` organisations; return counts (0 if already seeded)."""
    with session_scope() as session:
        if session.scalar(select(Account.id).where(Account.username == "sysadmin")) is not None:
            return {"accounts": 0, "organisations": 0}
    rng = random.Random(seed)
    for username, role, region_code, name in DEMO_STAFF:
        create_account(username, DEMO_PASSWORD, [role], region_code=region_code, display_name=name,
                       phone=f"139{rng.randrange(10**8):08d}", check_password=False)  # the rules refuse the public one
    counties = [n for n in regions_at_level("county")] + [n for n in regions_at_level("city") if not n.children]
    counties = [n for n in counties if n.code[:2] not in ("71", "81", "82")]
    weights = [PROVINCE_WEIGHT.get(n.code[:2], 1) for n in counties]
    classes = [n for n in _industries().by_code.values() if n.level in ("class",)] or \
        [n for n in _industries().by_code.values() if n.level == "division"]
    manu = [n for n in classes if industry_ancestors(n.code)[0].code == "C"]
    other = [n for n in classes if industry_ancestors(n.code)[0].code not in ("C", "S", "T")]
    shared_hash = hash_password(DEMO_PASSWORD)
    names: set[str] = set()
    made = 0
    batch = 500
    while made < enterprises:
        with session_scope() as session:
            for i in range(made, min(enterprises, made + batch)):
                username, adcode, status = DEMO_SPECIALS.get(i, (f"{GENERATED_PREFIX}{i:06d}", "", ""))
                county = region(adcode) if adcode else rng.choices(counties, weights)[0]
                assert county is not None
                ind = rng.choice(manu if rng.random() < 0.72 else other)
                employees, revenue, assets = _sizes(rng, ind.code)
                section = industry_ancestors(ind.code)[0].code
                while True:
                    trade = rng.choice(TRADE.get(section, TRADE["default"]))
                    name = f"{county.name[:2]}{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司"
                    if name not in names:
                        names.add(name)
                        break
                if not status:
                    status = rng.choices(["approved", "pending", "returned"], [0.95, 0.04, 0.01])[0]
                kind = "provider" if username == "fuwu_demo" else "enterprise"
                # Drawn in the order the keyword arguments used to draw them: the sequence is unchanged.
                code = make_credit_code(rng, county.code)
                legal_rep = rng.choice("张王李赵刘陈杨黄周吴") + rng.choice(["伟", "芳", "强", "敏", "磊", "静"])
                contact_name = rng.choice("张王李赵刘陈杨黄周吴") + "经理"
                mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                address = f"{county.name}工业园区{rng.randrange(1, 300)}号"
                details = demo_details(seed, i, mobile, f"{ind.name}产品的生产与销售") if kind == "enterprise" \
                    else {"demo": True}
                path = region_path(county.code)
                org = Organisation(kind=kind, name=name, credit_code=code,
                                   region_code=county.code, province_code=path.province_code,
                                   city_code=path.city_code, county_code=path.county_code, industry_code=ind.code,
                                   division_code=ind.code[:2], employees=employees, revenue=revenue, assets=assets,
                                   size=classify_size(ind.code, employees, revenue, assets), legal_rep=legal_rep,
                                   contact_name=contact_name, contact_phone=mobile, address=address, status=status,
                                   submitted_at=utcnow(), details=details,
                                   return_reason="营业执照信息与填报名称不一致，请核对后重新提交。" if status == "returned" else None)
                session.add(org)
                session.flush()
                account = Account(username=username, password_hash=shared_hash, display_name=name,
                                  phone=org.contact_phone, org_id=org.id)
                account.roles.append(AccountRole(role_code="provider" if kind == "provider" else "enterprise"))
                session.add(account)
        made = min(enterprises, made + batch)
        if progress:
            progress(made / enterprises)
    with session_scope() as session:
        return {"accounts": session.scalar(select(func.count()).select_from(Account)) or 0,
                "organisations": session.scalar(select(func.count()).select_from(Organisation)) or 0}
