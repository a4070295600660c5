"""Provider listings and their three-stage approval (services/market/listings.py, specs/market/listing.yaml)."""
from __future__ import annotations

import copy
import io
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from db.audit import AuditLog
from db.engine import session_scope
from db.market import Listing, ListingFacet, ListingSpec, ListingVersion
from services.core import spec_check
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.core.permissions import Actor
from services.market import listing_form, listing_review, listings
from tests.market.factories import make_person, make_provider, people



def picture(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


PNG, JPG, BMP = picture("PNG"), picture("JPEG"), picture("BMP")
PDF = b"%PDF-1.4\n" + b"x" * 200
EXE = b"MZ\x90\x00" + b"\x00" * 200


def full_content(actor: Actor, **over: Any) -> dict[str, Any]:
    """A complete, valid listing (its files uploaded for ``actor``'s organisation)."""
    image = listings.upload_file(actor, PNG, "cover.png", "image")
    docs = [listings.upload_file(actor, PDF, f"case{i}.pdf", "case_doc") for i in range(3)]
    case = {"customer": "济南某机械厂", "annual_output": "1200.50", "sales_amount": "80.25", "delivery_months": "3"}
    content: dict[str, Any] = {
        "name": "设备联网方案", "product_name": "云MES", "catalogue": "solution", "tags": ["智能制造", "工业互联网"],
        "categories": ["生产制造", "设备管理"], "industries": ["C34", "C35"], "price_low": "10000.00",
        "price_high": "250000.50", "delivery_days": "30", "delivery_person_days": "60",
        "case_rows": [dict(case, customer=f"客户{i}") for i in range(3)],
        "contact_name": "王经理", "contact_methods": ["mobile"], "contact_mobile": "13800000000",
        "banner_title": "设备联网", "banner_text": "三天接入产线设备",
        "highlight_rows": [{"highlight": "免布线"}], "description": "服务内容……",
        "user_case_rows": [{"user_case_title": f"案例{i}", "user_case_text": "效果显著"} for i in range(3)],
        "support": "7×24 小时热线",
        "spec_rows": [{"spec_name": "标准版", "purchase_mode": "year", "pricing": "simple", "unit_price": "12000.00"},
                      {"spec_name": "试用版", "purchase_mode": "month", "pricing": "free", "unit_price": "0"}],
        "image_id": image, "case_docs": docs, "screenshot_ids": [],
        "module_order": ["screenshots", "highlights", "description"]}
    content.update(over)
    return content


def draft(actor: Actor, **over: Any) -> tuple[int, int, int]:
    """A listing with a saved, complete draft; return (listing id, version id, row_version)."""
    listing_id, version_id = listings.create_listing(actor)
    rv = listings.save_draft(actor, version_id, full_content(actor, **over), 1)
    return listing_id, version_id, rv


def problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return "\n".join(m for msgs in exc.value.problems.values() for m in msgs)


def approve_all(p, version_id: int) -> None:  # type: ignore[no-untyped-def]
    listing_review.operator_approve(p.operator, version_id, p.expert.account_id)
    listing_review.expert_approve(p.expert, version_id)
    listing_review.final_approve(p.final, version_id)


# --- the definition -------------------------------------------------------------------------
def test_check_specs_checks_the_listing_definition(tmp_path: Path) -> None:
    assert spec_check.checker_for(listing_form.PATH)(listing_form.PATH) == []
    broken = tmp_path / "listing.yaml"
    text = listing_form.PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace("max_mb: 20", "max_mb: 500").replace("count_selected(.) <= 5", "count_selected(.) <= ${ghost}"),
                      encoding="utf-8")
    codes = {p.code for p in listing_form.check_file(broken)}
    assert codes == {"M003", "D007"}


