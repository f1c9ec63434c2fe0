"""`yuanqu agreements ...`: import agreements, assess their commitments on a date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.agreements import assessment
from yuanqu.agreements.importer import import_agreements
from yuanqu.core.db import cli_session
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import (
    OutputFormat,
    cli_actor,
    console,
    day_option,
    emit_json,
    emit_rows,
    err_console,
    lang,
    t,
)

app = typer.Typer(help="Agreements and their assessment (履约监管).", no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="xlsx or csv, one row per commitment")],
    errors: Annotated[Path | None, typer.Option(help="write the bad rows to xlsx/csv")] = None,
) -> None:
    """Import agreements and their commitments (all rows or none, every bad cell named)."""
    try:
        with cli_session() as session:
            result = import_agreements(session, source=file, actor=cli_actor())
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误清单已写入 {errors}", f"errors written to {errors}"))
        raise
    console.print(
        t(
            f"已导入 {result.agreements:,} 份协议（{result.rows:,} 项承诺）",
            f"imported {result.agreements:,} agreements ({result.rows:,} commitments)",
        )
    )


@app.command("assess")
def assess_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="assess on this date (default: today)")
    ] = None,
    uscc: Annotated[str | None, typer.Option(help="one firm only")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Every commitment in force: its actual, met / not met / not yet due / no data, shortfall."""
    day = day_option(as_of)
    with cli_session() as session:
        ids = None
        if uscc:
            from yuanqu.agreements.service import enterprise_id_of

            found = enterprise_id_of(session, uscc.strip().upper())
            ids = [found] if found is not None else []
        rows = assessment.assess(
            session, assessment.current_terms(session, enterprise_ids=ids), as_of=day
        )
    if fmt == OutputFormat.json:
        emit_json([r.to_json(lang()) for r in rows])
        return
    people = [
        {
            k: r.to_row(lang())[k]
            for k in (
                "agreement",
                "firm",
                "commitment",
                "indicator_name",
                "target",
                "actual",
                "unit",
                "status_name",
                "shortfall",
            )
        }
        for r in rows
    ]
    headers = {
        "agreement": t("协议", "agreement"),
        "firm": t("企业", "firm"),
        "commitment": t("承诺", "item"),
        "indicator_name": t("指标", "indicator"),
        "target": t("目标", "target"),
        "actual": t("实际", "actual"),
        "unit": t("单位", "unit"),
        "status_name": t("结果", "status"),
        "shortfall": t("差额", "shortfall"),
    }
    emit_rows(people, fmt, title=t(f"履约考核（{day}）", f"assessment on {day}"), headers=headers)
    if fmt == OutputFormat.table:
        counts = assessment.summary(rows)
        console.print(
            "；".join(
                f"{assessment.STATUS_NAMES[k][lang() == 'en']} {v}" for k, v in counts.items()
            )
        )
