"""Grading firms by a method: a pure function from the inputs table to the results, in DuckDB.

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
count in neither the benchmarks nor ``n``. Ratios are computed in double precision; the numerators
and denominators are the policy language's exact decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from yuanqu.mu.method import Group, Indicator, Method
from yuanqu.policies.language.expressions import sql_text, variables_used
from yuanqu.policies.language.sqlgen import to_sql

#: Totals are compared (ties, ranks) and stored at this many decimals.
TOTAL_PLACES = 6


@dataclass(frozen=True)
class Grading:
    """The results (one row per firm in scope holding land) and each group's benchmarks."""

    results: pa.Table
    benchmarks: dict[str, dict[str, float | None]]
    method: Method


def _expr(node) -> str:
    return f"({to_sql(node, scalars={}, bands={})})"


def _missing(indicator: Indicator, n: str, d: str, v: str) -> str:
    """SQL naming what keeps the indicator from a value: the missing input(s), or 'nonpositive'."""
    num = ",".join(variables_used(indicator.numerator))
    den = ",".join(variables_used(indicator.denominator))
    return (
        f"CASE WHEN {n} IS NULL THEN {sql_text(num)} "
        f"WHEN {d} IS NULL OR {d} <= 0 THEN {sql_text(den)} "
        f"WHEN {v} <= 0 THEN 'nonpositive' END"
    )


def _group_sql(method: Method, group: Group, index: int) -> tuple[str, str]:
    """(the scored rows of one group, the benchmarks of one group) as SQL over ``base``."""
    graded = f"grp = {sql_text(group.id)} AND exempt_idx IS NULL"
    picks, sums, scores, cols = [], [], [], []
    cap = float(method.score_cap)
    for k, ind in enumerate(group.indicators):
        n, d = f"n{k}", f"d{k}"
        picks.append(f"{_expr(ind.numerator)} AS {n}, {_expr(ind.denominator)} AS {d}")
        both = f"{n} IS NOT NULL AND {d} IS NOT NULL AND {d} > 0"
        sums.append(
            f"CAST(sum({n}) FILTER (WHERE {both}) AS DOUBLE) / "
            f"NULLIF(CAST(sum({d}) FILTER (WHERE {both}) AS DOUBLE), 0) AS b{k}"
        )
        v = f"CASE WHEN {both} THEN CAST({n} AS DOUBLE) / CAST({d} AS DOUBLE) END"
        scores.append(f"{v} AS v{k}")
    body = ", ".join(picks)
    values = ", ".join(scores)
    for k, ind in enumerate(group.indicators):
        w = float(ind.weight)
        score = f"CASE WHEN v{k} > 0 AND b{k} > 0 THEN {w} * least(v{k} / b{k}, {cap}) ELSE 0 END"
        cols.append(
            f"v{k} AS {ind.id}__value, {score} AS {ind.id}__score, "
            f"{_missing(ind, f'n{k}', f'd{k}', f'v{k}')} AS {ind.id}__missing"
        )
    total = " + ".join(f"{ind.id}__score" for ind in group.indicators)
    rows = f"""
        g{index}_in AS (SELECT firm_id, {body} FROM base WHERE {graded}),
        g{index}_b AS (SELECT {", ".join(sums)} FROM g{index}_in),
        g{index}_v AS (SELECT g.*, {values} FROM g{index}_in g, g{index}_b),
        g{index}_s AS (SELECT g.*, b.*, {", ".join(cols)} FROM g{index}_v g, g{index}_b b),
        g{index} AS (
            SELECT firm_id, {", ".join(f"{i.id}__value, {i.id}__score, {i.id}__missing" for i in group.indicators)},
                {total} AS total,
                CAST(round(({total}) * {10**TOTAL_PLACES}) AS BIGINT) AS total_micro
            FROM g{index}_s
        )"""  # noqa: E501
    return (
        rows,
        f"SELECT {', '.join(f'b{k}' for k in range(len(group.indicators)))} FROM g{index}_b",
    )


