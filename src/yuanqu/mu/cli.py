"""`yuanqu mu ...`: import the resource inputs, grade a year, put it on notice, publish it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.accounts.service import get_user, principal_of
from yuanqu.core.db import cli_session
from yuanqu.core.periods import parse_date
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, lang, t
from yuanqu.mu import export, inputs, service, views
from yuanqu.mu.method import INPUTS_MISSING, method_for

app = typer.Typer(
    help="Yield-per-mu grading (亩均效益评价): the yearly grading of firms.", no_args_is_help=True
)

Fmt = Annotated[OutputFormat, typer.Option("--format", "-f")]
Year = Annotated[int, typer.Option("--year", min=2000, max=2100, help="the year graded")]
AsUser = Annotated[str, typer.Option("--as", help="the account acting (its role is checked)")]


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="xlsx or csv")],
    errors: Annotated[Path | None, typer.Option(help="write the bad cells here")] = None,
) -> None:
    """Import yearly energy, emissions and electricity use: all rows or none."""
    with cli_session() as session:
        try:
            result = inputs.import_resources(session, source=file, filename=file.name)
        except ImportRejected as rejected:
            if errors is not None:
                write_error_report(rejected.errors, errors, lang=lang())
            raise
    console.print(
        t(
            f"已导入 {result.rows} 行（新增 {result.created}，替换 {result.replaced}）",
            f"imported {result.rows} rows ({result.created} new, {result.replaced} replaced)",
        )
    )


def _rows(grading, lang_: str) -> list[dict]:
    method = grading.method
    out = []
    for r in grading.results.to_pylist():
        group = next((g for g in method.groups if g.id == r["group_id"]), None)
        exempt = (
            method.exemptions[r["exempt_idx"]].reason(lang_)
            if r["exempt_idx"] is not None
            else (INPUTS_MISSING(lang_) if r["inputs_missing"] else None)
        )
        out.append(
            {
                "uscc": r["uscc"],
                "group": r["group_id"],
                "score": None if r["total"] is None else round(r["total"], 6),
                "rank": r["rank"],
                "grade": r["grade"],
                "exempt_reason": exempt,
                "indicators": {
                    i.id: {
                        "value": r[f"{i.id}__value"],
                        "score": r[f"{i.id}__score"],
                        "missing": r[f"{i.id}__missing"],
                    }
                    for i in (group.indicators if group and r["exempt_idx"] is None else ())
                },
            }
        )
    return out


@app.command("evaluate")
def evaluate(
    year: Year,
    method: Annotated[str | None, typer.Option("--method", help="method id (default)")] = None,
    user: Annotated[
        str | None, typer.Option("--as", help="keep the result as the year's draft")
    ] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Grade a year (with --as, kept as the year's draft)."""
    with cli_session() as session:
        chosen = method_for(year, method)
        if user is not None:
            service.evaluate(
                session, year=year, actor=principal_of(get_user(session, username=user)),
                method_id=chosen.id,
            )  # fmt: skip
        grading = service.compute(session, year=year, method=chosen)
    rows = _rows(grading, lang())
    if fmt == OutputFormat.json:
        emit_json(rows)
        return
    graded = [r for r in rows if r["grade"]]
    counts = {g: sum(1 for r in graded if r["grade"] == g) for g in ("A", "B", "C", "D")}
    emit_rows(
        [
            {
                "uscc": r["uscc"],
                "group": r["group"] or "",
                "score": "" if r["score"] is None else f"{r['score']:.2f}",
                "rank": r["rank"] or "",
                "grade": r["grade"] or t("不定等级", "not graded"),
            }
            for r in rows
        ][:20],
        fmt,
        title=t(
            f"{year} 年亩均效益评价：{len(graded)} 家定级（A {counts['A']}，B {counts['B']}，"
            f"C {counts['C']}，D {counts['D']}），{len(rows) - len(graded)} 家不定等级；前 20 行",
            f"{year} mu evaluation: {len(graded)} graded (A {counts['A']}, B {counts['B']}, "
            f"C {counts['C']}, D {counts['D']}), {len(rows) - len(graded)} not graded; first 20",
        ),
        headers={
            "uscc": t("信用代码", "credit code"),
            "group": t("分组", "group"),
            "score": t("综合得分", "score"),
            "rank": t("组内排名", "rank"),
            "grade": t("等级", "grade"),
        },
    )


@app.command("notice")
def notice(
    year: Year,
    user: AsUser,
    start: Annotated[
        str | None, typer.Option(help="first day (YYYY-MM-DD), today by default")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=30, help="working days")] = 5,
) -> None:
    """Put the year's draft on public notice."""
    with cli_session() as session:
        ev = service.find_evaluation(session, year=year)
        service.start_notice(
            session, evaluation_id=ev.id, actor=principal_of(get_user(session, username=user)),
            start=parse_date(start) if start else None, days=days,
        )  # fmt: skip
        console.print(
            t(
                f"{year} 年评价公示至 {ev.notice_to}",
                f"{year} evaluation on notice until {ev.notice_to}",
            )
        )


@app.command("publish")
def publish(
    year: Year,
    user: AsUser,
    today: Annotated[str | None, typer.Option(help="as of (YYYY-MM-DD)")] = None,
) -> None:
    """Publish once the notice is over and every objection decided."""
    with cli_session() as session:
        ev = service.find_evaluation(session, year=year)
        service.publish(
            session, evaluation_id=ev.id, actor=principal_of(get_user(session, username=user)),
            today=parse_date(today) if today else date.today(),
        )  # fmt: skip
        console.print(t(f"{year} 年评价结果已发布", f"{year} evaluation published"))


@app.command("export")
def export_(
    year: Year,
    target: Annotated[Path, typer.Argument(help="xlsx to write")],
) -> None:
    """The results as zones publish them (xlsx, one row per firm)."""
    with cli_session() as session:
        ev = service.find_evaluation(session, year=year)
        export.write_results(session, ev, target, lang=lang())
    console.print(t(f"已写入 {target}", f"written to {target}"))


@app.command("report")
def report(year: Year, fmt: Fmt = OutputFormat.table) -> None:
    """The benchmarks and the grade counts of an evaluation."""
    with cli_session() as session:
        ev = service.find_evaluation(session, year=year)
        read = views.evaluation(session, ev, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(read.model_dump(mode="json"))
        return
    emit_rows(
        [
            {
                "group": b.group_name,
                "indicator": b.name,
                "benchmark": "—" if b.benchmark is None else f"{b.benchmark:,.2f} {b.unit}",
            }
            for b in read.benchmarks
        ],
        fmt,
        title=t(
            f"{year} 年（{read.status_name}）：定级 {read.graded} 家，不定等级 {read.exempt} 家",
            f"{year} ({read.status_name}): {read.graded} graded, {read.exempt} not graded",
        ),
        headers={
            "group": t("分组", "group"),
            "indicator": t("指标", "indicator"),
            "benchmark": t("基准值", "benchmark"),
        },
    )
