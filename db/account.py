"""Accounts, roles with named permission grants, server-side sessions and sign-in attempts."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, intpk, timestamp


class Role(Base):
    """A role from the manuals, e.g. ``admin_county`` (区县管理员)."""

    __tablename__ = "role"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(12))  # none / org / region


class RolePermission(Base):
    """A named permission string granted through a role."""

    __tablename__ = "role_permission"
    role_code: Mapped[str] = mapped_column(ForeignKey("role.code", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)


class Account(Base):
    """A person's sign-in identity. ``region_code`` is an administrator's jurisdiction."""

    __tablename__ = "account"
    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[Optional[str]] = mapped_column(String(11), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)  # active / disabled
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"), index=True)
    password_changed_at: Mapped[timestamp]
    created_at: Mapped[timestamp]
    roles: Mapped[list["AccountRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class AccountRole(Base):
    __tablename__ = "account_role"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    role_code: Mapped[str] = mapped_column(ForeignKey("role.code"), primary_key=True)


class PasswordHistory(Base):
    """Earlier password hashes, so a user cannot go back to a recent password."""

    __tablename__ = "password_history"
    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[timestamp]


class AuthSession(Base):
    """A server-side sign-in session. The cookie carries only its id; revoking it signs the browser out."""

    __tablename__ = "auth_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the random token
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[timestamp]
    last_seen_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """One sign-in attempt; failures inside a time window throttle the account and the client."""

    __tablename__ = "login_attempt"
    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[timestamp]
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_client_at", "client", "at"),
    )
