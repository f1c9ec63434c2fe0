"""A served test zone of its own for the API and page tests: migrations, the demo test zone (28
test subjects), and accounts: the office (admin), an analyst, a test subject's user and a user of
a firm with no vehicle, each with a bearer token. SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.factories.registry import make_firm
from yuanqu.accounts.schemas import UserCreate
from yuanqu.accounts.service import create_user, issue_token
from yuanqu.app import create_app
from yuanqu.av.demo import PATROL_FIRM, build_test_zone
from yuanqu.av.models import AvVehicle
from yuanqu.av.report import clear_cache
from yuanqu.core.db import dispose_engines, make_engine, migrate, session_scope
from yuanqu.registry.firms import codes_for_ids


@dataclass
class Zone:
    backend: str
    url: str
    app: FastAPI
    tokens: dict[str, str]
    own_uscc: str  # the test subject the "subject" user belongs to (the patrol firm)
    other_uscc: str  # another test subject
    own_vin: str
    other_vin: str

    def client(self, who: str | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        if who is not None:
            client.headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return client


def _seed(url: str) -> tuple[dict[str, str], str, str, str, str]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            build_test_zone(session, seed=7)
            rows = session.execute(select(AvVehicle.enterprise_id, AvVehicle.vin)).all()
            codes = codes_for_ids(session, {firm for firm, _vin in rows})
            from yuanqu.registry.firms import firms_by_code

            names = {c: f.name for c, f in firms_by_code(session, codes.values()).items()}
            own = next(c for c, n in names.items() if n == PATROL_FIRM)
            other = next(c for c in names if c != own)
            own_vin = next(v for f, v in rows if codes[f] == own)
            other_vin = next(v for f, v in rows if codes[f] == other)
            outsider = make_firm(session).uscc
            users = (
                ("office", "admin", None),
                ("analyst", "analyst", None),
                ("subject", "enterprise", own),
                ("outsider", "enterprise", outsider),
            )
            for username, role, uscc in users:
                create_user(
                    session,
                    data=UserCreate(
                        username=username, password="grey-heron-at-dusk-42", role=role, uscc=uscc
                    ),
                )
            tokens = {u: issue_token(session, username=u) for u, _r, _c in users}
        return tokens, own, other, own_vin, other_vin
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def zone(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Zone]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('av-zone') / 'zone.db'}"
    else:
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"{PG_ENV} is not set")
        url = _create_pg_database(base)
    migrate(url)
    tokens, own, other, own_vin, other_vin = _seed(url)
    app = create_app(url, key="test-secret")
    yield Zone(request.param, url, app, tokens, own, other, own_vin, other_vin)
    clear_cache()
    dispose_engines()
    if request.param == "postgresql":
        _drop_pg_database(url)