@pytest.mark.parametrize("over, field, rule", [
    ({"categories": ["研发设计", "生产制造", "经营管理", "营销服务", "供应链管理", "仓储物流"]}, "方案分类", "最多选择 5 个"),
    ({"industries": ["C13", "C17", "C26", "C34"]}, "适用行业", "最多选择 3 个"),
    ({"price_low": "300.00", "price_high": "299.99"}, "销售历史最高价格", "不能低于销售历史最低价格"),
    ({"price_low": "10.123"}, "销售历史最低价格", "最多保留 2 位小数"),
    ({"contact_methods": ["email"], "contact_mobile": ""}, "邮箱", "必填项"),
    ({"contact_methods": ["mobile", "email"], "contact_email": "not-an-email"}, "邮箱", "格式不正确"),
    ({"contact_methods": ["mobile"], "contact_mobile": "123"}, "手机", "11 位"),
    ({"spec_rows": [{"spec_name": "A", "purchase_mode": "year", "pricing": "simple"}]}, "规格定价", "必填项"),
    ({"spec_rows": [{"spec_name": "A", "purchase_mode": "year", "pricing": "free", "unit_price": "5"}]},
     "规格定价", "免费规格的定价须为 0"),
    ({"module_order": ["highlights", "highlights", "description"]}, "商品详情模块顺序", "各一次"),
])
def test_field_limits_name_the_field_and_the_rule(db: str, over: dict[str, Any], field: str, rule: str) -> None:
    p = people()
    _lid, vid = listings.create_listing(p.provider)
    with pytest.raises(ValidationFailed) as exc:   # a limit refuses the draft; a missing answer the submission
        listings.save_draft(p.provider, vid, full_content(p.provider, **over), 1)
        listings.submit(p.provider, vid)
    assert field in exc.value.problems and rule in problems(exc)
    assert listings.get_version(p.provider, vid).status == "draft"


@pytest.mark.parametrize("cases", [2, 4])
def test_exactly_three_cases(db: str, cases: int) -> None:
    p = people()
    content = full_content(p.provider)
    content["case_rows"] = (content["case_rows"] * 2)[:cases]
    _lid, vid = listings.create_listing(p.provider)
    listings.save_draft(p.provider, vid, content, 1) if cases < 3 else None   # a draft may have fewer
    with pytest.raises(ValidationFailed) as exc:
        if cases < 3:
            listings.submit(p.provider, vid)
        else:
            listings.save_draft(p.provider, vid, content, 1)
    assert ("至少填写 3 行" if cases < 3 else "最多 3 行") in problems(exc)


def test_case_documents_and_image_are_required_on_submit(db: str) -> None:
    p = people()
    content = full_content(p.provider, image_id=None)
    content["case_docs"] = [content["case_docs"][0], None, None]
    _lid, vid = listings.create_listing(p.provider)
    listings.save_draft(p.provider, vid, content, 1)      # a draft may lack them
    with pytest.raises(ValidationFailed) as exc:
        listings.submit(p.provider, vid)
    assert {"展示图", "案例2 介绍文档", "案例3 介绍文档"} <= set(exc.value.problems)
    assert listings.get_version(p.provider, vid).status == "draft"


def test_image_type_by_content_and_size(db: str) -> None:
    p = people()
    assert listings.upload_file(p.provider, JPG, "a.jpg", "image") > 0
    assert listings.upload_file(p.provider, BMP, "a.bmp", "image") > 0
    with pytest.raises(ValidationFailed, match="文件内容不是允许的类型"):
        listings.upload_file(p.provider, EXE, "virus.png", "image")       # named .png, is an executable
    with pytest.raises(ValidationFailed, match="文件内容不是允许的类型"):
        listings.upload_file(p.provider, PDF, "doc.jpg", "image")
    with pytest.raises(ValidationFailed, match="2 MB"):
        listings.upload_file(p.provider, PNG + b"\x00" * (2 * 1024 * 1024), "big.png", "image")
    with pytest.raises(ValidationFailed, match="图片无法识别"):
        listings.upload_file(p.provider, PNG[:40] + b"\x00" * 100, "broken.png", "image")   # a PNG header only
    assert listings.upload_file(p.provider, PDF, "case.pdf", "case_doc") > 0
    with pytest.raises(ValidationFailed, match="介绍文档"):
        listings.upload_file(p.provider, EXE, "case.pdf", "case_doc")


def test_a_file_of_another_organisation_is_refused(db: str) -> None:
    p = people()
    other, _ = make_provider()
    theirs = listings.upload_file(other, PNG, "x.png", "image")
    _lid, vid = listings.create_listing(p.provider)
    with pytest.raises(ValidationFailed, match="不属于本单位"):
        listings.save_draft(p.provider, vid, full_content(p.provider, image_id=theirs), 1)


# --- drafts -----------------------------------------------------------------------------------
def test_partial_draft_is_kept_on_the_server_and_concurrent_edits_conflict(db: str) -> None:
    p = people()
    _lid, vid = listings.create_listing(p.provider)
    rv = listings.save_draft(p.provider, vid, {"name": "半成品", "categories": ["研发设计"]}, 1)
    view = listings.get_version(p.provider, vid)          # a new browser session reads it back
    assert view.content["name"] == "半成品" and view.row_version == rv == 2
    with pytest.raises(Conflict, match="已在别处被修改"):
        listings.save_draft(p.provider, vid, {"name": "另一个窗口"}, 1)
    assert listings.get_version(p.provider, vid).content["name"] == "半成品"


