"""The catalogue: only listings on sale, facet filters, literal keywords, prices, sorting, paging, detail."""
from __future__ import annotations

import pytest

from services.core.errors import NotFound, ValidationFailed
from services.market import catalogue
from tests.market.buyer_helpers import approve_new_version, delist
from tests.market.factories import listed_listing, make_provider


def ids(rows: list[dict]) -> list[int]:
    return [r["id"] for r in rows]


def test_filters_combine_facets_and_prices(db: str) -> None:
    _, org = make_provider()
    a, _ = listed_listing(org, name="智能排产", specs=[("标准版", "year", "simple", 10000)],
                          tags=("智能制造", "排产"), categories=("生产管控",), industries=("C34",))
    b, _ = listed_listing(org, name="设备联网", specs=[("标准版", "year", "simple", 50000)],
                          tags=("物联网",), categories=("生产管控",), industries=("C35",))
    c, _ = listed_listing(org, name="财务云", specs=[("标准版", "month", "simple", 90000)],
                          tags=("智能制造",), categories=("经营管理",), industries=("C34",))
    rows, total = catalogue.search(sort="price_asc")
    assert ids(rows) == [a, b, c] and total == 3
    assert set(ids(catalogue.search(tags=["智能制造"])[0])) == {a, c}
    assert set(ids(catalogue.search(tags=["排产", "物联网"])[0])) == {a, b}          # any of a facet's codes
    assert ids(catalogue.search(tags=["智能制造"], category="生产管控")[0]) == [a]  # facets all apply
    assert ids(catalogue.search(industry="C35")[0]) == [b]
    assert ids(catalogue.search(price_min_fen=20000, price_max_fen=90000, sort="price_desc")[0]) == [c, b]
    assert catalogue.search(tags=["无此标签"]) == ([], 0)
    choices = catalogue.facet_choices()
    assert choices["tag"][0] == ("智能制造", 2) and ("物联网", 1) in choices["tag"]
    assert dict(choices["category"]) == {"生产管控": 2, "经营管理": 1}


def test_keyword_is_literal_and_matches_product_name(db: str) -> None:
    _, org = make_provider()
    pct, _ = listed_listing(org, name="良率提升100%方案")
    under, _ = listed_listing(org, name="MES_Cloud 平台")
    plain, _ = listed_listing(org, name="MESXCloud 平台")
    assert ids(catalogue.search("100%")[0]) == [pct]
    assert ids(catalogue.search("%")[0]) == [pct]                 # not "everything"
    assert ids(catalogue.search("S_C")[0]) == [under]             # _ is not "any character"
    assert set(ids(catalogue.search("mes")[0])) == {under, plain}  # case-insensitive on both engines
    assert ids(catalogue.search("良率提升100%方案产品")[0]) == [pct]  # the related product's name


def test_delisted_listings_are_hidden(db: str) -> None:
    _, org = make_provider()
    shown, _ = listed_listing(org, tags=("云",))
    gone, _ = listed_listing(org, tags=("云",))
    delist(gone)
    assert ids(catalogue.search()[0]) == [shown]
    assert catalogue.facet_choices()["tag"] == [("云", 1)]
    with pytest.raises(NotFound):
        catalogue.listing_detail(gone)


def test_paging_and_newest_first(db: str) -> None:
    _, org = make_provider()
    made = [listed_listing(org)[0] for _ in range(5)]
    page1, total = catalogue.search(page=1, page_size=2)
    page3, _ = catalogue.search(page=3, page_size=2)
    assert total == 5 and len(page1) == 2 and len(page3) == 1
    seen = ids(page1) + ids(catalogue.search(page=2, page_size=2)[0]) + ids(page3)
    assert sorted(seen) == sorted(made) and len(set(seen)) == 5
    with pytest.raises(ValidationFailed, match="每页条数"):
        catalogue.search(page_size=1000)
    with pytest.raises(ValidationFailed, match="最高价格"):
        catalogue.search(price_min_fen=500, price_max_fen=100)
    with pytest.raises(ValidationFailed, match="关键词"):
        catalogue.search("长" * 51)


def test_detail_shows_the_live_version_and_its_specs(db: str) -> None:
    _, org = make_provider()
    listing, old_specs = listed_listing(org, specs=[("基础版", "year", "simple", 10000), ("试用", "month", "free", 0)])
    detail = catalogue.listing_detail(listing)
    assert [(s["id"], s["name"], s["unit_price_fen"]) for s in detail["specs"]] == [
        (old_specs[0], "基础版", 10000), (old_specs[1], "试用", 0)]
    new_specs = approve_new_version(listing, [("专业版", "year", "simple", 30000)])
    detail = catalogue.listing_detail(listing)
    assert [s["id"] for s in detail["specs"]] == new_specs and detail["stars"] is None
