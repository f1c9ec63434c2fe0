"""Every setting is documented in the README's settings tables, and SECURITY.md names each one
that matters in production (Datasette's habit: a test keeps the docs true)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuanqu.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SECURITY_SETTINGS = [
    "secret_key",
    "cookie_secure",
    "session_idle_minutes",
    "session_max_hours",
    "login_max_failures",
    "login_window_seconds",
    "login_hash_concurrency",
]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`YUANQU_{name.upper()}" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", SECURITY_SETTINGS)
def test_security_settings_are_in_security_md(name: str) -> None:
    assert name in Settings.model_fields
    assert f"`YUANQU_{name.upper()}`" in (ROOT / "SECURITY.md").read_text()
