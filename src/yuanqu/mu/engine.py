"""Grading firms by a method: a pure function from the inputs table to the results, in DuckDB
(values, benchmarks, scores) and over Arrow columns with numpy (ranks, grades, order).

For each group of the method, over its graded firms (in scope, holding land, not exempt):

* each indicator's value is numerator / denominator; it is missing when either is missing or the
  denominator is not above zero, and the result names the missing input;
* its benchmark is the group's aggregate ratio: the sum of the numerators over the sum of the
  denominators of the firms that have both, the denominator above zero;
* its score is ``weight x min(value / benchmark, cap)``, and 0 when the value is missing, zero or
  negative (or the benchmark is not above zero);
* the total is the sum of the scores; firms rank by it (1 = the highest), totals equal to six
  decimals sharing the better rank; with ``n`` firms graded in the group, ``p = rank / n`` and the
  grade is the first whose bound ``p`` does not exceed (compared in integers, exactly).

Exempt firms (an exemption's condition true) keep their group and reason but no rank or grade and
count in neither the benchmarks nor ``n``. So do firms whose every indicator lacks an input
(``inputs_missing``: not graded, 不定等级, reason "inputs missing"): a total of 0 for want of any
data is no result, and in a group where no firm reported anything every total would tie at rank 1
and be graded A. A firm with data that scores 0 (a reported tax of 0) is graded as usual. Such
firms add nothing to the benchmarks anyway (a benchmark sums only firms having both terms).

Ratios are computed in double precision; the numerators and denominators are the policy
language's exact decimals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yuanqu.mu.method import Group, Indicator, Method
from yuanqu.policies.language.expressions import quote_ident, sql_text, variables_used
from yuanqu.policies.language.sqlgen import to_sql

#: Totals are compared (ties, ranks) and stored at this many decimals.
TOTAL_PLACES = 6
#: The column naming a firm's row of the inputs inside the engine's SQL.
POSITION = "pos__"
USCC_ORDER = "uscc_order__"


@dataclass(frozen=True)
class Grading:
    """The results (one row per firm in scope holding land) and each group's benchmarks."""

    results: pa.Table
    benchmarks: dict[str, dict[str, float | None]]
    method: Method


def _expr(node) -> str:
    """An expression as exact SQL over the inputs' decimal columns."""
    return f"({to_sql(node, scalars={}, bands={})})"


def _ratio_term(node) -> str:
    """A numerator or denominator as a double over ``base``: a bare variable reads the double
    column ``base`` keeps for it, anything else its exact expression, converted."""
    if node.kind == "var":
        return quote_ident(f"{node.value}__f")
    return f"CAST({_expr(node)} AS DOUBLE)"


def _columns(method: Method) -> tuple[set[str], set[str]]:
    """(variables read bare, as doubles; variables read inside expressions, exactly)."""
    bare, exact = set(), set()
    for group in method.groups:
        for ind in group.indicators:
            for node in (ind.numerator, ind.denominator):
                if node.kind == "var":
                    bare.add(node.value)
                else:
                    exact.update(variables_used(node))
    return bare, exact


def _missing(indicator: Indicator, n: str, d: str, v: str) -> str:
    """SQL naming what keeps the indicator from a value: the missing input(s), or 'nonpositive'."""
    num = ",".join(variables_used(indicator.numerator))
    den = ",".join(variables_used(indicator.denominator))
    return (
        f"CASE WHEN {n} IS NULL THEN {sql_text(num)} "
        f"WHEN {d} IS NULL OR {d} <= 0 THEN {sql_text(den)} "
        f"WHEN {v} <= 0 THEN 'nonpositive' END"
    )


def _terms(method: Method) -> list[tuple[str, Group, int, Indicator]]:
    """(column prefix, group, group index, indicator) of every indicator of every group."""
    return [
        (f"g{gi}_{k}", group, gi, ind)
        for gi, group in enumerate(method.groups)
        for k, ind in enumerate(group.indicators)
    ]


