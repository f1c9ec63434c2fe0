"""A served zone for the web tests: its own database (SQLite, and PostgreSQL when configured),
built by the migrations, seeded with a small demo zone and the demo accounts, with a bearer token
per demo account.

The web commits through its own sessions, so these tests get a database of their own instead of the
rolled-back ``session`` of the other tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from yuanqu.accounts.service import DemoAccount, ensure_demo_accounts, issue_token
from yuanqu.app import create_app
from yuanqu.core.auth import Role
from yuanqu.core.db import dispose_engines, make_engine, migrate, session_scope
from yuanqu.demo.service import build_demo
from yuanqu.registry.schemas import EnterpriseFilter
from yuanqu.registry.service import list_enterprises
from yuanqu.registry.views import clear_cache

SITE_FIRMS = int(os.environ.get("YUANQU_TEST_SITE_FIRMS", "600"))


@dataclass
class Site:
    backend: str
    url: str
    app: FastAPI
    accounts: dict[str, DemoAccount]
    tokens: dict[Role, str]
    other_uscc: str = ""
    other_name: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def account(self, role: Role) -> DemoAccount:
        return next(a for a in self.accounts.values() if a.role == role)

    def client(self, role: Role | None = None) -> TestClient:
        """A client authenticated by the bearer token of the demo account of ``role``."""
        client = TestClient(self.app, follow_redirects=False)
        if role is not None:
            client.headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return client


def seed_site(url: str) -> tuple[dict[str, DemoAccount], dict[Role, str], str, str]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            build_demo(session, seed=7, firms=SITE_FIRMS)
            accounts = {a.username: a for a in ensure_demo_accounts(session, seed=7)}
            tokens = {a.role: issue_token(session, username=a.username) for a in accounts.values()}
            own = accounts["enterprise"].uscc
            others = list_enterprises(session, filters=EnterpriseFilter(), sort="name", page_size=5)
            other = next(f for f in others.items if f.uscc != own)
        return accounts, tokens, other.uscc, other.name
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}"
    else:
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"{PG_ENV} is not set")
        url = _create_pg_database(base)
    migrate(url)
    accounts, tokens, other_uscc, other_name = seed_site(url)
    app = create_app(url, key="test-secret")
    yield Site(request.param, url, app, accounts, tokens, other_uscc, other_name)
    clear_cache()
    dispose_engines()
    if request.param == "postgresql":
        _drop_pg_database(url)


def login(client: TestClient, username: str, password: str) -> str:
    """Log in through the form (CSRF token included); returns the CSRF token of the session."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text
    home = client.get(response.headers["location"])
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert fresh, home.text
    return fresh.group(1)