def test_specs_rows_exist_for_a_saved_version(db: str) -> None:
    p = people()
    _lid, vid, _rv = draft(p.provider)
    specs = listings.get_version(p.provider, vid).specs
    assert [(s.name, s.purchase_mode, s.pricing, s.unit_price_fen) for s in specs] == [
        ("标准版", "year", "simple", 1_200_000), ("试用版", "month", "free", 0)]


# --- the chain --------------------------------------------------------------------------------
def test_full_chain_puts_the_listing_on_sale_with_facets(db: str) -> None:
    p = people()
    lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    assert [r.version_id for r in listing_review.review_queue(p.operator, "operator")] == [vid]
    listing_review.operator_approve(p.operator, vid, p.expert.account_id)
    assert [r.version_id for r in listing_review.review_queue(p.expert, "expert")] == [vid]
    listing_review.expert_approve(p.expert, vid)
    assert [r.version_id for r in listing_review.review_queue(p.final, "final")] == [vid]
    listing_review.final_approve(p.final, vid)
    with session_scope() as s:
        listing = s.get(Listing, lid)
        assert listing is not None
        assert (listing.live_version_id, listing.sale_state, listing.name) == (vid, "on_sale", "设备联网方案")
        # the catalogue's prices are the specs' (free 0 … ¥12,000.00), not the declared historic prices
        assert (listing.price_low_fen, listing.price_high_fen) == (0, 1_200_000)
        assert listing.listed_at is not None
        facets = set(s.execute(select(ListingFacet.facet, ListingFacet.code).where(ListingFacet.listing_id == lid)))
    assert facets == {("tag", "智能制造"), ("tag", "工业互联网"), ("category", "生产制造"), ("category", "设备管理"),
                      ("industry", "C34"), ("industry", "C35")}
    assert [r.listing_id for r in listings.my_listings(p.provider, "on_sale")] == [lid]
    steps = [h.action_code for h in listings.history(p.final, vid)]
    assert steps == ["submit", "operator_approve", "expert_approve", "final_approve"]
    with session_scope() as s:   # one audit row per state change
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.target_type == "listing_version",
                                                               AuditLog.target_id == str(vid)).order_by(AuditLog.id)))
    assert actions[-4:] == ["listing.submitted", "listing.operator_approved", "listing.expert_approved",
                            "listing.final_approved"]
    view, files = listings.live_view(lid)                  # what buyers see
    assert view.id == vid and view.content["image_id"] in files and [x.name for x in view.specs] == ["标准版", "试用版"]
    listings.delist(p.provider, lid)
    with pytest.raises(NotFound, match="已下架"):
        listings.live_view(lid)


def test_chain_order_and_holder_rules(db: str) -> None:
    p = people()
    other_expert = make_person("expert")
    _lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    with pytest.raises(Conflict):
        listing_review.final_approve(p.final, vid)                # wrong order: still at 运营初审
    with pytest.raises(Conflict):
        listing_review.expert_approve(p.expert, vid)
    with pytest.raises(PermissionDenied):
        listing_review.operator_approve(p.expert, vid, p.expert.account_id)   # an expert is not an operator
    listing_review.operator_approve(p.operator, vid, p.expert.account_id)
    with pytest.raises(Conflict):
        listing_review.expert_approve(other_expert, vid)          # an expert who is not the holder
    assert listing_review.review_queue(other_expert, "expert") == []
    with pytest.raises(Conflict):
        listing_review.final_approve(p.final, vid)                # wrong order: still at 专家评审
    listing_review.expert_approve(p.expert, vid)
    with pytest.raises(PermissionDenied):
        listing_review.final_approve(p.operator, vid)             # an operator cannot final-approve
    listing_review.final_approve(p.final, vid)
    assert listings.get_version(p.provider, vid).status == "approved"


def test_operator_chooses_an_expert_not_of_the_listing_org(db: str) -> None:
    p = people()
    _lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    from services.identity.accounts import create_account
    from tests.factories import PASSWORD, actor_of
    create_account("inhouse_expert", PASSWORD, ["expert"], org_id=p.provider_org)
    inhouse = actor_of("inhouse_expert")
    choices = dict(listing_review.expert_choices(p.operator, vid))
    assert p.expert.account_id in choices and inhouse.account_id not in choices
    with pytest.raises(ValidationFailed, match="评审专家"):
        listing_review.operator_approve(p.operator, vid, inhouse.account_id)
    with pytest.raises(ValidationFailed, match="评审专家"):
        listing_review.operator_approve(p.operator, vid, p.final.account_id)   # not an expert


