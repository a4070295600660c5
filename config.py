"""One typed settings object for the whole product.

Nothing else reads ``os.environ``: import ``settings`` (or call ``get_settings()``).
Values come from environment variables (prefix-free, e.g. ``DATABASE_URL``) or a ``.env`` file.
"""
from __future__ import annotations

import datetime as dt
import math
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"
MIN_SECRET_BITS = 128


def estimated_bits(secret: str) -> float:
    """Return a cautious estimate of a secret's entropy in bits: the smaller of its length times the
    Shannon entropy of its characters' frequencies, and the bits zlib needs for it (which catches
    repeated patterns). "aaaa…" scores 0 at any length, "0123" * 16 about 56;
    ``secrets.token_urlsafe(32)`` (43 characters) about 200."""
    if not secret:
        return 0.0
    n = len(secret)
    shannon = n * -sum(c / n * math.log2(c / n) for c in Counter(secret).values())
    compressed = 8 * (len(zlib.compress(secret.encode(), 9)) - len(zlib.compress(b"", 9)))
    return min(shannon, float(compressed))


class Settings(BaseSettings):
    """Configuration read once at start-up."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)  # never print the key

    env: Literal["development", "test", "production"] = Field(default="development", alias="HUIQI_ENV")
    database_url: str = Field(default=f"sqlite:///{DATA_DIR / 'huiqi.db'}", alias="DATABASE_URL")
    secret_key: str = Field(default=DEFAULT_SECRET, alias="HUIQI_SECRET_KEY")
    cookie_name: str = Field(default="huiqi_session", alias="HUIQI_COOKIE_NAME")
    session_days: float = Field(default=7.0, alias="HUIQI_SESSION_DAYS")
    upload_dir: Path = Field(default=DATA_DIR / "uploads", alias="HUIQI_UPLOAD_DIR")
    # Seed demo data on first start. Production: off unless HUIQI_DEMO_DATA is set to true explicitly.
    demo_data: bool = Field(default=True, alias="HUIQI_DEMO_DATA")
    demo_enterprises: int = Field(default=3000, alias="HUIQI_DEMO_ENTERPRISES")
    # Sign-in throttling: failures counted inside a sliding window, never a permanent lock.
    login_window_minutes: int = Field(default=15, alias="HUIQI_LOGIN_WINDOW_MINUTES")
    login_max_failures_per_account: int = Field(default=5, alias="HUIQI_LOGIN_MAX_PER_ACCOUNT")
    login_max_failures_per_client: int = Field(default=20, alias="HUIQI_LOGIN_MAX_PER_CLIENT")
    # Reverse proxies whose X-Forwarded-For / X-Real-IP name the client (services/identity/client_address.py);
    # a comma list of addresses or CIDR networks. Empty: the socket peer is the client.
    trusted_proxies: str = Field(default="", alias="HUIQI_TRUSTED_PROXIES")
    bcrypt_rounds: int = Field(default=12, alias="HUIQI_BCRYPT_ROUNDS")
    # How long a SQLite writer waits for another writer's lock before the user is told "系统繁忙".
    sqlite_busy_seconds: float = Field(default=30.0, ge=0.1, le=600, alias="HUIQI_SQLITE_BUSY_SECONDS")
    # Every upload is read within these bounds before any transaction opens (services/io/upload_limits.py).
    upload_max_mb: float = Field(default=10.0, gt=0, alias="HUIQI_UPLOAD_MAX_MB")
    upload_max_unzipped_mb: float = Field(default=20.0, gt=0, alias="HUIQI_UPLOAD_MAX_UNZIPPED_MB")
    upload_max_ratio: float = Field(default=100.0, gt=1, alias="HUIQI_UPLOAD_MAX_RATIO")
    upload_max_sheets: int = Field(default=20, ge=1, alias="HUIQI_UPLOAD_MAX_SHEETS")
    upload_max_rows: int = Field(default=5000, ge=1, alias="HUIQI_UPLOAD_MAX_ROWS")
    upload_max_columns: int = Field(default=100, ge=1, alias="HUIQI_UPLOAD_MAX_COLUMNS")
    upload_max_cell_chars: int = Field(default=10000, ge=1, alias="HUIQI_UPLOAD_MAX_CELL_CHARS")
    upload_max_text_mb: float = Field(default=2.0, gt=0, alias="HUIQI_UPLOAD_MAX_TEXT_MB")
    upload_max_nodes: int = Field(default=200_000, ge=1, alias="HUIQI_UPLOAD_MAX_NODES")
    upload_max_seconds: float = Field(default=10.0, gt=0, alias="HUIQI_UPLOAD_MAX_SECONDS")
    # The sign-in cookie carries Secure (sent over HTTPS only); turn on when the site is served over HTTPS.
    cookie_secure: bool = Field(default=False, alias="HUIQI_COOKIE_SECURE")
    # The marketplace's payment adapter (services/market/payment.py): "simulated" succeeds at once;
    # "simulated_fail" refuses every charge (tests and demonstrations of a failed payment).
    payment_provider: Literal["simulated", "simulated_fail"] = Field(default="simulated", alias="HUIQI_PAYMENT_PROVIDER")
    # 文档管理 (services/docs): where file bytes live — "local": a folder (one machine); "database": the
    # doc_blob table, so several app processes on several machines see the same files.
    docs_storage: Literal["local", "database"] = Field(default="local", alias="HUIQI_DOCS_STORAGE")
    docs_dir: Path = Field(default=DATA_DIR / "documents", alias="HUIQI_DOCS_DIR")
    docs_max_mb: float = Field(default=20.0, gt=0, le=200, alias="HUIQI_DOCS_MAX_MB")
    # The mail adapter (services/docs/mail.py): "outbox" writes each message as an .eml file into mail_outbox_dir.
    mail_adapter: Literal["outbox"] = Field(default="outbox", alias="HUIQI_MAIL_ADAPTER")
    mail_outbox_dir: Path = Field(default=DATA_DIR / "outbox", alias="HUIQI_MAIL_OUTBOX_DIR")
    mail_sender: str = Field(default="huiqi@localhost", alias="HUIQI_MAIL_SENDER")
    # Start the product's clock (clock.py) at this ISO date-time instead of now; tests and checks only.
    clock: dt.datetime | None = Field(default=None, alias="HUIQI_CLOCK")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        from services.identity.client_address import parse_networks
        parse_networks(value)  # refuse to start on an entry that is not an address or a network
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> "Settings":
        if self.env != "production":
            return self
        if self.secret_key == DEFAULT_SECRET or estimated_bits(self.secret_key) < MIN_SECRET_BITS:
            raise ValueError(
                f"生产模式下 HUIQI_SECRET_KEY 必须是随机串（估计熵至少 {MIN_SECRET_BITS} 位；"
                "生成：python -c \"import secrets;print(secrets.token_urlsafe(48))\"），拒绝使用默认或可猜的密钥启动。"
            )
        if self.clock is not None:
            raise ValueError("生产模式下不能设置 HUIQI_CLOCK（系统时钟只能是真实时间）。")
        if "demo_data" not in self.model_fields_set:  # never seeded by default: only when asked for
            self.demo_data = False
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached)."""
    return Settings()


settings = get_settings()
