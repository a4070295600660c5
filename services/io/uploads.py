"""Uploaded files: checked by size, then by content (magic bytes), not by name; an .xlsx / .docx also by its
zip directory (no compression bomb); stored under a content hash. Limits: services/io/upload_limits.py."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import filetype

from config import settings
from services.core.errors import ValidationFailed
from services.io.upload_limits import check_size, check_zip

# What each allowed extension must really be.
MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def sniff(data: bytes) -> str | None:
    """Return the extension the content really has (pdf/png/jpg/xlsx/docx), or None."""
    kind = filetype.guess(data)
    if kind is None:
        return None
    if kind.extension == "zip" or kind.mime in (MIME["xlsx"], MIME["docx"]):
        head = data[:4096]
        if b"xl/" in head or kind.extension == "xlsx":
            return "xlsx"
        if b"word/" in head or kind.extension == "docx":
            return "docx"
        return None
    return {"jpeg": "jpg"}.get(kind.extension, kind.extension)


def store_upload(data: bytes, filename: str, allowed: tuple[str, ...], max_mb: float, label: str = "文件",
                 folder: Path | None = None) -> dict[str, Any]:
    """Check and store an upload; return its descriptor {name, sha256, size, type, path}.

    Raise ``ValidationFailed`` in Chinese when the size or the *content* type is not allowed
    (a renamed .exe stays refused however it is named), or when an Office file is a compression bomb.
    """
    allowed_norm = {"jpg" if a == "jpeg" else a for a in allowed}
    check_size(data, label, max_mb)
    real = sniff(data)
    if real is None or real not in allowed_norm:
        raise ValidationFailed({label: [f"{label}：文件内容不是允许的类型（允许：{'、'.join(sorted(allowed_norm))}），"
                                        "请检查后重新上传。"]})
    if real in ("xlsx", "docx"):
        check_zip(data, label)
    digest = hashlib.sha256(data).hexdigest()
    root = folder or settings.upload_dir
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{digest}.{real}"
    if not path.exists():
        path.write_bytes(data)
    return {"name": Path(filename).name[:120], "sha256": digest, "size": len(data), "type": real, "path": path.name}
