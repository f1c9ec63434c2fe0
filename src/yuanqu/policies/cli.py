"""`yuanqu policy ...`: check, list variables, evaluate, explain and simulate policies."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.analytics.choice import EngineChoice
from yuanqu.analytics.options import EngineOption, MasterOption, SourceOption
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.money import Money
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, lang, t
from yuanqu.policies import service
from yuanqu.policies.views import section_name

app = typer.Typer(help="Incentive policies as rules: check, cost, explain and simulate.")


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="policy YAML files")]) -> None:
    """Parse and type-check policy files; print every error as FILE:LINE: message."""
    issues = service.check_files(files)
    for issue in issues:
        sys.stderr.write(issue.message(lang()) + "\n")
    if issues:
        raise ValidationError(
            f"策略文件有 {len(issues)} 处错误", f"{len(issues)} error(s) in policy files"
        )
    console.print(t(f"{len(files)} 个策略文件检查通过", f"{len(files)} policy file(s) OK"))


@app.command("list")
def list_policies(
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """The shipped policies."""
    rows = [service.policy_summary(p, lang()) for p in service.shipped_policies()]
    if fmt == OutputFormat.json:
        emit_json(rows)
        return
    periods = {
        "previous_year": t("上一年度数据", "previous year's data"),
        "award_year": t("兑现年度数据", "award year's data"),
    }
    allocations = {
        "pro_rata": t("超预算按比例核减", "pro rata within budget"),
        "ranked": t("按排名择优", "ranked"),
        "first_come": t("先到先得", "first come, first served"),
    }
    table = [
        {
            "title": r["title"],
            "period": periods.get(r["period"], r["period"]),
            "auto_entitlement": r["auto_entitlement"],
            "allocation": allocations.get(r["allocation"], r["allocation"]),
            "id": r["id"],
        }
        for r in rows
    ]
    if fmt == OutputFormat.csv:  # machines: the codes as they were
        table = [
            {k: r[k] for k in ("id", "title", "period", "auto_entitlement", "allocation")}
            for r in rows
        ]
    emit_rows(
        table,
        fmt,
        headers={
            "title": t("政策", "policy"),
            "period": t("数据年度", "data year"),
            "allocation": t("分配方式", "allocation"),
            "id": t("编号", "id"),
        },
    )


@app.command()
def variables(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table) -> None:
    """The variable catalogue: every input a policy may read, its type, unit and source."""
    rows = service.variable_catalogue()
    if fmt == OutputFormat.table:
        key = "zh" if lang() == "zh" else "en"
        rows = [{k: r[k] for k in ("name", "type", "unit", "source", key)} for r in rows]
    emit_rows(rows, fmt)


@app.command()
def evaluate(
    year: Annotated[int, typer.Option(help="award year")],
    policy: Annotated[
        list[str] | None, typer.Option("--policy", help="policy id (repeatable)")
    ] = None,
    fmt: Annotated[EvalFormat, typer.Option("--format")] = EvalFormat.table,
    eligible_only: Annotated[bool, typer.Option("--eligible-only/--all")] = False,
    output: Annotated[Path | None, typer.Option("--output", help="xlsx file")] = None,
    engine: EngineOption = None,
    source: SourceOption = None,
    spark_master: MasterOption = None,
) -> None:
    """Every policy for every firm: eligibility, first failed condition, amount, cap, allocation."""
    choice = EngineChoice.resolve(engine, source, spark_master)
    with cli_session() as session:
        report = service.evaluate_year(
            session,
            year=year,
            policy_ids=policy,
            only_eligible=eligible_only or fmt == "table",
            engine=choice,
        )
    if fmt == EvalFormat.json:
        emit_json(report)
        return
    rows = [{**r, "missing": ",".join(r["missing"])} for r in report["rows"]]
    if fmt == EvalFormat.xlsx:
        _write_xlsx(output or Path(f"policies-{year}.xlsx"), rows, report["totals"])
        return
    if fmt == EvalFormat.csv:
        emit_rows(rows, OutputFormat.csv)
        return
    totals = [
        {
            "policy": r["policy"],
            t("符合", "eligible"): r["eligible"],
            t("缺数据", "missing data"): r["missing"],
            t("受益企业", "beneficiaries"): r["beneficiaries"],
            t("申报额", "claimed"): Money(r["claimed_fen"]).format(lang()),
            t("安排额", "allocated"): Money(r["allocated_fen"]).format(lang()),
        }
        for r in report["totals"]
    ]
    emit_rows(totals, OutputFormat.table, title=t(f"{year} 年政策兑现测算", f"{year} awards"))


def _write_xlsx(path: Path, rows: list[dict], totals: list[dict]) -> None:
    """Two sheets (totals, firms) for people: headers in the reader's language, a bold frozen
    header row, a filter, widths and 是/否 for yes-or-no columns; amounts in fen become 元."""
    import xlsxwriter

    from yuanqu.core.column_names import column_name

    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheets = ((t("合计", "totals"), totals), (t("企业", "firms"), rows))
    for name, data in sheets:
        sheet = book.add_worksheet(name)
        keys = list(data[0]) if data else []
        for col, key in enumerate(keys):
            sheet.write(0, col, column_name(key, lang()), bold)
            sheet.set_column(col, col, 36 if key in ("name", "title", "firm") else 16)
        for r, row in enumerate(data, start=1):
            for col, key in enumerate(keys):
                value = row[key]
                if isinstance(value, bool):
                    sheet.write(r, col, t("是", "yes") if value else t("否", "no"))
                elif key.endswith("_fen") and isinstance(value, int):
                    sheet.write_number(r, col, value / 100, money)
                elif isinstance(value, list):
                    sheet.write(r, col, "、".join(map(str, value)))
                else:
                    sheet.write(r, col, value)
        sheet.freeze_panes(1, 0)
        if keys:
            sheet.autofilter(0, 0, len(data), len(keys) - 1)
    book.close()
    console.print(t(f"已写入 {path}", f"written to {path}"))


@app.command()
def explain(
    uscc: Annotated[str, typer.Argument(help="credit code")],
    policy: Annotated[str, typer.Argument(help="policy id")],
    year: Annotated[int, typer.Option(help="award year")] = 2023,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Why a firm is or is not entitled, condition by condition, and what it would take."""
    with cli_session() as session:
        ex = service.explain_firm(session, uscc=uscc, policy_id=policy, year=year, lang=lang())
    if fmt != OutputFormat.table:
        emit_json(ex)
        return
    status = {
        "eligible": t("符合", "eligible"),
        "ineligible": t("不符合", "not eligible"),
        "missing": t("缺少数据，无法判断", "cannot decide: data missing"),
        "excluded": t("不可兼得，未安排", "excluded by an exclusive group"),
    }[ex["status"]]
    console.print(
        f"[bold]{ex['title']}[/] · {ex['uscc']} · {ex['award_year']}: {status}", highlight=False
    )
    marks = {"pass": "✓", "fail": "✗", "missing": "?"}
    for c in ex["conditions"]:
        console.print(f"  {marks[c['verdict']]} {c['message']}", highlight=False)
        if c["to_pass"]:
            console.print(f"      → {c['to_pass']}", highlight=False)
    for step in ex["steps"]:
        console.print(f"  {step}", highlight=False)
    if ex["missing"]:
        console.print(t("  缺少：", "  missing: ") + ", ".join(ex["missing"]), highlight=False)


