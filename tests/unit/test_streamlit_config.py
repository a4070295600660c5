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


def test_no_magic_and_no_page_relies_on_it() -> None:
    """Every new session recompiles app.py and its page (Streamlit clears its script cache when a session
    starts); magic's syntax-tree rewrite was most of that cost. With magic off, a bare expression or a
    stray string in a page would silently show nothing: there is none."""
    import ast
    assert CONFIG["runner"]["magicEnabled"] is False
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in [root / "app.py", *sorted((root / "pages").rglob("*.py"))]:
        for parent in ast.walk(ast.parse(path.read_text("utf-8"))):
            body = getattr(parent, "body", None)
            for i, node in enumerate(body if isinstance(body, list) else []):
                if isinstance(node, ast.Expr) and not isinstance(node.value, (ast.Call, ast.Await)) and \
                        not (i == 0 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
