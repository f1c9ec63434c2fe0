"""Settings, read from the environment (``YUANQU_*``) and overridable by the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data lives and how the system talks."""

    model_config = SettingsConfigDict(env_prefix="YUANQU_", extra="ignore")

    data_dir: Path = Field(default=Path(".yuanqu"), description="data directory (db, uploads)")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file yuanqu.db in data_dir"
    )
    lang: str = Field(default="zh", description="language of messages: zh or en")
    secret_key: str | None = Field(default=None, description="signs session cookies")
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="analytics engine of the CLI's stats/policy/chains commands: duckdb or spark",
    )
    spark_source: Path | None = Field(
        default=None, description="the Parquet dataset Spark reads (written by export parquet)"
    )
    zone_divisions: str | None = Field(
        default=None,
        description="the zone's administrative divisions (GB/T 2260, comma-separated): a firm "
        "imported with a credit code issued elsewhere is flagged; default: from the registry",
    )
    space_settings: Path | None = Field(
        default=None,
        description="the zone's land and space settings (plot ratios, matching A and B firms "
        "first), laid out as the shipped data/space/zone.yaml; default: that file",
    )
    spark_master: str | None = Field(
        default=None, description="Spark master: local[2] (default), spark://..., or sc://..."
    )
    # --- memory bounds of the analytics caches (docs/scale.md "Memory") ---
    stats_cache_years: int = Field(
        default=6,
        ge=2,
        description="years of monthly reports the statistics snapshot keeps loaded (about "
        "0.2 GB a year at 100,000 firms); past it the least recently used years are dropped",
    )
    policy_batches_kept: int = Field(
        default=2,
        ge=1,
        description="evaluations of every policy in effect kept for the pages (about 150 MB "
        "each at 1,000,000 firms); past it the least recently used is dropped",
    )
    # --- the site's sessions and logins (SECURITY.md) ---
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Secure flag of the site's cookies: auto (when the request came over HTTPS, "
        "as uvicorn sees it behind a proxy's X-Forwarded-Proto), always, never",
    )
    session_idle_minutes: float = Field(
        default=120, gt=0, description="a session unused this long ends (minutes)"
    )
    session_max_hours: float = Field(
        default=12, gt=0, description="a session ends this long after its login, used or not"
    )
    login_max_failures: int = Field(
        default=10, ge=1, description="failed logins per account, and per client address, ..."
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="... within this window, before logins answer 429"
    )
    login_hash_concurrency: int = Field(
        default=2, ge=1, description="password hashes computed at once by one server process"
    )
    max_upload_mb: int = Field(
        default=50, ge=1, le=10_000, description="largest request body the site accepts (MB)"
    )
    warmup: bool = Field(
        default=True,
        description="serve: compute the shared figures at start and after every data change",
    )
    warmup_seconds: float = Field(
        default=10, gt=0, le=3600, description="how often the warm-up looks for changed data (s)"
    )
    page_cache_entries: int = Field(
        default=512, ge=0, le=100_000, description="rendered pages and tabs kept in memory"
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="database connections a process keeps open (as many again at a peak)",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yuanqu.db').resolve()}"


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def configure(**values: Any) -> Settings:
    """Override settings for this process (the CLI's global options, tests)."""
    global _settings
    base = get_settings().model_dump()
    base.update({k: v for k, v in values.items() if v is not None})
    _settings = Settings.model_validate(base)
    return _settings


def reset_settings() -> None:
    global _settings
    _settings = None


def restore_settings(settings: Settings) -> None:
    """Put back settings saved with ``get_settings()`` (tests, embedding)."""
    global _settings
    _settings = settings
