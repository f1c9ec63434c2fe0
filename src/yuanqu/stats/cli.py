"""`yuanqu stats ...`: import statistics, list missing reports, print the monthly bulletin."""

from __future__ import annotations

import csv
import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.analytics.choice import EngineChoice
from yuanqu.analytics.options import EngineOption, MasterOption, SourceOption
from yuanqu.core.db import cli_session
from yuanqu.core.money import format_yuan
from yuanqu.core.tabular import ImportRejected, csv_row, write_error_report
from yuanqu.core.terminal import (
    OutputFormat,
    console,
    emit_json,
    emit_rows,
    err_console,
    lang,
    progress_bar,
    t,
)
from yuanqu.stats import export, firms, service, views
from yuanqu.stats.frames import BULLETIN_BREAKDOWNS
from yuanqu.stats.importer import ImportKind, import_stats
from yuanqu.stats.schemas import Bulletin
from yuanqu.stats.views import scope_name

app = typer.Typer(help="Economic monitoring.", no_args_is_help=True)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="xlsx or csv")],
    kind: Annotated[ImportKind, typer.Option(help="what the file holds")] = ImportKind.reports,
    replace: Annotated[bool, typer.Option(help="replace figures already imported")] = False,
    errors: Annotated[Path | None, typer.Option(help="write the bad rows to xlsx/csv")] = None,
) -> None:
    """Import monthly reports, reference totals or price indices (all rows or none)."""
    try:
        with cli_session() as session, progress_bar(t("导入", "importing")) as bar:
            result = import_stats(session, source=file, kind=kind, replace=replace, progress=bar)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误清单已写入 {errors}", f"errors written to {errors}"))
        raise
    periods = f"{result.periods[0]}..{result.periods[-1]}" if result.periods else "-"
    console.print(
        t(
            f"已导入 {result.rows:,} 行（新增 {result.created:,}，替换 {result.replaced:,}），"
            f"统计期 {periods}",
            f"imported {result.rows:,} rows ({result.created:,} new, {result.replaced:,} "
            f"replaced), periods {periods}",
        )
    )


