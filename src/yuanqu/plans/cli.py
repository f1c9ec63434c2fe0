"""`yuanqu plans ...`: plans and targets (行动计划 / 目标考核) and their computed progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.money import format_yuan
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, lang, t
from yuanqu.plans import export, service
from yuanqu.plans.definitions import parse_plan

app = typer.Typer(help="Plans and targets.", no_args_is_help=True)


@app.command("check")
def check_cmd(file: Annotated[Path, typer.Argument(help="a plan file (YAML)")]) -> None:
    """Check a plan file: every mistake as FILE:LINE."""
    plan = parse_plan(file.read_text(encoding="utf-8"), file=str(file))
    console.print(
        t(
            f"{file}：{len(plan.targets)} 个目标，无错误",
            f"{file}: {len(plan.targets)} targets, no error",
        )
    )


@app.command("load")
def load_cmd(
    file: Annotated[
        Path | None, typer.Argument(help="a plan file; default: the shipped ones")
    ] = None,
    replace: Annotated[bool, typer.Option(help="overwrite the shipped plans' edits")] = False,
) -> None:
    """Keep a plan (checked first), or the shipped plans."""
    with cli_session() as session:
        if file is not None:
            keys = [service.load_file(session, path=file, by="cli").key]
        else:
            keys = service.load_shipped(session, by="cli", replace=replace)
    console.print(
        t(f"已载入 {len(keys)} 个计划", f"{len(keys)} plans loaded")
        + (f": {', '.join(keys)}" if keys else "")
    )


def _value(unit: str, value: int | None) -> str:
    if value is None:
        return "—"
    if unit == "fen":
        return format_yuan(value, lang=lang(), unit="yi")
    return f"{value:,}"


@app.command("progress")
def progress_cmd(
    key: Annotated[str | None, typer.Argument(help="a plan's key; default: every plan")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="write an xlsx report here")] = None,
) -> None:
    """Every target's actual, completion, forecast at the deadline and status."""
    with cli_session() as session:
        if key:
            plans = [service.plan_progress(session, key=key, lang=lang())]
        else:
            plans = service.plans_progress(session, lang=lang())
    if xlsx is not None:
        export.write_xlsx(plans, xlsx, lang=lang())
        console.print(t(f"目标完成情况已写入 {xlsx}", f"progress written to {xlsx}"))
        return
    if fmt == OutputFormat.json:
        emit_json([p.model_dump(mode="json") for p in plans])
        return
    for plan in plans:
        rows = [
            {
                "target": tp.name,
                "goal": _value(tp.unit, tp.target),
                "actual": _value(tp.unit, tp.actual),
                "done": "—" if tp.completion is None else f"{tp.completion:.1%}",
                "forecast": _value(tp.unit, tp.forecast),
                "status": tp.status_name,
            }
            for tp in plan.targets
        ]
        headers = {
            "target": t("目标", "target"),
            "goal": t("目标值", "goal"),
            "actual": t("实际", "actual"),
            "done": t("完成率", "done"),
            "forecast": t("截止时预计", "forecast"),
            "status": t("状态", "status"),
        }
        emit_rows(rows, fmt, title=f"{plan.title}（{plan.as_of}）", headers=headers)