def grade(inputs: pa.Table, method: Method) -> Grading:
    """Grade every firm of ``inputs`` (see :func:`yuanqu.mu.inputs.gather`) by ``method``."""
    con = duckdb.connect()
    con.register("inputs", inputs)
    sections = ", ".join(sql_text(s) for s in method.sections)
    exempt = " ".join(
        f"WHEN coalesce({_expr(e.when)}, FALSE) THEN {k}" for k, e in enumerate(method.exemptions)
    )
    groups = " ".join(
        f"WHEN coalesce({_expr(g.when)}, FALSE) THEN {sql_text(g.id)}" for g in method.groups
    )
    con.execute(
        f"""CREATE TEMP TABLE base AS SELECT *,
            {f"CASE {exempt} END" if exempt else "CAST(NULL AS INTEGER)"} AS exempt_idx,
            CASE {groups} END AS grp
        FROM inputs
        WHERE industry_section IN ({sections}) AND land_mu IS NOT NULL AND land_mu > 0"""
    )
    ctes, bench_sql = [], []
    for index, group in enumerate(method.groups):
        rows, bench = _group_sql(method, group, index)
        ctes.append(rows)
        bench_sql.append(bench)
    all_ids = method.indicator_ids()
    union = []
    for index, group in enumerate(method.groups):
        own = {i.id for i in group.indicators}
        picks = ", ".join(
            f"{i}__value, {i}__score, {i}__missing"
            if i in own
            else f"CAST(NULL AS DOUBLE) AS {i}__value, CAST(NULL AS DOUBLE) AS {i}__score, "
            f"CAST(NULL AS VARCHAR) AS {i}__missing"
            for i in all_ids
        )
        union.append(f"SELECT firm_id, {picks}, total, total_micro FROM g{index}")
    grade_case = " ".join(
        f"WHEN rank_ * 10000 <= {int(g.up_to * 10000)} * n THEN {sql_text(g.grade)}"
        for g in method.grades
    )
    blank = ", ".join(
        f"CAST(NULL AS DOUBLE) AS {i}__value, CAST(NULL AS DOUBLE) AS {i}__score, "
        f"CAST(NULL AS VARCHAR) AS {i}__missing"
        for i in all_ids
    )
    sql = f"""
        WITH {",".join(ctes)},
        scored AS ({" UNION ALL ".join(union)}),
        ranked AS (
            SELECT s.*, b.grp,
                CAST(rank() OVER (PARTITION BY b.grp ORDER BY s.total_micro DESC) AS BIGINT)
                    AS rank_,
                CAST(count(*) OVER (PARTITION BY b.grp) AS BIGINT) AS n
            FROM scored s JOIN base b USING (firm_id)
        )
        SELECT b.firm_id, b.uscc, b.name, b.industry_code, b.industry_section, b.sub_area,
            b.task_force, b.grp AS group_id, b.exempt_idx,
            {", ".join(f"r.{i}__value, r.{i}__score, r.{i}__missing" for i in all_ids)},
            r.total, r.total_micro, r.rank_ AS rank, r.n,
            CASE {grade_case} END AS grade
        FROM base b LEFT JOIN ranked r USING (firm_id)
        WHERE b.exempt_idx IS NULL AND b.grp IS NOT NULL
        UNION ALL
        SELECT firm_id, uscc, name, industry_code, industry_section, sub_area, task_force,
            grp, exempt_idx, {blank},
            CAST(NULL AS DOUBLE), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
            CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR)
        FROM base WHERE exempt_idx IS NOT NULL OR grp IS NULL
        ORDER BY group_id NULLS LAST, rank NULLS LAST, uscc
    """
    results = con.sql(sql).to_arrow_table()
    benchmarks: dict[str, dict[str, float | None]] = {}
    for index, (group, bench) in enumerate(zip(method.groups, bench_sql, strict=True)):
        row = con.execute(f"WITH {ctes[index]} {bench}").fetchone() or ()
        benchmarks[group.id] = {
            ind.id: (None if v is None else float(v))
            for ind, v in zip(group.indicators, row, strict=False)
        }
    return Grading(results=results, benchmarks=benchmarks, method=method)
