"""`yuanqu chains ...`: chain definitions, placement, coverage, gaps and the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.analytics.choice import EngineChoice
from yuanqu.analytics.options import EngineOption, MasterOption, SourceOption
from yuanqu.chains import analysis, service
from yuanqu.chains.definitions import (
    POSITION_NAMES,
    ChainDefinitionError,
    get_chain,
    read_chain_files,
    shipped_chains,
)
from yuanqu.chains.schemas import ACTION_NAMES, GRADE_NAMES
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.money import format_yuan
from yuanqu.core.periods import parse_date
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t

app = typer.Typer(help="Industry chain maps.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="judge labels on this date")]
PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help="statistics to this month, e.g. 2023-12 (default: the latest)"),
]


def _as_of(text: str | None) -> date:
    return parse_date(text) if text else date.today()


def _position(key: str) -> str:
    zh, en = POSITION_NAMES[key]
    return t(zh, en)


@app.command()
def check(
    files: Annotated[
        list[Path] | None, typer.Argument(help="YAML files or folders (default: the shipped ones)")
    ] = None,
) -> None:
    """Validate chain definitions; every problem is printed as file:line, exit 2 if any."""
    try:
        chains = read_chain_files(files) if files else list(shipped_chains())
    except ChainDefinitionError as error:
        for issue in error.issues:
            err_console.print(
                f"{issue.file}:{issue.line}: {t(issue.zh, issue.en)}",
                highlight=False,
                soft_wrap=True,
            )
        n = len(error.issues)
        raise ValidationError(
            f"产业链定义有 {n} 处错误", f"{n} error(s) in chain definitions", code=error.code
        ) from None
    rows = [
        {"chain": c.key, "name": c.name(lang()), "segments": len(c.segments), "edges": len(c.edges)}
        for c in chains
    ]
    emit_rows(rows, OutputFormat.table, title=t("产业链定义有效", "chain definitions are valid"))


@app.command()
def place(
    segment: Annotated[
        str | None, typer.Option("--segment", help="list the firms of CHAIN.SEGMENT")
    ] = None,
    unplaced: Annotated[
        str | None, typer.Option("--unplaced", help="list CHAIN's firms on no segment (review)")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Place the zone's firms on every chain's segments; counts, or one segment's firms."""
    with cli_session() as session:
        run = service.compute_placements(session)
        if segment or unplaced:
            if segment:
                chain_key, _, seg = segment.partition(".")
                firms = service.segment_firms(run, chain=chain_key, segment=seg)
            else:
                firms = service.unplaced_firms(run, chain=unplaced or "")
            emit_rows([f.model_dump() for f in firms], fmt)
            return
        summary = service.placement_summary(run, shipped_chains(), lang=lang())
    if fmt == OutputFormat.json:
        emit_json(summary.model_dump())
        return
    rows = [
        {**r.model_dump(exclude={"position"}), "position": _position(r.position)}
        for r in summary.segments
    ]
    emit_rows(rows, fmt, title=t("企业落位", "placement"))
    if fmt == OutputFormat.table:
        console.print(
            t(
                f"读取 {summary.firms_read:,} 家企业，{summary.firms_placed:,} 家落位，共 "
                f"{summary.placements:,} 个落位，用时 {summary.seconds:.2f} 秒；"
                f"待复核：{summary.unplaced}",
                f"{summary.firms_read:,} firms read, {summary.firms_placed:,} placed, "
                f"{summary.placements:,} placements in {summary.seconds:.2f} s; "
                f"for review: {summary.unplaced}",
            )
        )


@app.command()
def override(
    uscc: Annotated[str, typer.Argument(help="the firm's credit code")],
    segment: Annotated[str, typer.Argument(help="CHAIN.SEGMENT, e.g. ic.design")],
    action: Annotated[str, typer.Option("--action", help="include, exclude or clear")],
    reason: Annotated[str, typer.Option("--reason", help="why the rules are overridden")],
    by: Annotated[str, typer.Option("--by", help="who decides")],
) -> None:
    """Put a firm on a segment or take it off, whatever the rules say; recorded with who and why."""
    chain_key, _, seg = segment.partition(".")
    with cli_session() as session:
        row = service.override_placement(
            session,
            uscc=uscc,
            chain=chain_key,
            segment=seg,
            action=action,
            reason=reason,
            decided_by=by,
        )
        console.print(t(f"已记录（#{row.id}）", f"recorded (#{row.id})"))


