"""Importing the registry from xlsx or CSV: validate every row, then write all rows or none."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from yuanqu.core.config import get_settings
from yuanqu.core.db import bump_data_version
from yuanqu.core.tabular import (
    CellError,
    Column,
    ErrorList,
    ImportRejected,
    RowError,
    Table,
    map_headers,
    parse_amount_fen,
    parse_column,
    parse_date_cell,
    parse_industry_cell,
    parse_int,
    parse_text,
    read_table,
)
from yuanqu.core.uscc import check_uscc
from yuanqu.registry.firms import ids_for_codes, parse_code_cell
from yuanqu.registry.models import (
    LABEL_ATTRIBUTES,
    LABEL_NAMES,
    Enterprise,
    EnterpriseLabel,
    Label,
    TaskForce,
)

COLUMNS = (
    Column("uscc", ("统一社会信用代码", "信用代码", "credit_code"), required=True),
    Column("name", ("企业名称", "名称", "enterprise_name"), required=True),
    Column("industry_code", ("行业代码", "国民经济行业代码", "industry"), required=True),
    Column("established", ("成立日期", "established_date")),
    Column(
        "registered_capital",
        ("注册资本", "注册资本(元)", "registered_capital_yuan"),
        unit_aliases={"注册资本(万元)": 10_000, "registered_capital_wan": 10_000},
    ),
    Column("employees", ("从业人员", "从业人数", "员工人数", "employee_count")),
    Column("labels", ("标签", "企业标签")),
    Column("address", ("地址", "注册地址")),
    Column("sub_area", ("片区", "所属片区", "area")),
    Column("task_force", ("专班", "产业专班")),
    Column("business_scope", ("经营范围", "scope")),
)

# Chinese names accepted for labels in the labels column, besides the English keys.
LABEL_ALIASES: dict[str, str] = {
    **{zh: key for key, (zh, _en) in LABEL_NAMES.items()},
    "高新技术企业": Label.high_tech,
    "高新": Label.high_tech,
    "专精特新": Label.specialized,
    "小巨人": Label.little_giant,
    "上市": Label.listed,
    "世界500强": Label.fortune_global_500,
    "独角兽": Label.unicorn,
    "规上": Label.above_scale,
    "规上工业": Label.above_scale,
    "战略性新兴产业": Label.strategic_emerging,
    "战新": Label.strategic_emerging,
}

EARLIEST_ESTABLISHED = date(1900, 1, 1)
_LABEL_ITEM = re.compile(
    r"^(?P<name>[^{@]+?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*(?:@\s*(?P<period>.*))?$"
)


@dataclass(frozen=True)
class LabelRecord:
    label: str
    valid_from: date | None = None
    valid_to: date | None = None
    certificate: str | None = None
    exchange: str | None = None
    ticker: str | None = None


@dataclass
class EnterpriseRecord:
    """One validated row, ready to write."""

    uscc: str
    name: str
    industry_code: str
    industry_section: str
    established: date | None = None
    registered_capital_fen: int | None = None
    employees: int | None = None
    address: str | None = None
    sub_area: str | None = None
    task_force: str | None = None
    business_scope: str | None = None
    # None: the file has no labels column (an upsert keeps the firm's labels).
    labels: list[LabelRecord] | None = None
    row: int = 0

    def columns(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "industry_code": self.industry_code,
            "industry_section": self.industry_section,
            "established": self.established,
            "registered_capital_fen": self.registered_capital_fen,
            "employees": self.employees,
            "address": self.address,
            "sub_area": self.sub_area,
            "task_force": self.task_force,
            "business_scope": self.business_scope,
        }


@dataclass
class ImportResult:
    rows: int
    created: int
    updated: int
    labels: int
    source: str = ""
    errors: list[RowError] = field(default_factory=list)
    # Rows written but worth a look: a credit code registered outside the zone's divisions.
    warnings: list[RowError] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


# --- cell parsers specific to the registry -------------------------------------------------------


def parse_labels_cell(value: Any, *, today: date) -> list[LabelRecord]:
    """``high_tech@2022-01-01..2024-12-31;listed{exchange=SSE,ticker=688981}@2020-07-16..``."""
    records: list[LabelRecord] = []
    seen: set[tuple[str, date | None]] = set()
    for raw_item in re.split(r"[;；]", str(value)):
        item = raw_item.strip()
        if not item:
            continue
        match = _LABEL_ITEM.match(item)
        if match is None:
            raise CellError(f"无法解析标签 '{item}'", f"cannot parse label '{item}'")
        name = match["name"].strip()
        label = name if name in Label.__members__ else LABEL_ALIASES.get(name)
        if label is None:
            known = ", ".join(Label.__members__)
            raise CellError(
                f"未知的标签 '{name}'（可用：{known}）", f"unknown label '{name}' (known: {known})"
            )
        attrs = _parse_label_attrs(label, match["attrs"])
        valid_from, valid_to = _parse_label_period(item, match["period"], today)
        key = (label, valid_from)
        if key in seen:
            raise CellError(f"标签 '{item}' 重复", f"label '{item}' repeats")
        seen.add(key)
        records.append(LabelRecord(str(label), valid_from, valid_to, **attrs))
    return records


def _parse_label_attrs(label: str, text: str | None) -> dict[str, str]:
    if not text:
        return {}
    allowed = LABEL_ATTRIBUTES.get(label, frozenset())
    attrs: dict[str, str] = {}
    for pair in text.split(","):
        key, sep, val = pair.partition("=")
        key, val = key.strip(), val.strip()
        if not sep or key not in allowed or not val or len(val) > 40:
            names = ", ".join(sorted(allowed)) or "无 / none"
            raise CellError(
                f"标签 {label} 的属性 '{pair.strip()}' 无效（可用：{names}）",
                f"invalid attribute '{pair.strip()}' for {label} (allowed: {names})",
            )
        attrs[key] = val
    return attrs


def _parse_label_period(
    item: str, text: str | None, today: date
) -> tuple[date | None, date | None]:
    if text is None:
        return None, None
    start, sep, end = text.partition("..")
    if not sep:
        raise CellError(
            f"标签 '{item}' 的有效期应写作 起..止（任一端可空）",
            f"label '{item}': write the period as from..to (either end may be open)",
        )
    valid_from = parse_date_cell(start) if start.strip() else None
    valid_to = parse_date_cell(end) if end.strip() else None
    if valid_from and valid_to and valid_to < valid_from:
        raise CellError(
            f"标签 '{item}' 的有效期止于 {valid_to}，早于起始 {valid_from}",
            f"label '{item}' ends on {valid_to}, before it starts on {valid_from}",
        )
    if valid_from and valid_from > today:
        raise CellError(
            f"标签 '{item}' 的起始日期 {valid_from} 在将来",
            f"label '{item}' starts in the future ({valid_from})",
        )
    return valid_from, valid_to


# --- validation ----------------------------------------------------------------------------------


def validate_table(
    table: Table, *, today: date | None = None, progress: Progress | None = None
) -> list[EnterpriseRecord]:
    """Every row validated; raises ImportRejected listing every bad cell, or returns the records."""
    today = today or date.today()
    columns = map_headers(table.header, COLUMNS)
    errors = ErrorList()

    def column(name: str, parser: Callable[..., Any], **kwargs: Any) -> list[Any]:
        return parse_column(table, columns, name, parser, errors, **kwargs)

    usccs = column("uscc", parse_code_cell, required=True)
    names = column("name", parse_text, required=True, max_length=200)
    industries = column("industry_code", parse_industry_cell, required=True)
    established = column(
        "established", parse_date_cell, earliest=EARLIEST_ESTABLISHED, latest=today
    )
    capitals = column("registered_capital", parse_amount_fen)
    employees = column("employees", parse_int)
    labels = column("labels", parse_labels_cell, today=today)
    addresses = column("address", parse_text, max_length=300)
    sub_areas = column("sub_area", parse_text, max_length=60)
    task_forces = column("task_force", parse_text, max_length=40)
    scopes = column("business_scope", parse_text, max_length=4000)
    if progress:
        progress("validate", len(table), len(table))
    first_row: dict[str, int] = {}
    uscc_header = columns["uscc"].header
    for i, code in enumerate(usccs):
        if code is None:
            continue
        if code in first_row:
            errors.append(
                RowError(
                    i + 2,
                    uscc_header,
                    code,
                    f"信用代码与第 {first_row[code]} 行重复",
                    f"duplicates the credit code of row {first_row[code]}",
                )
            )
        else:
            first_row[code] = i + 2
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportRejected(errors)
    has_labels = "labels" in columns
    return [
        EnterpriseRecord(
            uscc=usccs[i],
            name=names[i],
            industry_code=industries[i][0],
            industry_section=industries[i][1],
            established=established[i],
            registered_capital_fen=capitals[i],
            employees=employees[i],
            address=addresses[i] or None,
            sub_area=sub_areas[i] or None,
            task_force=task_forces[i] or None,
            business_scope=scopes[i] or None,
            labels=(labels[i] or []) if has_labels else None,
            row=i + 2,
        )
        for i in range(len(table.rows))
    ]


# --- writing -------------------------------------------------------------------------------------

_CHUNK = 2000


def check_task_forces(session: Session, records: Sequence[EnterpriseRecord]) -> None:
    """Every task force named in the file must exist (create it first: `registry task-force`)."""
    known = set(session.scalars(select(TaskForce.code)))
    bad = [r for r in records if r.task_force is not None and r.task_force not in known]
    if bad:
        listing = ", ".join(sorted(known)) or "无 / none"
        raise ImportRejected(
            [
                RowError(
                    r.row,
                    "task_force",
                    r.task_force or "",
                    f"未知的专班 '{r.task_force}'（已有：{listing}）",
                    f"unknown task force '{r.task_force}' (known: {listing})",
                )
                for r in bad
            ]
        )


def write_records(
    session: Session,
    records: Sequence[EnterpriseRecord],
    *,
    upsert: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write validated records in bulk (Core executemany, not one ORM object a row)."""
    check_task_forces(session, records)
    present = ids_for_codes(session, [r.uscc for r in records])
    if present and not upsert:
        by_code = {r.uscc: r for r in records}
        raise ImportRejected(
            [
                RowError(
                    by_code[u].row,
                    "uscc",
                    u,
                    "该企业已在企业库中（如需更新请使用 --upsert）",
                    "this firm is already in the registry (use --upsert to update it)",
                )
                for u in sorted(present, key=lambda u: by_code[u].row)
            ]
        )
    new = [r for r in records if r.uscc not in present]
    old = [r for r in records if r.uscc in present]
    total = len(records)
    done = 0
    for start in range(0, len(new), 10_000):
        batch = new[start : start + 10_000]
        # Core insert: the ORM's bulk path would split batches by which columns are NULL.
        session.execute(insert(Enterprise.__table__), [r.columns() for r in batch])
        done += len(batch)
        if progress:
            progress("write", done, total)
    if old:
        session.execute(update(Enterprise), [{"id": present[r.uscc], **r.columns()} for r in old])
        done += len(old)
        if progress:
            progress("write", done, total)
    ids = {**present, **ids_for_codes(session, [r.uscc for r in new])}
    relabelled = [r for r in records if r.labels is not None]
    stale = [present[r.uscc] for r in old if r.labels is not None]
    for start in range(0, len(stale), _CHUNK):
        session.execute(
            delete(EnterpriseLabel).where(
                EnterpriseLabel.enterprise_id.in_(stale[start : start + _CHUNK])
            )
        )
    label_rows = [
        {
            "enterprise_id": ids[r.uscc],
            "label": lab.label,
            "valid_from": lab.valid_from,
            "valid_to": lab.valid_to,
            "certificate": lab.certificate,
            "exchange": lab.exchange,
            "ticker": lab.ticker,
        }
        for r in relabelled
        for lab in (r.labels or ())
    ]
    for start in range(0, len(label_rows), 20_000):
        session.execute(insert(EnterpriseLabel.__table__), label_rows[start : start + 20_000])
    bump_data_version(session, "registry")
    return ImportResult(rows=total, created=len(new), updated=len(old), labels=len(label_rows))