def test_reject_requires_a_reason_and_re_edit_makes_a_new_version(db: str) -> None:
    p = people()
    lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    listing_review.operator_approve(p.operator, vid, p.expert.account_id)
    with pytest.raises(ValidationFailed, match="驳回原因"):
        listing_review.reject(p.expert, vid, "")
    listing_review.reject(p.expert, vid, "案例材料不完整")
    rows = listings.my_listings(p.provider, "returned")
    assert [(r.version_id, r.reason) for r in rows] == [(vid, "案例材料不完整")]
    with pytest.raises(Conflict):
        listings.save_draft(p.provider, vid, full_content(p.provider), 2)   # a submitted version is frozen
    v2 = listings.reedit(p.provider, vid)
    assert v2 != vid and listings.get_version(p.provider, v2).version_no == 2
    assert listings.get_version(p.provider, v2).content["name"] == "设备联网方案"
    with pytest.raises(Conflict, match="已有一个"):
        listings.reedit(p.provider, vid)                   # one edition at a time
    assert [r.version_id for r in listings.my_listings(p.provider, "draft")] == [v2]
    assert listings.my_listings(p.provider, "returned") == []   # the tab shows the latest version only
    del lid


def test_withdraw_and_re_edit(db: str) -> None:
    p = people()
    _lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    other, _ = make_provider()
    with pytest.raises(NotFound):
        listings.withdraw(other, vid)
    listings.withdraw(p.provider, vid)
    assert listing_review.review_queue(p.operator, "operator") == []
    assert [r.version_id for r in listings.my_listings(p.provider, "withdrawn")] == [vid]
    with pytest.raises(Conflict):
        listings.withdraw(p.provider, vid)
    v2 = listings.reedit(p.provider, vid)
    listings.submit(p.provider, v2)
    assert [r.version_id for r in listings.my_listings(p.provider, "pending")] == [v2]


def test_versioned_listing_stays_on_sale_until_the_new_version_is_approved(db: str) -> None:
    p = people()
    lid, v1, _rv = draft(p.provider)
    listings.submit(p.provider, v1)
    approve_all(p, v1)
    v2 = listings.reedit(p.provider, v1)
    content = listings.get_version(p.provider, v2).content
    content.update(name="设备联网方案 2.0", price_low="20000.00", categories=["研发设计"], industries=["C13"],
                   tags=["数据分析"], spec_rows=[{"spec_name": "标准版", "purchase_mode": "year", "pricing": "simple",
                                                "unit_price": "15000.00"}])
    listings.save_draft(p.provider, v2, content, listings.get_version(p.provider, v2).row_version)
    listings.submit(p.provider, v2)
    listing_review.operator_approve(p.operator, v2, p.expert.account_id)
    with session_scope() as s:
        listing = s.get(Listing, lid)
        assert listing is not None and (listing.live_version_id, listing.sale_state, listing.name) == \
            (v1, "on_sale", "设备联网方案")
        v1_specs = list(s.scalars(select(ListingSpec.id).where(ListingSpec.version_id == v1)))
    assert [r.listing_id for r in listings.my_listings(p.provider, "on_sale")] == [lid]
    assert [r.version_id for r in listings.my_listings(p.provider, "pending")] == [v2]
    listing_review.expert_approve(p.expert, v2)
    listing_review.final_approve(p.final, v2)
    with session_scope() as s:
        listing = s.get(Listing, lid)
        assert listing is not None and (listing.live_version_id, listing.name, listing.price_low_fen) == \
            (v2, "设备联网方案 2.0", 1_500_000)
        facets = set(s.execute(select(ListingFacet.facet, ListingFacet.code).where(ListingFacet.listing_id == lid)))
        # the old version's specs are kept for the orders that point at them
        assert list(s.scalars(select(ListingSpec.id).where(ListingSpec.version_id == v1))) == v1_specs
    assert facets == {("tag", "数据分析"), ("category", "研发设计"), ("industry", "C13")}


def test_delist_and_relist(db: str) -> None:
    p = people()
    lid, vid, _rv = draft(p.provider)
    with pytest.raises(Conflict, match="还没有终审通过"):
        listings.relist(p.provider, lid)
    listings.submit(p.provider, vid)
    approve_all(p, vid)
    listings.delist(p.provider, lid)
    assert [r.listing_id for r in listings.my_listings(p.provider, "delisted")] == [lid]
    assert listings.my_listings(p.provider, "on_sale") == []
    other, _ = make_provider()
    with pytest.raises(NotFound):
        listings.relist(other, lid)
    listings.relist(p.provider, lid)
    with session_scope() as s:
        assert s.scalar(select(Listing.sale_state).where(Listing.id == lid)) == "on_sale"


