"""The typed settings object refuses an insecure production start (entropy and demo data: tests/security)."""
import secrets

import pytest
from pydantic import ValidationError

from config import DEFAULT_SECRET, Settings


def test_production_refuses_default_or_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUIQI_CLOCK", raising=False)  # set when CI runs the suites under fixed dates
    monkeypatch.setenv("HUIQI_ENV", "production")
    monkeypatch.setenv("HUIQI_SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="HUIQI_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("HUIQI_SECRET_KEY", "short")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("HUIQI_SECRET_KEY", "x" * 48)  # long enough, but guessable
    with pytest.raises(ValidationError):
        Settings()
    key = secrets.token_urlsafe(48)
    monkeypatch.setenv("HUIQI_SECRET_KEY", key)
    assert Settings().secret_key == key


def test_defaults_are_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "HUIQI_ENV", "HUIQI_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/huiqi.db")
    assert s.env == "development" and s.demo_data is True


def test_production_refuses_a_moved_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_ENV", "production")
    monkeypatch.setenv("HUIQI_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("HUIQI_CLOCK", "2027-01-01T00:30:00+08:00")
    with pytest.raises(ValidationError, match="HUIQI_CLOCK"):
        Settings()
    monkeypatch.setenv("HUIQI_ENV", "test")
    assert Settings().clock is not None and Settings().clock.isoformat() == "2027-01-01T00:30:00+08:00"
