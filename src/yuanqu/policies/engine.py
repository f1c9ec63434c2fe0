"""Batch evaluation: every policy for every firm, compiled to SQL and run by DuckDB over Arrow.

For each policy and firm the engine computes, with no Python loop over firms:

* ``status``: ``eligible``, ``ineligible`` (some condition is false), ``missing`` (no condition is
  false but one cannot be decided, or the amount cannot be computed, for want of data), or
  ``excluded`` (eligible, but a larger award of the same exclusive group was kept);
* ``failed``: the first false condition, else the first undecidable one;
* ``amount_fen`` (the formula, rounded half up to the fen, never below 0), ``capped_fen`` (after the
  per-firm cap) and ``allocated_fen`` (after the exclusive groups and the budget).

Money is integer fen or DECIMAL(38,10); never a float. Budgets are shared out exactly:
``pro_rata`` gives each claim ``floor(claim x budget / total)`` fen and hands the remaining fen
one each to the largest remainders (ties by credit code), so the shares add up to the budget;
``first_come`` (ascending ``order_by``) and ``ranked`` (descending ``order_by``) pay claims in
order until the budget runs out, the claim that crosses it receiving what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa

from yuanqu.policies.definition import Policy
from yuanqu.policies.expressions import (
    DIVIDE_MACRO,
    NUM_SQL,
    sql_number,
    sql_text,
    to_sql,
    variables_used,
)
from yuanqu.policies.inputs import variables_select
from yuanqu.policies.parameters import Resolved, period_of, resolve_all
from yuanqu.policies.variables import DEPENDS

STATUSES = ("eligible", "ineligible", "missing", "excluded")


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(DIVIDE_MACRO)
    return con


@dataclass(frozen=True)
class Compiled:
    """The SQL of one policy for one award year, with the parameters it was resolved with."""

    policy: Policy
    award_year: int
    parameters: dict[str, Resolved]
    conditions: tuple[str, ...]
    amount: str
    cap: str | None
    order_by: str | None
    used: tuple[str, ...]


def compile_policy(policy: Policy, award_year: int) -> Compiled:
    parameters = resolve_all(policy, award_year)
    scalars = {n: r.value for n, r in parameters.items() if not r.bands}
    bands = {
        n: r.bands for n, r in parameters.items() if r.bands or policy.parameters[n].kind == "band"
    }

    def sql(node) -> str:
        return to_sql(node, scalars=scalars, bands=bands)

    used: dict[str, None] = {}
    for node in [c.node for c in policy.conditions] + [policy.amount, policy.cap_per_firm]:
        if node is not None:
            for name in variables_used(node):
                used.update(dict.fromkeys(DEPENDS.get(name, ())))
                used[name] = None
    amount = sql(policy.amount) if policy.amount is not None else sql_number(Decimal(0))
    return Compiled(
        policy=policy,
        award_year=award_year,
        parameters=parameters,
        conditions=tuple(sql(c.node) for c in policy.conditions),
        amount=amount,
        cap=sql(policy.cap_per_firm) if policy.cap_per_firm is not None else None,
        order_by=sql(policy.allocation.order_by)
        if policy.allocation.order_by is not None
        else None,
        used=tuple(used),
    )


def _to_fen(expr: str) -> str:
    """Yuan (DECIMAL) to fen, half away from zero (DuckDB's decimal-to-integer cast), never < 0."""
    return (
        f"(CASE WHEN ({expr}) < 0 THEN CAST(0 AS BIGINT) ELSE CAST(({expr}) * 100 AS BIGINT) END)"
    )


def policy_sql(
    compiled: Compiled,
    index: int,
    source: str,
    *,
    keep_ineligible: bool = True,
    shared: dict[str, str] | None = None,
) -> str:
    """One SELECT giving this policy's claim for every firm of ``source``.

    Staged so that each expression is computed once and only where it matters: the conditions
    for every firm, the amount and cap only for firms no condition rules out (ineligible firms
    are dropped right there when ``keep_ineligible`` is false), the list of missing variables
    only for firms whose status is *missing*.
    """
    conds = compiled.conditions
    n = len(conds)
    failed_false = " ".join(f"WHEN c{i} = FALSE THEN {i}" for i in range(n))
    failed_null = " ".join(f"WHEN c{i} IS NULL THEN {i}" for i in range(n))
    failed = f"CASE {failed_false} {failed_null} ELSE NULL END" if n else "CAST(NULL AS INTEGER)"
    any_false = " OR ".join(f"coalesce(NOT c{i}, FALSE)" for i in range(n)) or "FALSE"
    any_null = " OR ".join(f"c{i} IS NULL" for i in range(n)) or "FALSE"
    missing_list = ", ".join(
        f"CASE WHEN {_column(v)} IS NULL THEN {sql_text(v)} END" for v in compiled.used
    )
    missing = f"concat_ws(',', {missing_list})" if missing_list else "''"
    shared = shared or {}
    needed: dict[str, None] = dict.fromkeys(compiled.used)
    if compiled.policy.allocation.order_by is not None:
        needed.update(dict.fromkeys(variables_used(compiled.policy.allocation.order_by)))
    if "industry_code" in needed:
        needed["industry_section"] = None
    # Explicit column lists, never ``*``: binding ``*`` over the wide inputs table at every stage
    # of 200 policies cost seconds of planning before a single row was read.
    keep = "firm_id, uscc" + "".join(f", {_column(v)}" for v in needed)
    cond_cols = "".join(f", {shared.get(c, c)} AS c{i}" for i, c in enumerate(conds))
    stage1 = f"SELECT {keep}{cond_cols} FROM {source}"
    stage2 = (
        f"SELECT {keep}, ({any_false}) AS f_false, ({any_null}) AS f_null, "
        f"CAST({failed} AS SMALLINT) AS failed_ FROM ({stage1})"
    )
    if not keep_ineligible:
        stage2 = f"SELECT * FROM ({stage2}) WHERE NOT f_false"
    cap = compiled.cap
    flags = "f_false, f_null, failed_"
    stage3 = (
        f"SELECT {keep}, {flags}, "
        f"CASE WHEN f_false THEN NULL ELSE {compiled.amount} END AS amount_raw"
        f", {f'CASE WHEN f_false THEN NULL ELSE {cap} END' if cap else 'NULL'} AS cap_raw"
        f", {compiled.order_by or f'CAST(NULL AS {NUM_SQL})'} AS order_key_ FROM ({stage2})"
    )
    stage4 = (
        f"SELECT {keep}, {flags}, order_key_, {_to_fen('amount_raw')} AS amount_fen_"
        f"{', ' + _to_fen('cap_raw') if cap else ', CAST(NULL AS BIGINT)'} AS cap_fen_"
        f" FROM ({stage3})"
    )
    capped = (
        "CASE WHEN amount_fen_ IS NULL OR cap_fen_ IS NULL THEN NULL "
        "ELSE least(amount_fen_, cap_fen_) END"
        if cap
        else "amount_fen_"
    )
    stage5 = (
        f"SELECT {keep}, {flags}, order_key_, amount_fen_, {capped} AS capped_, "
        f"CAST(CASE WHEN f_false THEN 1 WHEN f_null THEN 2 "
        f"WHEN ({capped}) IS NULL THEN 2 ELSE 0 END AS TINYINT) AS status_ FROM ({stage4})"
    )
    return (
        f"SELECT {index} AS policy_idx, firm_id, uscc, status_ AS status, failed_ AS failed, "
        "amount_fen_ AS amount_fen, "
        "CASE WHEN f_false OR f_null THEN NULL ELSE capped_ END AS capped_fen, "
        f"CAST(order_key_ AS {NUM_SQL}) AS order_key, "
        f"CASE WHEN status_ = 2 THEN {missing} ELSE '' END AS missing_vars "
        f"FROM ({stage5})"
    )


def _column(name: str) -> str:
    from yuanqu.policies.expressions import quote_ident

    return quote_ident(name)


@dataclass
class BatchResult:
    """The evaluation of several policies for one award year, held in DuckDB."""

    con: duckdb.DuckDBPyConnection
    award_year: int
    compiled: list[Compiled]
    table: str = "policy_results"

    def policy_ids(self) -> list[str]:
        return [c.policy.id for c in self.compiled]

    def rows(self, *, only_eligible: bool = False, policy: str | None = None) -> pa.Table:
        ids = ", ".join(f"({i}, {sql_text(c.policy.id)})" for i, c in enumerate(self.compiled))
        ids = ids or "(-1, '')"  # no policy in effect that year: an empty join, not bad SQL
        where = []
        if only_eligible:
            where.append("r.status = 0")
        if policy is not None:
            where.append(f"p.policy = {sql_text(policy)}")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.con.sql(
            f"""SELECT p.policy, r.uscc,
                  CASE r.status WHEN 0 THEN 'eligible' WHEN 1 THEN 'ineligible'
                       WHEN 2 THEN 'missing'
                       ELSE 'excluded' END AS status,
                  r.failed, r.missing_vars, r.amount_fen, r.capped_fen, r.allocated_fen
                FROM {self.table} r JOIN (VALUES {ids}) p(idx, policy) ON p.idx = r.policy_idx
                {clause} ORDER BY p.policy, r.uscc"""
        ).to_arrow_table()

    def one(self, policy_id: str, uscc: str) -> dict | None:
        index = self.policy_ids().index(policy_id)
        row = self.con.execute(
            f"SELECT status, failed, missing_vars, amount_fen, capped_fen, allocated_fen "
            f"FROM {self.table} WHERE policy_idx = ? AND uscc = ?",
            [index, uscc],
        ).fetchall()
        if not row:
            return None
        row = row[0]
        keys = ("status", "failed", "missing_vars", "amount_fen", "capped_fen", "allocated_fen")
        result = dict(zip(keys, row, strict=True))
        result["status"] = STATUSES[result["status"]]
        return result

    def variables(self, policy: Policy, uscc: str) -> dict | None:
        """One firm's catalogue variables, read from the table the batch evaluated."""
        cursor = self.con.execute(
            f"SELECT * FROM inputs_{policy.data_year(self.award_year)} WHERE uscc = ?", [uscc]
        )
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return dict(zip(names, rows[0], strict=True)) if rows else None

    def totals(self) -> list[dict]:
        """Per policy: firms by status, claims, capped and allocated totals (fen)."""
        rows = self.con.sql(
            f"""SELECT policy_idx, count(*) FILTER (WHERE status = 0) AS eligible,
                   count(*) FILTER (WHERE status = 2) AS missing,
                   count(*) FILTER (WHERE status = 3) AS excluded,
                   coalesce(sum(capped_fen) FILTER (WHERE status = 0), 0) AS claimed_fen,
                   coalesce(sum(allocated_fen), 0) AS allocated_fen,
                   count(*) FILTER (WHERE allocated_fen > 0) AS beneficiaries
                FROM {self.table} GROUP BY policy_idx ORDER BY policy_idx"""
        ).fetchall()
        out = []
        for idx, eligible, missing, excluded, claimed, allocated, beneficiaries in rows:
            compiled = self.compiled[idx]
            out.append(
                {
                    "policy": compiled.policy.id,
                    "eligible": eligible,
                    "missing": missing,
                    "excluded": excluded,
                    "beneficiaries": beneficiaries,
                    "claimed_fen": int(claimed),
                    "allocated_fen": int(allocated),
                    "budget_fen": None
                    if compiled.policy.budget is None
                    else int(compiled.policy.budget * 100),
                }
            )
        return out


def evaluate(
    con: duckdb.DuckDBPyConnection,
    policies: Sequence[Policy],
    award_year: int,
    base: pa.Table | dict[int, pa.Table] | str,
    *,
    keep_ineligible: bool = True,
) -> BatchResult:
    """Evaluate ``policies`` for ``award_year``.

    ``base`` is the base-column table (or one per data year, or the name of a DuckDB relation
    already holding them). Each data year's variables are computed once and shared by every policy.
    """
    active = [p for p in policies if p.in_effect(award_year)]
    compiled = [compile_policy(p, award_year) for p in active]
    sources: dict[int, str] = {}
    for c in compiled:
        year = c.policy.data_year(award_year)
        if year in sources:
            continue
        name = f"inputs_{year}"
        _, end = period_of(c.policy, award_year)
        relation = _base_for(con, base, year)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {variables_select(relation, end)}")
        sources[year] = name
    # Conditions are computed once per firm and data year, however many policies state them
    # (policy variants differing by one threshold share the others): a column each.
    shared: dict[int, dict[str, str]] = {}
    for year, name in list(sources.items()):
        distinct: dict[str, str] = {}
        for c in compiled:
            if c.policy.data_year(award_year) == year:
                for cond in c.conditions:
                    distinct.setdefault(cond, f"k{len(distinct)}")
        if distinct:
            columns = ", ".join(f"{sql} AS {col}" for sql, col in distinct.items())
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE conditions_{year} AS SELECT *, {columns} FROM {name}"
            )
            sources[year] = f"conditions_{year}"
        shared[year] = distinct
    parts = [
        policy_sql(
            c,
            i,
            sources[c.policy.data_year(award_year)],
            keep_ineligible=keep_ineligible,
            shared=shared[c.policy.data_year(award_year)],
        )
        for i, c in enumerate(compiled)
    ]
    empty = (
        "SELECT CAST(NULL AS INTEGER) AS policy_idx, CAST(NULL AS BIGINT) AS firm_id, "
        "CAST(NULL AS VARCHAR) AS uscc, CAST(NULL AS TINYINT) AS status, "
        "CAST(NULL AS SMALLINT) AS failed, "
        "CAST(NULL AS BIGINT) AS amount_fen, CAST(NULL AS BIGINT) AS capped_fen, "
        f"CAST(NULL AS {NUM_SQL}) "
        "AS order_key, CAST(NULL AS VARCHAR) AS missing_vars WHERE FALSE"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE policy_claims AS " + " UNION ALL ".join(parts or [empty])
    )
    _exclusive_groups(con, compiled)
    _allocate(con, compiled)
    return BatchResult(con, award_year, compiled)


