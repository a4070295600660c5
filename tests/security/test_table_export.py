"""Issue 14 item 7: a table's own "Download as CSV" wrote ``=HYPERLINK(...)`` from 注册审核 as a live formula.

Streamlit 1.67 can switch that download (and copying cells) off for every ``st.dataframe`` /
``st.data_editor`` with ``client.disableDataExport``; the app's own exports are Excel files written
formula-safe by ``services/io/excel.py``. The option is set in ``.streamlit/config.toml``
(tests/unit/test_streamlit_config.py) and enforced by ``app.py`` (the browser receives it with each run),
so it holds on every page whatever directory the app was started from.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update
from streamlit import config as st_config

from db.engine import session_scope
from db.organisation import Organisation
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import _navigation_mode, app  # noqa: F401 - fixtures: AppTest runs app.py
from tests.pages.helpers import assert_clean, signed_in

FORMULA = '=HYPERLINK("http://evil.example/x","点我")'


@pytest.fixture
def export_left_on() -> Iterator[None]:
    """Start as a server that did not read .streamlit/config.toml (started from another directory)."""
    st_config.set_option("client.disableDataExport", False)
    try:
        yield
    finally:
        st_config.set_option("client.disableDataExport", True)


def test_registration_review_table_offers_no_csv_download(app, export_left_on) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_csv")
    _, org_id = make_enterprise_user("320102", status="pending")
    with session_scope() as session:
        session.execute(update(Organisation).where(Organisation.id == org_id).values(name=FORMULA))
    at = signed_in("admin_csv", PASSWORD)
    at.switch_page("pages/orgs/review_registrations.py").run()
    assert_clean(at)
    assert list(at.dataframe[0].value["企业名称"]) == [FORMULA]  # shown as typed on screen …
    assert st_config.get_option("client.disableDataExport") is True  # … but never downloadable as CSV
