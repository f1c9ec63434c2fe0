"""A request's unit of work ends before its response is sent.

With FastAPI's default ("request") scope the session would commit after the client already has
its 200: a commit that then fails (a locked SQLite file, a serialization failure) would leave the
client believing in a change that never happened.
"""

from __future__ import annotations

from fastapi.routing import APIRoute

from yuanqu.app import create_app, route_table
from yuanqu.core.deps import get_db


def _session_scopes(dependant) -> list[str | None]:
    found = [d.scope for d in dependant.dependencies if d.call is get_db]
    for child in dependant.dependencies:
        found += _session_scopes(child)
    return found


def test_every_route_commits_before_it_responds(tmp_path) -> None:
    app = create_app(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    routes = [e.route for e in route_table(app) if isinstance(e.route, APIRoute)]
    scopes = [scope for route in routes for scope in _session_scopes(route.dependant)]
    assert len(scopes) > 20
    assert set(scopes) == {"function"}
