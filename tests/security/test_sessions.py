"""Finding 3: logout did not end the session (a client-side signed cookie, 12 h sliding).

Sessions are server-side now: logout, a password change and disabling the user end them; a
session also ends after its idle time and its absolute lifetime; every login gets a new id.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.security.conftest import (
    STRONG,
    browser,
    form_token,
    logged_in,
    new_user,
    session_data,
    try_login,
)
from tests.web.conftest import Site, login
from yuanqu.app import SESSION_COOKIE
from yuanqu.core.auth import Role, token_hash
from yuanqu.core.db import get_engine, session_scope


def copy_of(site: Site, client: TestClient) -> TestClient:
    """A second browser holding a copy of the first one's session cookie (a stolen cookie)."""
    thief = browser(site, "198.51.100.66")
    thief.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE))
    return thief


def _session_row(site: Site, session_id: str) -> Any:
    from yuanqu.accounts.models import UserSession  # here: the module runs against older code

    with session_scope(get_engine(site.url)) as session:
        row = session.scalar(
            select(UserSession).where(UserSession.session_hash == token_hash(session_id))
        )
        assert row is not None
        session.expunge(row)
        return row


class TestLogout:
    def test_copied_cookie_is_dead_after_logout(self, site: Site) -> None:
        client = browser(site)
        csrf = login(client, "analyst", site.accounts["analyst"].password)
        thief = copy_of(site, client)
        assert logged_in(thief)
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert not logged_in(thief)
        page = thief.get("/")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")

    def test_logout_records_the_end(self, site: Site) -> None:
        client = browser(site)
        csrf = login(client, "analyst", site.accounts["analyst"].password)
        session_id = session_data(client)["sid"]
        client.post("/logout", data={"csrf_token": csrf})
        row = _session_row(site, session_id)
        assert row.ended_at is not None and row.end_reason == "logout"

    def test_the_cookie_holds_no_user_id(self, site: Site) -> None:
        client = browser(site)
        login(client, "analyst", site.accounts["analyst"].password)
        data = session_data(client)
        assert "user_id" not in data and len(data["sid"]) >= 40


class TestRotation:
    def test_login_gets_a_new_id_and_ends_the_old_one(self, site: Site) -> None:
        client = browser(site)
        login(client, "analyst", site.accounts["analyst"].password)
        first = session_data(client)["sid"]
        old_copy = copy_of(site, client)
        assert try_login(client, "analyst", site.accounts["analyst"].password).status_code == 303
        second = session_data(client)["sid"]
        assert first != second
        assert not logged_in(old_copy)
        assert logged_in(client)
        assert _session_row(site, first).end_reason == "login"

    def test_anonymous_session_is_not_kept_through_login(self, site: Site) -> None:
        client = browser(site)
        before = form_token(client)  # an anonymous session with its CSRF token
        csrf = login(client, "analyst", site.accounts["analyst"].password)
        assert csrf != before


class TestPasswordChangeAndDisable:
    def test_password_change_ends_every_other_session(self, site: Site) -> None:
        username = new_user(site)
        here, there = browser(site), browser(site, "192.0.2.11")
        csrf = login(here, username, STRONG)
        login(there, username, STRONG)
        response = here.post(
            "/account/password",
            data={
                "current": STRONG,
                "password": "slow-river-under-pines-7",
                "repeat": "slow-river-under-pines-7",
                "csrf_token": csrf,
            },
        )
        assert response.status_code == 200, response.text[:300]
        assert not logged_in(there)
        assert logged_in(here)  # this browser got a new session
        assert try_login(browser(site, "192.0.2.12"), username, STRONG).status_code == 401
        fresh = browser(site, "192.0.2.13")
        assert try_login(fresh, username, "slow-river-under-pines-7").status_code == 303

    def test_cli_password_change_ends_sessions(self, site: Site, cli, settings) -> None:
        username = new_user(site)
        client = browser(site)
        login(client, username, STRONG)
        settings(database_url=site.url)
        result = cli("users", "password", username, "--password", "slow-river-under-pines-7")
        assert result.exit_code == 0, result.stderr
        assert not logged_in(client)

    def test_disabling_a_user_ends_its_sessions(self, site: Site) -> None:
        username = new_user(site)
        client = browser(site)
        login(client, username, STRONG)
        assert site.client(Role.admin).post(f"/api/v1/users/{username}/disable").status_code == 200
        assert not logged_in(client)