def _benchmarks(con, method: Method) -> dict[str, dict[str, float | None]]:
    """Each group's benchmarks: the sum of the numerators over the sum of the denominators of its
    graded firms having both, the denominator above zero (one scan of ``terms``)."""
    sums = []
    for prefix, _group, _gi, _ind in _terms(method):
        n, d = f"n{prefix}", f"d{prefix}"
        both = f"{n} IS NOT NULL AND {d} IS NOT NULL AND {d} > 0"
        sums.append(f"sum({n}) FILTER (WHERE {both}) / NULLIF(sum({d}) FILTER (WHERE {both}), 0)")
    found = con.execute(f"SELECT {', '.join(sums)} FROM terms").fetchall()[0] if sums else ()
    benchmarks: dict[str, dict[str, float | None]] = {g.id: {} for g in method.groups}
    for (_prefix, group, _gi, ind), b in zip(_terms(method), found or (), strict=False):
        benchmarks[group.id][ind.id] = None if b is None else float(b)
    return benchmarks


def _scoring(method: Method, benchmarks: dict[str, dict[str, float | None]]) -> tuple[str, str]:
    """(the SQL of each group's indicators' score and missing input, the SQL of each indicator
    id's result columns, the total and ``nothing`` (every input missing) per firm)."""
    cap = float(method.score_cap)
    per_term = []
    for prefix, group, _gi, ind in _terms(method):
        n, d, v = f"n{prefix}", f"d{prefix}", f"v{prefix}"
        bench = benchmarks[group.id][ind.id]
        score = (
            f"CASE WHEN {v} > 0 THEN {float(ind.weight)!r} * least({v} / {bench!r}, {cap!r}) "
            "ELSE 0 END"
            if bench is not None and bench > 0
            else "CAST(0 AS DOUBLE)"
        )
        per_term.append(f"{score} AS s{prefix}, {_missing(ind, n, d, v)} AS m{prefix}")
    columns = []
    for ind_id in method.indicator_ids():
        mine = [(p, g) for p, g, _gi, i in _terms(method) if i.id == ind_id]
        for part, kind in (("value", "v"), ("score", "s"), ("missing", "m")):
            whens = " ".join(f"WHEN {sql_text(g.id)} THEN {kind}{p}" for p, g in mine)
            columns.append(f"CASE WHEN exempt_idx IS NULL THEN CASE grp {whens} END END AS "
                           f"{ind_id}__{part}")  # fmt: skip
    totals, nothing = [], []
    for gi, group in enumerate(method.groups):
        scores = " + ".join(f"sg{gi}_{k}" for k in range(len(group.indicators)))
        # Every indicator names a missing input ('nonpositive' is data: a value of 0 or less).
        missing = " AND ".join(
            f"coalesce(mg{gi}_{k} <> 'nonpositive', FALSE)" for k in range(len(group.indicators))
        )
        totals.append(f"WHEN {sql_text(group.id)} THEN {scores or 'CAST(0 AS DOUBLE)'}")
        nothing.append(f"WHEN {sql_text(group.id)} THEN {missing or 'FALSE'}")
    scored = "exempt_idx IS NULL AND grp IS NOT NULL"
    columns.append(f"CASE WHEN {scored} THEN CASE grp {' '.join(totals)} END END AS total")
    columns.append(f"CASE WHEN {scored} THEN CASE grp {' '.join(nothing)} END END AS nothing")
    return ", ".join(per_term), ", ".join(columns)


#: The columns that describe a firm: carried from the inputs to the results by position, never
#: through the SQL (copying strings in and out of DuckDB was a third of the grading's time).
DESCRIPTIVE = ("firm_id", "uscc", "name", "industry_code", "industry_section", "sub_area",
               "task_force")  # fmt: skip


_database: dict[int, duckdb.DuckDBPyConnection] = {}


