"""`yuanqu registry ...`: the registry verbs on the command line."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.industry import industry_catalog
from yuanqu.core.periods import parse_date
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import (
    OutputFormat,
    console,
    emit_json,
    emit_rows,
    err_console,
    lang,
    progress_bar,
    render_warnings,
    t,
)
from yuanqu.core.uscc import check_uscc
from yuanqu.registry import export as exporter
from yuanqu.registry import importer, service
from yuanqu.registry.models import LABEL_NAMES
from yuanqu.registry.schemas import CountBy, EnterpriseFilter, SortKey

app = typer.Typer(help="The enterprise registry.", no_args_is_help=True)

PROFILE_FIELDS = {
    "division": ("登记地", "registered in"),
    "department": ("登记管理部门", "registration authority"),
    "entity_type": ("机构类别", "entity type"),
    "industry_path": ("行业", "industry"),
    "established": ("成立日期", "established"),
    "registered_capital": ("注册资本", "registered capital"),
    "employees": ("从业人员", "employees"),
    "sub_area": ("片区", "sub-area"),
    "task_force": ("产业专班", "task force"),
    "address": ("地址", "address"),
}

LabelOpt = Annotated[list[str] | None, typer.Option("--label", help="label held (repeatable)")]
IndustryOpt = Annotated[str | None, typer.Option(help="GB/T 4754 code at any level: C, 39, 3973")]
SubAreaOpt = Annotated[str | None, typer.Option("--sub-area", help="片区 sub-area")]
TaskForceOpt = Annotated[str | None, typer.Option("--task-force", help="产业专班 task force")]
SearchOpt = Annotated[str | None, typer.Option("--search", "-q", help="name or credit code")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="judge labels on this date")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]


def _filters(
    label: list[str] | None,
    industry: str | None,
    sub_area: str | None,
    task_force: str | None,
    search: str | None,
    as_of: str | None,
) -> EnterpriseFilter:
    return EnterpriseFilter(
        labels=label or [],
        industry=industry,
        sub_area=sub_area,
        task_force=task_force,
        q=search,
        as_of=parse_date(as_of) if as_of else None,
    )


@app.command("check-code")
def check_code(
    codes: Annotated[list[str], typer.Argument(help="credit codes")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Check unified social credit codes; exit 1 if any is invalid."""
    verdicts = [check_uscc(code) for code in codes]
    rows = [v.to_dict(lang()) for v in verdicts]
    if fmt == OutputFormat.json:
        emit_json(rows)
    else:
        emit_rows(
            rows,
            fmt,
            headers={
                "code": t("代码", "code"),
                "valid": t("有效", "valid"),
                "reason": t("原因", "reason"),
                "division": t("行政区划", "division"),
            },
        )
    if not all(v.valid for v in verdicts):
        raise typer.Exit(1)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help=".xlsx or .csv (UTF-8 or GBK)")],
    upsert: Annotated[bool, typer.Option(help="update firms already present")] = False,
    errors: Annotated[Path | None, typer.Option(help="write bad rows to this xlsx/csv")] = None,
    create_sub_area: Annotated[
        bool,
        typer.Option("--create-sub-area", help="accept 片区 the registry does not have yet"),
    ] = False,
) -> None:
    """Import firms; if any row is bad nothing is written, every bad row is listed, exit 2."""
    try:
        with cli_session() as session, progress_bar(t("导入", "import")) as progress:
            result = importer.import_enterprises(
                session,
                source=file,
                upsert=upsert,
                create_sub_areas=create_sub_area,
                progress=progress,
            )
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误报告已写入 {errors}", f"error report written to {errors}"))
        raise
    console.print(
        t(
            f"已导入 {result.rows} 行：新增 {result.created} 家，更新 {result.updated} 家，"
            f"标签 {result.labels} 条",
            f"imported {result.rows} rows: {result.created} created, {result.updated} updated, "
            f"{result.labels} labels",
        )
    )
    if result.warnings:
        render_warnings(result.warnings)