def test_a_provider_never_sees_another_providers_drafts(db: str) -> None:
    p = people()
    other, _ = make_provider()
    _lid, mine, _rv = draft(p.provider)
    theirs_lid, theirs = listings.create_listing(other)
    assert [r.version_id for r in listings.my_listings(p.provider, "draft")] == [mine]
    assert [r.version_id for r in listings.my_listings(other, "draft")] == [theirs]
    with pytest.raises(NotFound):
        listings.get_version(p.provider, theirs)
    with pytest.raises(NotFound):
        listings.save_draft(p.provider, theirs, {"name": "x"}, 1)
    with pytest.raises(NotFound):
        listings.get_version(p.operator, theirs)           # reviewers never see a draft
    with pytest.raises(NotFound):
        listings.get_version(p.buyer, mine)                # nor does a buyer
    with pytest.raises(NotFound):
        listings.live_view(theirs_lid)                     # never approved: not on sale
    with pytest.raises(NotFound):
        listings.delist(p.provider, theirs_lid)


def test_uncertified_provider_is_refused(db: str) -> None:
    pending, _ = make_provider(status="pending")
    with pytest.raises(PermissionDenied, match="认证尚未通过"):
        listings.create_listing(pending)
    with pytest.raises(PermissionDenied, match="认证尚未通过"):
        listings.my_listings(pending, "draft")
    with pytest.raises(PermissionDenied, match="认证尚未通过"):
        listings.upload_file(pending, PNG, "a.png", "image")


def test_double_submit_does_nothing_twice(db: str) -> None:
    p = people()
    _lid, vid, _rv = draft(p.provider)
    rid = uuid.uuid4().hex
    listings.submit(p.provider, vid, request_id=rid)
    listings.submit(p.provider, vid, request_id=rid)       # the same click again: no error, no second step
    with pytest.raises(Conflict):
        listings.submit(p.provider, vid)                   # a new click on a submitted version
    assert [h.action_code for h in listings.history(p.provider, vid)] == ["submit"]
    rid = uuid.uuid4().hex
    a = listings.create_listing(p.provider, request_id=rid)
    assert listings.create_listing(p.provider, request_id=rid) == a
    with session_scope() as s:
        assert s.scalar(select(ListingVersion.status).where(ListingVersion.id == vid)) == "operator_review"


def test_content_is_not_modified_by_validation(db: str) -> None:
    p = people()
    content = full_content(p.provider)
    before = copy.deepcopy(content)
    listings.save_draft(p.provider, listings.create_listing(p.provider)[1], content, 1)
    assert content == before


def test_two_concurrent_saves_of_one_draft_one_wins(db: str) -> None:
    p = people()
    _lid, vid = listings.create_listing(p.provider)
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(name: str) -> None:
        barrier.wait()
        try:
            listings.save_draft(p.provider, vid, {"name": name}, 1)
            outcome[name] = "saved"
        except Conflict:
            outcome[name] = "conflict"

    threads = [threading.Thread(target=save, args=(n,)) for n in ("甲窗口", "乙窗口")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome.values()) == ["conflict", "saved"]
    winner = next(n for n, o in outcome.items() if o == "saved")
    view = listings.get_version(p.provider, vid)
    assert (view.content["name"], view.row_version) == (winner, 2)


def test_an_expert_of_a_provider_no_longer_certified_cannot_be_chosen(db: str) -> None:
    from db.organisation import Organisation
    from services.market import providers
    from tests.market.test_providers import expert_of, staff
    p = people()
    _lid, vid, _rv = draft(p.provider)
    listings.submit(p.provider, vid)
    other, other_org = make_provider()
    uid = staff(other, "staff_expert_x")
    expert_of(other, uid)
    assert uid in dict(listing_review.expert_choices(p.operator, vid))
    assert uid in {e["account_id"] for e in providers.active_experts()}
    with session_scope() as s:
        org = s.get(Organisation, other_org)
        assert org is not None
        org.status = "pending"                          # its certification is back under review
    assert providers.active_experts() == []
    assert uid not in dict(listing_review.expert_choices(p.operator, vid))   # one rule with 专家团队
    assert p.expert.account_id in dict(listing_review.expert_choices(p.operator, vid))   # a platform expert stays
    with pytest.raises(ValidationFailed, match="评审专家"):
        listing_review.operator_approve(p.operator, vid, uid)
