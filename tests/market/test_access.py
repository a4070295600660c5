"""Only a certified organisation of the right kind acts in the marketplace."""
from __future__ import annotations

import pytest

from db.engine import session_scope
from services.core.errors import PermissionDenied
from services.core.permissions import P_MARKET_BUY, P_MARKET_SELL
from services.market.access import certified_org
from tests.factories import make_enterprise_user
from tests.market.factories import make_provider


def test_uncertified_provider_and_wrong_kind_are_refused(db: str) -> None:
    pending, _ = make_provider(status="pending")
    ok, ok_org = make_provider()
    buyer, _ = make_enterprise_user("370102")
    with session_scope() as s:
        assert certified_org(s, ok, P_MARKET_SELL, "provider").id == ok_org
        with pytest.raises(PermissionDenied, match="认证尚未通过"):
            certified_org(s, pending, P_MARKET_SELL, "provider")
        with pytest.raises(PermissionDenied):
            certified_org(s, buyer, P_MARKET_SELL, "provider")   # no market.sell
        with pytest.raises(PermissionDenied):
            certified_org(s, ok, P_MARKET_BUY, "enterprise")      # a provider does not buy


def test_an_enterprise_needs_its_background_submitted(db: str) -> None:
    from services.market import vouchers
    bare, _ = make_enterprise_user("370102", background=False)
    with pytest.raises(PermissionDenied, match="「企业背景信息」"):
        vouchers.grab(bare, 1)
    from tests.market.background_data import fill_background
    fill_background(bare)
    with session_scope() as s:
        assert certified_org(s, bare, P_MARKET_BUY, "enterprise").kind == "enterprise"
