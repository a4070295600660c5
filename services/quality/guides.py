"""The three in-app documents of the quality self-assessment (docs/quality/*.md), shipped with the code:
the standard's summary (written in the platform's own words from the public structure), the training
material and this system's operating manual. ``GUIDES``: key → title; ``guide(key)``: (title, Markdown)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from services.core.errors import NotFound

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "quality"
GUIDES = {"standard": "《制造业企业质量管理能力评估规范》要点", "training": "培训教材", "manual": "自评估系统操作手册"}
PAGE = "pages/quality/quality_docs.py"


@lru_cache(maxsize=8)
def _text(key: str) -> str:
    return (FOLDER / f"{key}.md").read_text(encoding="utf-8")


def guide(key: str) -> tuple[str, str]:
    """Return (title, Markdown) of a shipped document; ``NotFound`` for an unknown key."""
    if key not in GUIDES:
        raise NotFound("没有这份文档。")
    return GUIDES[key], _text(key)
