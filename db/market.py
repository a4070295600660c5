"""The digital-transformation marketplace: listings and their versions, orders, vouchers, reviews, experts.

Money is an integer number of 分 (fen) in every column named ``*_fen``.

A **listing** is a product a provider sells; what buyers see is its live **version**
(``listing.live_version_id``). Every edit is a new version that goes through the approval chain
(specs/workflows/listing_approval.yaml; the version's ``status`` mirrors its workflow instance); the
live version stays on sale until the new one is approved. A version is frozen once submitted, so an
order line can point at the spec it was bought from and keep that price forever.

``listing_facet`` holds the live version's tags, solution categories and industries (one row each)
so that the catalogue's filters are index lookups.

A **voucher type** has a stock (``remaining``) that only one conditional ``UPDATE … WHERE remaining > 0``
takes from; a **voucher**'s ``balance_fen`` only goes down through ``UPDATE … WHERE balance_fen >= :take``
inside the payment's transaction (services/market/vouchers.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class MarketFile(Base):
    """An uploaded file (display image, case document, expert photo), checked by content before it is kept."""

    __tablename__ = "market_file"
    id: Mapped[intpk]
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    purpose: Mapped[str] = mapped_column(String(16))       # image / case_doc / photo / screenshot
    filename: Mapped[str] = mapped_column(String(128))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]


class Listing(Base):
    """A provider's product (解决方案与产品). ``sale_state``: on_sale / delisted / None (never approved)."""

    __tablename__ = "listing"
    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="solution")
    live_version_id: Mapped[Optional[int]] = mapped_column(Integer)       # the version on sale
    sale_state: Mapped[Optional[str]] = mapped_column(String(10), index=True)
    # the live version's searchable fields, set when a version is approved; the prices are its specs'
    # lowest and highest unit price (what a buyer pays), not the declared 销售历史最低/最高价格
    name: Mapped[Optional[str]] = mapped_column(String(100))
    product_name: Mapped[Optional[str]] = mapped_column(String(100))
    price_low_fen: Mapped[Optional[int]] = mapped_column(BigInteger, index=True)
    price_high_fen: Mapped[Optional[int]] = mapped_column(BigInteger)
    listed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True), index=True)
    sales: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class ListingVersion(Base):
    """One edition of a listing. ``status`` mirrors its approval workflow instance (only the engine writes it)."""

    __tablename__ = "listing_version"
    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    holder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))   # e.g. the chosen expert
    holder_level: Mapped[Optional[str]] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    product_name: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)   # the listing form's answers
    image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("market_file.id"))
    price_low_fen: Mapped[Optional[int]] = mapped_column(BigInteger)
    price_high_fen: Mapped[Optional[int]] = mapped_column(BigInteger)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (UniqueConstraint("listing_id", "version_no"),)


class ListingSpec(Base):
    """A purchasable spec of one version: by year / month / quantity, free or at a unit price."""

    __tablename__ = "listing_spec"
    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("listing_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(50))
    purchase_mode: Mapped[str] = mapped_column(String(10))    # year / month / quantity
    pricing: Mapped[str] = mapped_column(String(10))          # free / simple
    unit_price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (CheckConstraint("unit_price_fen >= 0", name="price_not_negative"),)


class ListingFacet(Base):
    """One tag, solution category or industry of a listing's live version (the catalogue's filters)."""

    __tablename__ = "listing_facet"
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)      # tag / category / industry
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    __table_args__ = (Index("ix_listing_facet_code", "facet", "code", "listing_id"),)