def _connection() -> duckdb.DuckDBPyConnection:
    """A connection of its own (temporary tables and views are a connection's) to this process's
    in-memory DuckDB: starting a database and its threads for every grading cost more CPU than
    the grading's joins."""
    pid = os.getpid()  # a forked worker starts its own database, never shares its parent's
    if pid not in _database:
        _database.clear()
        _database[pid] = duckdb.connect(":memory:")
    return _database[pid].cursor()


def grade(inputs: pa.Table, method: Method) -> Grading:
    """Grade every firm of ``inputs`` (see :func:`yuanqu.mu.inputs.gather`) by ``method``."""
    con = _connection()
    try:
        return _grade(con, inputs, method)
    finally:
        con.close()


def _grade(con: duckdb.DuckDBPyConnection, inputs: pa.Table, method: Method) -> Grading:
    positions = pa.array(np.arange(inputs.num_rows, dtype=np.int64))
    # The credit codes' order as an integer, so the final sort compares no strings.
    uscc_order = pc.rank(inputs.column("uscc"), sort_keys="ascending", tiebreaker="first")
    con.register(
        "inputs", inputs.append_column(POSITION, positions).append_column(USCC_ORDER, uscc_order)
    )
    sections = ", ".join(sql_text(s) for s in method.sections)
    exempt = " ".join(
        f"WHEN coalesce({_expr(e.when)}, FALSE) THEN {k}" for k, e in enumerate(method.exemptions)
    )
    groups = " ".join(
        f"WHEN coalesce({_expr(g.when)}, FALSE) THEN {sql_text(g.id)}" for g in method.groups
    )
    bare, exact = _columns(method)
    kept = "".join(f", {quote_ident(v)}" for v in sorted(exact))
    doubles = "".join(
        f", CAST({quote_ident(v)} AS DOUBLE) AS {quote_ident(v + '__f')}" for v in sorted(bare)
    )
    # One scan of the inputs: the doubles (DuckDB's conversion is correctly rounded; most of the
    # grading's time), the exemption and group of every firm in scope; each indicator's
    # numerator and denominator for the graded firms of its group are a view over it.
    picks = []
    for prefix, group, _gi, ind in _terms(method):
        graded = f"grp = {sql_text(group.id)} AND exempt_idx IS NULL"
        picks.append(
            f", CASE WHEN {graded} THEN {_ratio_term(ind.numerator)} END AS n{prefix}"
            f", CASE WHEN {graded} THEN {_ratio_term(ind.denominator)} END AS d{prefix}"
        )
    con.execute(
        f"""CREATE TEMP TABLE base AS
            SELECT {POSITION}, {USCC_ORDER}{kept}{doubles},
                {f"CASE {exempt} END" if exempt else "CAST(NULL AS INTEGER)"} AS exempt_idx,
                CASE {groups} END AS grp
            FROM inputs
            WHERE industry_section IN ({sections}) AND land_mu IS NOT NULL AND land_mu > 0"""
    )
    con.execute(
        f"""CREATE TEMP VIEW terms AS SELECT {POSITION}, {USCC_ORDER}, grp, exempt_idx
            {"".join(picks)} FROM base"""
    )
    benchmarks = _benchmarks(con, method)
    values = "".join(
        f", CASE WHEN n{p} IS NOT NULL AND d{p} IS NOT NULL AND d{p} > 0 THEN n{p} / d{p} END "
        f"AS v{p}"
        for p, _g, _gi, _i in _terms(method)
    )
    per_term, per_id = _scoring(method, benchmarks)
    results = ", ".join(_result_columns(method))
    scored = con.sql(
        f"""SELECT {POSITION}, {USCC_ORDER}, group_id, exempt_idx, {results}
        FROM (SELECT *, grp AS group_id, {per_id},
                CAST(round(total * {10**TOTAL_PLACES}) AS BIGINT) AS total_micro
            FROM (SELECT *{", " + per_term if per_term else ""}
                  FROM (SELECT *{values} FROM terms)))"""
    ).to_arrow_table()
    return Grading(results=_ranked(inputs, scored, method), benchmarks=benchmarks, method=method)