def _base_for(con: duckdb.DuckDBPyConnection, base, year: int) -> str:
    if isinstance(base, str):
        return base
    table = base[year] if isinstance(base, dict) else base
    name = f"base_{year}"
    con.register(name, table)
    return name


def _exclusive_groups(con: duckdb.DuckDBPyConnection, compiled: list[Compiled]) -> None:
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(compiled):
        if c.policy.exclusive_group:
            groups.setdefault(c.policy.exclusive_group, []).append(i)
    cases = []
    for members in groups.values():
        if len(members) < 2:
            continue
        cases.append(f"WHEN policy_idx IN ({', '.join(map(str, members))}) THEN {members[0]}")
    if not cases:
        return
    # A firm keeps, within a group, its largest eligible claim; ties go to the policy listed first.
    order = " ".join(f"WHEN {i} THEN {sql_text(c.policy.id)}" for i, c in enumerate(compiled))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE policy_claims AS
        SELECT * REPLACE (CASE WHEN status = 0 AND grp IS NOT NULL AND
                 row_number() OVER (PARTITION BY grp, firm_id, status = 0
                                    ORDER BY capped_fen DESC, CASE policy_idx {order} END) > 1
               THEN CAST(3 AS TINYINT) ELSE status END AS status)
        FROM (SELECT *, CASE {" ".join(cases)} ELSE NULL END AS grp FROM policy_claims)"""
    )
    con.execute("ALTER TABLE policy_claims DROP COLUMN grp")


_RESULT_COLUMNS = (
    "policy_idx, firm_id, uscc, status, failed, amount_fen, capped_fen, order_key, missing_vars"
)


def _allocate(con: duckdb.DuckDBPyConnection, compiled: list[Compiled]) -> None:
    """``allocated_fen`` for every claim; window functions run only where a budget binds.

    The claims of a policy without a budget, or whose total fits its budget, are paid in full by
    a plain projection. Only the policies whose claims exceed the budget are ranked: pro rata by
    the remainders of the exact shares, first come / ranked by a running sum.
    """
    budgets = {
        i: (int(c.policy.budget * 100), c.policy.allocation.method)
        for i, c in enumerate(compiled)
        if c.policy.budget is not None
    }
    rationed: dict[str, list[tuple[int, int]]] = {"pro_rata": [], "first_come": [], "ranked": []}
    if budgets:
        listed = ", ".join(map(str, budgets))
        totals = con.execute(
            f"SELECT policy_idx, sum(capped_fen) FROM policy_claims "
            f"WHERE status = 0 AND policy_idx IN ({listed}) GROUP BY policy_idx"
        ).fetchall()
        for idx, total in totals:
            budget, method = budgets[idx]
            if total is not None and int(total) > budget:
                rationed[method].append((idx, budget))
    paid_in_full = "CASE WHEN status = 0 THEN capped_fen ELSE 0 END"
    everyone = [r for group in rationed.values() for r in group]
    parts = []
    if everyone:
        skip = ", ".join(str(i) for i, _ in everyone)
        parts.append(
            f"SELECT {_RESULT_COLUMNS}, CAST({paid_in_full} AS BIGINT) AS allocated_fen "
            f"FROM policy_claims WHERE policy_idx NOT IN ({skip})"
        )
    else:
        parts.append(
            f"SELECT {_RESULT_COLUMNS}, CAST({paid_in_full} AS BIGINT) AS allocated_fen "
            "FROM policy_claims"
        )

    def values(group: list[tuple[int, int]]) -> str:
        return ", ".join(f"({i}, CAST({b} AS HUGEINT))" for i, b in group)

    if rationed["pro_rata"]:
        parts.append(
            f"""SELECT {_RESULT_COLUMNS},
              CAST(CASE WHEN status <> 0 THEN 0 ELSE base_share
                + CASE WHEN claim > 0 AND remainder_rank <= leftover THEN 1 ELSE 0 END END
                AS BIGINT) AS allocated_fen
            FROM (
              SELECT *, budget - sum(base_share) OVER (PARTITION BY policy_idx) AS leftover,
                row_number() OVER (PARTITION BY policy_idx ORDER BY remainder DESC, uscc)
                  AS remainder_rank
              FROM (
                SELECT *, claim * budget // total AS base_share,
                       claim * budget % total AS remainder
                FROM (
                  SELECT *, sum(claim) OVER (PARTITION BY policy_idx) AS total
                  FROM (
                    SELECT c.*, b.budget,
                      CAST(CASE WHEN c.status = 0 THEN c.capped_fen ELSE 0 END AS HUGEINT)
                        AS claim
                    FROM policy_claims c
                    JOIN (VALUES {values(rationed["pro_rata"])}) b(policy_idx, budget)
                      USING (policy_idx)))))"""
        )
    for method, direction in (("first_come", "ASC"), ("ranked", "DESC")):
        if not rationed[method]:
            continue
        parts.append(
            f"""SELECT {_RESULT_COLUMNS},
              CAST(CASE WHEN status <> 0 THEN 0
                WHEN running <= budget THEN claim
                WHEN running - claim < budget THEN budget - (running - claim)
                ELSE 0 END AS BIGINT) AS allocated_fen
            FROM (
              SELECT *, sum(claim) OVER (PARTITION BY policy_idx
                  ORDER BY order_key {direction} NULLS LAST, uscc ROWS UNBOUNDED PRECEDING)
                  AS running
              FROM (
                SELECT c.*, b.budget,
                  CAST(CASE WHEN c.status = 0 THEN c.capped_fen ELSE 0 END AS HUGEINT) AS claim
                FROM policy_claims c
                JOIN (VALUES {values(rationed[method])}) b(policy_idx, budget)
                  USING (policy_idx)))"""
        )
    con.execute("CREATE OR REPLACE TEMP TABLE policy_results AS " + " UNION ALL ".join(parts))


def period_end(policy: Policy, award_year: int) -> date:
    return period_of(policy, award_year)[1]
