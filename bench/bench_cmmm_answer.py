"""What a filling enterprise waits for: one answer click in 企业自诊断, and the level page's first paint.

Real server (``streamlit run app.py`` on a demo-seeded SQLite file) and Debian's headless Chromium
(Playwright). For each of ``--answers`` questions of level 1 it clicks an option and times until
the server's reply has reached the page: the progress caption 「已答 N 题」 shows the new count and
the app reports no script running. It also reports the server time per answer — from the server
receiving the click's rerun request to the end of the run it caused, logged inside each server
process by ``tests/e2e/server_timing/sitecustomize.py`` — and the first paint of the level page
(reload → first question visible).

Baseline in the same run: a one-file Streamlit page with as many radios as the level (``--radios``)
and the same caption (Streamlit's own floor for a click that reruns a script).

    .venv/bin/python bench/bench_cmmm_answer.py --answers 20
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (CHROMIUM_ARGS, SERVER_TIMING, HuiqiApp, _free_port,  # noqa: E402
                                _wait_until_answering, open_page, server_runs, settle, sign_in)

TRIVIAL = '''
import streamlit as st
st.title("企业自诊断")
answers = [st.radio(f"问题 {i}", ["全部满足", "部分满足", "不满足"], index=None, key=f"q{i}") for i in range({n})]
done = sum(a is not None for a in answers)
st.caption(f"共 {n} 题，已答 {{done}} 题，进度 {{done}}/{n}")
'''


def _serve(script: str, env: dict[str, str], log: Path) -> HuiqiApp:
    port = _free_port()
    env = {**env, "PYTHONPATH": str(SERVER_TIMING)}
    out = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    app = HuiqiApp(url=f"http://127.0.0.1:{port}", database_url=env.get("DATABASE_URL", ""), log=log, process=proc)
    _wait_until_answering(app, 90)
    return app


def _clicks(page, n: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Click one option in each of the first ``n`` radios; return (click → caption ms, browser script-run ms)."""
    from playwright.sync_api import expect
    main = page.get_by_test_id("stMain")
    radios = main.get_by_test_id("stRadio")
    caption = main.get_by_text(re.compile(r"^共 \d+ 题，已答 \d+ 题"))
    expect(caption).to_be_visible()
    start_done = int(re.search(r"已答 (\d+)", caption.inner_text()).group(1))  # type: ignore[union-attr]
    page.evaluate("""() => {
        window.__runs = []; const app = document.querySelector('[data-testid="stApp"]'); let t = null;
        new MutationObserver(() => { const s = app.getAttribute('data-test-script-state');
            if (s === 'running' && t === null) t = performance.now();
            if (s === 'notRunning' && t !== null) { window.__runs.push(performance.now() - t); t = null; } })
          .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }""")
    waits = []
    for i in range(n):
        settle(page, quiet_ms=200)
        t0 = time.perf_counter()
        radios.nth(i).get_by_text("全部满足", exact=True).click()
        expect(main.get_by_text(re.compile(rf"已答 {start_done + i + 1} 题"))).to_be_visible(timeout=60_000)
        settle(page, quiet_ms=50)
        waits.append((time.perf_counter() - t0) * 1000)
    runs = page.evaluate("() => window.__runs")
    return waits, [float(x) for x in runs]


def _paints(page, n: int = 5) -> list[float]:  # type: ignore[no-untyped-def]
    """Reload ``n`` times; return ms from reload until the first question is visible."""
    from playwright.sync_api import expect
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        page.reload()
        expect(page.get_by_test_id("stMain").get_by_test_id("stRadio").first).to_be_visible()
        out.append((time.perf_counter() - t0) * 1000)
        settle(page)
    return out


def _stats(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"median {statistics.median(xs):7.0f} ms · p95 {xs[max(0, int(len(xs) * 0.95) - 1)]:7.0f} ms · n={len(xs)}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--radios", type=int, default=42, help="radios on the trivial page (level 1 has 42)")
    parser.add_argument("--enterprises", type=int, default=30)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=60_000)
    work = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'b.db'}", "HUIQI_ENV": "test", "HUIQI_BCRYPT_ROUNDS": "4",
           "HUIQI_SECRET_KEY": secrets.token_urlsafe(48), "HUIQI_UPLOAD_DIR": str(work / "up"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "manage.py", "seed-demo", "--enterprises", str(args.enterprises)], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    trivial = work / "trivial.py"
    trivial.write_text(TRIVIAL.replace("{n}", str(args.radios)).replace("{{", "{").replace("}}", "}"),
                       encoding="utf-8")
    app, floor = _serve("app.py", env, work / "app.log"), _serve(str(trivial), env, work / "trivial.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(floor.url)
            base_waits, base_runs = _clicks(page, args.answers)
            base_server = server_runs(floor.log, None)[-args.answers:]
            base_paints = _paints(page)

            page = ctx.new_page()
            page.goto(app.url)
            sign_in(page, "qiye_demo", "Huiqi@2026", landing="您好")
            open_page(page, "企业自诊断", "企业自诊断")
            main_area = page.get_by_test_id("stMain")
            if main_area.get_by_text("放弃本次自诊断", exact=True).count():
                main_area.get_by_text("放弃本次自诊断", exact=True).click()
                main_area.get_by_role("button", name="确认放弃").click()
            new = main_area.get_by_role("button", name=re.compile("开始答题|开始新的自诊断"))
            expect(new.first).to_be_visible()
            if main_area.get_by_role("button", name="开始新的自诊断").count():
                main_area.get_by_role("button", name="开始新的自诊断").click()
            settle(page)
            main_area.get_by_role("button", name="开始答题").click()
            expect(main_area.get_by_test_id("stRadio").first).to_be_visible()
            before = len(server_runs(app.log, True))
            waits, runs = _clicks(page, args.answers)
            server = server_runs(app.log, True)[before:]
            paints = _paints(page)
            browser.close()
    finally:
        for a in (app, floor):
            a.process.terminate()
            a.process.wait(timeout=20)
    print(f"answer click → reply shown   企业自诊断: {_stats(waits)}")
    print(f"                              trivial page: {_stats(base_waits)}")
    print(f"server time per answer       企业自诊断: {_stats(server or [0.0])}  (fragment reruns)")
    print(f"                              trivial page: {_stats(base_server or [0.0])}  (whole-script reruns)")
    print(f"browser: script running      企业自诊断: {_stats(runs or [0.0])}")
    print(f"                              trivial page: {_stats(base_runs or [0.0])}")
    print(f"first paint (reload → first question) 企业自诊断: {_stats(paints)}")
    print(f"                              trivial page: {_stats(base_paints)}")


if __name__ == "__main__":
    main()
