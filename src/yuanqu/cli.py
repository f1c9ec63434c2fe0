"""The composition root of the CLI: `yuanqu`, mounting every domain's commands."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from yuanqu import __version__
from yuanqu.accounts.cli import app as users_app
from yuanqu.accounts.service import ensure_demo_accounts
from yuanqu.agreements.cli import app as agreements_app
from yuanqu.attraction.cli import app as leads_app
from yuanqu.audit_cli import app as audit_app
from yuanqu.av.cli import app as av_app
from yuanqu.briefing.cli import briefing as briefing_cmd
from yuanqu.calendar.cli import app as calendar_app
from yuanqu.chains.cli import app as chains_app
from yuanqu.core import backup as backups
from yuanqu.core.cli_lang import (
    CLICK_EXCEPTION,
    is_usage_error,
    localize,
    requested_lang,
    usage_message,
)
from yuanqu.core.config import configure, get_settings
from yuanqu.core.db import dispose_engines, migrate, session_scope
from yuanqu.core.errors import YuanquError
from yuanqu.core.money import Money
from yuanqu.core.terminal import (
    console,
    err_console,
    exit_code_for,
    progress_bar,
    render_error,
    t,
)
from yuanqu.demo.agreements import demo_clawback
from yuanqu.demo.report import print_calibration, print_portfolio, print_summary
from yuanqu.demo.service import build_demo, build_fangchenggang, calibration, registry_is_empty
from yuanqu.funds.cli import app as funds_app
from yuanqu.grants.cli import app as grants_app
from yuanqu.grants.demo import pay_demo_awards
from yuanqu.insurance.cli import app as insurance_app
from yuanqu.mu.cli import app as mu_app
from yuanqu.plans.cli import app as plans_app
from yuanqu.policies.cli import app as policy_app
from yuanqu.projects.cli import app as projects_app
from yuanqu.registry.cli import app as registry_app
from yuanqu.service.cli import app as service_app
from yuanqu.space.cli import app as space_app
from yuanqu.stats.cli import app as stats_app
from yuanqu.watch.cli import app as watch_app
from yuanqu.wiring import wire
from yuanqu.zone_export import app as export_app

app = typer.Typer(
    name="yuanqu",
    help="园区 yuanqu: the operating system of an economic development zone.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(registry_app, name="registry")
app.add_typer(stats_app, name="stats")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(projects_app, name="projects")
app.add_typer(leads_app, name="leads")
app.add_typer(chains_app, name="chains")
app.add_typer(policy_app, name="policy")
app.add_typer(insurance_app, name="insurance")
app.add_typer(export_app, name="export")
app.add_typer(grants_app, name="grants")
app.add_typer(service_app, name="service")
app.add_typer(space_app, name="space")
app.add_typer(agreements_app, name="agreements")
app.add_typer(av_app, name="av")
app.add_typer(watch_app, name="watch")
app.add_typer(plans_app, name="plans")
app.command("briefing")(briefing_cmd)
app.add_typer(funds_app, name="funds")
app.add_typer(mu_app, name="mu")


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="database URL (default: SQLite file)", envvar="YUANQU_DATABASE_URL"
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", envvar="YUANQU_DATA_DIR", help="data directory (default ./.yuanqu)"
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", envvar="YUANQU_LANG", help="zh (default) or en")
    ] = None,
) -> None:
    if lang is not None and lang not in ("zh", "en"):
        raise typer.BadParameter(t("只能是 zh 或 en", "must be zh or en"), param_hint="--lang")
    configure(database_url=db, data_dir=data_dir, lang=lang)
    wire()


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def init() -> None:
    """Create or upgrade the database to the current schema (Alembic migrations)."""
    url = get_settings().resolved_database_url
    migrate(url)
    console.print(t(f"数据库已就绪：{_safe(url)}", f"database ready: {_safe(url)}"))


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def demo(
    seed: Annotated[
        int, typer.Option(help="random seed: the same seed builds the same zone")
    ] = 2023,
    firms: Annotated[int, typer.Option(help="number of firms")] = 90_000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the site after")] = True,
    rebuild: Annotated[bool, typer.Option(help="drop the demo data and build it again")] = False,
    zone: Annotated[
        str, typer.Option(help="yizhuang (default, Beijing 2023) or fangchenggang (Guangxi 2023)")
    ] = "yizhuang",
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build the demo zone (calibrated to Beijing Yizhuang 2023) and serve it."""
    started = time.perf_counter()
    if zone not in ("yizhuang", "fangchenggang"):
        raise typer.BadParameter(
            t("只能是 yizhuang 或 fangchenggang", "must be yizhuang or fangchenggang"),
            param_hint="--zone",
        )
    settings = get_settings()
    url = settings.resolved_database_url
    if rebuild:
        _drop_embedded(url)
    migrate(url)
    with session_scope() as session:
        empty = registry_is_empty(session)
    if empty:
        if zone == "fangchenggang":
            with session_scope() as session:
                summary = build_fangchenggang(session, seed=seed)
            print_portfolio(summary)
        else:
            with (
                session_scope() as session,
                progress_bar(t("生成演示园区", "building demo")) as bar,
            ):
                summary = build_demo(session, seed=seed, firms=firms, progress=bar)
            print_summary(summary)
            # The bulletin reads committed data (the columnar engine has its own connection).
            with session_scope() as session:
                print_calibration(calibration(session), summary)
                _demo_test_zone(session)
            _demo_awards(2023)
            _demo_clawback(2023)
    else:
        console.print(
            t(
                "演示园区已存在（重建请加 --rebuild）",
                "demo zone already built (use --rebuild to build it again)",
            )
        )
    _demo_accounts(seed)
    seconds = time.perf_counter() - started
    console.print(
        t(
            f"[bold]演示园区已就绪[/]，共用时 {seconds:.1f} 秒",
            f"[bold]demo zone ready[/] in {seconds:.1f} s",
        )
    )
    if serve:
        _serve(host, port)


