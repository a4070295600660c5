"""Many people opening the app at once: N browser sessions open the sign-in page together.

Real servers (``streamlit run``) and Debian's headless Chromium (Playwright, one browser, one context
per session — each a fresh visitor without cookies). For each N in ``--sessions`` it opens N pages at
the same moment and times, per session, until the sign-in form's 「登录」 button is visible; it
reports when the first and the last session were served and the median, and the server's script
runs (count and time, logged inside the server by ``tests/e2e/server_timing/sitecustomize.py``).

Baseline in the same run: a one-line Streamlit app (``st.title``) — Streamlit's own floor for a new
session (the same static files, websocket and first script run). The ratio app / floor of the time
until every session is served is the figure of issue 15 (goal ≤ 1.3 at 20 and 50 sessions).

    .venv/bin/python bench/bench_sessions.py --sessions 20 50 --rounds 3
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM_ARGS, SERVER_TIMING, HuiqiApp, _free_port, _wait_until_answering, server_runs  # noqa: E402

TRIVIAL = 'import streamlit as st\nst.title("惠企 · 企业服务数据平台")\nst.button("登录")\n'


def _serve(script: str, env: dict[str, str], log: Path) -> HuiqiApp:
    port = _free_port()
    env = {**env, "PYTHONPATH": str(SERVER_TIMING)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    app = HuiqiApp(url=f"http://127.0.0.1:{port}", database_url=env.get("DATABASE_URL", ""), log=log, process=proc)
    _wait_until_answering(app, 90)
    return app


async def _open_together(browser, url: str, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Open ``n`` fresh sessions at once; return each one's seconds until 「登录」 is visible."""
    import asyncio
    contexts = [await browser.new_context() for _ in range(n)]
    pages = [await c.new_page() for c in contexts]

    async def one(page) -> float:  # type: ignore[no-untyped-def]
        await page.goto(url, wait_until="commit", timeout=300_000)
        await page.locator("button", has_text="登录").first.wait_for(state="visible", timeout=300_000)
        return time.perf_counter() - start

    start = time.perf_counter()
    done = await asyncio.gather(*(one(p) for p in pages))
    for c in contexts:
        await c.close()
    return list(done)


async def _rounds(exe: str, app: HuiqiApp, floor: HuiqiApp, sessions: list[int], rounds: int,
                  results: dict[tuple[str, int], list[tuple[float, float, float]]]) -> None:
    from playwright.async_api import async_playwright
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for server in (app, floor):  # warm both (the first run imports)
            await _open_together(browser, server.url, 2)
        for n in sessions:
            for r in range(rounds):
                for name, server in (("app", app), ("floor", floor)) if r % 2 == 0 else (("floor", floor), ("app", app)):
                    before = len(server_runs(server.log))
                    times = await _open_together(browser, server.url, n)
                    runs = server_runs(server.log)[before:]
                    results.setdefault((name, n), []).append((max(times), min(times), statistics.median(times)))
                    print(f"{name:5} n={n:3} round {r + 1}: all served {max(times):6.2f} s, first {min(times):5.2f} s, "
                          f"median {statistics.median(times):5.2f} s; server runs {len(runs)} "
                          f"(median {statistics.median(runs) if runs else 0:.0f} ms, total {sum(runs) / 1000:.1f} s)",
                          flush=True)
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import asyncio

    import shutil
    work = Path(tempfile.mkdtemp(prefix="bench_sessions_"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'b.db'}", "HUIQI_ENV": "test", "HUIQI_BCRYPT_ROUNDS": "4",
           "HUIQI_SECRET_KEY": secrets.token_urlsafe(48), "HUIQI_UPLOAD_DIR": str(work / "up"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "manage.py", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    trivial = work / "trivial_app.py"
    trivial.write_text(TRIVIAL, encoding="utf-8")
    app, floor = _serve("app.py", env, work / "app.log"), _serve(str(trivial), env, work / "trivial.log")
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    results: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    try:
        asyncio.run(_rounds(exe, app, floor, args.sessions, args.rounds, results))
    finally:
        for s in (app, floor):
            s.process.terminate()
    print("\nsummary (medians over rounds): time until every session is served")
    for n in args.sessions:
        a = statistics.median(x[0] for x in results[("app", n)])
        f = statistics.median(x[0] for x in results[("floor", n)])
        print(f"  {n:3} sessions: app {a:6.2f} s, trivial Streamlit {f:6.2f} s, ratio ×{a / f:.2f}")


if __name__ == "__main__":
    main()
