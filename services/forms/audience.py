"""Who a designed questionnaire reaches: its scope (regions, industries, sizes, manufacturing or not) and
survey window, read from ``settings`` of the definition document. Used by the monthly step, 在线填报
and the designer; the owner's region is checked apart (``ownership.reaches``)."""
from __future__ import annotations

from typing import Any


def audience_matches(content: dict[str, Any], org: Any, period: str | None = None) -> bool:
    """Return True if the questionnaire's scope (``settings.scope``) and survey window admit ``org``
    (an organisation: region path, industry, size, division) for the report ``period`` (YYYY-MM).

    The owner's region is checked apart (``ownership.reaches``): a scope never widens it."""
    from services.core.rules import is_manufacturing
    from services.reference import industry_ancestors
    s = content.get("settings") or {}
    scope = s.get("scope") or {}
    path = {c for c in (org.province_code, org.city_code, org.county_code) if c}
    if scope.get("regions") and not path & set(scope["regions"]):
        return False
    if scope.get("industries"):
        chain = industry_ancestors(org.industry_code) if org.industry_code else []
        if not chain or chain[0].code not in scope["industries"]:
            return False
    if scope.get("sizes") and org.size not in scope["sizes"]:
        return False
    audience = scope.get("manufacturing") or (s.get("monitor") or {}).get("audience", "all")
    if audience != "all" and (audience == "manufacturing") != is_manufacturing(org.division_code):
        return False
    window = s.get("window") or {}
    if period and len(period) == 7:
        if window.get("start") and period < str(window["start"])[:7]:
            return False
        if window.get("end") and period > str(window["end"])[:7]:
            return False
    return True
