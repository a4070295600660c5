"""The typed settings object refuses an insecure production start."""
import pytest
from pydantic import ValidationError

from config import DEFAULT_SECRET, Settings


def test_production_refuses_default_or_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_ENV", "production")
    monkeypatch.setenv("HUIQI_SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="HUIQI_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("HUIQI_SECRET_KEY", "short")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("HUIQI_SECRET_KEY", "x" * 48)
    assert Settings().secret_key == "x" * 48


def test_defaults_are_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "HUIQI_ENV", "HUIQI_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/huiqi.db")
    assert s.env == "development" and s.demo_data is True
