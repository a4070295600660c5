"""nginx in front of the app's processes, with the shipped configuration (deploy/nginx-huiqi.conf).

The machine's nginx (Debian's nginx package, installed by scripts/test.sh) runs in the foreground with
a generated main configuration in a temp folder (its own pid, logs and temp paths), which includes the
shipped file with only the listening port and the processes' ports rewritten. Under root it runs as
``nobody``, as PostgreSQL does in tests/conftest.py.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx-huiqi.conf"
SHIPPED_PORTS = (8501, 8502)
STARTUP_TIMEOUT = 20.0

MAIN_CONF = """worker_processes 1;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format upstream '$request_uri $status $upstream_addr';
    access_log {dir}/access.log upstream;
    include {dir}/huiqi.conf;
}}
"""


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


def render_site(listen_port: int, app_ports: tuple[int, int]) -> str:
    """The shipped site configuration with the listening port and the two processes' ports put in."""
    text = SHIPPED.read_text(encoding="utf-8")
    swaps = [(r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{listen_port};")]
    swaps += [(rf"^(\s*)server 127\.0\.0\.1:{old} ", rf"\g<1>server 127.0.0.1:{new} ")
              for old, new in zip(SHIPPED_PORTS, app_ports)]
    for pattern, new in swaps:
        text, n = re.subn(pattern, new, text, flags=re.M)
        if n != 1:  # the file changed shape: test what is shipped, or fail
            raise AssertionError(f"{SHIPPED.name}: expected exactly one line matching {pattern!r}")
    return text


class Nginx:
    """A foreground nginx on ``port`` with the shipped site in front of ``app_ports``."""

    def __init__(self, binary: str, port: int, app_ports: tuple[int, int]) -> None:
        site = render_site(port, app_ports)
        self.dir = Path(tempfile.mkdtemp(prefix="huiqi-nginx-"))
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        (self.dir / "huiqi.conf").write_text(site, encoding="utf-8")
        (self.dir / "nginx.conf").write_text(MAIN_CONF.format(dir=self.dir), encoding="utf-8")
        self.access_log, self.error_log = self.dir / "access.log", self.dir / "error.log"
        prefix: list[str] = []
        if os.geteuid() == 0:  # no master process as root
            shutil.chown(self.dir, "nobody")
            prefix = ["runuser", "-u", "nobody", "--"]
        with (self.dir / "stderr.log").open("wb") as err:
            self.process = subprocess.Popen(
                [*prefix, binary, "-p", str(self.dir), "-c", "nginx.conf",
                 "-g", f"daemon off; pid {self.dir}/nginx.pid; error_log {self.error_log};"],
                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with code {self.process.returncode}:\n{self.log_text()}")
            try:
                urllib.request.urlopen(self.url + "/nginx-probe", timeout=2).close()  # noqa: S310 - loopback
                return
            except urllib.error.HTTPError:  # any answer of nginx's own (502 with no process up yet) will do
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"nginx did not listen on {self.url} within {STARTUP_TIMEOUT:.0f} s:\n{self.log_text()}")

    def upstreams(self, path: str) -> list[str]:
        """The process (host:port) that finally answered each request for ``path``, in order."""
        out = []
        if self.access_log.exists():
            for line in self.access_log.read_text(errors="replace").splitlines():
                uri, _status, upstream = (line.split(" ", 2) + ["", ""])[:3]
                last = upstream.split(",")[-1].strip()  # "a, b": a refused, b answered
                if uri.split("?")[0] == path and re.fullmatch(r"[\d.]+:\d+", last):
                    out.append(last)
        return out

    def log_text(self) -> str:
        parts = []
        for log in (self.dir / "stderr.log", self.error_log):
            if log.exists():
                parts.append(log.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def failure_logs(self) -> list[tuple[str, Path]]:
        return [("nginx error log", self.error_log), ("nginx access log", self.access_log)]

    def stop(self) -> None:
        """Stop this nginx (its master by the pid it wrote, then the runuser wrapper) and remove its folder."""
        from tests.e2e.conftest import end_process

        def quit_master() -> None:  # a graceful stop of the master this Nginx started
            try:
                os.kill(int((self.dir / "nginx.pid").read_text().strip()), signal.SIGQUIT)
            except (OSError, ValueError):
                self.process.terminate()
        end_process(self.process, quit_master)
        shutil.rmtree(self.dir, ignore_errors=True)
