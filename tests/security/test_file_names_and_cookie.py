"""Issue 14, item 9: user text (an uploaded file's name above all) is escaped in every generated HTML page,
and the sign-in cookie carries every attribute a cookie written by page JavaScript can carry."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from components import signin
from components.form_print import printable_html
from components.monitor_detail import printable_report_html
from config import settings
from services.forms.loader import load_definition
from services.monitor import review
from services.io.uploads import store_upload
from tests.monitor.conftest import Chain, filled, save
from tests.monitor.test_validation import month_of

EVIL = "<img src=x onerror=alert(1)>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

SURVEY = {"code": "evidence", "kind": "survey", "title": "佐证", "sections": [{"name": "s", "title": "材料", "questions": [
    {"name": "file", "type": "file", "label": "佐证材料", "file_types": ["png"]},
    {"name": "note", "type": "text", "label": "说明"},
    {"name": "many", "type": "select_multiple", "label": "类型", "choices": [{"value": "a", "label": "合同"}]},
    {"name": "m", "type": "matrix_fill", "label": "矩阵", "rows": [{"name": "r", "label": "行"}], "cells": [{"name": "c"}]}]}]}


def no_live_markup(page: str) -> None:
    """The page's only tags are its own (its print button included): no <img>, <script> or on…= handler."""
    page = page.replace("<button onclick='window.print()'>", "", 1)
    assert "<img" not in page and "<script" not in page
    assert not re.search(r"<[^>]*\son\w+=", page), "an event handler attribute reached the markup"


def test_an_uploaded_file_name_is_escaped_in_the_printable_page(tmp_path: Path) -> None:
    attachment = store_upload(PNG, f"{EVIL}.png", ("png",), 1, "佐证材料", folder=tmp_path)
    assert attachment["name"] == f"{EVIL}.png"          # kept as the user named it, shown as text
    answers: dict[str, Any] = {"file": attachment, "note": f"{EVIL}<script>alert(2)</script>", "many": ["a", EVIL],
                               "m": {"r": {"c": EVIL}}}
    page = printable_html(load_definition(SURVEY), answers, title=f"标题{EVIL}", org=f"企业{EVIL}", period="2026-01",
                          status="已提交")
    no_live_markup(page)
    assert f"附件：&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page and "合同、&lt;img" in page


def test_user_text_is_escaped_in_the_printable_monthly_report(chain: Chain) -> None:
    period = month_of(quarter=True)
    rid = filled(chain.ent, period)
    save(chain.ent, rid, "products", {"products": [{"name": EVIL, "code": "<b>1</b>", "unit": "件", "production": "1",
                                                    "sales": "1", "stock": "1"}]})
    page = printable_report_html(review.detail(chain.ent, rid))
    no_live_markup(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;1&lt;/b&gt;" in page


@pytest.mark.parametrize("secure", [True, False])
def test_the_sign_in_cookie_is_strict_site_only_and_secure_over_https(monkeypatch: pytest.MonkeyPatch,
                                                                      secure: bool) -> None:
    """What reaches the browser component (extra-streamlit-components' cookie manager, universal-cookie)."""
    monkeypatch.setattr(settings, "cookie_secure", secure)
    sent: list[dict[str, Any]] = []
    cookie = signin.RevocableCookie()
    cookie.cookie_manager.cookie_manager = lambda **kw: sent.append(kw)   # the browser side, recorded
    cookie.store("session-id", "cookie_store_0")
    [call] = sent
    assert call["method"] == "set" and call["cookie"] == settings.cookie_name
    options = call["options"]
    assert options["sameSite"] == "strict" and options["path"] == "/" and "domain" not in options
    assert options.get("secure", False) is secure
    assert "httpOnly" not in options   # a cookie written by JavaScript cannot be HttpOnly (README says so)
