"""`yuanqu users ...`: accounts on the command line (create, token, list, disable)."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from pydantic import ValidationError as PydanticValidationError

from yuanqu.accounts import service
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core.auth import ROLE_NAMES, Role
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.terminal import OutputFormat, console, emit_rows, lang, t

app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)


@app.command("create")
def create(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, analyst, task_force, policy_officer, ...")],
    password: Annotated[
        str | None, typer.Option(help="default: a random one, printed once")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="display name")] = "",
    uscc: Annotated[str | None, typer.Option(help="the firm of an enterprise user")] = None,
    task_force: Annotated[
        list[str] | None, typer.Option("--task-force", help="task force of a task_force user")
    ] = None,
) -> None:
    """Create an account (argon2-hashed; 10+ characters, not a common password)."""
    chosen = password or secrets.token_urlsafe(12)
    try:
        data = UserCreate(
            username=username,
            password=chosen,
            role=role,
            display_name=name,
            uscc=uscc,
            task_forces=task_force or [],
        )
    except PydanticValidationError as invalid:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in invalid.errors())
        raise ValidationError(f"账号信息无效：{problems}", f"invalid account: {problems}") from None
    with cli_session() as session:
        service.create_user(session, data=data)
    console.print(t(f"已创建账号 {username}（{role}）", f"created {username} ({role})"))
    if password is None:
        console.print(t(f"初始密码：{chosen}", f"initial password: {chosen}"), highlight=False)


@app.command("password")
def password(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="default: a random one, printed once")
    ] = None,
) -> None:
    """Set a new password (checked for strength); every session of the account ends."""
    chosen = password or secrets.token_urlsafe(12)
    with cli_session() as session:
        service.change_password(session, username=username, password=chosen)
    console.print(t(f"已修改 {username} 的密码", f"changed the password of {username}"))
    if password is None:
        console.print(t(f"新密码：{chosen}", f"new password: {chosen}"), highlight=False)


@app.command("token")
def token(
    username: str, name: Annotated[str, typer.Option(help="what the token is for")] = ""
) -> None:
    """Issue an API bearer token (printed once; only its hash is kept)."""
    with cli_session() as session:
        value = service.issue_token(session, username=username, name=name)
    print(value)


@app.command("list")
def list_users(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """List the accounts."""
    from yuanqu.registry.service import list_task_forces

    with cli_session() as session:
        users = service.list_users(session)
        forces = {tf.code: tf.name(lang()) for tf in list_task_forces(session)}
    # JSON and CSV keep the codes machines read; the table names roles and task forces.
    person = fmt == OutputFormat.table
    which = 1 if lang() == "en" else 0
    rows = [
        {
            "username": u.username,
            "role": ROLE_NAMES[u.role][which] if person else u.role,
            "uscc": u.uscc,
            "task_forces": (
                "、".join(forces.get(c, c) for c in u.task_forces or [])
                if person
                else ",".join(u.task_forces or [])
            )
            or None,
            "active": u.active,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in users
    ]
    emit_rows(rows, fmt, title=t("账号", "accounts"))


@app.command("disable")
def disable(username: str) -> None:
    """Disable an account and revoke its tokens."""
    with cli_session() as session:
        service.disable_user(session, username=username)
    console.print(t(f"已停用 {username}", f"disabled {username}"))
