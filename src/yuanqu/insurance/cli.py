"""`yuanqu insurance ...`: import insurers' files, the coverage report, subsidies, the city demo."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.accounts.service import get_user, principal_of
from yuanqu.core.config import get_settings
from yuanqu.core.db import cli_session, get_engine, migrate, session_scope
from yuanqu.core.money import format_yuan
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t
from yuanqu.insurance import service
from yuanqu.insurance.importer import ImportKind, import_insurance

app = typer.Typer(help="Tech insurance.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="xlsx or csv from an insurer")],
    kind: Annotated[ImportKind, typer.Option(help="policies or claims")] = ImportKind.policies,
    replace: Annotated[bool, typer.Option(help="replace policies/claims imported before")] = False,
    errors: Annotated[Path | None, typer.Option(help="write the bad rows to xlsx/csv")] = None,
) -> None:
    """Import an insurer's policies or claims (all rows or none, every bad cell named)."""
    try:
        with cli_session() as session:
            result = import_insurance(session, source=file, kind=kind, replace=replace)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误清单已写入 {errors}", f"errors written to {errors}"))
        raise
    console.print(
        t(
            f"已导入 {result.rows:,} 行（新增 {result.created:,}，替换 {result.replaced:,}）",
            f"imported {result.rows:,} rows ({result.created:,} new, {result.replaced:,} replaced)",
        )
    )


@app.command("report")
def report(
    year: Annotated[int | None, typer.Option(help="default: the latest year imported")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="high-tech cover on this day (YYYY-MM-DD)")
    ] = None,
    by: Annotated[
        str, typer.Option(help="product, insurer, section, label, month or claims")
    ] = "product",
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Coverage: policies, sum insured and premiums by group; high-tech cover; claim cycles."""
    day = date.fromisoformat(as_of) if as_of else None
    started = time.perf_counter()
    with cli_session() as session:
        year = year or service.latest_year(session)
        result = service.report_dict(
            service.coverage_report(session, year=year, as_of=day), lang=lang()
        )
    elapsed = time.perf_counter() - started
    if fmt == OutputFormat.json:
        emit_json(result)
        return
    if by == "claims":
        rows = [
            {k: v for k, v in c.items() if k not in ("by", "group")}
            for c in result["claims"]
            if c["by"] == "product"
        ]
    else:
        rows = [
            {
                "group": r["name"],
                "policies": r["policies"],
                "firms": r["firms"],
                "sum_insured": format_yuan(r["sum_insured_fen"], lang()),
                "premium": format_yuan(r["premium_fen"], lang()),
            }
            for r in result["rows"]
            if r["by"] in (by, "total")
        ]
    emit_rows(rows, fmt, title=t(f"{year} 年科技保险", f"tech insurance {year}"))
    if fmt == OutputFormat.table:
        ht = result["high_tech"]
        share = "—" if ht["share_pct"] is None else f"{ht['share_pct']}%"
        console.print(
            t(
                f"高新技术企业投保覆盖（{ht['as_of']}）："
                f"{ht['covered']:,}/{ht['firms']:,} = {share} · 用时 {elapsed:.2f} 秒",
                f"high-tech firms covered on {ht['as_of']}: {ht['covered']:,}/{ht['firms']:,} = "
                f"{share} · {elapsed:.2f} s",
            )
        )


@app.command("subsidies")
def subsidies(
    year: Annotated[int, typer.Option(help="award year")],
    feed: Annotated[
        bool, typer.Option(help="keep the premiums as the policy's facts (grants reads them)")
    ] = False,
    pay: Annotated[
        str | None, typer.Option("--pay-as", help="hand to the grants ledger as this account")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """The premium subsidy computed from the imported policies (kept only with --feed/--pay-as)."""
    with cli_session() as session:
        if pay:
            actor = principal_of(get_user(session, username=pay))
            emit_json(service.pay_subsidies(session, year=year, actor=actor))
            return
        result = service.premium_subsidies(session, year=year)
        if not feed:
            session.rollback()  # a computation: the premium facts it fed are not kept
    rows = [a.__dict__ for a in result["awards"]]
    emit_rows(rows, fmt, title=t(f"{year} 年科技保险保费补贴", f"premium subsidy {year}"))
    if fmt == OutputFormat.table:
        console.print(
            t(
                f"申请 {format_yuan(result['claimed_fen'])}，"
                f"预算 {format_yuan(result['budget_fen'])}，"
                f"分配 {format_yuan(result['allocated_fen'])}",
                f"claimed {format_yuan(result['claimed_fen'], 'en')}, budget "
                f"{format_yuan(result['budget_fen'], 'en')}, allocated "
                f"{format_yuan(result['allocated_fen'], 'en')}",
            )
        )


@app.command("demo")
def demo(
    city: Annotated[
        str, typer.Option(help="shanghai: Shanghai 2023 (412,000 policies)")
    ] = "shanghai",
    into: Annotated[
        str | None, typer.Option(help="database URL (default: <data dir>/insurance-CITY.db)")
    ] = None,
    seed: int = 2023,
    rebuild: Annotated[bool, typer.Option(help="delete the city database first")] = False,
) -> None:
    """Build a city-scale synthetic book into its own database and time its coverage report."""
    from yuanqu.insurance.demo import build_city

    path = Path(get_settings().data_dir) / f"insurance-{city}.db"
    url = into or f"sqlite:///{path}"
    if rebuild and into is None and path.exists():
        path.unlink()
    migrate(url)
    engine = get_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        if service.latest_year(session) == 2023:
            console.print(t(f"已存在：{url}（重建请加 --rebuild）", f"exists: {url} (--rebuild)"))
            return
        book = build_city(session, city=city, seed=seed)
    built = time.perf_counter() - started
    timings = []
    for _ in range(3):
        with session_scope(engine) as session:
            tick = time.perf_counter()
            result = service.coverage_report(session, year=2023)
            timings.append(time.perf_counter() - tick)
    total = result.total()
    console.print(
        t(
            f"{city}：{book.firms:,} 家投保企业，{book.policies:,} 张保单，{book.claims:,} 件赔案，"
            f"保额 {format_yuan(book.sum_insured_fen)}（生成用时 {built:.1f} 秒）",
            f"{city}: {book.firms:,} insured firms, {book.policies:,} policies, {book.claims:,} "
            f"claims, cover {format_yuan(book.sum_insured_fen, 'en')} (built in {built:.1f} s)",
        )
    )
    console.print(
        t(
            f"覆盖报告：{total.policies:,} 张保单；"
            f"首次 {timings[0]:.2f} 秒，缓存后 {timings[-1]:.3f} 秒",
            f"coverage report: {total.policies:,} policies; cold {timings[0]:.2f} s, "
            f"warm {timings[-1]:.3f} s",
        )
    )
    console.print(
        t(
            f"查看：yuanqu --db {url} insurance report --year 2023",
            f"read it: yuanqu --db {url} insurance report --year 2023",
        )
    )
