"""Factories for tests: accounts, organisations and actors made through the real services."""
from __future__ import annotations

import itertools
import random

from db.engine import session_scope
from db.organisation import Organisation
from services.identity import auth
from services.identity.accounts import admin_role_for, create_account
from services.core.demo import make_credit_code
from services.core.permissions import Actor
from services.reference import region_path

PASSWORD = "Test@pass1"
_seq = itertools.count(1)
_rng = random.Random(7)


def actor_of(username: str, password: str = PASSWORD) -> Actor:
    """Sign in and return the actor (a real session)."""
    return auth.sign_in(username, password, client=f"test-{username}")[1]


def make_admin(region_code: str | None, username: str | None = None, role: str | None = None) -> Actor:
    """Create an administrator for a jurisdiction (None = national) and return their actor."""
    username = username or f"admin{next(_seq)}"
    create_account(username, PASSWORD, [role or admin_role_for(region_code)], region_code=region_code)
    return actor_of(username)


def credit_code(region_code: str = "320102") -> str:
    return make_credit_code(_rng, region_code)


def org_form(region_code: str = "320102", **over: object) -> dict[str, object]:
    """Return a valid enterprise form for step 2 of registration (every field of 企业信息注册)."""
    n = next(_seq)
    data: dict[str, object] = {"name": f"测试{n}号机械有限公司", "credit_code": credit_code(region_code),
                               "legal_rep": "张三", "region_code": region_code, "industry_code": "3411",
                               "reg_type": "其他有限责任公司", "holding_type": "私人控股", "revenue_k": "50000",
                               "employees": "120", "assets_k": "80000", "listed": "否", "stock_code": "",
                               "address": "测试路 1 号", "postcode": "210018", "opened_on": "2015-06-01",
                               "website": "http://www.example.com", "contact_name": "李四", "phone": "025-12345678",
                               "fax": "", "mobile": "13912345678", "email": "info@example.com",
                               "business": "锅炉辅机及通用机械零部件"}
    data.update(over)
    return data


def make_org(region_code: str = "320102", status: str = "pending", kind: str = "enterprise", name: str | None = None) -> int:
    """Insert an organisation directly (state set up for a test); return its id."""
    path = region_path(region_code)
    with session_scope() as session:
        org = Organisation(kind=kind, name=name or f"直建{next(_seq)}号有限公司", credit_code=credit_code(region_code),
                           region_code=region_code, province_code=path.province_code, city_code=path.city_code,
                           county_code=path.county_code, industry_code="3411", division_code="34", employees=50,
                           revenue=1000, assets=1000, size="小型", status=status, details={}, legal_rep="张三",
                           contact_name="李四", contact_phone="13912345678")
        session.add(org)
        session.flush()
        return org.id


def make_enterprise_user(region_code: str = "320102", status: str = "approved",
                         background: bool | None = None) -> tuple[Actor, int]:
    """Create an enterprise account bound to a new organisation; return (actor, org id).

    ``background``: submit its 企业背景信息 through the service (the marketplace requires it); by default
    for an approved organisation."""
    org_id = make_org(region_code, status=status)
    username = f"qy{next(_seq):04d}"  # 4–32 characters, as every username
    create_account(username, PASSWORD, ["enterprise"], org_id=org_id, phone="13800000000")
    actor = actor_of(username)
    if background if background is not None else status == "approved":
        from tests.market.background_data import fill_background
        fill_background(actor)
    return actor, org_id
