"""Fixtures for the browser journeys: the real app in a subprocess and Debian's headless Chromium.

The app runs exactly as in production (``manage.py seed-demo`` then ``streamlit run app.py``) on
a throw-away SQLite file and a free loopback port. Chromium is the machine's own
(``/usr/bin/chromium``), driven by the Playwright package; ``playwright install`` is never used.
A missing Chromium fails the run; set HUIQI_SKIP_E2E=1 to skip the journeys deliberately.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0  # seconds for the server to answer its health check
SEED_TIMEOUT = 180.0
FAILURE_SCREENSHOT = Path("/tmp/huiqi-e2e-failure.png")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A failing step waits this long (ms) for Streamlit's asynchronous reruns before giving up.
UI_TIMEOUT_MS = 20_000
COOKIE_NAME = "huiqi_session"


def _skip_requested() -> bool:
    return os.environ.get("HUIQI_SKIP_E2E") == "1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class HuiqiApp:
    """The running app: its base URL, database and log."""

    url: str
    database_url: str
    log: Path
    process: subprocess.Popen[bytes]


def _wait_until_answering(app: HuiqiApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    health = f"{app.url}/_stcore/health"
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"Streamlit exited with code {app.process.returncode}:\n{_tail(app.log)}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:  # noqa: S310 - loopback only
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"Streamlit did not answer on {health} within {timeout:.0f} s:\n{_tail(app.log)}")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of the machine's Chromium; fail (not skip) when it is missing, unless HUIQI_SKIP_E2E=1."""
    if _skip_requested():
        pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request")
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(found, os.X_OK):
        pytest.fail("Chromium not found (install Debian's chromium package), or set HUIQI_SKIP_E2E=1 to skip "
                    "the browser journeys", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("The playwright Python package is missing from the venv (pip install playwright); "
                    "or set HUIQI_SKIP_E2E=1", pytrace=False)
    return found


@pytest.fixture(scope="session")
def nginx_executable() -> str:
    """Path of the machine's nginx; fail (not skip) when it is missing, unless HUIQI_SKIP_E2E=1."""
    from tests.e2e.proxy import nginx_binary

    if _skip_requested():
        pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request")
    found = nginx_binary()
    if found is None:
        pytest.fail("nginx not found (install Debian's nginx package; scripts/test.sh does), or set HUIQI_SKIP_E2E=1 "
                    "to skip the browser journeys", pytrace=False)
    return found


SERVER_TIMING = ROOT / "tests" / "e2e" / "server_timing"  # sitecustomize that logs each run's server time


def server_runs(log: Path, fragment: bool | None = None) -> list[float]:
    """The server times (ms) a server started with ``SERVER_TIMING`` logged, in order: only fragment
    reruns (``fragment=True``), only whole-script runs (``False``) or all (``None``)."""
    out = []
    for m in re.finditer(r"SERVER_RUN fragment=(True|False) ms=([\d.]+)", log.read_text(errors="replace")):
        if fragment is None or (m.group(1) == "True") == fragment:
            out.append(float(m.group(2)))
    return out


def app_env(workdir: Path, database_url: str, secret_key: str | None = None) -> dict[str, str]:
    """The environment of the app's processes: production settings but fast hashes, on ``database_url``.
    Processes that share a database must share ``secret_key`` (it signs the sign-in cookie)."""
    return {**os.environ,
            "DATABASE_URL": database_url,
            "HUIQI_ENV": "test",
            "HUIQI_BCRYPT_ROUNDS": "4",
            "HUIQI_SECRET_KEY": secret_key or secrets.token_urlsafe(48),
            "HUIQI_UPLOAD_DIR": str(workdir / "uploads"),
            "HUIQI_COOKIE_NAME": COOKIE_NAME,  # pinned: the journey reads this cookie from the browser
            "HUIQI_SESSION_DAYS": "7",
            "PYTHONUNBUFFERED": "1"}


def seed_demo(env: dict[str, str], enterprises: int = 30) -> None:
    """``manage.py seed-demo`` (migrations included) on the database of ``env``."""
    seed = subprocess.run([sys.executable, "manage.py", "seed-demo", "--enterprises", str(enterprises)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=SEED_TIMEOUT)
    if seed.returncode != 0:
        pytest.fail(f"seed-demo failed ({seed.returncode}):\n{seed.stdout[-3000:]}\n{seed.stderr[-3000:]}",
                    pytrace=False)


def start_app(env: dict[str, str], log: Path, port: int | None = None) -> HuiqiApp:
    """``streamlit run app.py`` as in production on a loopback ``port`` (default: a free one); return once it
    answers its health check. Stop it with ``stop_app``."""
    port = port or _free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=ROOT, env={**env, "PYTHONPATH": str(SERVER_TIMING)}, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    app = HuiqiApp(url=f"http://127.0.0.1:{port}", database_url=env["DATABASE_URL"], log=log, process=process)
    try:
        _wait_until_answering(app, STARTUP_TIMEOUT)
    except BaseException:
        stop_app(app)
        raise
    return app


def end_process(process: subprocess.Popen[bytes], ask: Callable[[], None] | None = None) -> None:
    """End a process this test started: ``ask`` it (default: SIGTERM), then kill it after 15 s."""
    if process.poll() is not None:
        return
    (ask or process.terminate)()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def stop_app(app: HuiqiApp) -> None:
    """End the app's process, gently first."""
    end_process(app.process)


@pytest.fixture(scope="module")
def huiqi_app(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HuiqiApp]:
    """Seed a temp SQLite database with demo data and serve the real app on a free loopback port."""
    workdir = tmp_path_factory.mktemp("huiqi-e2e")
    env = app_env(workdir, f"sqlite:///{workdir / 'e2e.db'}")
    seed_demo(env)
    app = start_app(env, workdir / "streamlit.log")
    try:
        yield app
    finally:
        stop_app(app)


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def browser_page(browser: Any, base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page on ``base_url``; screenshot on failure."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", base_url=base_url)
    pg = context.new_page()
    pg.set_default_timeout(UI_TIMEOUT_MS)
    try:
        yield pg
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            try:
                pg.screenshot(path=str(FAILURE_SCREENSHOT), full_page=True)
                print(f"failure screenshot: {FAILURE_SCREENSHOT}")
            except Exception as err:  # noqa: BLE001 - a screenshot must not hide the real failure
                print(f"could not take the failure screenshot: {err}")
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, huiqi_app: HuiqiApp, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page on the app; screenshot on failure."""
    with browser_page(browser, huiqi_app.url, request) as pg:
        yield pg


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item (for the failure screenshot) and attach the server log."""
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{rep.when}", rep)
    if not rep.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, HuiqiApp):
            rep.sections.append(("huiqi server log (tail)", _tail(value.log)))
            rep.sections.append(("huiqi screenshot", f"on failure: {FAILURE_SCREENSHOT}"))
        for name, log in getattr(value, "failure_logs", lambda: [])():  # e.g. several processes and a proxy
            rep.sections.append((f"{name} (tail)", _tail(log)))


# --- helpers over Streamlit's widgets, shared by the journeys ------------------------------------
# Playwright is imported lazily here, so that a missing package fails in the fixture with advice.
def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def text_input(page: Page, label: str) -> Any:
    """Streamlit text inputs carry their label as aria-label (the help button has another name) — as
    written, i.e. escaped by ``components.text.md`` where the label holds punctuation."""
    from components.text import md

    def css(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"')
    return page.locator(f'input[aria-label="{css(label)}"], input[aria-label="{css(md(label))}"]')


def fill(page: Page, label: str, value: str) -> None:
    box = text_input(page, label)
    box.fill(value)
    expect(box).to_have_value(value)


def choose(page: Page, label: str, typed: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``: click, type to filter, press Enter."""
    box = page.locator(f'input[role="combobox"][aria-label="{label}"]')
    box.click()
    box.fill(typed)
    expect(page.get_by_role("option", name=option, exact=True)).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value(option)


def sidebar(page: Page) -> Any:
    return page.get_by_test_id("stSidebar")


def expect_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_role("heading", name="账户登录").first).to_be_visible()
    expect(sidebar(page).get_by_role("button", name="退出登录")).to_have_count(0)


def expect_signed_in_as(page: Page, who: str) -> None:
    expect(sidebar(page).get_by_role("button", name="退出登录")).to_be_visible()
    expect(sidebar(page).get_by_text(who, exact=True)).to_be_visible()


def session_cookie(page: Page, changed_from: str | None = None, timeout: float = 15.0) -> str:
    """Wait until the cookie component has written a session cookie (other than ``changed_from``); return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for cookie in page.context.cookies():
            if cookie["name"] == COOKIE_NAME and cookie["value"] and cookie["value"] != changed_from:
                return cookie["value"]
        page.wait_for_timeout(100)
    raise AssertionError(f"a new {COOKIE_NAME} cookie was not written within {timeout:.0f} s")


def current_cookie(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == COOKIE_NAME), None)


def cookie_deleted(page: Page, timeout: float = 15.0) -> None:
    """Wait until sign-out has removed the session cookie from the browser."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if current_cookie(page) is None:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the {COOKIE_NAME} cookie was still in the browser {timeout:.0f} s after sign-out")


def settle(page: Page, quiet_ms: int = 500, timeout: float = 15.0) -> None:
    """Wait until no script run is under way or about to start, for ``quiet_ms`` in a row.

    After sign-in or sign-out, the cookie component (an iframe, mounted only then) reports back
    and so starts one more rerun a moment after the page looks finished; a click in that moment
    can be superseded by it. A test waits until no cookie frame is mounted and no script runs.
    """
    app = page.get_by_test_id("stApp")
    cookie_frames = page.locator('iframe[src*="cookie_manager"]')
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        busy = app.get_attribute("data-test-script-state") != "notRunning" or cookie_frames.count() > 0
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif (now - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the app did not settle within {timeout:.0f} s")


def open_page(page: Page, link: str, heading: str) -> None:
    """Open a page from the sidebar navigation."""
    settle(page)
    sidebar(page).get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()


def sign_in(page: Page, username: str, password: str, landing: str) -> None:
    """Sign in, wait for the landing heading and for the new session cookie to be written."""
    expect(page.get_by_role("heading", name="账户登录").first).to_be_visible()
    before = current_cookie(page)  # None after a sign-out; a stale value if the browser kept one
    fill(page, "用户名", username)
    fill(page, "密码", password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name=landing).first).to_be_visible()
    session_cookie(page, changed_from=before)
    settle(page)


def reload(page: Page) -> None:
    page.reload()
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-connection-state", "CONNECTED")
    settle(page)


def sign_out(page: Page) -> None:
    sidebar(page).get_by_role("button", name="退出登录").click()
    expect_signed_out(page)
    deadline = time.monotonic() + 15  # the cookie component removes the cookie on the next runs
    while current_cookie(page) is not None and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert current_cookie(page) is None, "sign-out did not remove the session cookie"
    settle(page)
