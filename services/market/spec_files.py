"""``manage.py check-specs`` for ``specs/market/``: the listing form (listing.yaml, with its ``market:``
block) and the background forms (``*_background.yaml``, with their ``background:`` block)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def check_file(path: str | Path) -> list[Any]:
    if Path(path).stem.endswith("_background"):
        from services.market.background_form import check_file as check_background
        return list(check_background(path))
    from services.market.listing_form import check_file as check_listing
    return list(check_listing(path))
