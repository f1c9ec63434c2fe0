"""The security regression suite (issue #17): each finding an attacker made against the demo,
proved fixed on the served zone of the web tests (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Site, login, site  # noqa: F401  (the fixture, shared)
from yuanqu.accounts.schemas import UserCreate
from yuanqu.accounts.service import create_user
from yuanqu.app import SESSION_COOKIE
from yuanqu.core.auth import Role
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.db import get_engine, session_scope

STRONG = "grey-heron-at-dusk-42"


@pytest.fixture
def settings() -> Iterator[Callable[..., Any]]:
    """Change settings for one test (the limits and lifetimes are read per request)."""
    saved = get_settings()
    yield configure
    restore_settings(saved)


def new_user(zone: Site, role: Role = Role.analyst, password: str = STRONG) -> str:
    """A fresh account of its own, so a test may lock it or end its sessions."""
    username = f"u{uuid.uuid4().hex[:10]}"
    extra: dict[str, Any] = {}
    if role == Role.enterprise:
        extra["uscc"] = zone.account(Role.enterprise).uscc
    with session_scope(get_engine(zone.url)) as session:
        create_user(
            session, data=UserCreate(username=username, password=password, role=role, **extra)
        )
    return username


def browser(zone: Site, address: str = "192.0.2.10") -> TestClient:
    """A client without a token (it logs in with the form), from its own address."""
    return TestClient(zone.app, follow_redirects=False, client=(address, 50000))


def form_token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def try_login(client: TestClient, username: str, password: str) -> Any:
    """One login through the form; returns the response (303 in, 401 wrong, 429 locked)."""
    token = form_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def session_data(client: TestClient) -> dict[str, Any]:
    """What the signed session cookie carries (its payload is base64 JSON)."""
    value = client.cookies.get(SESSION_COOKIE)
    assert value, "no session cookie"
    payload = value.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


def logged_in(client: TestClient) -> bool:
    """Does the client's cookie still open a page? (A dead session is sent to /login.)"""
    response = client.get("/api/v1/me")
    return response.status_code == 200
