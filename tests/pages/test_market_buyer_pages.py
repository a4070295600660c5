"""The buyer's pages: catalogue search, 立即购买 → pay with a voucher → the order listed; cart; rating;
the provider completes the delivery and reads the rating."""
from __future__ import annotations

from services.market import orders, payment, reviews
from services.market.payment import SimulatedProvider
from tests.factories import PASSWORD
from tests.market.buyer_helpers import balance, grab_vouchers
from tests.market.factories import listed_listing, people
from tests.pages.helpers import assert_clean, joined, signed_in, texts

CATALOGUE = "pages/market/catalogue.py"
MY_ORDERS = "pages/market/my_orders.py"


def all_markdown(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(texts(at.markdown))


def test_search_buy_now_pay_with_a_voucher_and_see_the_order(app) -> None:  # type: ignore[no-untyped-def]
    payment.use(SimulatedProvider())
    try:
        p = people()
        wanted, (spec,) = listed_listing(p.provider_org, name="智能排产云", specs=[("标准版", "year", "simple", 50000)])
        listed_listing(p.provider_org, name="财务共享平台")
        (voucher,) = grab_vouchers(p.operator, p.buyer, [20000])
        at = signed_in(p.buyer.username, PASSWORD)
        at.switch_page(CATALOGUE).run()
        assert_clean(at)
        assert "智能排产云" in all_markdown(at) and "财务共享平台" in all_markdown(at)
        at.text_input(key="cat_q").input("排产")
        at.button(key="FormSubmitter:catalogue_search-搜索").click().run()
        assert_clean(at)
        assert "智能排产云" in all_markdown(at) and "财务共享平台" not in all_markdown(at)
        at.button(key=f"open_{wanted}").click().run()
        assert_clean(at)
        assert "**标准版**　按年　¥500.00 元/年" in all_markdown(at)   # components/listing_page
        at.number_input(key=f"qty_{wanted}").set_value(2)
        at.button(key=f"FormSubmitter:buy_{wanted}-立即购买").click().run()
        assert_clean(at)
        (order,) = orders.my_orders(p.buyer)
        assert order["status"] == "unpaid" and order["total_fen"] == 100000
        assert [t.value for t in at.title] == ["订单管理"] and "订单确认" in [s.value for s in at.subheader]
        at.switch_page(MY_ORDERS).run()   # AppTest reruns the page it was told; the browser is already there
        at.checkbox(key=f"voucher_{voucher}").check().run()
        assert "服务券抵扣：¥200.00　还需支付：**¥800.00**" in all_markdown(at)
        at.button(key=f"pay_{order['id']}").click().run()
        assert_clean(at)
        assert "支付成功" in joined(at.success)
        paid = orders.order_detail(p.buyer, order["id"])
        assert (paid["status"], paid["voucher_fen"], paid["cash_fen"]) == ("paid", 20000, 80000)
        assert balance(voucher) == 0
        table = at.dataframe[0].value
        assert list(table["商品名称"]) == ["智能排产云"] and list(table["支付状态"]) == ["已支付"]
        assert list(table["订单状态"]) == ["待交付"] and list(table["总价"]) == ["¥1,000.00"]
    finally:
        payment.use(None)


def test_cart_checkout_places_one_order(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    listing, (a, b) = listed_listing(p.provider_org, specs=[("基础版", "year", "simple", 10000), ("试用", "month", "free", 0)])
    at = signed_in(p.buyer.username, PASSWORD)
    at.switch_page(CATALOGUE).run()
    at.button(key=f"open_{listing}").click().run()
    at.radio(key=f"spec_{listing}").set_value(b)
    at.button(key=f"FormSubmitter:buy_{listing}-加入购物车").click().run()
    assert "已加入购物车" in joined(at.success)
    at.radio(key=f"spec_{listing}").set_value(a)
    at.button(key=f"FormSubmitter:buy_{listing}-加入购物车").click().run()
    at.switch_page("pages/market/cart.py").run()
    assert_clean(at)
    assert "可结算 2 项，合计 **¥100.00**" in "\n".join(str(m.value) for m in at.markdown).replace("\\", "")
    [checkout] = [b for b in at.button if b.label == "结算"]
    checkout.click().run()
    assert_clean(at)
    (order,) = orders.my_orders(p.buyer)
    assert order["total_fen"] == 10000 and order["listing_name"].endswith("等 2 项")


def test_rate_then_provider_sees_the_rating(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    _, (spec,) = listed_listing(p.provider_org, name="设备联网")
    order_id = orders.place(p.buyer, [(spec, 1)])
    orders.pay(p.buyer, order_id, [])
    prov = signed_in(p.provider.username, PASSWORD)
    prov.switch_page("pages/market/provider_orders.py").run()
    assert_clean(prov)
    assert list(prov.dataframe[0].value["订购用户"]) and list(prov.dataframe[0].value["订单状态"]) == ["待交付"]
    prov.button(key=f"complete_{order_id}").click().run()
    assert "已完成交付" in joined(prov.success)
    at = signed_in(p.buyer.username, PASSWORD)
    at.switch_page("pages/market/my_reviews.py").run()
    assert_clean(at)
    assert list(at.dataframe[0].value["操作"]) == ["立即评价"]
    item = orders.order_detail(p.buyer, order_id)["items"][0]["id"]
    at.radio(key=f"stars_{item}").set_value(4)
    at.text_area(key=f"text_{item}").input("部署顺利")
    at.button(key=f"FormSubmitter:rate_{item}-提交评价").click().run()
    assert_clean(at)
    assert "评价已提交" in joined(at.success)
    assert [(r["stars"], r["text"]) for r in reviews.provider_reviews(p.provider)] == [(4, "部署顺利")]
    prov.switch_page("pages/market/provider_reviews.py").run()
    assert_clean(prov)
    assert list(prov.dataframe[0].value["客户评分"]) == ["★★★★☆"]


class _RefusesOnce(SimulatedProvider):
    """Refuses the first charge, then succeeds; remembers the idempotency key of every attempt."""

    def __init__(self) -> None:
        super().__init__(fail=True)
        self.keys: list[str] = []

    def charge(self, order_no: str, amount_fen: int, idempotency_key: str):  # type: ignore[no-untyped-def]
        self.keys.append(idempotency_key)
        result = super().charge(order_no, amount_fen, idempotency_key)
        self.fail = False
        return result


def test_a_refused_charge_is_retried_as_a_new_attempt(app) -> None:  # type: ignore[no-untyped-def]
    """A provider that stores a refusal under its idempotency key (as real ones do) must see the retry
    after a refused charge under a new key, or the enterprise could never pay that order."""
    provider = _RefusesOnce()
    payment.use(provider)
    try:
        p = people()
        _listing, (spec,) = listed_listing(p.provider_org, specs=[("标准版", "year", "simple", 50000)])
        order_id = orders.place(p.buyer, [(spec, 1)])
        at = signed_in(p.buyer.username, PASSWORD)
        at.session_state["pay_order"] = order_id
        at.switch_page(MY_ORDERS).run()
        at.button(key=f"pay_{order_id}").click().run()
        assert_clean(at)
        assert "支付未成功" in joined(at.error)
        assert orders.order_detail(p.buyer, order_id)["status"] == "unpaid"
        at.button(key=f"pay_{order_id}").click().run()
        assert_clean(at)
        assert "支付成功" in joined(at.success)
        assert len(provider.keys) == 2 and provider.keys[0] != provider.keys[1]
        assert orders.order_detail(p.buyer, order_id)["status"] == "paid"
    finally:
        payment.use(None)