def _result_columns(method: Method) -> list[str]:
    parts = ("value", "score", "missing")
    per_id = [f"{i}__{part}" for i in method.indicator_ids() for part in parts]
    return [*per_id, "total", "total_micro", "nothing"]


def _ranked(inputs: pa.Table, scored: pa.Table, method: Method) -> pa.Table:
    """Rank and grade the scored firms within their groups, in columns (numpy), ordered by
    group, rank and credit code (nulls last), the firms' descriptive columns taken by position.

    A firm is graded unless exempt, outside every group or lacking every input (``nothing``).
    Its rank is 1 + the firms of its group graded with a higher total (to six decimals: equal
    totals share the better rank, as SQL's rank()); ``n`` the firms graded in the group; the
    grade the first whose bound ``rank / n`` does not exceed, compared in integers. Sorting the
    graded firms of a group by total descending puts equal totals side by side, so the ranks
    are counted in one pass over the sorted rows."""
    ids = sorted(g.id for g in method.groups)  # the order of ``ORDER BY group_id``
    group = pc.index_in(scored.column("group_id"), value_set=pa.array(ids, type=pa.string()))
    group_key = pc.fill_null(group, len(ids)).to_numpy(zero_copy_only=False)
    nothing = scored.column("nothing")
    graded = pc.fill_null(pc.invert(nothing), False).to_numpy(zero_copy_only=False)
    micro = pc.fill_null(scored.column("total_micro"), 0).to_numpy(zero_copy_only=False)
    uscc = scored.column(USCC_ORDER).to_numpy(zero_copy_only=False)
    # lexsort: the last key sorts first (group, graded before not, total descending, uscc)
    order = np.lexsort((uscc, np.where(graded, -micro, 0), ~graded, group_key))
    group_key, graded, micro = group_key[order], graded[order], micro[order]
    rank = np.zeros(len(order), dtype=np.int64)
    n = np.zeros(len(order), dtype=np.int64)
    for key in range(len(ids)):
        mine = np.flatnonzero(graded & (group_key == key))
        if not len(mine):
            continue
        start, end = mine[0], mine[-1] + 1  # one block, by total descending
        block = micro[start:end]
        first = np.ones(len(block), dtype=bool)
        first[1:] = block[1:] != block[:-1]
        rank[start:end] = np.maximum.accumulate(np.where(first, np.arange(1, len(block) + 1), 0))
        n[start:end] = len(block)
    letter = np.full(len(order), -1, dtype=np.int64)
    for k, g in reversed(list(enumerate(method.grades))):  # the first bound met wins
        letter[graded & (rank * 10000 <= int(g.up_to * 10000) * n)] = k
    scored = scored.take(pa.array(order))
    columns = {
        "group_id": scored.column("group_id"),
        "exempt_idx": scored.column("exempt_idx"),
        "inputs_missing": pc.fill_null(scored.column("nothing"), False),
        **{
            name: scored.column(name)
            for i in method.indicator_ids()
            for name in (f"{i}__value", f"{i}__score", f"{i}__missing")
        },
        "total": pc.if_else(graded, scored.column("total"), None),
        "total_micro": pc.if_else(graded, scored.column("total_micro"), None),
        "rank": pa.array(rank, type=pa.int64(), mask=~graded),
        "n": pa.array(n, type=pa.int64(), mask=~graded),
        "grade": pa.array([g.grade for g in method.grades], type=pa.string()).take(
            pa.array(letter, mask=letter < 0)
        ),
    }
    firms = inputs.select(list(DESCRIPTIVE)).take(scored.column(POSITION))
    return pa.Table.from_arrays([*firms.columns, *columns.values()], names=[*DESCRIPTIVE, *columns])
