"""解决方案与产品 — 搜索与筛选商品、商品详情（规格与价格），加入购物车或立即购买."""
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.feedback import fragment, run_action, show_error
from components.listing_page import render_listing
from components.nav import guard
from components.paging import paged
from components.text import md
from services.core.errors import ServiceError
from services.core.labels import STATUS
from services.core.permissions import P_MARKET_BUY, has_perm
from services.market import cart, catalogue, listings, orders
from services.market.money import parse_yuan, yuan
from services.market.reviews import stars_text

PER_PAGE = 12
MODES = STATUS["purchase_mode"]
actor = guard(None)
buyer = has_perm(actor, P_MARKET_BUY)
st.title("解决方案与产品")
if "catalogue_flash" in st.session_state:
    st.success(md(st.session_state.pop("catalogue_flash")))


def spec_label(spec: dict[str, Any]) -> str:
    price = "免费" if spec["pricing"] == "free" else f"{yuan(spec['unit_price_fen'])} / {MODES.get(spec['purchase_mode'], '')}"
    return f"{spec['name']}（{price}）"


def render_summary(detail: dict[str, Any]) -> None:
    """The catalogue's line above the listing page: provider, sales, stars, facets."""
    st.caption(f"服务商：{md(detail['provider'])}　销量：{detail['sales']:d}　评分："
               f"{md(stars_text(round(detail['stars'])) if detail['stars'] else '暂无评价')}"
               + (f"（{detail['stars']:.1f}，{detail['reviews']:d} 条）" if detail["stars"] else ""))
    facets = detail["facets"]
    st.caption(f"标签：{md('、'.join(facets.get('tag', [])) or '—')}　解决方案分类：{md('、'.join(facets.get('category', [])) or '—')}"
               f"　适用行业：{md('、'.join(facets.get('industry', [])) or '—')}")


def buy_form(detail: dict[str, Any]) -> None:
    specs = {s["id"]: s for s in detail["specs"]}
    if not specs:
        st.info("该商品暂无可购买的规格。")
        return
    with st.form(f"buy_{detail['id']}"):
        spec_id = st.radio("规格", list(specs), format_func=lambda i: md(spec_label(specs[i])), key=f"spec_{detail['id']}")
        qty = st.number_input("数量", min_value=cart.MIN_QTY, max_value=cart.MAX_QTY, value=1, step=1,
                              key=f"qty_{detail['id']}")
        c1, c2 = st.columns(2)
        to_cart = c1.form_submit_button("加入购物车")
        buy_now = c2.form_submit_button("立即购买", type="primary")
    if to_cart:
        run_action(f"cart_{detail['id']}", lambda rid: cart.add(actor, int(spec_id), int(qty), rid), "已加入购物车。")
    if buy_now:
        order_id = run_action(f"buy_{detail['id']}", lambda rid: orders.place(actor, [(int(spec_id), int(qty))], rid))
        if order_id:
            st.session_state["pay_order"] = order_id
            st.session_state.pop("pay_chosen", None)
            st.switch_page("pages/market/my_orders.py")


@fragment
def detail_view(listing_id: int) -> None:
    if st.button("返回列表", icon=":material/arrow_back:"):
        st.session_state.pop("catalogue_open", None)
        st.rerun()
    try:
        detail = catalogue.listing_detail(listing_id)
    except ServiceError as exc:
        show_error(exc)
        return
    render_summary(detail)
    view, files = listings.live_view(listing_id)
    render_listing(view, files)
    if buyer:
        buy_form(detail)
    else:
        st.caption("企业用户登录后可购买。")


def counted(counts: dict[str, int]) -> Callable[[str], str]:
    return lambda code: md(f"{code}（{counts[code]}）")


def search_filter() -> dict[str, Any] | None:
    choices = catalogue.facet_choices()
    with st.form("catalogue_search"):
        c1, c2 = st.columns([3, 1])
        c1.text_input("关键词", key="cat_q", max_chars=catalogue.MAX_QUERY, placeholder="方案名称或关联产品名称")
        c2.selectbox("排序", list(catalogue.SORTS), format_func=lambda s: catalogue.SORTS[s], key="cat_sort", placeholder="请选择")
        f1, f2, f3 = st.columns(3)
        for col, facet, label in ((f1, "tag", "标签"), (f2, "category", "解决方案分类"), (f3, "industry", "适用行业")):
            counts = dict(choices.get(facet, []))
            col.multiselect(md(label), list(counts), format_func=counted(counts),
                            key=f"cat_{facet}", placeholder="不限")
        p1, p2, _ = st.columns([1, 1, 2])
        p1.text_input("最低价格（元）", key="cat_min", max_chars=14)
        p2.text_input("最高价格（元）", key="cat_max", max_chars=14)
        st.form_submit_button("搜索", icon=":material/search:")
    try:
        low = parse_yuan(st.session_state.get("cat_min"), "最低价格") if st.session_state.get("cat_min") else None
        high = parse_yuan(st.session_state.get("cat_max"), "最高价格") if st.session_state.get("cat_max") else None
    except ServiceError as exc:
        show_error(exc)
        return None
    return {"query": st.session_state.get("cat_q") or "", "sort": st.session_state.get("cat_sort") or "newest",
            "tags": tuple(st.session_state.get("cat_tag") or ()), "category": tuple(st.session_state.get("cat_category") or ()),
            "industry": tuple(st.session_state.get("cat_industry") or ()), "price_min_fen": low, "price_max_fen": high}


@fragment
def results(flt: dict[str, Any]) -> None:
    def fetch(index: int) -> tuple[int, list[dict[str, Any]]]:
        rows, total = catalogue.search(**flt, page=index + 1, page_size=PER_PAGE)
        return total, rows
    rows = paged("catalogue", flt, fetch, PER_PAGE, "个商品")
    if not rows:
        st.info("没有符合条件的商品。")
        return
    for start in range(0, len(rows), 3):
        for col, row in zip(st.columns(3), rows[start:start + 3]):
            with col.container(border=True):
                st.markdown(f"**{md(row['name'])}**")
                st.caption(f"{md(row['provider'])}　销量 {row['sales']:d}"
                           + (f"　{row['stars']:.1f} 分" if row["stars"] else ""))
                low, high = row["price_low_fen"], row["price_high_fen"]
                st.markdown(md(yuan(low)) + (f" – {md(yuan(high))}" if high and high != low else ""))
                if st.button("查看详情", key=f"open_{row['id']}"):
                    st.session_state["catalogue_open"] = row["id"]
                    st.rerun()


if st.session_state.get("catalogue_open"):
    detail_view(int(st.session_state["catalogue_open"]))
else:
    flt = search_filter()
    if flt is not None:
        results(flt)
