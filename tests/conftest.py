"""Test set-up: a real SQLite file and a real PostgreSQL server started here, for every service test.

Service tests take the ``db`` fixture, parametrised over both engines. The PostgreSQL server is
a throw-away cluster made with the machine's ``initdb`` / ``pg_ctl`` (Debian's postgresql
package, installed by scripts/test.sh). Set HUIQI_SKIP_PG=1 to run only on SQLite locally.
"""
from __future__ import annotations

import os

os.environ.setdefault("HUIQI_ENV", "test")
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")  # fast hashes in tests; production uses 12

import glob
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from db import engine as db_engine

_CLEAN = ["quality_comment_read", "quality_comment", "quality_question", "quality_application", "doc_version", "doc_node", "doc_group_member", "doc_group", "doc_blob",
          "public_submission", "menu_grant", "expert_profile", "listing_review", "voucher_use", "payment", "order_item",
          "market_order", "voucher", "voucher_type", "voucher_activity", "cart_item", "listing_facet", "listing_spec",
          "listing_version", "listing", "market_file",
          "notification", "form_distribution", "workflow_transition", "workflow_instance", "monitor_report", "monitor_assignment", "monitor_reviewer", "monitor_stat", "stat_region", "stat_industry", "cmmm_diagnosis", "assessment_result", "assessment_attempt", "response_score", "answer_value", "response_section", "form_response", "form_version", "form_definition",
          "audit_log", "login_attempt", "auth_session", "password_history", "form_draft", "account_role", "account",
          "organisation"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresServer:
    """A temporary PostgreSQL cluster on a free loopback port."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL 未安装：请运行 scripts/test.sh（会安装 Debian 的 postgresql 包）")
        self.dir = Path(tempfile.mkdtemp(prefix="huiqi-pg-"))
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        data = self.dir / "data"
        subprocess.run([*self.prefix, initdb, "-D", str(data), "-U", "huiqi", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8"], check=True, capture_output=True)
        subprocess.run([*self.prefix, pg_ctl, "-D", str(data), "-w", "-l", str(self.dir / "log"), "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True)
        self.pg_ctl, self.data = pg_ctl, data
        self.url = f"postgresql+psycopg://huiqi@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if os.environ.get("HUIQI_SKIP_PG") == "1":
        pytest.skip("HUIQI_SKIP_PG=1：跳过 PostgreSQL")
    server = PostgresServer()
    yield server.url
    server.stop()


_ready: set[str] = set()


def use_database(url: str) -> None:
    """Point the process at ``url``, migrated and loaded once, with the per-test tables emptied."""
    from db.base import Base
    from services.core.bootstrap import init_db
    if db_engine._engine is None or db_engine._engine.url.render_as_string(hide_password=False) != url:
        db_engine.configure(url)
    if url not in _ready:
        init_db(url)
        _ready.add(url)
    with db_engine.session_scope() as session:
        for name in _CLEAN:
            session.execute(delete(Base.metadata.tables[name]))


def use_database_url(url: str) -> None:
    """Point the process at ``url`` (already prepared by ``use_database``) without emptying it."""
    if db_engine._engine is None or db_engine._engine.url.render_as_string(hide_password=False) != url:
        db_engine.configure(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> str:
    """A clean database on each engine; returns its URL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    use_database(url)
    return url


@pytest.fixture
def sqlite_db(sqlite_url: str) -> str:
    """A clean SQLite database (page tests)."""
    use_database(sqlite_url)
    return sqlite_url
