"""Marketplace test set-up: the people of the marketplace, and listings put on sale directly.

``listed_listing`` writes the rows an approved listing has (listing, version, specs, facets) without
going through the approval chain, for tests of the buyer's side; the chain itself is tested through
services.market.listings.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from db.base import utcnow
from db.engine import session_scope
from db.market import Listing, ListingFacet, ListingSpec, ListingVersion
from services.core.permissions import Actor
from services.identity.accounts import create_account
from tests.factories import PASSWORD, actor_of, make_enterprise_user, make_org

_seq = itertools.count(1)


@dataclass(frozen=True)
class People:
    provider: Actor          # the provider's main account (certified organisation)
    provider_org: int
    operator: Actor          # 平台运营人员 (运营初审, voucher activities)
    expert: Actor            # 专家 (专家评审)
    final: Actor             # 工信厅终审
    buyer: Actor             # an enterprise (certified)
    buyer_org: int


def make_provider(region_code: str = "370102", status: str = "approved") -> tuple[Actor, int]:
    """A provider organisation and its main account; return (actor, org id)."""
    org_id = make_org(region_code, status=status, kind="provider")
    username = f"fws{next(_seq):04d}"
    create_account(username, PASSWORD, ["provider"], org_id=org_id, phone="13700000000")
    return actor_of(username), org_id


def make_person(role: str, region_code: str | None = None) -> Actor:
    username = f"{role[:6]}{next(_seq):04d}"
    create_account(username, PASSWORD, [role], region_code=region_code)
    return actor_of(username)


def people() -> People:
    provider, provider_org = make_provider()
    buyer, buyer_org = make_enterprise_user("370102")
    return People(provider, provider_org, make_person("operator"), make_person("expert"),
                  make_person("final_reviewer", "370000"), buyer, buyer_org)


def listed_listing(provider_org: int, *, name: str | None = None, specs: list[tuple[str, str, str, int]] | None = None,
                   tags: tuple[str, ...] = ("智能制造",), categories: tuple[str, ...] = ("研发设计",),
                   industries: tuple[str, ...] = ("C34",)) -> tuple[int, list[int]]:
    """Put a listing on sale directly; return (listing id, spec ids).

    ``specs``: (name, purchase mode, pricing, unit price in fen); default one 按年 spec at ¥234.00."""
    specs = specs or [("标准版", "year", "simple", 23400)]
    n = next(_seq)
    name = name or f"测试方案{n}"
    with session_scope() as s:
        listing = Listing(org_id=provider_org, name=name, product_name=f"{name}产品", sale_state="on_sale",
                          listed_at=utcnow(), price_low_fen=min(p for *_, p in specs),
                          price_high_fen=max(p for *_, p in specs))
        s.add(listing)
        s.flush()
        version = ListingVersion(listing_id=listing.id, version_no=1, status="approved", name=name,
                                 product_name=f"{name}产品", content={}, approved_at=utcnow(),
                                 price_low_fen=listing.price_low_fen, price_high_fen=listing.price_high_fen)
        s.add(version)
        s.flush()
        listing.live_version_id = version.id
        rows = [ListingSpec(version_id=version.id, position=i, name=sn, purchase_mode=mode, pricing=pricing,
                            unit_price_fen=price) for i, (sn, mode, pricing, price) in enumerate(specs)]
        s.add_all(rows)
        for facet, codes in (("tag", tags), ("category", categories), ("industry", industries)):
            s.add_all(ListingFacet(listing_id=listing.id, facet=facet, code=c) for c in codes)
        s.flush()
        return listing.id, [r.id for r in rows]