@app.command("missing")
def missing(
    period: Annotated[str, typer.Option(help="YYYY-MM")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Firms expected to report for a month that have not (exit 1 if any)."""
    with cli_session() as session:
        rows = [m.model_dump() for m in firms.missing_reports(session, period=period)]
    emit_rows(rows, fmt, title=t(f"{period} 未报送", f"missing for {period}"))
    if rows:
        raise typer.Exit(1)


@app.command("report")
def report(
    period: Annotated[str, typer.Option(help="YYYY-MM (February = January-February)")],
    scope: Annotated[
        str,
        typer.Option(
            help="all, above_scale, high_tech, strategic_emerging, leading_industry, "
            "task_force:X, sub_area:X"
        ),
    ] = "all",
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="breakdown (repeatable): leading_industry, section, division, "
            "industry_class, sub_area, task_force, label; default: all but industry_class"
        ),
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option(help="write to this file")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="every breakdown row (default: a one-screen summary)")
    ] = False,
    engine: EngineOption = None,
    source: SourceOption = None,
    spark_master: MasterOption = None,
) -> None:
    """The monthly bulletin (统计月报): month, cumulative, same-scope YoY and shares."""
    choice = EngineChoice.resolve(engine, source, spark_master)
    with cli_session() as session:
        bulletin = service.bulletin(
            session,
            period=period,
            scope=scope,
            by=by or BULLETIN_BREAKDOWNS,
            lang=lang(),
            engine=choice,
        )
        scope_text = scope_name(session, bulletin.scope, lang())
    if fmt == ReportFormat.xlsx:
        target = output or Path(f"bulletin-{bulletin.period}.xlsx")
        export.write_xlsx(bulletin, target, lang=lang())
        console.print(t(f"月报已写入 {target}", f"bulletin written to {target}"))
        return
    if fmt == ReportFormat.json:
        if output:
            import json

            output.write_text(json.dumps(export.bulletin_json(bulletin), ensure_ascii=False))
        else:
            emit_json(export.bulletin_json(bulletin))
        return
    if fmt == ReportFormat.csv:
        rows = export.table_rows(bulletin, lang())
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)
        if output:
            output.write_text(buffer.getvalue(), encoding="utf-8-sig")
        else:
            sys.stdout.write(buffer.getvalue())
        return
    _print_bulletin(bulletin, scope_text, full=full)


def _print_bulletin(bulletin: Bulletin, scope_text: str, *, full: bool) -> None:
    """The bulletin on a terminal: by default a summary that fits 100 columns (the zone's
    indicators in 亿元, the headline indicator by leading industry and sub-area);
    ``--full`` prints every group that has figures, in 万元."""
    basis = (
        t("可比价", "comparable prices")
        if bulletin.price_basis == "comparable"
        else t("现价（无价格指数）", "current prices (no price index)")
    )
    title = f"{bulletin.label} · {scope_text} · {basis}"
    if full:
        rows = export.table_rows(bulletin, lang(), with_figures_only=True)
        emit_rows(rows, OutputFormat.table, title=title)
        empty = len(bulletin.rows) - len(rows)
        if empty:
            console.print(
                t(
                    f"另有 {empty} 个组别本期无数据，未列出",
                    f"{empty} groups without figures this period are not listed",
                )
            )
        return
    emit_rows(
        export.zone_rows(bulletin, lang()),
        OutputFormat.table,
        title=t(f"全园区 · {title}", f"zone · {title}"),
        headers={
            "indicator": t("指标", "indicator"),
            "unit": t("单位", "unit"),
            "month": t("当月", "month"),
            "cumulative": t("累计", "YTD"),
            "month_yoy": t("当月同比%", "month YoY %"),
            "cumulative_yoy": t("累计同比%", "YTD YoY %"),
        },
    )
    headline = bulletin.rows[0].indicator_name if bulletin.rows else ""
    present = {r.by for r in bulletin.rows}
    for by in export.SUMMARY_BREAKDOWNS:
        rows = export.headline_rows(bulletin, by, lang())
        if by not in present or not rows:
            continue
        name = export.breakdown_name(by, lang())
        emit_rows(
            rows,
            OutputFormat.table,
            title=t(
                f"{headline}按{name} · {bulletin.cumulative_label}（亿元）",
                f"{headline} by {name.lower()} · YTD {bulletin.cumulative_label} (CNY 100m)",
            ),
            headers={
                "group": name,
                "cumulative": t("累计（亿元）", "YTD (CNY 100m)"),
                "cumulative_yoy": t("累计同比%", "YTD YoY %"),
                "share": t("占全园区%", "% of zone"),
            },
        )
    console.print(
        t(
            f"这是摘要；完整月报（{len(bulletin.rows):,} 行，含行业门类、大类和企业标签）："
            "加 --full，或用 --format xlsx 导出",
            f"This is a summary; the full bulletin ({len(bulletin.rows):,} rows, with industry "
            "sections, divisions and labels): add --full, or export with --format xlsx",
        ),
        soft_wrap=True,
    )


@app.command("ranking")
def ranking(
    period: Annotated[str, typer.Option(help="YYYY-MM")],
    indicator: str = "gross_output",
    order_by: Annotated[str, typer.Option(help="value or growth")] = "value",
    scope: str = "all",
    limit: int = 20,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Top firms by cumulative value or growth."""
    with cli_session() as session:
        rows = service.ranking(
            session,
            period=period,
            indicator=indicator,
            order_by=order_by,  # type: ignore[arg-type]  # checked by the service
            scope=scope,
            limit=limit,
        )
    emit_rows([r.model_dump() for r in rows], fmt)


@app.command("firm")
def firm(
    uscc: Annotated[str, typer.Argument(help="credit code")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """One firm's statistics: its size class and monthly figures."""
    with cli_session() as session:
        view = views.firm_statistics(session, uscc=uscc, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(view.model_dump(mode="json"))
        return
    size = view.size_class
    revenue = format_yuan(size.revenue_fen, lang=lang())
    console.print(f"[bold]{view.name}[/]  {view.uscc}", highlight=False)
    if size.year is None:
        console.print(t("  没有月度报表，无法判定企业规模", "  no monthly reports: no size class"))
    else:
        console.print(
            t(
                f"  企业规模：{view.size_class_name or '无法判定'}（{size.year} 年，"
                f"报送 {size.months_reported} 个月，营业收入 {revenue}）",
                f"  size class: {view.size_class_name or 'undetermined'} ({size.year}, "
                f"{size.months_reported} months reported, revenue {revenue})",
            ),
            highlight=False,
        )