def _demo_test_zone(session: Session) -> None:
    """The autonomous-driving test zone's 2023, read back through its annual report."""
    from yuanqu.av import report, views
    from yuanqu.core.terminal import lang

    console.print(views.headline(report.annual_report(session, year=2023), lang()))


def _demo_awards(year: int) -> None:
    """The year's auto-entitlement awards, matched and paid through the whole grants workflow."""
    with session_scope() as session:
        result = pay_demo_awards(session, year=year)
    paid = Money(result["paid_fen"])
    console.print(
        t(
            f"{year} 年政策兑现：{result['cases']} 个案件，兑现 {paid.format('zh')}，"
            f"获兑现超过 1 亿元的企业 {result['firms_over_100m']} 家",
            f"{year} awards: {result['cases']} cases, {paid.format('en')} paid, "
            f"{result['firms_over_100m']} firms paid more than 100 million yuan",
        )
    )


def _demo_clawback(year: int) -> None:
    """One award of ``year`` clawed back from a firm short of its agreement (grants ledger)."""
    with session_scope() as session:
        recovery = demo_clawback(session, year=year)
    if recovery is not None:
        amount = Money(recovery["recovered_fen"])
        console.print(
            t(
                f"履约监管：{recovery['source']} 未达标，追回奖励 {amount.format('zh')}",
                f"compliance: {recovery['source']} fell short; {amount.format('en')} clawed back",
            )
        )


def _demo_accounts(seed: int) -> None:
    """One account per role, printed with its password (deterministic from the seed: a demo)."""
    from rich.table import Table

    with session_scope() as session:
        accounts = ensure_demo_accounts(session, seed=seed)
    table = Table(title=t("演示账号（仅供演示）", "demo accounts (for the demo only)"))
    for head in (
        t("用户名", "username"),
        t("角色", "role"),
        t("密码", "password"),
        t("范围", "scope"),
    ):
        table.add_column(head)
    from yuanqu.core.auth import ROLE_NAMES

    with session_scope() as session:
        from yuanqu.registry.service import list_task_forces

        forces = {tf.code: tf.name(get_settings().lang) for tf in list_task_forces(session)}
    for account in accounts:
        scope = (
            account.uscc
            or "、".join(forces.get(code, code) for code in account.task_forces)
            or t("全园区", "whole zone")
        )
        role = ROLE_NAMES[account.role][get_settings().lang == "en"]
        table.add_row(account.username, role, account.password, scope)
    console.print(table)


def _drop_embedded(url: str) -> None:
    if not url.startswith("sqlite"):
        raise YuanquError(
            "--rebuild 只适用于内置 SQLite 数据库",
            "--rebuild only applies to the embedded SQLite database",
        )
    dispose_engines()
    path = backups.sqlite_path(url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _serve(host: str, port: int) -> None:
    try:
        # Only `serve` and `demo` load the web application (and only they need its packages).
        from yuanqu.app import serve as run_server
    except ImportError:
        console.print(
            t(
                "网页应用尚未安装，仅生成了数据",
                "the web application is not available; data built only",
            )
        )
        return
    run_server(host=host, port=port)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web application and the REST API (migrates the database first)."""
    migrate(get_settings().resolved_database_url)
    _serve(host, port)


@app.command("backup")
def backup_cmd(file: Annotated[Path, typer.Argument(help="target file")]) -> None:
    """Consistent online copy of the embedded database (PostgreSQL: use pg_dump)."""
    target = backups.backup(get_settings().resolved_database_url, file)
    console.print(t(f"已备份到 {target}", f"backed up to {target}"))


@app.command("restore")
def restore_cmd(file: Annotated[Path, typer.Argument(help="backup file")]) -> None:
    """Replace the embedded database with a backup made by `yuanqu backup`."""
    dispose_engines()
    target = backups.restore(get_settings().resolved_database_url, file)
    console.print(t(f"已从 {file} 恢复到 {target}", f"restored {file} into {target}"))


def main() -> None:
    """Console entry point: domain errors become a message and an exit code, not a traceback.

    A usage mistake (a missing or unknown option, a value of the wrong type, an unknown command)
    is one line on stderr, in the reader's language, and exit 2. `--help` speaks that language too.
    """
    args = sys.argv[1:]
    language = requested_lang(args)
    command = typer.main.get_command(app)
    localize(command, language)
    try:
        # Without standalone mode Click returns the code of a `typer.Exit` instead of exiting.
        code = command.main(args=args, prog_name="yuanqu", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except YuanquError as error:
        render_error(error)
        sys.exit(exit_code_for(error))
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.exit(130)
    except CLICK_EXCEPTION as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # the group's help, as `--help` prints it
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if is_usage_error(exc):
            err_console.print(usage_message(exc, language), highlight=False, soft_wrap=True)
            sys.exit(2)
        err_console.print(f"{t('错误', 'error')}：{exc.format_message()}", highlight=False)  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 1))
