"""文档管理: groups, folders and files in spaces, file versions, a recycle area and stored blobs.

A **space** is named by ``doc_node.space_key``:

* ``region:<adcode>`` (``region:CN`` nationally) — the organisation documents of one administrator
  jurisdiction; ``org:<id>`` — those of an organisation-bound account's organisation;
* ``account:<id>`` — one person's personal documents;
* ``group:<id>`` — the documents shared into a group (seen by its owner and members only).

A **node** is a folder (``kind='folder'``) or a file; ``parent_id`` NULL means the space's root. A file's
content is its versions (``doc_version``): every upload of the same name into the same folder adds one;
``current_version_id`` is the newest, ``baseline_version_id`` the one an owner marked as baseline.
A deleted node keeps its row with ``deleted_at`` set (the recycle area) until it is restored or purged;
its descendants are hidden with it. ``row_version`` guards renames against concurrent edits.

Versions name their content by SHA-256 (``blob_key``); the bytes live in the storage adapter chosen by
``HUIQI_DOCS_STORAGE`` (services/docs/storage.py): a local folder, or ``doc_blob`` in the database.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class DocGroup(Base):
    """A sharing group (共享组): a name, an owner who manages it, and members."""

    __tablename__ = "doc_group"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    created_at: Mapped[timestamp]
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class DocGroupMember(Base):
    """One member of a group (the owner is not listed here: they always belong)."""

    __tablename__ = "doc_group_member"
    group_id: Mapped[int] = mapped_column(ForeignKey("doc_group.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class DocNode(Base):
    """A folder (类别) or a file in one space; see the module docstring."""

    __tablename__ = "doc_node"
    __table_args__ = (Index("ix_doc_node_space_parent", "space_key", "parent_id"),)
    id: Mapped[intpk]
    space_key: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("doc_node.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))                       # folder / file
    name: Mapped[str] = mapped_column(String(128))
    owner_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    size: Mapped[int] = mapped_column(Integer, default=0)              # current version's bytes
    current_version_id: Mapped[Optional[int]] = mapped_column(Integer)
    baseline_version_id: Mapped[Optional[int]] = mapped_column(Integer)
    deleted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True), index=True)
    deleted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class DocVersion(Base):
    """One uploaded edition of a file; its bytes are the blob ``blob_key`` (SHA-256) in the storage adapter."""

    __tablename__ = "doc_version"
    __table_args__ = (UniqueConstraint("node_id", "version_no"),)
    id: Mapped[intpk]
    node_id: Mapped[int] = mapped_column(ForeignKey("doc_node.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(8))                  # the content's real type: pdf / png / txt …
    size: Mapped[int] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]


class DocBlob(Base):
    """File bytes kept in the database (storage adapter ``database``), named by their SHA-256."""

    __tablename__ = "doc_blob"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]
