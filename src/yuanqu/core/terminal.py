"""What every CLI command shares: the console, output formats, progress bars, error rendering."""

from __future__ import annotations

import csv
import getpass
import io
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yuanqu.core.auth import Principal, Role
from yuanqu.core.column_names import column_name
from yuanqu.core.config import get_settings
from yuanqu.core.errors import ValidationError, YuanquError
from yuanqu.core.periods import parse_date
from yuanqu.core.tabular import csv_row

console = Console()
err_console = Console(stderr=True)


_NUMBER = re.compile(r"^(-?[\d,]+(\.\d+)?%?|—)$")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def lang() -> str:
    return get_settings().lang


def t(zh: str, en: str) -> str:
    """Pick the message in the configured language."""
    return en if lang() == "en" else zh


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_rows(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Print rows as a Rich table, JSON (a list of objects) or CSV on stdout."""
    if fmt == OutputFormat.json:
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, default=_json_default) + "\n")
        return
    keys = list(rows[0]) if rows else list(headers or {})
    if fmt == OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title)
    rows = [_readable(row) for row in rows]
    for key in keys:
        # Fold rather than truncate: a credit code cut to "91110302001MMCY…" is useless.
        numeric = bool(rows) and all(
            row[key] is None or _NUMBER.match(str(row[key])) for row in rows
        )
        head = (headers or {}).get(key) or column_name(key, lang())
        table.add_column(head, overflow="fold", justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*("—" if row[k] is None else str(row[k]) for k in keys))
    console.print(table)


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """A row as a person reads it: 是/否 rather than True/False, 元 rather than fen, 合计 rather
    than ``total``. Only the table changes: JSON and CSV keep the values machines read."""
    shown: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, bool):
            value = t("是", "yes") if value else t("否", "no")
        elif key.endswith("_fen") and isinstance(value, int):
            value = f"{value / 100:,.2f}"
        elif key == "group" and value == "total":
            value = t("合计", "total")
        elif isinstance(value, list | tuple):
            value = "、".join(map(str, value)) if value else None
        shown[key] = value
    return shown


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=_json_default) + "\n")


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar driven by a ``(stage, done, total)`` callback, on stderr."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{description} · {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def exit_code_for(error: YuanquError) -> int:
    """Bad input exits 2 (like a usage error); any other refusal exits 1."""
    return 2 if isinstance(error, ValidationError) else 1


def render_error(error: YuanquError) -> None:
    err_console.print(
        f"[bold red]{t('错误', 'error')}[/] {escape(f'[{error.code}]')} "
        f"{escape(error.message(lang()))}",
        highlight=False,
        soft_wrap=True,  # a message cut by hard line breaks cannot be searched or copied
    )
    details = error.details
    if (
        isinstance(details, list)
        and details
        and isinstance(details[0], dict)
        and "row" in details[0]
    ):
        table = Table(show_header=True)
        for head in (t("行", "row"), t("列", "column"), t("值", "value"), t("原因", "reason")):
            table.add_column(head)
        for item in details[:200]:
            table.add_row(str(item["row"]), item["column"], item["value"][:40], item["reason"])
        err_console.print(table)
        if len(details) > 200:
            err_console.print(
                t(f"……另有 {len(details) - 200} 处错误", f"... {len(details) - 200} more")
            )
    elif details:
        err_console.print(json.dumps(details, ensure_ascii=False, default=_json_default))


def cli_actor() -> Principal:
    try:
        login = getpass.getuser()
    except Exception:  # no login name in some containers; the audit still needs a name
        login = "unknown"
    return Principal(0, f"cli:{login}", Role.admin)


def day_option(value: str | None) -> date:
    """A date option; a bad one is a one-line usage error (exit 2)."""
    if not value:
        return date.today()
    try:
        return parse_date(value)
    except ValidationError:
        raise ValidationError(
            f"日期无效：{value}（应写作 YYYY-MM-DD）", f"not a date: {value} (write YYYY-MM-DD)"
        ) from None


def wan_to_fen(text: str, *, param: str) -> int:
    """An amount typed in 万元 on the command line, as fen; not a number is a usage mistake."""
    import typer

    from yuanqu.core.money import Money

    try:
        return Money.from_yuan(Decimal(text.replace(",", "")) * 10_000).fen
    except (ArithmeticError, ValueError):
        raise typer.BadParameter(
            t(f"{text} 不是金额（万元）", f"{text!r} is not an amount in 万元"), param_hint=param
        ) from None


def render_warnings(warnings: Sequence[Any]) -> None:
    """Rows written but worth a look (``RowError``s), as a table on stderr: row, column, reason."""
    err_console.print(
        t(
            f"[yellow]提示[/] {len(warnings)} 行需要核实：",
            f"[yellow]note[/] {len(warnings)} rows to check:",
        )
    )
    table = Table(show_header=True)
    for head in (t("行", "row"), t("列", "column"), t("值", "value"), t("提示", "note")):
        table.add_column(head, overflow="fold")
    for item in warnings[:200]:
        table.add_row(str(item.row), item.column, str(item.value)[:40], item.reason(lang()))
    err_console.print(table)
    if len(warnings) > 200:
        err_console.print(t(f"……另有 {len(warnings) - 200} 行", f"... {len(warnings) - 200} more"))
