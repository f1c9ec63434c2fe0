"""`yuanqu funds ...`: the fund register (产业基金)."""

from __future__ import annotations

from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.terminal import OutputFormat, emit_json, emit_rows, t
from yuanqu.funds import service

app = typer.Typer(help="The fund register.", no_args_is_help=True)


@app.command("list")
def list_cmd(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    track: Annotated[str | None, typer.Option(help="only this track's funds")] = None,
) -> None:
    """Every fund: size, the zone's commitment, invested, the share in the zone, 返投."""
    with cli_session() as session:
        reg = service.register(session, track=track)
    if fmt == OutputFormat.json:
        emit_json(reg.model_dump(mode="json"))
        return
    rows = [
        {
            "name": f.name,
            "size": f"{f.size_fen / 10**10:,.2f}",
            "invested": f"{f.invested_fen / 10**10:,.2f}",
            "in_zone": "—" if f.in_zone_share is None else f"{f.in_zone_share:.1%}",
            "reinvestment": "—" if f.reinvestment_ratio is None else f"{f.reinvestment_ratio:.1%}",
        }
        for f in reg.funds
    ]
    headers = {
        "name": t("基金", "fund"),
        "size": t("规模（亿元）", "size (CNY 100m)"),
        "invested": t("已投（亿元）", "invested (CNY 100m)"),
        "in_zone": t("区内占比", "in the zone"),
        "reinvestment": t("返投比例", "reinvestment"),
    }
    emit_rows(rows, fmt, title=t("基金名录", "fund register"), headers=headers)