@app.command()
def simulate(
    policy: Annotated[str, typer.Argument(help="policy id")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="name=value")] = None,
    year: Annotated[int, typer.Option(help="award year")] = 2023,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    engine: EngineOption = None,
    source: SourceOption = None,
    spark_master: MasterOption = None,
) -> None:
    """What-if: the policy with changed parameters against the policy as it stands."""
    choice = EngineChoice.resolve(engine, source, spark_master)
    overrides = {}
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(
                f"--set 需写成 名称=值：{item}", f"--set takes name=value: {item}"
            )
        overrides[name.strip()] = value.strip()
    with cli_session() as session:
        result = service.simulate(
            session, policy_id=policy, year=year, overrides=overrides, engine=choice
        )
    if fmt != OutputFormat.table:
        emit_json(result)
        return
    before, after = result["before"], result["after"]
    console.print(
        t(
            f"受益企业 {before['beneficiaries']} → {after['beneficiaries']}，"
            f"总成本 {Money(before['cost_fen']).format('zh')} → "
            f"{Money(after['cost_fen']).format('zh')}；"
            f"增加 {result['gainers']} 家，减少 {result['losers']} 家",
            f"beneficiaries {before['beneficiaries']} -> {after['beneficiaries']}, cost "
            f"{Money(before['cost_fen']).format('en')} -> {Money(after['cost_fen']).format('en')}; "
            f"{result['gainers']} gain, {result['losers']} lose",
        ),
        highlight=False,
    )
    if result["group_policies"]:
        group = result["exclusive_group"]
        mates = "、".join(service.get_policy(m).title(lang()) for m in result["group_policies"])
        console.print(
            t(
                f"已与不可兼得组 {group} 的其他政策一并测算：{mates}",
                f"evaluated with the other policies of exclusive group {group}: {mates}",
            ),
            highlight=False,
        )
    title = service.get_policy(policy).title(lang())
    emit_rows(
        [_section_row(row) for row in result["distribution"]["industry_section"]],
        OutputFormat.table,
        title=t(f"{title}：按行业门类", f"{title}: by industry section"),
    )


def _section_row(row: dict) -> dict[str, object]:
    """One industry section of a simulation as a person reads it: the section by name, the
    firms paid and the amounts in 元, as the policy stands and with the changes."""
    return {
        t("行业门类", "industry section"): section_name(row["group"], lang()),
        t("现行（家）", "firms now"): row["before_firms"],
        t("现行金额", "amount now"): Money(row["before_fen"]).format(lang()),
        t("调整后（家）", "firms after"): row["firms"],
        t("调整后金额", "amount after"): Money(row["allocated_fen"]).format(lang()),
    }


@app.command("import-facts")
def import_facts(
    file: Annotated[Path, typer.Argument(help="csv or xlsx: uscc, year, fact, value")],
    replace: Annotated[bool, typer.Option(help="overwrite facts already imported")] = False,
) -> None:
    """Import annual firm facts (technical staff, IP counts...); all or nothing."""
    from yuanqu.policies.facts import import_facts as run_import

    with cli_session() as session:
        result = run_import(session, source=file, filename=file.name, replace=replace)
    console.print(
        t(
            f"已导入 {result.rows} 条（新增 {result.created}，覆盖 {result.replaced}）",
            f"imported {result.rows} fact(s) ({result.created} new, {result.replaced} replaced)",
        )
    )
