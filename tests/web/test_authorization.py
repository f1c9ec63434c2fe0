"""The authorization matrix: every route of the app, taken from the router, against every role."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.routing import APIRoute
from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.app import RouteEntry, route_table
from yuanqu.core.auth import EVERYONE, Role, route_access

# Routes that are not FastAPI routes and are open to everyone by design.
PUBLIC_NON_API = {"/api/v1/openapi.json", "/static"}
ROLES: list[Role | None] = [*Role, None]


def api_routes(site: Site) -> list[RouteEntry]:
    return [r for r in route_table(site.app) if isinstance(r.route, APIRoute)]


def fill_path(path: str, site: Site) -> str:
    # A firm the enterprise user owns and the task-force user follows; a user that does not exist.
    own = site.account(Role.enterprise).uscc or ""
    return (
        path.replace("{uscc}", own)
        .replace("{username}", "nobody-here")
        .replace("{code}", "en")
        .replace("{policy_id}", "rd_investment_reward")
        .replace("{year}", "2035")
    )


class TestRouteInventory:
    def test_every_route_declares_its_roles_once(self, site: Site) -> None:
        for route in route_table(site.app):
            if isinstance(route.route, APIRoute):
                assert len(route_access(route.route)) == 1, f"{route.path}: allow() or public()"
            else:
                assert route.path in PUBLIC_NON_API, f"unexpected non-API route {route.path}"

    def test_inventory_is_not_empty(self, site: Site) -> None:
        assert len(api_routes(site)) >= 20

    @pytest.mark.parametrize(
        ("method", "path", "roles"),
        [
            ("GET", "/api/v1/calendar/{year}", EVERYONE),
            ("POST", "/api/v1/calendar/notices", frozenset({Role.admin})),
        ],
    )
    def test_declared_roles_are_the_expected_ones(
        self, site: Site, method: str, path: str, roles: frozenset[Role]
    ) -> None:
        (route,) = [r for r in api_routes(site) if r.path == path and method in r.methods]
        (access,) = route_access(route.route)
        assert not access.public and access.roles == roles


@pytest.mark.parametrize("role", ROLES, ids=lambda r: str(r or "anonymous"))
def test_matrix(site: Site, role: Role | None) -> None:
    """Each role gets 403 exactly where it is not declared; anonymous users are sent to log in."""
    client = site.client(role)
    if role is None:  # a browser that holds a CSRF token, so only the role check can refuse it
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        client.headers["X-CSRF-Token"] = token.group(1)
    checked = 0
    for route in api_routes(site):
        (access,) = route_access(route.route)
        for method in sorted(route.methods):
            path = fill_path(route.path, site)
            response = client.request(method, path)
            allowed = access.public or role in access.roles
            where = f"{method} {route.path} as {role}"
            if allowed:
                assert response.status_code not in (401, 403), f"{where}: {response.text[:300]}"
            elif role is None:
                assert response.status_code in (401, 303), where
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login"), where
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"
                if path.startswith("/api/"):
                    body = response.json()
                    assert set(body) == {"code", "message", "details"}, where
                    assert body["code"] == "forbidden"
            checked += 1
    assert checked >= 20


def test_refusal_is_logged(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="yuanqu.auth"):
        response = site.client(Role.enterprise).get("/api/v1/users")
    assert response.status_code == 403
    assert response.json()["message"]
    assert any("refused: user=enterprise" in r.getMessage() for r in caplog.records)


class TestEnterpriseIsolation:
    """A firm user never reads another firm's data, by any route, parameter or export."""

    def test_directory_holds_only_own_firm(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        for params in ({}, {"q": site.other_uscc}, {"q": site.other_name}, {"page_size": 500}):
            body = client.get("/api/v1/enterprises", params=params).json()
            assert {item["uscc"] for item in body["items"]} <= {own}
            assert body["total"] <= 1

    def test_other_profile_is_refused(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        for path in (f"/api/v1/enterprises/{site.other_uscc}", f"/enterprises/{site.other_uscc}"):
            assert client.get(path).status_code == 403
        # nor does a missing firm's code tell whether it exists
        assert client.get("/api/v1/enterprises/91110000MA00000000").status_code == 403

    def test_export_holds_only_own_firm(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        for params in ({}, {"q": site.other_uscc}):
            response = client.get("/enterprises/export.xlsx", params=params)
            assert response.status_code == 200
            rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
            sheet = rows.get_sheet_by_index(0).to_python()
            codes = {row[0] for row in sheet[1:]}
            assert codes <= {own}

    def test_no_get_route_leaks_another_firm(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        for route in api_routes(site):
            (access,) = route_access(route.route)
            if "GET" not in route.methods or Role.enterprise not in access.roles:
                continue
            path = route.path.replace("{uscc}", site.other_uscc)
            # Ask by code and look for the name, ask by name and look for the code (pages echo
            # the query back, which is no leak).
            by_code = client.get(path, params={"q": site.other_uscc, "uscc": site.other_uscc})
            if by_code.status_code == 403:  # refused; the body echoes the code asked for
                continue
            assert site.other_name not in by_code.text, route.path
            by_name = client.get(path, params={"q": site.other_name})
            assert site.other_uscc not in by_name.text, route.path


def test_task_force_user_sees_only_its_task_forces(site: Site) -> None:
    client = site.client(Role.task_force)
    forces = set(site.account(Role.task_force).task_forces)
    body = client.get("/api/v1/enterprises", params={"page_size": 500}).json()
    assert body["total"] > 0
    assert {item["task_force"] for item in body["items"]} <= forces
    outsider = client.get("/api/v1/enterprises", params={"task_force": "auto"}).json()
    assert "auto" in forces or outsider["total"] == 0


def test_html_refusal_is_a_friendly_page(site: Site) -> None:
    response = site.client(Role.enterprise).get("/admin/users")
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert re.search("无权访问", response.text)
