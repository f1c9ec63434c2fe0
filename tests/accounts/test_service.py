"""Accounts: creation rules, passwords, tokens, disabling; and the CLI over them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories.registry import make_firm, make_task_force
from yuanqu.accounts import service
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core.auth import Role
from yuanqu.core.errors import Conflict, Unauthorized, ValidationError


def new_user(session: Session, username: str = "ana", role: Role = Role.analyst, **extra):
    data = UserCreate(username=username, password="correct horse", role=role, **extra)
    return service.create_user(session, data=data)


class TestCreateUser:
    def test_password_is_stored_hashed(self, session: Session) -> None:
        user = new_user(session)
        assert user.password_hash.startswith("$argon2")
        assert "correct horse" not in user.password_hash

    def test_username_taken_is_a_conflict(self, session: Session) -> None:
        new_user(session)
        with pytest.raises(Conflict):
            new_user(session)

    def test_enterprise_user_needs_an_existing_firm(self, session: Session) -> None:
        with pytest.raises(ValidationError):
            new_user(session, "firm", Role.enterprise)
        firm = make_firm(session)
        user = new_user(session, "firm", Role.enterprise, uscc=firm.uscc.lower())
        assert user.uscc == firm.uscc

    def test_task_force_user_needs_known_task_forces(self, session: Session) -> None:
        make_task_force(session, "ic")
        with pytest.raises(ValidationError):
            new_user(session, "tf", Role.task_force, task_forces=["nope"])
        assert new_user(session, "tf", Role.task_force, task_forces=["ic"]).task_forces == ["ic"]


class TestLoginAndTokens:
    def test_authenticate_checks_password_and_active(self, session: Session) -> None:
        new_user(session)
        assert service.authenticate(session, username="ana", password="correct horse")
        with pytest.raises(Unauthorized):
            service.authenticate(session, username="ana", password="wrong")
        service.disable_user(session, username="ana")
        with pytest.raises(Unauthorized):
            service.authenticate(session, username="ana", password="correct horse")

    def test_token_resolves_until_the_user_is_disabled(self, session: Session) -> None:
        new_user(session)
        token = service.issue_token(session, username="ana")
        backend = service.AccountsBackend()
        principal = backend.from_token(session, token)
        assert principal is not None and principal.role == Role.analyst
        assert backend.from_token(session, token + "x") is None
        service.disable_user(session, username="ana")
        assert backend.from_token(session, token) is None

    def test_nobody_disables_themselves(self, session: Session) -> None:
        new_user(session)
        with pytest.raises(Conflict):
            service.disable_user(session, username="ana", acting="ana")


class TestCli:
    def test_create_token_list_disable(self, committed_db, cli) -> None:
        result = cli(
            "users", "create", "boss", "--role", "admin", "--password", "grey-heron-at-dusk"
        )
        assert result.exit_code == 0, result.stderr
        token = cli("users", "token", "boss")
        assert token.exit_code == 0 and token.stdout.strip().startswith("yq_")
        listed = cli("users", "list", "--format", "json")
        assert '"username": "boss"' in listed.stdout
        assert cli("users", "disable", "boss").exit_code == 0
        assert cli("users", "token", "boss").exit_code != 0
        assert cli("users", "create", "x", "--role", "analyst").exit_code == 2  # name too short
        assert cli("users", "create", "firm", "--role", "enterprise").exit_code == 2  # no uscc
