"""The per-firm windows of a period read from the reports in one pass (``narrow``, a province's
bulletin) against the same windows read from the year-to-date cache every page of a zone reads:
the same rows, the same integers, the same doubles to their last bits (a deflated sum is summed
in another order).

The reports are written to have what the running sums must get right: firms that start late in
the year, skip months or stop; values missing (NULL) in some months and present in others; price
indices for some divisions and months only."""

from __future__ import annotations

import math
import random

import duckdb
import pytest

from yuanqu.stats.frames import MEASURES
from yuanqu.stats.windows import MONTHS, Window, firm_windows_sql, ytd_sql

YEARS = (2022, 2023)
DIVISIONS = ("39", "27", "65")


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    rng = random.Random(24)
    con = duckdb.connect()
    values = ", ".join(f"{m.sql.removeprefix('r.')} BIGINT" for m in MEASURES)
    con.execute(
        f"CREATE TABLE reports (enterprise_id BIGINT, year INTEGER, month INTEGER, "
        f"division VARCHAR, {values})"
    )
    con.execute(
        "CREATE TABLE prices (division VARCHAR, year INTEGER, month INTEGER, price_index DOUBLE)"
    )
    rows = []
    for firm in range(1, 121):
        division = DIVISIONS[firm % len(DIVISIONS)]
        for year in YEARS:
            # Some firms report every month, some start late, stop early or skip months;
            # some report nothing in a year.
            first, last = sorted(rng.sample(range(1, 13), 2)) if firm % 4 else (1, 12)
            if firm % 9 == 0 and year == 2022:
                continue
            for month in range(first, last + 1):
                if firm % 5 == 0 and rng.random() < 0.3:
                    continue
                figures = [
                    None if rng.random() < 0.1 else rng.randrange(-5_000, 9_000_000_000)
                    for _ in MEASURES
                ]
                rows.append((firm, year, month, division, *figures))
    holes = ", ".join("?" for _ in range(4 + len(MEASURES)))
    con.executemany(f"INSERT INTO reports VALUES ({holes})", rows)
    prices = [
        (division, year, month, round(rng.uniform(95, 110), 3))
        for division in DIVISIONS[:2]
        for year in YEARS
        for month in MONTHS
        if rng.random() < 0.8
    ]
    con.executemany("INSERT INTO prices VALUES (?, ?, ?, ?)", prices)
    full = " UNION ALL ".join(f"SELECT * FROM ({ytd_sql(MEASURES, year)})" for year in YEARS)
    con.execute(f"CREATE TABLE ytd AS {full}")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=lambda row: (row[0], row[1]))


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [column[0] for column in con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]


def _differences(got: list[tuple], want: list[tuple]) -> list[str]:
    """Rows that differ: integers, booleans and NULLs exactly, doubles to 1e-12 relative."""
    if len(got) != len(want):
        return [f"{len(got)} rows against {len(want)}"]
    found = []
    for left, right in zip(got, want, strict=True):
        for column, (x, y) in enumerate(zip(left, right, strict=True)):
            if isinstance(x, float) and isinstance(y, float):
                same = math.isclose(x, y, rel_tol=1e-12)
            else:
                same = x == y and type(x) is type(y)
            if not same:
                found.append(f"firm {left[0]} column {column}: {x!r} != {y!r}")
    return found


@pytest.mark.parametrize(
    "window", [Window(2023, m, m) for m in MONTHS] + [Window(2023, 1, 2)], ids=str
)
@pytest.mark.parametrize("prices", [True, False])
def test_narrow_windows_equal_the_cache_windows(con, window: Window, prices: bool) -> None:
    scope = "SELECT DISTINCT enterprise_id FROM reports WHERE enterprise_id % 3 <> 0"
    for where in (None, scope):
        cached = firm_windows_sql(MEASURES, window, prices=prices, scope=where)
        narrow = firm_windows_sql(MEASURES, window, prices=prices, scope=where, narrow=True)
        assert "FROM ytd " in cached and "FROM ytd " not in narrow
        assert _columns(con, narrow) == _columns(con, cached)
        want = _rows(con, cached)
        assert want, "the window reads some firms"
        # Firms in one year's cumulative window only are there too (each side may be missing).
        assert any(row[3] != row[4] for row in want)
        assert _differences(_rows(con, narrow), want) == []