@app.command()
def overrides(
    chain: Annotated[str | None, typer.Option(help="only this chain")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The history of manual placement decisions, newest first."""
    with cli_session() as session:
        rows = [o.model_dump() for o in service.list_overrides(session, chain=chain)]
    emit_rows(rows, fmt)


@app.command()
def where(
    uscc: Annotated[str, typer.Argument(help="the firm's credit code")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Where a firm sits on the chains and whom its segments supply."""
    with cli_session() as session:
        rows = service.firm_segments(session, uscc=uscc, lang=lang())
    data = [r.model_dump() for r in rows]
    if fmt == OutputFormat.table:
        data = [
            {**d, "supplies": "、".join(d["supplies"]), "supplied_by": "、".join(d["supplied_by"])}
            for d in data
        ]
    emit_rows(data, fmt)


@app.command()
def coverage(
    chain: Annotated[str, typer.Argument(help="chain key, e.g. ic")],
    as_of: AsOfOpt = None,
    period: PeriodOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    engine: EngineOption = None,
    source: SourceOption = None,
    spark_master: MasterOption = None,
) -> None:
    """Coverage and strength of each segment: firms, output, value added and growth,
    high-tech share, concentration, grade."""
    from yuanqu.chains.views import statistics_period

    get_chain(chain)
    choice = EngineChoice.resolve(engine, source, spark_master)
    with cli_session() as session:
        result = analysis.chain_coverage(
            session,
            chain=chain,
            as_of=_as_of(as_of),
            lang=lang(),
            period=statistics_period(session, period),
            engine=choice,
        )
    if fmt == OutputFormat.json:
        emit_json(result.model_dump())
        return
    rows = [
        {
            "segment": s.segment,
            "name": s.name,
            "position": _position(s.position),
            "firms": s.firms,
            "output": format_yuan(s.output_fen, lang()),
            "output_growth": None if s.output_growth is None else f"{s.output_growth:.1f}%",
            "value_added": format_yuan(s.value_added_fen, lang()),
            "high_tech_share": f"{s.high_tech_share:.1%}",
            "anchors": s.anchors,
            "hhi": s.hhi,
            "top3_share": f"{s.top3_share:.1%}",
            "score": s.score,
            "grade": t(*GRADE_NAMES[s.grade]),
            "top_firm": s.top_firms[0].name if s.top_firms else None,
        }
        for s in result.segments
    ]
    emit_rows(rows, fmt, title=f"{result.name} · {result.as_of} · {result.period or '—'}")


@app.command()
def gaps(
    chain: Annotated[str | None, typer.Argument(help="chain key (default: every chain)")] = None,
    as_of: AsOfOpt = None,
    top: Annotated[int, typer.Option(help="show the first N gaps")] = 20,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Segments with no or weak presence, ranked, with candidate targets and open leads."""
    with cli_session() as session:
        found = analysis.chain_gaps(session, as_of=_as_of(as_of), chain=chain, lang=lang())[:top]
    if fmt == OutputFormat.json:
        emit_json([g.model_dump() for g in found])
        return
    rows = [
        {
            "rank": g.rank,
            "name": g.name,
            "grade": t(*GRADE_NAMES[g.grade]),
            "action": t(*ACTION_NAMES[g.action]),
            "priority": g.priority,
            "strong_dependents": "、".join(g.strong_dependents),
            "targets": "、".join(x.name for x in g.targets[:3])
            + ("…" if len(g.targets) > 3 else ""),
            "links": len(g.links),
        }
        for g in found
    ]
    emit_rows(rows, fmt, title=t("产业链缺口", "chain gaps"))


@app.command()
def targets(
    file: Annotated[Path, typer.Argument(help="xlsx or csv of outside firms")],
    errors: Annotated[Path | None, typer.Option(help="write rejected rows here")] = None,
) -> None:
    """Import the external target list (replaces it; all rows or none)."""
    from yuanqu.chains.targets import import_targets

    try:
        with cli_session() as session:
            result = import_targets(session, file)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
        raise
    console.print(
        t(
            f"已导入 {result.rows} 家目标企业，落到 {result.segments} 个环节",
            f"imported {result.rows} target firms on {result.segments} segments",
        )
    )


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="the xlsx file to write")],
    chain: Annotated[str | None, typer.Option(help="one chain (default: every chain)")] = None,
    as_of: AsOfOpt = None,
    period: PeriodOpt = None,
) -> None:
    """Write the chain report (coverage, gaps, firms per segment, review list) to xlsx."""
    from yuanqu.chains.report import write_report
    from yuanqu.chains.views import statistics_period

    if out.suffix.lower() != ".xlsx":
        raise ValidationError("报告须为 .xlsx 文件", "the report must be an .xlsx file")
    chains = [get_chain(chain)] if chain else list(shipped_chains())
    with cli_session() as session:
        path = write_report(
            session,
            out,
            chains=chains,
            as_of=_as_of(as_of),
            lang=lang(),
            period=statistics_period(session, period),
        )
    console.print(t(f"报告已写入 {path}", f"report written to {path}"))
