"""Sending e-mail: a pluggable adapter named by ``HUIQI_MAIL_ADAPTER``.

The default ``outbox`` adapter writes each message as an RFC 5322 ``.eml`` file (attachments included)
into ``HUIQI_MAIL_OUTBOX_DIR`` (default data/outbox), for a relay or an operator to pick up; tests read it.
Another adapter (SMTP, an HTTP mail service) implements ``MailAdapter.send`` and is registered in ``ADAPTERS``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Callable, Protocol

from config import settings


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


class MailAdapter(Protocol):
    def send(self, mail: Mail) -> str:
        """Send ``mail``; return an id of the sent message (for the audit row)."""
        ...


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """Return ``mail`` as a MIME message with its attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="huiqi.local")
    msg.set_content(mail.body or "")
    for att in mail.attachments:
        maintype, _, subtype = att.mime.partition("/")
        msg.add_attachment(att.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=att.filename)
    return msg


class OutboxMail:
    """Writes each message to ``<folder>/<id>.eml``."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or settings.mail_outbox_dir)

    def send(self, mail: Mail) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        tmp = self.folder / f"{ident}.part"
        tmp.write_bytes(bytes(build_message(mail, settings.mail_sender)))
        tmp.replace(self.folder / f"{ident}.eml")
        return ident


ADAPTERS: dict[str, Callable[[], MailAdapter]] = {"outbox": OutboxMail}


def get_mailer(name: str | None = None) -> MailAdapter:
    """Return the adapter named ``name`` (default: ``settings.mail_adapter``)."""
    return ADAPTERS[name or settings.mail_adapter]()
