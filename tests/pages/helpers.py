"""Small helpers shared by the page tests: find widgets by label, read messages, sign in afresh."""
from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.text import JOINER
from tests.pages.conftest import APP, sign_in

ROOT = Path(APP).parent


def by_label(widgets, label: str):  # type: ignore[no-untyped-def]
    """Return the one widget in ``widgets`` (e.g. ``at.button``) with this label."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"expected one widget labelled {label!r}, got {[w.label for w in widgets]}"
    return found[0]


def shown(markdown: str) -> str:
    """Return what a reader sees of Markdown the app wrote with ``components.text.md``: its backslash
    escapes undone and its invisible word joiners dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(JOINER, "")


def texts(elements) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the text a reader sees of every element in an element list (``at.error``, ``at.success`` …)."""
    return [shown(str(e.value)) for e in elements]


def joined(elements) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(texts(elements))


def fresh_app() -> AppTest:
    """A new browser session on the same database."""
    return AppTest.from_file(APP, default_timeout=60)


def signed_in(username: str, password: str) -> AppTest:
    """A new browser session signed in as ``username``."""
    at = sign_in(fresh_app(), username, password)
    assert not at.exception, at.exception
    return at


def registered_pages(at: AppTest) -> set[str]:
    """Return the page files ``st.navigation`` registered on the last run, relative to the app folder.

    AppTest keeps the registry privately; ``switch_page`` consults the same map (and raises
    ValueError for an unregistered page), which the tests check as the public counterpart.
    """
    return {str(Path(info["script_path"]).resolve().relative_to(ROOT)) for info in at._registered_pages.values()
            if info.get("script_path")}


def assert_clean(at: AppTest) -> None:
    """The run raised no exception."""
    assert not at.exception, [e.value for e in at.exception]
