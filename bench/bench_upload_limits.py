"""Benchmark hostile uploads: how long and how much memory until each is refused, and whether another
user's write has to wait meanwhile.

Cases (files from tests/security/attacks.py, built in memory):
  rows      上报导入 of a 0.8 MB workbook with 1,000,000 product rows
  rows_lifted  the same with the zip checks lifted (HUIQI_UPLOAD_MAX_UNZIPPED_MB=100000, HUIQI_UPLOAD_MAX_RATIO=1e9):
            the rows are streamed and reading stops at the row limit
  bomb      上报导入 of a 1 MB workbook whose one cell inflates to 1 GB
  lying     上报导入 of a zip whose directory claims 100 bytes for a sheet that inflates to 256 MB
  def_bomb  问卷设计 Excel import of the same 1 GB bomb
  laughs    问卷设计 YAML import of a billion-laughs survey (10**8 strings through nested aliases)

Each case runs in its own process on a temporary SQLite database, watched from here: wall time of the
service call, peak resident memory (VmHWM) and its baseline before the call, the outcome (the Chinese
message), and how long a second session's one-row write, started 0.3 s into the upload, had to wait.
A case is stopped after --timeout seconds or at --max-rss-mb of memory, and reported as such.

    .venv/bin/python bench/bench_upload_limits.py [--cases rows,bomb] [--timeout 180] [--max-rss-mb 4096]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")
os.environ.setdefault("HUIQI_ENV", "test")

CASES = ["rows", "rows_lifted", "bomb", "lying", "def_bomb", "laughs"]
LIFTED = {"HUIQI_UPLOAD_MAX_UNZIPPED_MB": "100000", "HUIQI_UPLOAD_MAX_RATIO": "1e9"}


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory field in MB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def prepare(url: str) -> dict[str, str]:
    """Migrate, publish the specs, make an enterprise and a national administrator; return names."""
    from db.engine import configure, session_scope
    from db.organisation import Organisation
    from services.core.bootstrap import init_db
    from services.forms import definitions
    from services.monitor import reports, reviewers
    from tests.factories import make_admin, make_enterprise_user
    configure(url)
    init_db(url)
    definitions.sync_specs()
    admin = make_admin(None, username="bench_admin")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    ent, org_id = make_enterprise_user("320102")
    with session_scope() as s:
        code = s.get(Organisation, org_id).credit_code  # type: ignore[union-attr]
    period = next(p for p in reports.period_options() if reports.is_quarter_month(p))
    return {"admin": admin.username, "enterprise": ent.username, "period": period, "credit_code": code or ""}


def _probe(url: str, started: threading.Event, out: dict[str, object]) -> None:
    """Another user's write, 0.3 s after the upload began: how long did it wait?"""
    from db.engine import session_scope
    from services.core import audit
    from services.core.errors import ServiceError
    started.wait()
    time.sleep(0.3)
    t = time.perf_counter()
    try:
        with session_scope() as s:
            audit.record(s, None, "bench.probe", "bench", 1, {})
        out["probe"] = f"{(time.perf_counter() - t) * 1000:.0f} ms"
    except ServiceError as err:
        out["probe"] = f"{time.perf_counter() - t:.1f} s, refused: {err}"


def child(case: str, url: str, names: dict[str, str]) -> None:
    """Run one case and print one JSON line."""
    import resource

    from db.engine import configure
    from services.core.errors import ServiceError
    from services.forms import definitions
    from services.monitor import excel_io
    from tests.factories import actor_of
    from tests.security import attacks
    configure(url)
    period = names["period"]
    if case in ("rows", "rows_lifted", "bomb", "lying"):
        actor = actor_of(names["enterprise"])
        rows = lambda: attacks.many_rows_xlsx(1_000_000, names["credit_code"], period)  # noqa: E731
        data = {"rows": rows, "rows_lifted": rows,
                "bomb": lambda: attacks.bomb_xlsx(1024), "lying": lambda: attacks.lying_xlsx(256)}[case]()

        def call() -> object:
            return excel_io.import_report(actor, period, "王五", data)
    else:
        actor = actor_of(names["admin"])
        data = attacks.bomb_xlsx(1024, ("settings", "survey")) if case == "def_bomb" else attacks.billion_laughs(8).encode()
        name = "bomb.xlsx" if case == "def_bomb" else "laughs.yaml"

        def call() -> object:
            if hasattr(definitions, "import_file"):      # since the bounded reader
                return definitions.import_file(actor, data, name)
            from services.forms import xlsform       # before: what pages/forms/forms_designer.py called
            if name.endswith(".xlsx"):
                return definitions.save_draft(actor, xlsform.from_workbook(data))
            return definitions.save_draft_text(actor, data.decode("utf-8"), name)
    out: dict[str, object] = {"file_kb": len(data) // 1024,
                              "baseline_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    started = threading.Event()
    probe = threading.Thread(target=_probe, args=(url, started, out), daemon=True)
    probe.start()
    print(json.dumps({"event": "start", **out}), flush=True)
    t = time.perf_counter()
    started.set()
    try:
        result = call()
        errors = getattr(result, "errors", None)
        out["outcome"] = (f"import result: {len(errors)} errors, first: {errors[0].message}" if errors
                          else f"accepted: {result!r}"[:200])
    except ServiceError as err:
        out["outcome"] = f"refused: {err}"[:300]
    except Exception as err:  # noqa: BLE001 - before the bounded reader some refusals were not service errors
        out["outcome"] = f"{type(err).__name__}: {err}"[:300]
    out["seconds"] = round(time.perf_counter() - t, 2)
    probe.join(timeout=60)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"event": "done", **out}, ensure_ascii=False), flush=True)


def watch(case: str, url: str, names: dict[str, str], timeout: float, max_rss: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", case, "--url", url, "--names", json.dumps(names)]
    env = {**os.environ, **(LIFTED if case == "rows_lifted" else {})}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stdout is not None
    start_line = json.loads(proc.stdout.readline() or "{}")
    t, peak, stopped = time.perf_counter(), 0, ""
    while proc.poll() is None:
        peak = max(peak, _status(proc.pid, "VmHWM"))
        if time.perf_counter() - t > timeout:
            stopped = f"stopped after {timeout:.0f} s"
        elif _status(proc.pid, "VmRSS") > max_rss:
            stopped = f"stopped at {max_rss} MB of memory after {time.perf_counter() - t:.1f} s"
        if stopped:
            proc.kill()
            proc.wait()
            return {**start_line, "outcome": stopped, "peak_mb": peak, "seconds": round(time.perf_counter() - t, 1)}
        time.sleep(0.1)
    done = [json.loads(x) for x in proc.stdout.read().splitlines() if x.startswith("{")]
    return done[-1] if done else {"outcome": f"child failed (exit {proc.returncode})"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--max-rss-mb", type=int, default=4096)
    parser.add_argument("--child", default=None)
    parser.add_argument("--url", default=None)
    parser.add_argument("--names", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, json.loads(args.names))
        return
    url = f"sqlite:///{tempfile.mkdtemp()}/bench_upload_limits.db"
    names = prepare(url)
    from db.engine import get_engine
    get_engine().dispose()
    for case in args.cases.split(","):
        r = watch(case, url, names, args.timeout, args.max_rss_mb)
        print(f"{case:11s} file {r.get('file_kb', '?')} KB | {r.get('seconds', '?')} s | peak {r.get('peak_mb', '?')} MB "
              f"(baseline {r.get('baseline_mb', '?')} MB) | other writer waited {r.get('probe', '—')}\n"
              f"            {r.get('outcome')}", flush=True)


if __name__ == "__main__":
    main()
