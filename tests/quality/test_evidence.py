"""佐证材料: several files per clause, each checked by content and size; a renamed file is refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.assessment.evidence import MAX_FILES, add_files, evidence_question, previewable, remove_file
from services.core.errors import NotFound, ValidationFailed
from tests.quality.shipped import model

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


def test_several_files_checked_by_content(tmp_path: Path) -> None:
    files = add_files(model(), "c621_11", None, [("现场照片.png", PNG), ("制度.pdf", PDF)], tmp_path)
    assert [(f["name"], f["type"]) for f in files] == [("现场照片.png", "png"), ("制度.pdf", "pdf")]
    assert [previewable(f) for f in files] == ["image", "pdf"]
    again = add_files(model(), "c621_11", files, [("副本.pdf", PDF)], tmp_path)   # same content: once
    assert len(again) == 2 and (tmp_path / files[1]["path"]).read_bytes() == PDF
    assert remove_file(again, files[0]["sha256"]) == [files[1]]


def test_a_renamed_program_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as err:
        add_files(model(), "c621_11", None, [("好.png", PNG), ("记录.pdf", EXE)], tmp_path)
    assert err.value.problems == {"佐证材料": ["佐证材料：「记录.pdf」的文件内容不是允许的类型"
                                           "（允许：docx、jpg、pdf、png、xlsx），请检查后重新上传。"]}
    assert list(tmp_path.iterdir()) == []


def test_size_and_count_limits(tmp_path: Path) -> None:
    q = evidence_question(model(), "c621_11")
    big = PDF + b"0" * int(q.max_mb * 1024 * 1024)
    with pytest.raises(ValidationFailed, match="文件不能超过 10 MB"):
        add_files(model(), "c621_11", None, [("大.pdf", big)], tmp_path)
    many = [{"name": f"{i}.pdf", "sha256": str(i)} for i in range(MAX_FILES)]
    with pytest.raises(ValidationFailed, match="每条条款最多上传 10 个文件，已有 10 个，本次 1 个"):
        add_files(model(), "c621_11", many, [("再一个.png", PNG)], tmp_path)
    with pytest.raises(NotFound):
        evidence_question(model(), "p01")
