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
count in neither the benchmarks nor ``n``. So do firms whose every indicator lacks an input
(``inputs_missing``: not graded, 不定等级, reason "inputs missing"): a total of 0 for want of any
data is no result, and in a group where no firm reported anything every total would tie at rank 1
and be graded A. A firm with data that scores 0 (a reported tax of 0) is graded as usual. Such
firms add nothing to the benchmarks anyway (a benchmark sums only firms having both terms).

Ratios are computed in double precision; the numerators and denominators are the policy
language's exact decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from yuanqu.mu.method import Group, Indicator, Method
from yuanqu.policies.language.expressions import quote_ident, sql_text, variables_used
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


def _score_group(con, method: Method, group: Group, index: int) -> dict[str, float | None]:
    """Materialise one group's numerators and denominators (as doubles), find its benchmarks, and
    create ``g<index>`` with each indicator's value, score and missing input, and the total."""
    graded = f"grp = {sql_text(group.id)} AND exempt_idx IS NULL"
    picks, sums, cols = [], [], []
    for k, ind in enumerate(group.indicators):
        picks.append(
            f"{_ratio_term(ind.numerator)} AS n{k}, {_ratio_term(ind.denominator)} AS d{k}"
        )
        both = f"n{k} IS NOT NULL AND d{k} IS NOT NULL AND d{k} > 0"
        sums.append(f"sum(n{k}) FILTER (WHERE {both}) / NULLIF(sum(d{k}) FILTER (WHERE {both}), 0)")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE g{index}_in AS "
        f"SELECT firm_id, {', '.join(picks)} FROM base WHERE {graded}"
    )
    found = con.execute(f"SELECT {', '.join(sums)} FROM g{index}_in").fetchone() or ()
    benchmarks = {
        ind.id: (None if b is None else float(b))
        for ind, b in zip(group.indicators, found, strict=False)
    }
    cap = float(method.score_cap)
    for k, ind in enumerate(group.indicators):
        n, d = f"n{k}", f"d{k}"
        v = f"CASE WHEN {n} IS NOT NULL AND {d} IS NOT NULL AND {d} > 0 THEN {n} / {d} END"
        bench = benchmarks[ind.id]
        score = (
            f"CASE WHEN ({v}) > 0 THEN {float(ind.weight)!r} * least(({v}) / {bench!r}, {cap!r}) "
            "ELSE 0 END"
            if bench is not None and bench > 0
            else "CAST(0 AS DOUBLE)"
        )
        cols.append(
            f"{v} AS {ind.id}__value, {score} AS {ind.id}__score, "
            f"{_missing(ind, n, d, v)} AS {ind.id}__missing"
        )
    total = " + ".join(f"{ind.id}__score" for ind in group.indicators)
    # Every indicator names a missing input ('nonpositive' is data: a value of 0 or less).
    nothing = " AND ".join(
        f"coalesce({ind.id}__missing <> 'nonpositive', FALSE)" for ind in group.indicators
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE g{index} AS "
        f"SELECT *, {total} AS total, "
        f"CAST(round(({total}) * {10**TOTAL_PLACES}) AS BIGINT) AS total_micro, "
        f"{nothing or 'FALSE'} AS inputs_missing "
        f"FROM (SELECT firm_id, {', '.join(cols)} FROM g{index}_in)"
    )
    return benchmarks


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
    bare, exact = _columns(method)
    kept = "".join(f", {quote_ident(v)}" for v in sorted(exact))
    doubles = "".join(
        f", CAST({quote_ident(v)} AS DOUBLE) AS {quote_ident(v + '__f')}" for v in sorted(bare)
    )
    con.execute(
        f"""CREATE TEMP TABLE base AS SELECT firm_id, uscc, name, industry_code,
            industry_section, sub_area, task_force{kept}{doubles},
            {f"CASE {exempt} END" if exempt else "CAST(NULL AS INTEGER)"} AS exempt_idx,
            CASE {groups} END AS grp
        FROM inputs
        WHERE industry_section IN ({sections}) AND land_mu IS NOT NULL AND land_mu > 0"""
    )
    benchmarks = {
        group.id: _score_group(con, method, group, index)
        for index, group in enumerate(method.groups)
    }
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
        union.append(f"SELECT firm_id, {picks}, total, total_micro, inputs_missing FROM g{index}")
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
        WITH scored AS ({" UNION ALL ".join(union)}),
        ranked AS (
            SELECT s.firm_id,
                CAST(rank() OVER (PARTITION BY b.grp ORDER BY s.total_micro DESC) AS BIGINT)
                    AS rank_,
                CAST(count(*) OVER (PARTITION BY b.grp) AS BIGINT) AS n
            FROM scored s JOIN base b USING (firm_id)
            WHERE NOT s.inputs_missing
        )
        SELECT b.firm_id, b.uscc, b.name, b.industry_code, b.industry_section, b.sub_area,
            b.task_force, b.grp AS group_id, b.exempt_idx, s.inputs_missing,
            {", ".join(f"s.{i}__value, s.{i}__score, s.{i}__missing" for i in all_ids)},
            CASE WHEN NOT s.inputs_missing THEN s.total END AS total,
            CASE WHEN NOT s.inputs_missing THEN s.total_micro END AS total_micro,
            r.rank_ AS rank, r.n,
            CASE {grade_case} END AS grade
        FROM base b JOIN scored s USING (firm_id) LEFT JOIN ranked r USING (firm_id)
        WHERE b.exempt_idx IS NULL AND b.grp IS NOT NULL
        UNION ALL
        SELECT firm_id, uscc, name, industry_code, industry_section, sub_area, task_force,
            grp, exempt_idx, FALSE, {blank},
            CAST(NULL AS DOUBLE), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
            CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR)
        FROM base WHERE exempt_idx IS NOT NULL OR grp IS NULL
        ORDER BY group_id NULLS LAST, rank NULLS LAST, uscc
    """
    results = con.sql(sql).to_arrow_table()
    return Grading(results=results, benchmarks=benchmarks, method=method)