class CartItem(Base):
    __tablename__ = "cart_item"
    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    spec_id: Mapped[int] = mapped_column(ForeignKey("listing_spec.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    added_at: Mapped[timestamp]
    __table_args__ = (UniqueConstraint("account_id", "spec_id"),
                      CheckConstraint("quantity BETWEEN 1 AND 999", name="quantity_range"))


class MarketOrder(Base):
    """One checkout of an enterprise: unpaid → paid → completed, or cancelled. Amounts in fen."""

    __tablename__ = "market_order"
    id: Mapped[intpk]
    order_no: Mapped[str] = mapped_column(String(24), unique=True)
    request_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)   # a double submit is one order
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    buyer_account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    status: Mapped[str] = mapped_column(String(10), default="unpaid", index=True)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    voucher_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[timestamp]
    paid_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (CheckConstraint("total_fen >= 0 AND voucher_fen >= 0 AND cash_fen >= 0",
                                      name="amounts_not_negative"),)


class OrderItem(Base):
    """One line of an order: the spec and the price of the listing version it was bought from."""

    __tablename__ = "order_item"
    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("market_order.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("listing_version.id"))
    spec_id: Mapped[int] = mapped_column(ForeignKey("listing_spec.id"))
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    listing_name: Mapped[str] = mapped_column(String(100))
    spec_name: Mapped[str] = mapped_column(String(50))
    purchase_mode: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    voucher_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Payment(Base):
    """A payment attempt through the payment adapter (services/market/payment.py)."""

    __tablename__ = "payment"
    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("market_order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))       # simulated / …
    external_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="pending")   # pending / succeeded / failed
    created_at: Mapped[timestamp]
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


class ListingReview(Base):
    """An enterprise's rating of a completed order line: 1–5 stars with text, once per line."""

    __tablename__ = "listing_review"
    id: Mapped[intpk]
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_item.id"), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[timestamp]
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)


class VoucherActivity(Base):
    """A voucher campaign (服务券活动) with its China-time window, created by an operator."""

    __tablename__ = "voucher_activity"
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="published", index=True)  # published / stopped
    region_code: Mapped[Optional[str]] = mapped_column(String(6))    # limited to enterprises of a region
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]


class VoucherType(Base):
    """A kind of voucher in an activity: face value, stock, per-enterprise limit, the listings it applies to."""

    __tablename__ = "voucher_type"
    id: Mapped[intpk]
    activity_id: Mapped[int] = mapped_column(ForeignKey("voucher_activity.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    per_enterprise_limit: Mapped[int] = mapped_column(Integer, default=1)
    valid_days: Mapped[int] = mapped_column(Integer, default=365)     # validity counted from the grab
    listing_ids: Mapped[Optional[list[int]]] = mapped_column(JSON)    # None: every listing
    __table_args__ = (CheckConstraint("remaining >= 0 AND remaining <= quantity", name="stock_range"),
                      CheckConstraint("face_value_fen > 0", name="face_value_positive"))


class Voucher(Base):
    """A voucher an enterprise grabbed. ``balance_fen`` goes down as orders are paid with it."""

    __tablename__ = "voucher"
    id: Mapped[intpk]
    type_id: Mapped[int] = mapped_column(ForeignKey("voucher_type.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    granted_at: Mapped[timestamp]
    __table_args__ = (CheckConstraint("balance_fen >= 0 AND balance_fen <= face_value_fen", name="balance_range"),
                      Index("ix_voucher_type_org", "type_id", "org_id"))


class VoucherUse(Base):
    """What one payment took from one voucher."""

    __tablename__ = "voucher_use"
    id: Mapped[intpk]
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("market_order.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[timestamp]
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)


class ExpertProfile(Base):
    """A provider's user made an expert (设为专家): shown on 专家团队, choosable as a 专家评审 reviewer."""

    __tablename__ = "expert_profile"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_code: Mapped[Optional[str]] = mapped_column(String(6))
    years: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    intro: Mapped[str] = mapped_column(String(500), default="")
    photo_id: Mapped[Optional[int]] = mapped_column(ForeignKey("market_file.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MenuGrant(Base):
    """A provider user's menu permission inside its organisation (应用内权限配置)."""

    __tablename__ = "menu_grant"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    menu: Mapped[str] = mapped_column(String(32), primary_key=True)


class PublicSubmission(Base):
    """Rate-limit ledger of the public needs survey (filled without an account): one row per submission."""

    __tablename__ = "public_submission"
    id: Mapped[intpk]
    form_code: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    response_id: Mapped[Optional[int]] = mapped_column(Integer)
    at: Mapped[timestamp]
    __table_args__ = (Index("ix_public_submission_client_at", "client", "at"),)
