"""Benchmark: import 100,000 firms into SQLite from CSV and from xlsx.

Targets (issue 2): 100,000 rows from CSV in under 5 s and from xlsx in under 15 s on a 2-core
machine. Baseline, measured in the same run: the same validated rows written one by one with plain
ORM inserts (``session.add`` and a flush per row), which is what a first version would do.

    .venv/bin/python benchmarks/registry_import.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from yuanqu.core.db import make_engine, migrate, session_factory
from yuanqu.core.tabular import read_table
from yuanqu.demo.zone import build_zone
from yuanqu.registry.export import EXPORT_COLUMNS, export_row
from yuanqu.registry.importer import import_enterprises, validate_table
from yuanqu.registry.models import Enterprise, EnterpriseLabel


def write_files(rows: int, folder: Path) -> tuple[Path, Path]:
    """The demo generator's firms, written as the canonical CSV and as xlsx."""
    import csv

    import xlsxwriter

    from yuanqu.registry.models import EnterpriseLabel as Lab

    zone = build_zone(seed=7, firms=rows)
    records = zone.records[:rows]
    csv_path, xlsx_path = folder / "firms.csv", folder / "firms.xlsx"
    table = []
    for r in records:
        firm = Enterprise(
            uscc=r.uscc,
            name=r.name,
            industry_code=r.industry_code,
            industry_section=r.industry_section,
            established=r.established,
            registered_capital_fen=r.registered_capital_fen,
            employees=r.employees,
            address=r.address,
            sub_area=r.sub_area,
            task_force=None,
            business_scope=None,
        )
        firm.labels = [
            Lab(
                label=x.label,
                valid_from=x.valid_from,
                valid_to=x.valid_to,
                certificate=x.certificate,
                exchange=x.exchange,
                ticker=x.ticker,
            )
            for x in r.labels or []
        ]
        table.append(export_row(firm))
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    workbook = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, EXPORT_COLUMNS)
    for i, row in enumerate(table, start=1):
        sheet.write_row(i, 0, ["" if row[k] is None else str(row[k]) for k in EXPORT_COLUMNS])
    workbook.close()
    return csv_path, xlsx_path


def fresh_db(folder: Path, name: str):
    url = f"sqlite:///{folder / name}"
    migrate(url)
    return make_engine(url)


def time_import(folder: Path, source: Path) -> float:
    engine = fresh_db(folder, f"{source.suffix[1:]}.db")
    started = time.perf_counter()
    with session_factory(engine).begin() as session:
        result = import_enterprises(session, source=source)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert result.created > 0
    return elapsed


def time_orm_baseline(folder: Path, source: Path) -> float:
    """Read and validate the same way, then one ORM object and one flush per firm and label."""
    engine = fresh_db(folder, "orm.db")
    started = time.perf_counter()
    records = validate_table(read_table(source))
    with session_factory(engine).begin() as session:
        for r in records:
            firm = Enterprise(**r.columns())
            session.add(firm)
            session.flush()
            for lab in r.labels or []:
                session.add(
                    EnterpriseLabel(
                        enterprise_id=firm.id,
                        label=lab.label,
                        valid_from=lab.valid_from,
                        valid_to=lab.valid_to,
                        certificate=lab.certificate,
                        exchange=lab.exchange,
                        ticker=lab.ticker,
                    )
                )
                session.flush()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, xlsx_path = write_files(args.rows, folder)
        rows = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
        csv_s = time_import(folder, csv_path)
        xlsx_s = time_import(folder, xlsx_path)
        orm_s = time_orm_baseline(folder, csv_path)
    print(f"rows: {rows:,}")
    print(
        f"csv  import: {csv_s:6.2f} s  {rows / csv_s:10,.0f} rows/s  (target < 5 s: "
        f"{'met' if csv_s < 5 else 'MISSED'})"
    )
    print(
        f"xlsx import: {xlsx_s:6.2f} s  {rows / xlsx_s:10,.0f} rows/s  (target < 15 s: "
        f"{'met' if xlsx_s < 15 else 'MISSED'})"
    )
    print(
        f"baseline, row-by-row ORM inserts from csv: {orm_s:6.2f} s  {rows / orm_s:10,.0f} rows/s"
    )
    print(f"ratio baseline / yuanqu csv: {orm_s / csv_s:.1f}x")


if __name__ == "__main__":
    main()