@app.command("list")
def list_firms(
    label: LabelOpt = None,
    industry: IndustryOpt = None,
    sub_area: SubAreaOpt = None,
    task_force: TaskForceOpt = None,
    search: SearchOpt = None,
    as_of: AsOfOpt = None,
    sort: Annotated[str, typer.Option(help="name|uscc|established|...")] = "name",
    desc: bool = False,
    page: int = 1,
    page_size: Annotated[int, typer.Option("--page-size")] = 20,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List firms matching the filters, a page at a time."""
    filters = _filters(label, industry, sub_area, task_force, search, as_of)
    with cli_session() as session:
        result = service.list_enterprises(
            session,
            filters=filters,
            sort=_sort_key(sort),
            descending=desc,
            page=page,
            page_size=page_size,
        )
    if fmt == OutputFormat.json:
        emit_json(result.model_dump(mode="json"))
        return
    rows = [
        {
            "uscc": f.uscc,
            "name": f.name,
            "industry": f.industry_section + f.industry_code,
            "sub_area": f.sub_area,
            "labels": ",".join(sorted({x.label for x in f.labels})),
        }
        for f in result.items
    ]
    emit_rows(
        rows,
        fmt,
        title=t(f"共 {result.total} 家，第 {page} 页", f"{result.total} firms, page {page}"),
        headers={
            "uscc": t("信用代码", "credit code"),
            "name": t("企业名称", "name"),
            "industry": t("行业", "industry"),
            "sub_area": t("片区", "sub-area"),
            "labels": t("标签", "labels"),
        },
    )


def _sort_key(sort: str) -> SortKey:
    if sort not in ("name", "uscc", "established", "registered_capital", "employees"):
        raise typer.BadParameter(
            t(f"没有排序键 {sort}", f"unknown sort key {sort!r}"), param_hint="--sort"
        )
    return sort  # type: ignore[return-value]


@app.command("show")
def show(uscc: str, fmt: FormatOpt = OutputFormat.table) -> None:
    """One firm: identity, decoded credit code, industry path and labels."""
    with cli_session() as session:
        firm = service.get_enterprise(session, uscc=uscc)
        profile = service.profile(firm, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(profile)
        return
    console.print(f"[bold]{profile['name']}[/]  {profile['uscc']}")
    for key, (zh, en) in PROFILE_FIELDS.items():
        value = profile[key]
        console.print(f"  {t(zh, en)}: {value if value is not None else '—'}", highlight=False)
    rows = [
        {
            "name": lab["name"],
            "period": f"{lab['valid_from'] or '…'} – {lab['valid_to'] or '…'}",
            "active": t("有效", "valid") if lab["active"] else t("失效", "lapsed"),
            "detail": " ".join(
                str(lab[k]) for k in ("certificate", "exchange", "ticker") if lab[k]
            ),
        }
        for lab in profile["labels"]
    ]
    emit_rows(
        rows,
        OutputFormat.table,
        title=t(f"标签（截至 {profile['as_of']}）", f"labels (as of {profile['as_of']})"),
        headers={
            "name": t("标签", "label"),
            "period": t("有效期", "validity"),
            "active": t("状态", "status"),
            "detail": t("证书/代码", "details"),
        },
    )


@app.command("count")
def count(
    by: Annotated[str | None, typer.Option(help="label|section|division|sub_area")] = None,
    label: LabelOpt = None,
    industry: IndustryOpt = None,
    sub_area: SubAreaOpt = None,
    task_force: TaskForceOpt = None,
    search: SearchOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Count firms, in total or by a dimension; labels are judged as of --as-of (default today)."""
    filters = _filters(label, industry, sub_area, task_force, search, as_of)
    count_by = _count_by(by)
    with cli_session() as session:
        rows = service.count_enterprises(session, filters=filters, by=count_by)
        forces = {tf.code: tf.name(lang()) for tf in service.list_task_forces(session)}
    as_of_text = filters.as_of or date.today()
    title = t(f"截至 {as_of_text}", f"as of {as_of_text}")
    if fmt != OutputFormat.table:
        emit_rows([r.model_dump() for r in rows], fmt, title=title)
        return
    # A person reads names: 集成电路产业专班, not `ic`; 未分配专班, not an empty label.
    table_rows = [
        {"group": _group_name(count_by, r.group, forces), "count": f"{r.count:,}"} for r in rows
    ]
    if count_by is not None:
        total = sum(r.count for r in rows) if count_by != "label" else None
        if total is not None:
            table_rows.append({"group": t("合计", "total"), "count": f"{total:,}"})
    head = {
        None: t("范围", "scope"),
        "label": t("标签", "label"),
        "section": t("行业门类", "industry section"),
        "division": t("行业大类", "industry division"),
        "sub_area": t("片区", "sub-area"),
        "task_force": t("产业专班", "task force"),
    }[count_by]
    emit_rows(table_rows, fmt, title=title, headers={"group": head, "count": t("企业数", "firms")})


def _count_by(by: str | None) -> CountBy | None:
    if by not in (None, "label", "section", "division", "sub_area", "task_force"):
        raise typer.BadParameter(
            t(
                f"{by} 不在可选值 label、section、division、sub_area、task_force 之中",
                f"must be label, section, division, sub_area or task_force, not {by!r}",
            ),
            param_hint="--by",
        )
    return by  # type: ignore[return-value]


def _group_name(by: str | None, group: str, forces: dict[str, str]) -> str:
    """What a person reads for a group of `registry count`."""
    if by is None:
        return t("全部企业", "all firms")
    if by == "label":
        return LABEL_NAMES[group][1 if lang() == "en" else 0] if group in LABEL_NAMES else group
    if by in ("section", "division"):
        industry = industry_catalog().find(group)
        return f"{group} {industry.label(lang())}" if industry else group
    if by == "task_force":
        return forces.get(group, group) if group else t("未分配专班", "no task force")
    return group or t("未划入片区", "no sub-area")


class ExportLayout(StrEnum):
    report = "report"
    canonical = "canonical"


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help=".xlsx, .csv or .parquet")],
    label: LabelOpt = None,
    industry: IndustryOpt = None,
    sub_area: SubAreaOpt = None,
    task_force: TaskForceOpt = None,
    search: SearchOpt = None,
    as_of: AsOfOpt = None,
    layout: Annotated[
        ExportLayout,
        typer.Option(
            "--format",
            "-f",
            help="report (default: for people) or canonical (the import layout, re-importable)",
        ),
    ] = ExportLayout.report,
) -> None:
    """Export matching firms: a report for people, or with --format canonical the import layout."""
    filters = _filters(label, industry, sub_area, task_force, search, as_of)
    with cli_session() as session, progress_bar(t("导出", "export")) as progress:
        total = service.count_enterprises(session, filters=filters)[0].count
        written = exporter.export_enterprises(
            session,
            filters=filters,
            path=file,
            layout=layout.value,
            lang=lang(),
            on_row=lambda n: progress("write", n, total) if n % 5000 == 0 or n == total else None,
        )
    console.print(t(f"已导出 {written} 家企业到 {file}", f"exported {written} firms to {file}"))


@app.command("task-force")
def task_force(
    code: Annotated[str | None, typer.Argument(help="code; omit to list the task forces")] = None,
    name_zh: Annotated[str | None, typer.Option("--name-zh")] = None,
    name_en: Annotated[str | None, typer.Option("--name-en")] = None,
) -> None:
    """List task forces (产业专班), or create or rename one."""
    with cli_session() as session:
        if code is not None:
            if not name_zh or not name_en:
                raise typer.BadParameter(
                    t(
                        "新建专班须给出 --name-zh 和 --name-en",
                        "--name-zh and --name-en are required",
                    )
                )
            service.upsert_task_force(session, code=code, name_zh=name_zh, name_en=name_en)
        rows = [{"code": f.code, "name": f.name(lang())} for f in service.list_task_forces(session)]
    emit_rows(rows, OutputFormat.table, title=t("产业专班", "task forces"))
