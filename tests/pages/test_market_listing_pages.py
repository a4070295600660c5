"""商品上架 / 我的商品 / 商品审批 pages (pages/market/listing_edit.py, my_listings.py, listing_review.py)."""
from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.market import Listing
from services.market import listings
from tests.factories import PASSWORD
from tests.market.factories import people
from tests.market.test_listings import draft
from tests.pages.helpers import assert_clean, by_label, joined, registered_pages, signed_in

EDIT = "pages/market/listing_edit.py"
MINE = "pages/market/my_listings.py"
REVIEW = "pages/market/listing_review.py"


def open_page(username: str, page: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(page).run()
    assert_clean(at)
    return at


def test_a_draft_is_saved_on_the_server_and_restored_in_a_new_session(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    at = open_page(p.provider.username, EDIT)
    assert "还没有草稿" in joined(at.info)
    by_label(at.button, "立即上架（新建商品）").click().run()
    assert_clean(at)
    by_label(at.text_input, "方案名称 *").input("<b>设备联网</b> [链接](http://x.cn)")
    by_label(at.multiselect, "方案分类 *（最多 5 个）").select("研发设计")
    at.button(key=[b.key for b in at.button if b.label == "保存草稿"][0]).click().run()
    assert_clean(at)
    assert "草稿已保存" in joined(at.success)
    again = open_page(p.provider.username, EDIT)          # the browser was closed: a new session
    assert by_label(again.text_input, "方案名称 *").value == "<b>设备联网</b> [链接](http://x.cn)"
    assert by_label(again.multiselect, "方案分类 *（最多 5 个）").value == ["研发设计"]
    # 发布预览 shows the provider's text as typed, never as HTML or a link
    again.button(key=[b.key for b in again.button if b.label == "发布预览"][0]).click().run()
    assert_clean(again)
    assert any(s.value == "发布预览" for s in again.subheader)
    page = "\n".join(str(m.value) for m in again.markdown)
    assert "<b>" not in page.replace("\\<b\\>", "") and "](http" not in page


def test_submitting_an_incomplete_draft_names_the_fields(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    listings.create_listing(p.provider)
    at = open_page(p.provider.username, EDIT)
    by_label(at.text_input, "方案名称 *").input("半成品")
    at.button(key=[b.key for b in at.button if b.label == "提交申请"][0]).click().run()
    assert_clean(at)
    errors = joined(at.error)
    assert "相关产品名称：必填项" in errors and "展示图：必填项" in errors and "案例 第 1 行 › 客户名称：必填项" in errors
    assert [r.name for r in listings.my_listings(p.provider, "draft")] == ["半成品"]   # what was typed is kept


def test_three_reviewers_approve_on_their_pages(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    op = open_page(p.operator.username, REVIEW)
    assert "三天接入产线设备" in joined(op.markdown) and "设备联网方案" in joined(op.caption)   # the full listing
    assert "¥12,000.00 元/年" in joined(op.markdown)
    headings = [m for m in joined(op.markdown).splitlines() if m.startswith("#### ")]
    assert headings[:3] == ["#### 截图", "#### 商品亮点", "#### 商品说明"]   # the provider's module order
    by_label(op.button, "通过").click().run()
    assert "请选择一位专家" in joined(op.error)
    by_label(op.selectbox, "评审专家（初审通过时必选）").select(p.expert.account_id)
    by_label(op.button, "通过").click().run()
    assert_clean(op)
    assert "已通过运营初审" in joined(op.success)
    ex = open_page(p.expert.username, REVIEW)
    assert "没有待审批的商品" in joined(op.info)                # the operator's queue is empty now
    assert ex.dataframe[0].value["商品名称"].tolist() == ["设备联网方案"]
    assert "初审通过" in ex.dataframe[-1].value["操作"].tolist()     # the earlier opinions
    by_label(ex.button, "驳回").click().run()
    assert "驳回原因" in joined(ex.error)                       # a reason is required
    by_label(ex.button, "通过").click().run()
    assert_clean(ex)
    fin = open_page(p.final.username, REVIEW)
    by_label(fin.button, "通过").click().run()
    assert_clean(fin)
    assert "已终审通过" in joined(fin.success)
    with session_scope() as s:
        assert s.scalar(select(Listing.sale_state).where(Listing.id == lid)) == "on_sale"


def test_my_listings_withdraw_and_delist(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    _lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    at = open_page(p.provider.username, MINE)
    at.radio(key="my_listings_tab").set_value("pending").run()
    assert at.dataframe[0].value["状态"].tolist() == ["运营初审"]
    by_label(at.button, "撤销").click().run()
    assert_clean(at)
    assert "申请已撤销" in joined(at.success)
    assert listings.get_version(p.provider, vid).status == "withdrawn"
    at.radio(key="my_listings_tab").set_value("on_sale").run()
    assert "没有「已上架」的商品" in joined(at.info)


def test_navigation_shows_each_role_its_market_pages(app) -> None:  # type: ignore[no-untyped-def]
    p = people()
    provider = registered_pages(signed_in(p.provider.username, PASSWORD))
    assert {EDIT, MINE} <= provider and REVIEW not in provider
    for reviewer in (p.operator, p.expert, p.final):
        pages = registered_pages(signed_in(reviewer.username, PASSWORD))
        assert REVIEW in pages and EDIT not in pages


def test_a_select_box_shows_the_name_as_typed(app) -> None:  # type: ignore[no-untyped-def]
    """A select box's options are plain text (not Markdown): escaping them would show backslashes."""
    from tests.market.factories import listed_listing
    p = people()
    listed_listing(p.provider_org, name="云_MES (2.0) *新*")
    at = open_page(p.provider.username, MINE)
    assert at.selectbox[0].options == ["云_MES (2.0) *新*（第 1 版）"]
