"""`yuanqu calendar ...`: load a year's holiday notice; show where a year's workdays come from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core import holidays
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import cli_session
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, t

app = typer.Typer(help="The official holiday calendar.", no_args_is_help=True)
# The CLI runs on the server with the database's credentials: it acts as the administrator.
ADMIN = Principal(0, "cli:admin", Role.admin)


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: date,kind,name")],
    source: Annotated[str, typer.Option(help="the notice's title or number")] = "",
    year: Annotated[int | None, typer.Option(help="default: the year of most dates")] = None,
    replace: Annotated[bool, typer.Option(help="overwrite a year loaded before")] = False,
) -> None:
    """Load a State Council holiday notice (a year chinese-calendar does not know yet)."""
    text = file.read_text(encoding="utf-8-sig")
    with cli_session() as session:
        notice = holidays.load_notice(
            session, text=text, actor=ADMIN, source=source or file.name, year=year, replace=replace
        )
    console.print(
        t(
            f"已载入 {notice.year} 年节假日安排：放假 {len(notice.holidays)} 天，"
            f"调休上班 {len(notice.makeup_workdays)} 天",
            f"loaded the {notice.year} holiday notice: {len(notice.holidays)} holidays, "
            f"{len(notice.makeup_workdays)} make-up workdays",
        )
    )
    moved = sum(notice.recounted.values())
    if moved:
        console.print(
            t(
                f"已按新安排重算 {moved} 个未结期限（{notice.recounted}）",
                f"counted {moved} open deadlines again ({notice.recounted})",
            )
        )


@app.command("show")
def show(
    year: int,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Where YEAR's working days come from (a loaded notice, the library, or weekends only)."""
    with cli_session() as session:
        data = holidays.show_year(session, year=year)
    if fmt == OutputFormat.json:
        emit_json(data)
        return
    origin = {
        "notice": t(f"已载入的通知（{data['source']}）", f"a loaded notice ({data['source']})"),
        "library": t("chinese-calendar 内置数据", "the chinese-calendar library"),
        "none": t("未知（仅按周末计算）", "unknown (weekends only)"),
    }[data["origin"]]
    console.print(t(f"{year} 年工作日来源：{origin}", f"{year} working days from: {origin}"))
    if data["days"]:
        emit_rows(data["days"], fmt, title=t(f"{year} 年节假日安排", f"{year} holiday notice"))
    if data["warning"]:
        err_console.print(t(data["warning"]["zh"], data["warning"]["en"]))
