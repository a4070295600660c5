"""In-app inbox: notifications to enterprises and administrators."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp


class Notification(Base):
    __tablename__ = "notification"
    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[Optional[str]] = mapped_column(String(200))  # e.g. "monitor_report:42"
    created_at: Mapped[timestamp]
    read_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_notification_inbox", "account_id", "read_at", "id"),)
