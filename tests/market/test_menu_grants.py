"""应用内权限配置 is enforced by the SERVICES, not only by the navigation: a provider staff account without
a menu cannot use its functions (listings, orders, reviews), and gains them as soon as the main account
grants the menu."""
from __future__ import annotations

import pytest

from services.core.errors import PermissionDenied
from services.market import listings, orders, providers, reviews
from tests.factories import actor_of, make_enterprise_user
from tests.market.buyer_helpers import completed_order
from tests.market.factories import listed_listing, make_provider

PW = "Staff@pass9"


def _staff(main, username: str) -> tuple:  # type: ignore[no-untyped-def]
    uid = providers.add_user(main, username, "13800000011", PW, PW)
    return uid, actor_of(username, PW)


def test_staff_without_listing_menus_cannot_list_or_edit(db: str) -> None:
    main, _org = make_provider()
    uid, worker = _staff(main, "staff_nomenu")
    _lid, vid = listings.create_listing(main)
    with pytest.raises(PermissionDenied, match="商品上架"):
        listings.create_listing(worker)
    with pytest.raises(PermissionDenied, match="商品上架"):
        listings.save_draft(worker, vid, {"name": "偷改"}, 0)
    with pytest.raises(PermissionDenied, match="商品上架"):
        listings.submit(worker, vid)
    with pytest.raises(PermissionDenied):
        listings.my_listings(worker, "draft")
    with pytest.raises(PermissionDenied):
        listings.get_version(worker, vid)
    with pytest.raises(PermissionDenied):
        listings.files_of(worker, vid)
    # 我的商品 only: may read and manage, but not create or edit drafts
    providers.set_menus(main, uid, ["我的商品"])
    assert [r.version_id for r in listings.my_listings(worker, "draft")] == [vid]
    assert listings.get_version(worker, vid).id == vid
    with pytest.raises(PermissionDenied, match="商品上架"):
        listings.save_draft(worker, vid, {"name": "偷改"}, 0)
    # 商品上架 granted: the draft can be edited
    providers.set_menus(main, uid, ["商品上架"])
    rv = listings.get_version(worker, vid).row_version
    assert listings.save_draft(worker, vid, {"name": "员工填写"}, rv) == rv + 1
    with pytest.raises(PermissionDenied, match="我的商品"):
        listings.withdraw(worker, vid)


def test_staff_without_my_listings_cannot_delist(db: str) -> None:
    main, org = make_provider()
    uid, worker = _staff(main, "staff_delist")
    listing_id, _specs = listed_listing(org)
    with pytest.raises(PermissionDenied, match="我的商品"):
        listings.delist(worker, listing_id)
    providers.set_menus(main, uid, ["我的商品"])
    listings.delist(worker, listing_id)
    listings.relist(worker, listing_id)


def test_staff_without_order_or_review_menus_sees_no_orders_or_reviews(db: str) -> None:
    main, org = make_provider()
    uid, worker = _staff(main, "staff_orders")
    buyer, _ = make_enterprise_user("370102")
    _lid, spec_ids = listed_listing(org)
    order_id = orders.place(buyer, [(spec_ids[0], 1)])
    orders.pay(buyer, order_id, [])
    with pytest.raises(PermissionDenied, match="订单管理"):
        orders.provider_orders(worker)
    with pytest.raises(PermissionDenied, match="订单管理"):
        orders.order_detail(worker, order_id)
    with pytest.raises(PermissionDenied, match="订单管理"):
        orders.complete(worker, order_id)
    with pytest.raises(PermissionDenied, match="客户评价"):
        reviews.provider_reviews(worker)
    providers.set_menus(main, uid, ["订单管理", "客户评价"])
    assert [r["order_id"] for r in orders.provider_orders(worker)] == [order_id]
    assert orders.order_detail(worker, order_id)["order_id"] == order_id
    assert orders.complete(worker, order_id) == "completed"
    assert reviews.provider_reviews(worker) == []


def test_revoking_a_menu_holds_at_once(db: str) -> None:
    main, org = make_provider()
    uid, worker = _staff(main, "staff_revoke")
    buyer, _ = make_enterprise_user("370102")
    _lid, spec_ids = listed_listing(org)
    completed_order(buyer, main, spec_ids)
    providers.set_menus(main, uid, ["订单管理"])
    assert len(orders.provider_orders(worker)) == 1
    providers.set_menus(main, uid, [])
    with pytest.raises(PermissionDenied):
        orders.provider_orders(worker)


def test_rating_twice_with_one_request_id_returns_the_first_review(db: str) -> None:
    main, org = make_provider()
    buyer, _ = make_enterprise_user("370102")
    _lid, spec_ids = listed_listing(org)
    order_id = completed_order(buyer, main, spec_ids)
    item_id = orders.order_detail(buyer, order_id)["items"][0]["id"]
    first = reviews.rate(buyer, item_id, 5, "很好", request_id="rate-1")
    assert reviews.rate(buyer, item_id, 5, "很好", request_id="rate-1") == first
