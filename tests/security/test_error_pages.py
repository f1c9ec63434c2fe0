"""Finding 15: a refused stage move on the plain form was a 500 (``error.html`` rendered without
its ``status``). Every error now renders its page with its 4xx status, through every path a page
shows an error by: the app's handlers (domain errors, invalid requests, HTTP errors, on GET and
POST) and the project board's plain-form refusals.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI, HTTPException, Path
from fastapi.testclient import TestClient

from tests.web.conftest import Site
from yuanqu.app import create_app
from yuanqu.core.auth import Role, public
from yuanqu.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationError,
    YuanquError,
)

TODAY = date.today().isoformat()
DOMAIN_ERRORS: dict[str, YuanquError] = {
    "validation": ValidationError("无效", "invalid"),
    "not_found": NotFound("没有", "missing"),
    "conflict": Conflict("冲突", "conflict"),
    "forbidden": Forbidden("禁止", "forbidden"),
    "unauthorized": Unauthorized("请登录", "log in"),
    "rate_limited": RateLimited("太多", "too many", retry_after=30),
    "plain": YuanquError("错误", "error"),
}


def _is_error_page(response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="error-page"' in response.text
    assert f"({status})" in response.text


def _middle_project(site: Site, *, not_of: set[str] = frozenset()) -> dict:
    board = site.client(Role.analyst).get("/api/v1/projects/board").json()
    for column in board["columns"][1:-3]:
        for project in column["items"]:
            if project["task_force"] not in not_of:
                return project
    raise AssertionError("no project in a middle stage")


class TestStageMoveOnThePlainForm:
    def test_unknown_stage_is_a_4xx_page(self, site: Site) -> None:
        project = _middle_project(site)
        response = site.client(Role.project_officer).post(
            f"/projects/{project['id']}/stage", data={"to": "nosuchstage", "on": TODAY}
        )
        assert 400 <= response.status_code < 500
        _is_error_page(response, response.status_code)

    def test_unknown_project_is_a_404_page(self, site: Site) -> None:
        response = site.client(Role.project_officer).post(
            "/projects/99999999/stage", data={"to": "signed", "on": TODAY}
        )
        _is_error_page(response, 404)

    def test_another_task_forces_project_is_a_403_page(self, site: Site) -> None:
        forces = set(site.account(Role.task_force).task_forces)
        project = _middle_project(site, not_of=forces)
        response = site.client(Role.task_force).post(
            f"/projects/{project['id']}/stage", data={"to": "signed", "on": TODAY}
        )
        _is_error_page(response, 403)

    def test_invalid_form_is_a_422_page(self, site: Site) -> None:
        project = _middle_project(site)
        response = site.client(Role.project_officer).post(
            f"/projects/{project['id']}/stage", data={"to": "signed", "on": "not-a-date"}
        )
        _is_error_page(response, 422)


@pytest.fixture(scope="module")
def raising_app(site: Site) -> FastAPI:
    """The site's app with one more page that raises the error it is asked for."""
    app = create_app(site.url, key="test-secret")

    def raise_it(kind: str = Path(pattern="^[a-z_0-9]+$"), _p=public()) -> None:
        if kind in DOMAIN_ERRORS:
            raise DOMAIN_ERRORS[kind]
        if kind.startswith("http_"):
            raise HTTPException(int(kind.removeprefix("http_")))
        raise AssertionError(kind)

    def needs_a_number(number: int, _p=public()) -> None:
        raise AssertionError("not reached")

    app.add_api_route("/test-errors/{kind}", raise_it, methods=["GET", "POST"])
    app.add_api_route("/test-numbers/{number}", needs_a_number, methods=["GET", "POST"])
    return app


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("kind", sorted(DOMAIN_ERRORS))
def test_every_domain_error_renders_its_page(
    raising_app: FastAPI, site: Site, kind: str, method: str
) -> None:
    client = TestClient(raising_app, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {site.tokens[Role.admin]}"  # POST needs no CSRF
    response = client.request(method, f"/test-errors/{kind}")
    error = DOMAIN_ERRORS[kind]
    if error.status == 401 and method == "GET":  # a page asks a person to log in
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        return
    _is_error_page(response, error.status)
    if isinstance(error, RateLimited):
        assert response.headers["Retry-After"] == "30"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 413, 429])
def test_every_http_error_renders_its_page(
    raising_app: FastAPI, site: Site, status: int, method: str
) -> None:
    client = TestClient(raising_app, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {site.tokens[Role.admin]}"
    _is_error_page(client.request(method, f"/test-errors/http_{status}"), status)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_invalid_request_renders_its_page(raising_app: FastAPI, site: Site, method: str) -> None:
    client = TestClient(raising_app, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {site.tokens[Role.admin]}"
    _is_error_page(client.request(method, "/test-numbers/not-a-number"), 422)


def test_unknown_page_and_wrong_method(site: Site) -> None:
    client = site.client(Role.analyst)
    _is_error_page(client.get("/no/such/page"), 404)
    _is_error_page(client.delete("/login"), 405)
