"""服务券 pages: an operator creates an activity, an enterprise grabs a voucher and finds it in 服务券查询."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.market import Voucher, VoucherActivity
from services.core.timefmt import china_now
from services.identity.accounts import create_account
from services.market import vouchers
from tests.factories import PASSWORD, make_enterprise_user
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

ADMIN = "pages/market/voucher_admin.py"
ACTIVITIES = "pages/market/voucher_activities.py"
MINE = "pages/market/my_vouchers.py"


def page(username: str, path: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(path).run()
    assert_clean(at)
    return at


def table(at, column: str):  # type: ignore[no-untyped-def]
    """The one table on the page with this column."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def activities() -> list[tuple[str, str]]:
    with session_scope() as s:
        return [(a.name, a.status) for a in s.scalars(select(VoucherActivity))]


def test_operator_creates_enterprise_grabs_and_finds_the_balance(app) -> None:  # type: ignore[no-untyped-def]
    create_account("yunying01", PASSWORD, ["operator"])
    buyer, org_id = make_enterprise_user("370102")
    at = page("yunying01", ADMIN)
    assert [t.value for t in at.title] == ["服务券管理"]
    # nothing named: the form says which field, nothing is created
    at.button(key="FormSubmitter:voucher_activity_new-创建活动").click().run()
    assert_clean(at)
    assert "活动名称：必填项。" in joined(at.error)
    assert activities() == []
    # starts yesterday so that it is open now; the default type row (¥1,000.00 × 100, one per enterprise)
    by_label(at.text_input, "活动名称 *").input("春季数字化服务券")
    at.date_input(key="va_start_day").set_value(china_now().date() - dt.timedelta(days=1))
    at.button(key="FormSubmitter:voucher_activity_new-创建活动").click().run()
    assert_clean(at)
    assert activities() == [("春季数字化服务券", "published")]
    assert "已创建并上架" in joined(at.success)
    assert table(at, "券种")["活动名称"].tolist() == ["春季数字化服务券"]

    shop = page(buyer.username, ACTIVITIES)
    assert [t.value for t in shop.title] == ["服务券活动"]
    assert table(shop, "活动名称")["活动名称"].tolist() == ["春季数字化服务券"]
    (type_id,) = [t["id"] for t in vouchers.activity_types(vouchers.list_activities(buyer)[0]["id"])]
    shop.button(key=f"grab_{type_id}").click().run()
    assert_clean(shop)
    assert "申请成功" in joined(shop.success)
    assert "剩余 99 / 100 张" in joined(shop.caption)
    shop.button(key=f"grab_{type_id}").click().run()          # the limit is one per enterprise
    assert "限领 1 张" in joined(shop.error)
    with session_scope() as s:
        assert [v.org_id for v in s.scalars(select(Voucher))] == [org_id]

    mine = page(buyer.username, MINE)
    row = table(mine, "计费模式").iloc[0]
    assert (row["服务券名称"], row["余额"], row["面值"], row["状态"], row["计费模式"]) == (
        "数字化转型服务券", "¥1,000.00", "¥1,000.00", "可使用", "单独计价")
    assert "尚未使用。" in joined(mine.caption)

    # the operator's statistics: one voucher granted in 山东省
    at = page("yunying01", ADMIN)
    stats = table(at, "发放张数")
    assert stats["地区"].tolist() == ["山东省"] and stats["发放张数"].tolist() == [1]


def test_other_roles_do_not_open_the_admin_page(app) -> None:  # type: ignore[no-untyped-def]
    buyer, _ = make_enterprise_user("370102")
    at = page(buyer.username, MINE)
    assert "还没有领取服务券" in joined(at.info)
    with pytest.raises(ValueError):          # not in an enterprise's navigation
        at.switch_page(ADMIN)


def test_an_uncertified_enterprise_is_told_why_it_cannot_grab(app) -> None:  # type: ignore[no-untyped-def]
    create_account("yunying02", PASSWORD, ["operator"])
    from tests.factories import actor_of
    now = china_now().replace(tzinfo=None, microsecond=0)
    aid = vouchers.create_activity(actor_of("yunying02"), {
        "name": "新春券", "starts_at": (now - dt.timedelta(days=1)).isoformat(),
        "ends_at": (now + dt.timedelta(days=5)).isoformat(),
        "types": [{"name": "诊断券", "face_value_fen": 50_000, "quantity": 3, "per_enterprise_limit": 1}]})
    (type_id,) = [t["id"] for t in vouchers.activity_types(aid)]
    pending, _ = make_enterprise_user("370102", status="pending")
    shop = page(pending.username, ACTIVITIES)
    shop.button(key=f"grab_{type_id}").click().run()
    assert_clean(shop)
    assert "认证尚未通过" in joined(shop.error)
    assert "剩余 3 / 3 张" in joined(shop.caption)
