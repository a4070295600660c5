"""AppTest set-up for page tests.

Streamlit's AppTest resets ``PagesManager.uses_pages_directory`` before every run and, because
this project has a ``pages/`` folder, takes the legacy multipage path, which runs the page file
alone instead of ``app.py`` (the real server clears the flag when ``st.navigation`` is first
called). We clear it after the manager is built, as ``st.navigation`` would.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@contextmanager
def navigation_mode() -> Iterator[None]:
    """Within the block, AppTest runs ``app.py`` with ``st.navigation`` (also used by bench/)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _navigation_mode() -> Iterator[None]:
    with navigation_mode():
        yield


@pytest.fixture
def app(sqlite_db: str) -> AppTest:
    """A fresh app on the clean SQLite test database (not yet run)."""
    return AppTest.from_file(APP, default_timeout=60)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill and submit the sign-in form, then rerun as the browser would."""
    at.run()
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button(key="FormSubmitter:signin-登录").click().run()
    return at.run()
