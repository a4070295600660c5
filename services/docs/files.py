"""文档管理 — the checks of an uploaded file and its name, before any transaction opens (no database).

A name is cleaned (``clean_name``); a file's size, real content type (services/io/uploads.sniff; text by
decoding) and extension are checked together (``check_file``, ``check_batch`` for one upload)."""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Sequence


from config import settings
from services.core.errors import ValidationFailed
from services.core.lengths import too_long
from services.io.upload_limits import check_size, check_zip
from services.io.uploads import sniff

MAX_FILES = 100                # files in one upload
NAME_MAX = 128
IMAGES = {"png", "jpg", "gif", "bmp"}
FORBIDDEN = set('/\\<>:"|?*')
# real content type -> (MIME, extensions a name may carry)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpg": ("image/jpeg", ("jpg", "jpeg")),
    "gif": ("image/gif", ("gif",)),
    "bmp": ("image/bmp", ("bmp",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "txt": ("text/plain", ("txt", "csv", "md", "log")),
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    file_type: str
    sha256: str


# --- pure checks (no database) -------------------------------------------------------------------------
def clean_name(name: str, label: str = "名称") -> str:
    """Return ``name`` normalised (NFC, trimmed) or raise ``ValidationFailed`` when it is empty, longer than
    128 characters, ``.`` / ``..``, or holds a path separator, a control / format character or one of <>:"|?*."""
    value = unicodedata.normalize("NFC", name or "").strip()
    problems: list[str] = []
    if not value:
        problems.append(f"{label}：不能为空。")
    elif value in (".", ".."):
        problems.append(f"{label}：不能是“.”或“..”。")
    elif any(c in FORBIDDEN for c in value):
        problems.append(f"{label}：不能包含路径分隔符或字符 / \\ < > : \" | ? *。")
    elif any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in value):
        problems.append(f"{label}：不能包含控制字符或不可见的格式字符。")
    problems += too_long(label, value, NAME_MAX)
    if problems:
        raise ValidationFailed({label: problems})
    return value


def is_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return not any(unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text[:10000])
    return False


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def check_file(name: str, data: bytes, max_mb: float | None = None) -> CheckedFile:
    """Check one upload without touching the database: size, name, real content type, extension vs content."""
    label = f"文件“{(name or '')[:40]}”"
    filename = clean_name(name, "文件名")
    if not data:
        raise ValidationFailed({label: [f"{label}：文件为空。"]})
    check_size(data, label, settings.docs_max_mb if max_mb is None else max_mb)
    real = sniff(data)
    if real is None and is_text(data):
        real = "txt"
    if real not in TYPES:
        allowed = "、".join(sorted({e for _, exts in TYPES.values() for e in exts}))
        raise ValidationFailed({label: [f"{label}：文件内容不是允许的类型（允许：{allowed}）。"]})
    if real in ("xlsx", "docx"):
        check_zip(data, label)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in TYPES[real][1]:
        raise ValidationFailed({label: [f"{label}：文件内容是 {real}，与扩展名“.{ext}”不符，请检查后重新上传。"
                                        if ext else f"{label}：文件名缺少扩展名（内容是 {real}）。"]})
    return CheckedFile(filename, data, real, hashlib.sha256(data).hexdigest())


def check_batch(files: Sequence[tuple[str, bytes]]) -> list[CheckedFile]:
    if not files:
        raise ValidationFailed({"文件": ["文件：请选择要上传的文件。"]})
    if len(files) > MAX_FILES:
        raise ValidationFailed({"文件": [f"文件：一次最多上传 {MAX_FILES} 个文件（当前 {len(files)} 个）。"]})
    checked = [check_file(n, d) for n, d in files]
    names = [c.name for c in checked]
    if len(set(names)) != len(names):
        raise ValidationFailed({"文件": ["文件：同一次上传中有重名的文件。"]})
    return checked
