"""The catalogue of 解决方案与产品 that buyers browse: search with filters, facet counts, the listing page.

Public to every signed-in user (no actor): only listings whose ``sale_state`` is ``on_sale`` are
shown, always with their live version. Filters go through ``listing_facet`` (index
``ix_listing_facet_code`` on (facet, code, listing_id)): within one facet the chosen codes are
alternatives (any of them), different facets must all match. The price filter applies to a listing's
starting price (``price_low_fen``). The keyword matches the name or the related product's name as a
literal substring (``%`` and ``_`` typed by the user are not wildcards).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.engine import session_scope
from db.market import Listing, ListingFacet, ListingReview, ListingSpec, ListingVersion
from db.organisation import Organisation
from services.core.errors import NotFound, ValidationFailed
from services.market.money import MAX_FEN

SORTS = {"newest": "最新上架", "price_asc": "价格从低到高", "price_desc": "价格从高到低", "sales": "销量"}
FACETS = ("tag", "category", "industry")
MAX_QUERY = 50
MAX_PAGE_SIZE = 100
MAX_CODES = 50          # chosen codes in one facet


def like_pattern(text: str) -> str:
    """``%text%`` with the LIKE wildcards of ``text`` escaped (escape character ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _codes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else list(value)
    return sorted({str(v) for v in items if str(v)})


def _validate(query: str, page: int, page_size: int, sort: str, price_min_fen: int | None,
              price_max_fen: int | None, facets: dict[str, list[str]]) -> None:
    problems: dict[str, list[str]] = {}
    if len(query) > MAX_QUERY:
        problems["关键词"] = [f"关键词：长度不能超过 {MAX_QUERY} 个字符（当前 {len(query)} 个）。"]
    if sort not in SORTS:
        problems["排序"] = ["排序：请选择最新上架、价格或销量。"]
    if not 1 <= page <= 100_000:
        problems["页码"] = ["页码：须在 1–100000 之间。"]
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems["每页条数"] = [f"每页条数：须在 1–{MAX_PAGE_SIZE} 之间。"]
    for label, fen in (("最低价格", price_min_fen), ("最高价格", price_max_fen)):
        if fen is not None and not 0 <= fen < MAX_FEN:
            problems[label] = [f"{label}：须为不小于 0 的金额。"]
    if price_min_fen is not None and price_max_fen is not None and price_min_fen > price_max_fen:
        problems["最高价格"] = ["最高价格：不能低于最低价格。"]
    for facet, codes in facets.items():
        if len(codes) > MAX_CODES or any(len(c) > 32 for c in codes):
            problems[facet] = [f"筛选条件：每类最多选择 {MAX_CODES} 项。"]
    if problems:
        raise ValidationFailed(problems)


def stars_of(session: Session, listing_ids: Iterable[int]) -> dict[int, tuple[float, int]]:
    """Average stars and review count of each listing that has reviews."""
    ids = list(set(listing_ids))
    if not ids:
        return {}
    rows = session.execute(select(ListingReview.listing_id, func.avg(ListingReview.stars), func.count())
                           .where(ListingReview.listing_id.in_(ids)).group_by(ListingReview.listing_id))
    return {lid: (round(float(avg), 1), int(n)) for lid, avg, n in rows}


def search(query: str = "", tags: Iterable[str] = (), category: str | Iterable[str] | None = None,
           industry: str | Iterable[str] | None = None, price_min_fen: int | None = None,
           price_max_fen: int | None = None, sort: str = "newest", page: int = 1,
           page_size: int = 12) -> tuple[list[dict[str, Any]], int]:
    """Return (one page of listings on sale, total matching).

    Each row: id, name, product_name, provider (organisation name), price_low_fen, price_high_fen,
    sales, listed_at, stars (average or None), reviews (count). ``sort``: newest / price_asc /
    price_desc / sales."""
    query = (query or "").strip()
    chosen = {"tag": _codes(tags), "category": _codes(category), "industry": _codes(industry)}
    _validate(query, page, page_size, sort, price_min_fen, price_max_fen, chosen)
    conditions: list[Any] = [Listing.sale_state == "on_sale"]
    if query:
        pattern = like_pattern(query)
        conditions.append(or_(Listing.name.ilike(pattern, escape="\\"),
                              Listing.product_name.ilike(pattern, escape="\\")))
    for facet, codes in chosen.items():
        if codes:
            conditions.append(Listing.id.in_(select(ListingFacet.listing_id)
                                             .where(ListingFacet.facet == facet, ListingFacet.code.in_(codes))))
    if price_min_fen is not None:
        conditions.append(Listing.price_low_fen >= price_min_fen)
    if price_max_fen is not None:
        conditions.append(Listing.price_low_fen <= price_max_fen)
    key: Any = {"newest": Listing.listed_at.desc(), "price_asc": Listing.price_low_fen.asc(),
                "price_desc": Listing.price_low_fen.desc(), "sales": Listing.sales.desc()}[sort]
    order = [key, Listing.id.desc()]
    with session_scope(read=True) as s:
        total = s.scalar(select(func.count()).select_from(Listing).where(*conditions)) or 0
        rows = s.execute(select(Listing.id, Listing.name, Listing.product_name, Organisation.name,
                                Listing.price_low_fen, Listing.price_high_fen, Listing.sales, Listing.listed_at)
                         .join(Organisation, Organisation.id == Listing.org_id).where(*conditions)
                         .order_by(*order).limit(page_size).offset((page - 1) * page_size)).all()
        stars = stars_of(s, [r[0] for r in rows])
    out = []
    for lid, name, product, provider, low, high, sales, listed_at in rows:
        avg, n = stars.get(lid, (None, 0))
        out.append({"id": lid, "name": name, "product_name": product, "provider": provider,
                    "price_low_fen": low, "price_high_fen": high, "sales": sales, "listed_at": listed_at,
                    "stars": avg, "reviews": n})
    return out, int(total)


def facet_choices() -> dict[str, list[tuple[str, int]]]:
    """For the filter widgets: each facet's codes on listings on sale with how many listings have them,
    most frequent first: {"tag": [(code, count)], "category": [...], "industry": [...]}."""
    with session_scope(read=True) as s:
        rows = s.execute(select(ListingFacet.facet, ListingFacet.code, func.count())
                         .join(Listing, Listing.id == ListingFacet.listing_id)
                         .where(Listing.sale_state == "on_sale")
                         .group_by(ListingFacet.facet, ListingFacet.code)).all()
    out: dict[str, list[tuple[str, int]]] = {f: [] for f in FACETS}
    for facet, code, n in rows:
        out.setdefault(facet, []).append((code, int(n)))
    for codes in out.values():
        codes.sort(key=lambda cn: (-cn[1], cn[0]))
    return out


def spec_dict(spec: ListingSpec) -> dict[str, Any]:
    return {"id": spec.id, "name": spec.name, "purchase_mode": spec.purchase_mode, "pricing": spec.pricing,
            "unit_price_fen": spec.unit_price_fen if spec.pricing != "free" else 0}


def listing_detail(listing_id: int) -> dict[str, Any]:
    """The listing page of a listing on sale: its live version's content with the specs.

    Keys: id, version_id, name, product_name, provider, provider_org_id, content (the listing form's
    answers), image_id, price_low_fen, price_high_fen, sales, listed_at, facets {facet: [codes]},
    specs [{id, name, purchase_mode, pricing, unit_price_fen}], stars, reviews.
    ``NotFound`` for a listing that is not on sale (delisted, never approved, unknown)."""
    with session_scope(read=True) as s:
        listing = s.get(Listing, listing_id)
        if listing is None or listing.sale_state != "on_sale" or listing.live_version_id is None:
            raise NotFound("该商品不存在或已下架。")
        version = s.get(ListingVersion, listing.live_version_id)
        if version is None:
            raise NotFound("该商品不存在或已下架。")
        specs = s.scalars(select(ListingSpec).where(ListingSpec.version_id == version.id)
                          .order_by(ListingSpec.position, ListingSpec.id)).all()
        facets: dict[str, list[str]] = {f: [] for f in FACETS}
        for facet, code in s.execute(select(ListingFacet.facet, ListingFacet.code)
                                     .where(ListingFacet.listing_id == listing.id).order_by(ListingFacet.code)):
            facets.setdefault(facet, []).append(code)
        provider = s.get(Organisation, listing.org_id)
        avg, n = stars_of(s, [listing.id]).get(listing.id, (None, 0))
        return {"id": listing.id, "version_id": version.id, "name": version.name,
                "product_name": version.product_name, "provider": provider.name if provider else "",
                "provider_org_id": listing.org_id, "content": dict(version.content or {}),
                "image_id": version.image_id, "price_low_fen": version.price_low_fen,
                "price_high_fen": version.price_high_fen, "sales": listing.sales, "listed_at": listing.listed_at,
                "facets": facets, "specs": [spec_dict(sp) for sp in specs], "stars": avg, "reviews": n}
