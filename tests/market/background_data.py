"""A complete, valid 企业背景信息 for tests (the registration's own answers come from the organisation)."""
from __future__ import annotations

import io
from typing import Any

from PIL import Image

from services.core.permissions import Actor


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, format="PNG")
    return buf.getvalue()


def answers(**over: Any) -> dict[str, Any]:
    """A complete 企业背景信息 (the demo enterprise's, services.market.demo.BACKGROUND) with ``over`` applied."""
    from services.market.demo import BACKGROUND
    return {**BACKGROUND, **over}


def fill_background(actor: Actor, **over: Any) -> None:
    """Fill and submit an enterprise's 企业背景信息 through the service (certification for the marketplace)."""
    from services.market import background
    licence = background.store_license(actor, png(), "yyzz.png")
    background.submit(actor, answers(license=licence, **over))
