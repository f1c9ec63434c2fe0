"""`yuanqu space ...`: import parcels, space and occupancy; vacancy; supply; match requirements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
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
from yuanqu.space import holds as space_holds
from yuanqu.space import matching, service
from yuanqu.space.importer import SpaceImportKind, import_space

app = typer.Typer(help="Land and space.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="xlsx or csv")],
    kind: Annotated[
        SpaceImportKind, typer.Option(help="parcels, units (with parks and buildings) or occupancy")
    ] = SpaceImportKind.units,
    errors: Annotated[Path | None, typer.Option(help="write the bad rows to xlsx/csv")] = None,
) -> None:
    """Import parcels, space or occupancy (all rows or none, every bad cell named)."""
    try:
        with cli_session() as session:
            result = import_space(session, source=file, kind=kind, actor=cli_actor().username)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误清单已写入 {errors}", f"errors written to {errors}"))
        raise
    console.print(t(f"已导入 {result.rows:,} 行", f"imported {result.rows:,} rows"))


@app.command("vacancy")
def vacancy_cmd(
    by: Annotated[str, typer.Option(help="sub_area, kind or band")] = "sub_area",
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Vacancy by sub-area, building kind or size band (units and m²)."""
    if by not in ("sub_area", "kind", "band"):
        raise ValidationError(
            "--by 只能是 sub_area、kind 或 band", "--by must be sub_area, kind or band"
        )
    with cli_session() as session:
        result = service.vacancy(session, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(result)
        return
    rows = [
        {
            "name": r["name"],
            "units": r["units"],
            "area_sqm": f"{r['area_sqm']:,}",
            "vacant_sqm": f"{r['vacant_sqm']:,}",
            "reserved_sqm": f"{r['reserved_sqm']:,}",
            "vacancy": "—" if r["vacancy_rate"] is None else f"{r['vacancy_rate']:.1%}",
        }
        for r in [*result[f"by_{by}"], result["total"]]
    ]
    headers = {
        "name": t("分组", "group"),
        "units": t("单元数", "units"),
        "area_sqm": t("面积(m²)", "area (m²)"),
        "vacant_sqm": t("空置(m²)", "vacant (m²)"),
        "reserved_sqm": t("预留(m²)", "reserved (m²)"),
        "vacancy": t("空置率", "vacancy rate"),
    }
    emit_rows(rows, fmt, title=t("载体空置情况", "space vacancy"), headers=headers)


@app.command("supply")
def supply_cmd(
    kind: Annotated[str, typer.Option(help="building kind")] = "standard_factory",
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """m² delivered per year against the plan (the standard-factory programme by default)."""
    with cli_session() as session:
        rows = service.supply(session, kind=kind, lang=lang())
    if fmt != OutputFormat.table:
        emit_rows(rows, fmt)
        return
    people = [
        {
            "year": r["year"],
            "delivered": f"{r['delivered_sqm']:,}",
            "planned": "—" if r["planned_sqm"] is None else f"{r['planned_sqm']:,}",
            "done": "—" if r["done_share"] is None else f"{r['done_share']:.0%}",
        }
        for r in rows
    ]
    headers = {
        "year": t("年度", "year"),
        "delivered": t("交付(m²)", "delivered (m²)"),
        "planned": t("计划(m²)", "planned (m²)"),
        "done": t("完成率", "done"),
    }
    kind_name = rows[0]["kind_name"] if rows else kind
    emit_rows(people, fmt, title=t(f"{kind_name}供给", f"{kind_name} supply"), headers=headers)


@app.command("match")
def match_cmd(
    lead: Annotated[int | None, typer.Option(help="the requirements of this lead")] = None,
    project: Annotated[int | None, typer.Option(help="the requirements of this project")] = None,
    area: Annotated[
        str | None, typer.Option(help="an ad-hoc requirement: MIN-MAX m², e.g. 800-1500")
    ] = None,
    use: Annotated[str, typer.Option(help="production, rd, office or storage")] = "production",
    height: Annotated[float | None, typer.Option(help="minimum ceiling height, m")] = None,
    load: Annotated[float | None, typer.Option(help="minimum floor load, t/m²")] = None,
    sub_area: Annotated[str | None, typer.Option("--sub-area", help="sub-area (片区)")] = None,
    needed: Annotated[str | None, typer.Option(help="date needed (YYYY-MM-DD)")] = None,
    top: Annotated[int, typer.Option(help="units per requirement")] = 5,
    today: Annotated[str | None, typer.Option(help="as of (default: today)")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """The units that fit a lead's, a project's or an ad-hoc requirement, ranked."""
    with cli_session() as session:
        if area is not None:
            requirements = [adhoc(area, use, height, load, sub_area, needed)]
        else:
            requirements = matching.stored_requirements(session, lead_id=lead, project_id=project)
        result = matching.match(
            session, requirements=requirements, today=day_option(today), top=top, lang=lang()
        )
    if fmt == OutputFormat.json:
        emit_json(result)
        return
    if not result:
        console.print(
            t(
                "没有登记的载体需求；可用 --area 800-1500 临时匹配",
                "no requirement; try --area 800-1500",
            )
        )
    for r in result:
        rows = [
            {
                "rank": m["rank"],
                "unit": f"{m['park']} {m['building']} {m['code']}",
                "sub_area": m["sub_area"],
                "area_sqm": m["area_sqm"],
                "height_m": m["height_m"],
                "load_t_sqm": m["load_t_sqm"],
                "available_on": m["available_on"],
            }
            for m in r["matches"]
        ]
        span = f"{r['use_name']} {r['min_area_sqm']}–{r['max_area_sqm']} m²"
        n = r["requirement_id"]
        title = t(f"需求 {n}：{span}", f"requirement {n}: {span}")
        headers = {
            "rank": t("排名", "rank"),
            "unit": t("单元", "unit"),
            "sub_area": t("片区", "sub-area"),
            "area_sqm": t("面积(m²)", "area (m²)"),
            "height_m": t("层高(m)", "height (m)"),
            "load_t_sqm": t("荷载(t/m²)", "load (t/m²)"),
            "available_on": t("可入驻", "free from"),
        }
        emit_rows(rows, fmt, title=title, headers=headers)


def adhoc(
    area: str,
    use: str,
    height: float | None,
    load: float | None,
    sub_area: str | None,
    needed: str | None,
) -> dict:
    low, _, high = area.partition("-")
    if not (low.strip().isdigit() and high.strip().isdigit()):
        raise ValidationError(
            f"--area 应写作 最小-最大，如 800-1500：{area}",
            f"--area is MIN-MAX, e.g. 800-1500: {area}",
        )
    return {
        "requirement_id": 0,
        "min_area_sqm": int(low),
        "max_area_sqm": int(high),
        "min_height_cm": None if height is None else round(height * 100),
        "min_load_kg_sqm": None if load is None else round(load * 1000),
        "use": use,
        "sub_area": sub_area,
        "needed_on": day_option(needed) if needed else None,
    }


@app.command("lapse")
def lapse_cmd(
    today: Annotated[str | None, typer.Option(help="as of (default: today)")] = None,
) -> None:
    """Let every reservation past its date lapse (its unit is vacant again)."""
    with cli_session() as session:
        n = space_holds.lapse_reservations(session, today=day_option(today), actor=cli_actor())
    console.print(t(f"{n} 项预留已过期释放", f"{n} reservation(s) lapsed"))