def import_enterprises(
    session: Session,
    *,
    source: Path | str | bytes,
    filename: str | None = None,
    upsert: bool = False,
    create_sub_areas: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read, validate and write a registry file; any bad row: ImportRejected, nothing written.

    A 片区 the registry does not know is refused (a typo would otherwise make a new sub-area)
    unless ``create_sub_areas``; the first file of an empty registry sets the sub-areas up. A
    credit code registered outside the zone's divisions is written with a warning.
    """
    table = read_table(source, filename=filename)
    if progress:
        progress("read", len(table), len(table))
    records = validate_table(table, today=today, progress=progress)
    header = map_headers(table.header, COLUMNS)
    if not create_sub_areas and "sub_area" in header:
        check_sub_areas(session, records, header=header["sub_area"].header)
    warnings = division_warnings(session, records, header=header["uscc"].header)
    result = write_records(session, records, upsert=upsert, progress=progress)
    result.source = table.source
    result.warnings = warnings
    return result


def known_sub_areas(session: Session) -> set[str]:
    return {
        area for area in session.scalars(select(Enterprise.sub_area).distinct()) if area is not None
    }


def check_sub_areas(session: Session, records: Sequence[EnterpriseRecord], *, header: str) -> None:
    """Refuse a 片区 the registry does not have yet (``--create-sub-area`` creates it)."""
    known = known_sub_areas(session)
    if not known:
        return  # an empty registry: its first file sets the zone's sub-areas up
    bad = [r for r in records if r.sub_area is not None and r.sub_area not in known]
    if not bad:
        return
    listing = "、".join(sorted(known))
    raise ImportRejected(
        [
            RowError(
                r.row,
                header,
                r.sub_area or "",
                f"园区没有片区“{r.sub_area}”（现有：{listing}）；"
                "确要新建片区请加 --create-sub-area",
                f"the zone has no sub-area '{r.sub_area}' (known: {', '.join(sorted(known))}); "
                "to create it, use --create-sub-area",
            )
            for r in bad
        ]
    )


def zone_divisions(session: Session) -> set[str]:
    """The administrative divisions (GB/T 2260, the credit code's 3rd-8th characters) where the
    zone's firms register: ``YUANQU_ZONE_DIVISIONS`` if set, else those holding at least 1% of
    the registry's firms (none for an empty registry)."""
    configured = get_settings().zone_divisions
    if configured:
        return {code.strip() for code in configured.split(",") if code.strip()}
    division = func.substr(Enterprise.uscc, 3, 6)
    rows = session.execute(select(division, func.count()).group_by(division)).all()
    total = sum(count for _, count in rows)
    return {code for code, count in rows if count * 100 >= total}


def division_warnings(
    session: Session, records: Sequence[EnterpriseRecord], *, header: str
) -> list[RowError]:
    """A warning for every row whose credit code was issued outside the zone's divisions."""
    divisions = zone_divisions(session)
    if not divisions:
        return []
    listing = "、".join(sorted(divisions))
    warnings = []
    for r in records:
        code = r.uscc[2:8]
        if code in divisions:
            continue
        verdict = check_uscc(r.uscc)
        place_zh = verdict.division or code
        place_en = verdict.division_en or place_zh
        warnings.append(
            RowError(
                r.row,
                header,
                r.uscc,
                f"登记机关在{place_zh}（{code}），不在园区的行政区划（{listing}）内；已导入，请核实",
                f"registered in {place_en} ({code}), outside the zone's divisions "
                f"({', '.join(sorted(divisions))}); imported, please check",
            )
        )
    return warnings


__all__ = [
    "COLUMNS",
    "EnterpriseRecord",
    "ImportResult",
    "LabelRecord",
    "import_enterprises",
    "validate_table",
    "write_records",
]
