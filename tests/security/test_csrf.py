"""Finding 2: CSRF was skipped when any ``Authorization`` header was present.

With the admin's session cookie and ``Authorization: Basic ...`` (or ``Token ...``), ``POST
/admin/users`` created a user without a CSRF token. Only a valid bearer token exempts a
request now; a request authenticated by the cookie always needs the token.
"""

from __future__ import annotations

import base64
import uuid

import pytest

from tests.security.conftest import STRONG, browser
from tests.web.conftest import Site, login
from yuanqu.core.auth import Role

OTHER_SCHEMES = [
    "Basic " + base64.b64encode(b"admin:whatever").decode(),
    "Token abcdef",
    "Digest username=admin",
    "Bearer",  # a scheme without a token is no token
]


def _users(site: Site) -> set[str]:
    return {u["username"] for u in site.client(Role.admin).get("/api/v1/users").json()}


def _new_user_form(csrf: str | None = None) -> dict[str, str]:
    form = {"username": f"x{uuid.uuid4().hex[:8]}", "password": STRONG, "role": "analyst"}
    if csrf is not None:
        form["csrf_token"] = csrf
    return form


@pytest.mark.parametrize("authorization", OTHER_SCHEMES)
def test_cookie_request_with_another_scheme_still_needs_the_token(
    site: Site, authorization: str
) -> None:
    client = browser(site)
    login(client, "admin", site.accounts["admin"].password)
    form = _new_user_form()
    response = client.post("/admin/users", data=form, headers={"Authorization": authorization})
    assert response.status_code == 403, response.text[:300]
    assert "csrf" in response.text.lower()
    assert form["username"] not in _users(site)


def test_cookie_request_with_a_bad_bearer_token_creates_nothing(site: Site) -> None:
    client = browser(site)
    login(client, "admin", site.accounts["admin"].password)
    form = _new_user_form()
    response = client.post(
        "/admin/users", data=form, headers={"Authorization": "Bearer yq_not-a-real-token"}
    )
    assert response.status_code == 401
    assert form["username"] not in _users(site)


def test_json_with_cookie_and_other_scheme_needs_the_token(site: Site) -> None:
    client = browser(site)
    login(client, "admin", site.accounts["admin"].password)
    body = {"username": f"j{uuid.uuid4().hex[:8]}", "password": STRONG, "role": "analyst"}
    response = client.post("/api/v1/users", json=body, headers={"Authorization": "Token t"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert body["username"] not in _users(site)


def test_valid_bearer_token_needs_no_csrf_token(site: Site) -> None:
    form = _new_user_form()
    response = site.client(Role.admin).post("/admin/users", data=form)
    assert response.status_code == 303, response.text[:300]
    assert form["username"] in _users(site)


def test_cookie_request_with_its_token_passes(site: Site) -> None:
    client = browser(site)
    csrf = login(client, "admin", site.accounts["admin"].password)
    form = _new_user_form(csrf)
    assert client.post("/admin/users", data=form).status_code == 303
    assert form["username"] in _users(site)
