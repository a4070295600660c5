"""Evidence files of one clause (佐证材料): several files per clause, each checked by size and by
content against the evidence question's ``file_types`` / ``max_mb`` (``services.io.uploads``), at
most ``MAX_FILES`` per clause; the result is the list a clause's ``<group>_files`` answer holds."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from services.core.errors import NotFound, ValidationFailed
from services.forms.schema import Definition, Question
from services.io.upload_limits import check_size
from services.io.uploads import sniff, store_upload

MAX_FILES = 10  # evidence files per clause (1–10)


def evidence_question(d: Definition, clause: str) -> Question:
    """Return the clause's evidence question (``NotFound`` if ``clause`` is not a clause)."""
    g = d.assessment.grading if d.assessment else None
    if g is not None:
        for s in d.sections:
            if s.name in g.sections:
                for grp in s.groups:
                    if grp.name == clause:
                        return d.question(f"{clause}_{g.evidence}")
    raise NotFound(f"评估中没有条款「{clause}」。")


def add_files(d: Definition, clause: str, existing: list[dict[str, Any]] | None,
              uploads: list[tuple[str, bytes]], folder: Path | None = None) -> list[dict[str, Any]]:
    """Check and store ``uploads`` (name, bytes); return ``existing`` plus them (a file already
    attached — same content — is not added twice). Nothing is stored when one of them is refused."""
    q = evidence_question(d, clause)
    files = list(existing or [])
    label = q.label
    if len(files) + len(uploads) > MAX_FILES:
        raise ValidationFailed({label: [f"{label}：每条条款最多上传 {MAX_FILES} 个文件，"
                                        f"已有 {len(files)} 个，本次 {len(uploads)} 个。"]})
    allowed = {"jpg" if t == "jpeg" else t for t in q.file_types}
    for name, data in uploads:  # check all before storing any
        check_size(data, f"{label}「{Path(name).name}」", q.max_mb)
        if sniff(data) not in allowed:
            raise ValidationFailed({label: [f"{label}：「{Path(name).name}」的文件内容不是允许的类型"
                                            f"（允许：{'、'.join(sorted(allowed))}），请检查后重新上传。"]})
    have = {f.get("sha256") for f in files}
    for name, data in uploads:
        stored = store_upload(data, name, q.file_types, q.max_mb, label, folder)
        if stored["sha256"] not in have:
            files.append(stored)
            have.add(stored["sha256"])
    return files


def remove_file(existing: list[dict[str, Any]] | None, sha256: str) -> list[dict[str, Any]]:
    """Return ``existing`` without the file of that content (the stored bytes stay: others may share them)."""
    return [f for f in existing or [] if f.get("sha256") != sha256]


def previewable(f: dict[str, Any]) -> str | None:
    """Return "image" or "pdf" when the page can preview the file, else None (offer a download)."""
    return {"png": "image", "jpg": "image", "pdf": "pdf"}.get(str(f.get("type")))
