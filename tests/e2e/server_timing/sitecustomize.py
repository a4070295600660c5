"""Loaded by the servers of the browser journeys and benchmarks only (``PYTHONPATH=tests/e2e/server_timing``):
logs, per rerun request, the server's time from receiving the browser's message to the end of the
script run it caused, as ``SERVER_RUN fragment=<bool> ms=<float>`` lines on stderr (read with
``tests.e2e.conftest.server_runs``). Not used by the product."""
import sys
import time

try:
    from streamlit.runtime import app_session
    from streamlit.runtime.scriptrunner import script_runner

    _received: list[float] = []
    _handle = app_session.AppSession.handle_backmsg
    _run = script_runner.ScriptRunner._run_script

    def _handle_backmsg(self, msg):  # type: ignore[no-untyped-def]
        if msg.WhichOneof("type") == "rerun_script":
            _received.append(time.perf_counter())
        return _handle(self, msg)

    def _run_script(self, rerun_data):  # type: ignore[no-untyped-def]
        start = _received.pop(0) if _received else time.perf_counter()
        _received.clear()  # coalesced requests are one run
        try:
            return _run(self, rerun_data)
        finally:
            print(f"SERVER_RUN fragment={bool(rerun_data.fragment_id_queue)} "
                  f"ms={(time.perf_counter() - start) * 1000:.1f}", file=sys.stderr, flush=True)

    app_session.AppSession.handle_backmsg = _handle_backmsg
    script_runner.ScriptRunner._run_script = _run_script
except Exception as exc:  # noqa: BLE001 - a benchmark aid: report and run untimed
    print(f"server_timing not installed: {exc}", file=sys.stderr)
