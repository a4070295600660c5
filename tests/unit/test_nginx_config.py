"""The shipped nginx site (deploy/nginx-huiqi.conf) agrees with the app's own limits; its behaviour — sticky
routing, websocket, a session moving between processes — is proven by tests/e2e/test_two_processes.py."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from config import settings

ROOT = Path(__file__).resolve().parents[2]
SITE = (ROOT / "deploy" / "nginx-huiqi.conf").read_text("utf-8")
STREAMLIT = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))


def directive(name: str, text: str = SITE) -> list[str]:
    """The values of ``name`` in uncommented lines."""
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.M)


def test_the_proxy_lets_every_upload_the_app_accepts_reach_the_app() -> None:
    """A file nginx refused would show nginx's 413 page instead of the app's Chinese message."""
    [size] = directive("client_max_body_size")
    mb = int(size.removesuffix("m"))
    assert mb > STREAMLIT["server"]["maxUploadSize"] >= settings.upload_max_mb


def test_the_websocket_is_upgraded_and_kept_open() -> None:
    stream = SITE[SITE.index("location /_stcore/stream"):]
    stream = stream[:stream.index("}")]
    [timeout] = directive("proxy_read_timeout", stream)
    assert timeout in ("1d", "24h", "86400s") and directive("proxy_buffering", stream) == ["off"]
    assert directive("proxy_set_header") == ["Upgrade $http_upgrade", "Connection $huiqi_connection", "Host $http_host",
                                             "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"]


def test_a_browser_sticks_to_one_process() -> None:
    upstream = SITE[SITE.index("upstream huiqi"):]
    upstream = upstream[:upstream.index("}")]
    assert directive("hash", upstream) == ["$huiqi_route consistent"]
    assert len(directive("server", upstream)) >= 2
