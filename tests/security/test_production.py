"""Production safety (issue 14, item 6): no demo data unless asked, no start while a demo account
still has the public demo password, and a secret key checked for entropy rather than length.

Settings are built the way tests/unit/test_settings.py builds them (environment variables); the
database tests copy the production values into the process-wide settings the commands read.
"""
from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

import manage
from config import MIN_SECRET_BITS, Settings, estimated_bits, settings
from db.account import Account
from db.engine import session_scope
from services.identity import accounts, auth
from services.core.demo import DEMO_PASSWORD, DEMO_USERNAMES, seed_demo
from services.core.errors import ServiceError, ValidationFailed
from services.identity.passwords import hash_password, password_problems
from services.core.production import UnsafeStart, refuse_unsafe_start, retire_demo_accounts
from tests.factories import PASSWORD, make_admin, make_enterprise_user

GOOD_KEY = secrets.token_urlsafe(32)


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("HUIQI_CLOCK", "HUIQI_DEMO_DATA"):  # HUIQI_CLOCK is set when CI runs suites under fixed dates
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HUIQI_ENV", "production")
    monkeypatch.setenv("HUIQI_SECRET_KEY", GOOD_KEY)
    return monkeypatch


# --- the secret key (no database) ---------------------------------------------------------
@pytest.mark.parametrize("weak", ["a" * 32, "a" * 200, "ab" * 40, "0123" * 16, "dev-only-insecure-secret-change-me"])
def test_guessable_secret_refused_in_production(production_env: pytest.MonkeyPatch, weak: str) -> None:
    production_env.setenv("HUIQI_SECRET_KEY", weak)
    with pytest.raises(ValidationError, match="HUIQI_SECRET_KEY") as err:
        Settings(_env_file=None)
    assert weak not in str(err.value)  # the key itself is never printed


def test_random_secret_accepted_in_production(production_env: pytest.MonkeyPatch) -> None:
    for _ in range(200):
        key = secrets.token_urlsafe(32)
        assert estimated_bits(key) >= MIN_SECRET_BITS, key
    assert Settings(_env_file=None).secret_key == GOOD_KEY


def test_entropy_estimate() -> None:
    assert estimated_bits("") == 0 and estimated_bits("a" * 64) == 0
    assert estimated_bits("ab" * 32) <= 64 and estimated_bits("0123" * 64) < 100  # repeated patterns
    assert estimated_bits(secrets.token_urlsafe(48)) > 300


# --- demo data off by default in production (no database) --------------------------------
def test_demo_data_off_in_production_unless_asked(production_env: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).demo_data is False
    for explicit in ("1", "true"):
        production_env.setenv("HUIQI_DEMO_DATA", explicit)
        assert Settings(_env_file=None).demo_data is True
    production_env.setenv("HUIQI_ENV", "development")  # the README's run command keeps its demo accounts
    production_env.delenv("HUIQI_DEMO_DATA")
    assert Settings(_env_file=None).demo_data is True


def test_seed_demo_command_refuses_in_production_unless_asked(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(settings, "env", "production")
    monkeypatch.setattr(settings, "demo_data", False)
    assert manage.main(["seed-demo", "--enterprises", "5"]) == 2
    assert "HUIQI_DEMO_DATA=true" in capsys.readouterr().err


def test_the_demo_password_is_never_accepted_as_a_password() -> None:
    assert "密码不能使用公开的演示密码。" in password_problems(DEMO_PASSWORD, "someone", "13900000000")


# --- the commands and the start check (both databases) ------------------------------------
@pytest.fixture
def production(production_env: pytest.MonkeyPatch) -> Settings:
    """The process-wide settings as a production start with a good key and nothing else set."""
    prod = Settings(_env_file=None)
    for name in ("env", "demo_data"):
        production_env.setattr(settings, name, getattr(prod, name))
    production_env.setattr(settings, "demo_enterprises", 8)  # should seeding happen after all, keep it small
    return prod


def _demo_accounts() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Account)
                              .where(Account.username.in_(DEMO_USERNAMES))) or 0


def test_prepare_in_production_seeds_nothing(db: str, production: Settings) -> None:
    assert manage.main(["prepare"]) == 0
    assert _demo_accounts() == 0
    with pytest.raises(ServiceError):
        auth.sign_in("sysadmin", DEMO_PASSWORD, "c")


def test_production_refuses_to_start_with_demo_passwords(db: str, production: Settings,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    seed_demo(12, seed=3)  # e.g. a database that was seeded before it went into production
    with pytest.raises(UnsafeStart, match="sysadmin"):
        refuse_unsafe_start()
    assert manage.main(["prepare"]) == 2
    assert "retire-demo" in capsys.readouterr().err
    settings.demo_data = True  # HUIQI_DEMO_DATA=true explicitly: a deliberate demonstration site
    refuse_unsafe_start()
    settings.demo_data = False

    assert manage.main(["retire-demo"]) == 0
    refuse_unsafe_start()
    assert manage.main(["prepare"]) == 0
    with pytest.raises(ServiceError):
        auth.sign_in("sysadmin", DEMO_PASSWORD, "c")
    with session_scope() as session:
        states = set(session.scalars(select(Account.status).where(Account.username.in_(DEMO_USERNAMES))))
    assert states == {"disabled"}


def test_a_changed_demo_password_no_longer_blocks(db: str, production: Settings) -> None:
    seed_demo(6, seed=3)
    with session_scope() as session:
        staff = list(session.scalars(select(Account).where(Account.username.in_(DEMO_USERNAMES))))
        for account in staff:
            account.password_hash = hash_password(PASSWORD)
    with session_scope() as session:  # the generated enterprises qy000005 … still have it
        assert session.scalar(select(func.count()).select_from(Account).where(Account.username.like("qy0%"))) == 1
    with pytest.raises(UnsafeStart, match="qy000005"):
        refuse_unsafe_start()
    assert retire_demo_accounts() == ["qy000005"]
    refuse_unsafe_start()


def test_no_account_can_be_given_the_demo_password(db: str) -> None:
    """So only demo-named accounts can hold it, and only those need the (slow) bcrypt check at start."""
    with pytest.raises(ValidationFailed, match="演示密码"):
        accounts.create_account("lisi", DEMO_PASSWORD, ["enterprise"], phone="13912345678")
    user, _ = make_enterprise_user()
    with pytest.raises(ValidationFailed, match="演示密码"):
        accounts.change_password(user, PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="演示密码"):
        accounts.reset_password(make_admin("320102"), user.account_id, DEMO_PASSWORD)


def test_the_app_refuses_to_start_with_demo_passwords(sqlite_db: str, production: Settings) -> None:
    """app.py shows the refusal instead of the sign-in form (the cached start-up is cleared first)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP, navigation_mode
    seed_demo(6, seed=3)
    st.cache_resource.clear()
    try:
        with navigation_mode():
            at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        assert any("拒绝启动" in str(e.value) for e in at.error), [e.value for e in at.error]
        assert not [w for w in at.text_input if w.key == "signin_password"]
    finally:
        st.cache_resource.clear()  # the next app test starts (and checks) afresh
