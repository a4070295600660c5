"""``components.text.md`` against Streamlit's real Markdown renderer in Chromium (issue 14 item 5).

Every construct of tests/security/markdown_cases.py is shown through ``md`` in each kind of
element that renders Markdown. The page must hold no link, image, KaTeX, emphasis from user text,
heading, code, list, quote, colour / badge directive, icon or emoji; no request leaves for
evil.example; and each construct reads exactly as typed (line breaks as spaces)."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, UI_TIMEOUT_MS, HuiqiApp, _free_port, _wait_until_answering
from tests.security.markdown_cases import CONSTRUCTS, typed

pytestmark = [pytest.mark.e2e]  # one page load of a static probe: nothing to race, so no rerun
PROBE = Path(__file__).with_name("markdown_probe_app.py")
USER_ELEMENTS = "[data-testid=stMain]"


@pytest.fixture(scope="module")
def probe(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("md-probe") / "streamlit.log"
    port = _free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(PROBE), "--server.port", str(port),
                                    "--server.headless", "true", "--server.address", "127.0.0.1"],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    app = HuiqiApp(f"http://127.0.0.1:{port}", "", log, process)
    try:
        _wait_until_answering(app, 60)
        yield app.url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_every_construct_renders_as_typed(probe: str, chromium_executable: str) -> None:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(probe)
        page.get_by_text("probe-end").wait_for(timeout=UI_TIMEOUT_MS)
        page.wait_for_timeout(2000)  # lazily loaded Markdown plugins (emoji, KaTeX) have arrived
        found = page.evaluate("""(sel) => {
            const root = document.querySelector(sel);
            const n = (q) => root.querySelectorAll(q).length;
            return {links: n('a:not([data-testid=stHeaderActionElements] a)'), images: n('img'),
                    katex: n('.katex'), em: n('em, del, code, pre, h1, h2, h3, h4, h5, h6, ol, ul, li, blockquote, hr'),
                    directives: n('.stMarkdownColoredText, .stMarkdownColoredBackground, .stMarkdownBadge, '
                                  + '.stMarkdownShimmer, span[role=img]'),
                    strong: n('strong'), tables: n('table'), text: root.innerText};
        }""", USER_ELEMENTS)
        browser.close()
    assert (found["links"], found["images"], found["katex"], found["em"], found["directives"]) == (0, 0, 0, 0, 0)
    assert found["strong"] == len(CONSTRUCTS) and found["tables"] == len(CONSTRUCTS)  # only the probe's own
    text = " ".join(found["text"].replace("\u2060", "").split())  # the browser collapses blanks
    for construct in CONSTRUCTS:
        assert text.count(" ".join(typed(construct).split())) >= 7, construct  # body, caption, alert, labels …
    assert not any(c in text for c in "→←↔—≥≤≈") and not any(ord(c) >= 0x1F300 for c in text)  # arrows, emoji
    assert not [u for u in requests if "evil.example" in u]
