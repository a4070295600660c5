"""Where document bytes live: a storage adapter named by ``HUIQI_DOCS_STORAGE``.

Blobs are named by the SHA-256 of their content, so the same bytes are kept once however many versions,
copies and shares point at them. Every method takes the caller's session: the database adapter writes in
the caller's transaction (a rolled-back upload leaves nothing); the local adapter ignores it (a file
written before a rollback is an unreferenced blob, harmless, and replaced by the same bytes next time).

* ``LocalStorage`` — a folder (``HUIQI_DOCS_DIR``, default data/documents); one machine.
* ``DatabaseStorage`` — the ``doc_blob`` table; every app process on every machine sees the same files.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from config import settings
from db.docs import DocBlob
from services.core.errors import NotFound

_KEY = re.compile(r"^[0-9a-f]{64}$")


def _checked(key: str) -> str:
    if not _KEY.match(key):  # a key is a hex digest: never a path
        raise ValueError(f"bad blob key {key!r}")
    return key


class Storage(Protocol):
    """A place for blobs named by their SHA-256."""

    name: str

    def put(self, session: Session, key: str, data: bytes) -> None: ...

    def get(self, session: Session, key: str) -> bytes: ...

    def delete(self, session: Session, key: str) -> None: ...


class LocalStorage:
    """Blobs as files ``<root>/<key[:2]>/<key>``."""

    name = "local"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or settings.docs_dir)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)[:2] / key

    def put(self, session: Session, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half a file

    def get(self, session: Session, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():
            raise NotFound("文件内容不存在（存储中找不到），请联系管理员。")
        return path.read_bytes()

    def delete(self, session: Session, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class DatabaseStorage:
    """Blobs as rows of ``doc_blob``, written in the caller's transaction."""

    name = "database"

    def put(self, session: Session, key: str, data: bytes) -> None:
        if session.get(DocBlob, _checked(key)) is None:
            session.add(DocBlob(key=key, size=len(data), data=data))
            session.flush()

    def get(self, session: Session, key: str) -> bytes:
        data = session.scalar(select(DocBlob.data).where(DocBlob.key == _checked(key)))
        if data is None:
            raise NotFound("文件内容不存在（存储中找不到），请联系管理员。")
        return bytes(data)

    def delete(self, session: Session, key: str) -> None:
        session.execute(delete(DocBlob).where(DocBlob.key == _checked(key)))


def get_storage(name: str | None = None) -> Storage:
    """Return the adapter named ``name`` (default: ``settings.docs_storage``, read at each call)."""
    chosen = name or settings.docs_storage
    if chosen == "database":
        return DatabaseStorage()
    if chosen == "local":
        return LocalStorage()
    raise ValueError(f"unknown docs storage {chosen!r}")
