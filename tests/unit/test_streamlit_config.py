"""The server settings the product relies on, read from the .streamlit/config.toml that `streamlit run` uses."""
from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text("utf-8"))


def test_error_details_are_never_shown() -> None:
    """A user never sees a traceback, a class name or a path: the error boundary shows Chinese messages."""
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_no_full_garbage_collection_after_every_run() -> None:
    """Streamlit's default gc.collect() after each run cost 170–520 ms of every answer click on this
    app's heap (bench/bench_cmmm_answer.py); Python's generational collector still runs."""
    assert CONFIG["runner"]["postScriptGC"] is False


def test_tables_offer_no_csv_download() -> None:
    """A table's own "Download as CSV" would write a cell such as =HYPERLINK(…) as a live formula; the app's
    Excel exports are formula-safe (app.py also enforces this when the file was not read)."""
    assert CONFIG["client"]["disableDataExport"] is True


def test_uploads_are_bounded_by_the_server() -> None:
    assert 0 < CONFIG["server"]["maxUploadSize"] <= 50
    assert CONFIG["server"]["enableXsrfProtection"] is True