class TestLifetimes:
    def test_idle_session_ends(self, site: Site, settings) -> None:
        settings(session_idle_minutes=1.5 / 60)  # 1.5 s
        client = browser(site)
        login(client, "analyst", site.accounts["analyst"].password)
        assert logged_in(client)
        time.sleep(2.0)
        assert not logged_in(client)

    def test_used_session_stays_until_its_absolute_end(self, site: Site, settings) -> None:
        settings(session_idle_minutes=2 / 60, session_max_hours=4 / 3600)  # idle 2 s, at most 4 s
        client = browser(site)
        login(client, "analyst", site.accounts["analyst"].password)
        started = time.monotonic()
        while time.monotonic() - started < 3.0:  # used every half second: never idle
            assert logged_in(client), f"ended after {time.monotonic() - started:.1f} s"
            time.sleep(0.5)
        while time.monotonic() - started < 4.5:
            logged_in(client)
            time.sleep(0.5)
        assert not logged_in(client)


def test_sessions_over_for_a_month_are_forgotten_at_a_login(site: Site) -> None:
    from datetime import UTC, datetime, timedelta

    from yuanqu.accounts.models import User, UserSession

    old = datetime.now(UTC) - timedelta(days=31)
    with session_scope(get_engine(site.url)) as session:
        user_id = session.scalar(select(User.id).where(User.username == "analyst"))
        row = UserSession(
            user_id=user_id,
            session_hash=token_hash("an-old-session"),
            client="",
            created_at=old,
            last_seen_at=old,
            expires_at=old + timedelta(hours=12),
        )
        session.add(row)
    client = browser(site)
    login(client, "analyst", site.accounts["analyst"].password)
    with session_scope(get_engine(site.url)) as session:
        hashes = set(session.scalars(select(UserSession.session_hash)))
    assert token_hash("an-old-session") not in hashes
    assert token_hash(session_data(client)["sid"]) in hashes


def test_a_touch_never_waits_for_the_request_pool(site: Site) -> None:
    """Twenty readers of one session held the whole pool, each asking for a second connection
    to touch it: every one waited for the pool's timeout and answered 500 (benchmarks/pages.py
    found it). The touch now takes a connection outside the pool."""
    from datetime import UTC, datetime, timedelta

    import pytest
    from sqlalchemy.orm import Session

    from yuanqu.accounts.models import User, UserSession
    from yuanqu.accounts.sessions import session_user
    from yuanqu.core.db import make_engine

    if not site.url.startswith("sqlite"):
        pytest.skip("PostgreSQL touches a session in the request's own unit of work")
    stale = datetime.now(UTC) - timedelta(minutes=2)
    with session_scope(get_engine(site.url)) as session:
        user_id = session.scalar(select(User.id).where(User.username == "analyst"))
        session.add(
            UserSession(
                user_id=user_id,
                session_hash=token_hash("a-stale-session"),
                client="",
                created_at=stale,
                last_seen_at=stale,
                expires_at=stale + timedelta(hours=12),
            )
        )
    one_connection = make_engine(site.url, pool_size=1, max_overflow=0, pool_timeout=1)
    try:
        with Session(one_connection) as session:
            started = time.monotonic()
            user = session_user(session, "a-stale-session")  # holds the pool's only connection
            assert user is not None and user.username == "analyst"
            assert time.monotonic() - started < 1
    finally:
        one_connection.dispose()
    row = _session_row(site, "a-stale-session")
    assert row.last_seen_at.replace(tzinfo=UTC) > stale + timedelta(minutes=1)
