"""Finding 10: weak passwords were accepted (``password``, ``12345678``, eight spaces).

New passwords need 10 characters, must not be a common password, and must score 3 of 4 on
zxcvbn's estimate; the refusal says why in Chinese and in English, on every way in.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from tests.security.conftest import STRONG, browser
from tests.web.conftest import Site, login
from yuanqu.accounts import service
from yuanqu.accounts.passwords import check_password
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core.auth import Role
from yuanqu.core.errors import ValidationError

WEAK = [
    "password",
    "12345678",
    " " * 8,
    " " * 12,
    "1234567890",
    "qwertyuiop",
    "password123",
    "iloveyou12",
    "aaaaaaaaaaaa",
    "admin12345",
    "yuanqu2024",
]
GOOD = [STRONG, "correct horse battery", "Tr0ub4dor&3-x", "山水-长江-2031-qz"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_in_both_languages(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_password(password, username="admin")
    error = refused.value
    assert error.code == "weak_password" and error.status == 422
    assert error.details["field"] == "password"
    assert "密码" in error.message("zh") and "password" in error.message("en")


@pytest.mark.parametrize("password", GOOD)
def test_good_passwords_pass(password: str) -> None:
    check_password(password, username="ana")


def test_a_password_made_of_the_user_name_is_weak() -> None:
    check_password("zhangwei-river", username="ana")
    with pytest.raises(ValidationError):
        check_password("zhangwei2024", username="zhangwei2024")


def test_service_refuses_and_writes_nothing(session: Session) -> None:
    with pytest.raises(ValidationError):
        service.create_user(
            session, data=UserCreate(username="weak", password="12345678", role=Role.analyst)
        )
    assert [u.username for u in service.list_users(session) if u.username == "weak"] == []


def test_only_the_explicit_flag_skips_the_check(session: Session) -> None:
    data = UserCreate(username="demoish", password="password", role=Role.analyst)
    user = service.create_user(session, data=data, check_strength=False)
    assert user.username == "demoish"


def test_password_change_is_checked(session: Session) -> None:
    service.create_user(session, data=UserCreate(username="ana", password=STRONG, role="analyst"))
    with pytest.raises(ValidationError):
        service.change_password(session, username="ana", password="password1")


def test_admin_form_says_why_in_the_readers_language(site: Site) -> None:
    client = browser(site)
    csrf = login(client, "admin", site.accounts["admin"].password)
    name = f"w{uuid.uuid4().hex[:8]}"
    form = {"username": name, "password": "12345678", "role": "analyst", "csrf_token": csrf}
    refused = client.post("/admin/users", data=form)
    assert refused.status_code == 422
    assert "至少需要 10 个字符" in refused.text
    form["password"] = "password12"
    english = client.post("/admin/users?lang=en", data=form)
    assert english.status_code == 422
    assert "most common passwords" in english.text
    users = {u["username"] for u in site.client(Role.admin).get("/api/v1/users").json()}
    assert name not in users


def test_api_refuses_with_the_error_body(site: Site) -> None:
    body = {"username": f"w{uuid.uuid4().hex[:8]}", "password": " " * 8, "role": "analyst"}
    response = site.client(Role.admin).post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"


def test_cli_refuses_in_one_line(committed_db, cli) -> None:
    result = cli("users", "create", "boss", "--role", "admin", "--password", "password12")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "常见" in result.stderr + result.stdout


def test_own_password_change_page_refuses_a_weak_one(site: Site) -> None:
    client = browser(site)
    csrf = login(client, "analyst", site.accounts["analyst"].password)
    current = site.accounts["analyst"].password
    response = client.post(
        "/account/password",
        data={"current": current, "password": "12345678", "repeat": "12345678", "csrf_token": csrf},
    )
    assert response.status_code == 422 and "至少需要 10 个字符" in response.text


def test_demo_logins_still_work(site: Site) -> None:
    for username, account in site.accounts.items():
        client = browser(site, "192.0.2.77")
        login(client, username, account.password)
