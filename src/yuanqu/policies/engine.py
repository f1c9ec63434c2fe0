"""Batch evaluation: every policy for every firm, compiled to plain integer SQL.

For each policy and firm the engine computes, with no Python loop over firms:

* ``status``: ``eligible``, ``ineligible`` (some condition is false), ``missing`` (no condition is
  false but one cannot be decided, or the amount cannot be computed, for want of data), or
  ``excluded`` (eligible, but a larger award of the same exclusive group was kept);
* ``failed``: the first false condition, else the first undecidable one;
* ``amount_fen`` (the formula, rounded half up to the fen, never below 0), ``capped_fen`` (after the
  per-firm cap) and ``allocated_fen`` (after the exclusive groups and the budget).

The work is a handful of statements whatever the number of policies (see :func:`evaluate`), all
plain SQL over integers (fen, counts, shares at scale 10; ``policies.language.sqlgen``), so the
same statements run on Spark transpiled by sqlglot (:mod:`yuanqu.policies.spark_runner`).

Budgets are shared out exactly: ``pro_rata`` gives each claim ``floor(claim x budget / total)``
fen and hands the remaining fen one each to the largest remainders (ties by credit code), so the
shares add up to the budget; ``first_come`` (ascending ``order_by``) and ``ranked`` (descending)
pay claims in order until the budget runs out, the claim that crosses it receiving what is left.
Both are decided by one *cut-off* per rationed policy (the last remainder that gets a fen, the
claim that crosses the budget), so the allocation of every claim is a projection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yuanqu.core.money import INT64_MAX
from yuanqu.policies.allocation import FIGURES, allocate
from yuanqu.policies.inputs import to_values, variables_select
from yuanqu.policies.language.definition import Policy
from yuanqu.policies.language.expressions import quote_ident, sql_text
from yuanqu.policies.language.parameters import period_of
from yuanqu.policies.language.sqlgen import to_fen
from yuanqu.policies.plan import (
    Compiled,
    Runner,
    arrow,
    compile_policy,
    create,
    fetch,
    missing_mask_sql,
    needed_columns,
    not_false_sql,
)
from yuanqu.policies.variants import INDEX, Branch, branches

#: Claims as a view on DuckDB (see :func:`evaluate`); a table when false.
CLAIMS_VIEW = True
#: Rows per record batch of the inputs handed to DuckDB.
BATCH_ROWS = 65_536
STATUSES = ("eligible", "ineligible", "missing", "excluded")
#: The columns of one firm's row for one policy, as :meth:`BatchResult.firm_rows` reads them.
FIRM_ROW = ("status", "failed", "missing_mask", "amount_fen", "capped_fen", "allocated_fen")


def claims_sql(
    compiled: Compiled,
    index: int | str,
    source: str,
    keys: dict[str, str],
    keep: bool,
    *,
    shared: tuple[str, str] | None = None,
    ordered: bool = True,
    mask: str = "BIGINT",
    carry: Sequence[str] = (),
) -> str:
    """One SELECT giving this policy's claim for every firm of ``source`` (the conditions are
    columns of ``source``, named by ``keys``). ``keep``: keep the ineligible firms too.
    ``index``: the policy's index, or the column holding it (a branch of variants, whose
    parameter columns ``carry`` names).
    ``shared``: a column of ``source`` already holding "none of these conditions is false" for
    the conditions this policy shares with others (and the same name suffixed ``_all``: "all of
    them are true"), and the conditions it covers."""
    conds = [keys[c] for c in compiled.conditions]
    if shared is not None:
        column, covered = shared
        rest = [k for k in dict.fromkeys(conds) if k not in covered.split(",")]
        not_false = " AND ".join([column, *(f"coalesce({k}, TRUE)" for k in rest)])
        # three-valued AND over many columns costs more a row than two-valued over a few
        all_true = " AND ".join([f"{column}_all", *(f"coalesce({k}, FALSE)" for k in rest)])
    else:
        not_false = not_false_sql(conds)
        all_true = f"coalesce({' AND '.join(conds)}, FALSE)" if conds else "TRUE"
    # The first false condition, else the first undecidable one; only where not all hold (a
    # row kept with keep=False has no false condition).
    tests = [f"WHEN {c} = FALSE THEN {i}" for i, c in enumerate(conds)] if keep else []
    tests += [f"WHEN {c} IS NULL THEN {i}" for i, c in enumerate(conds)]
    failed = f"CASE WHEN t_all THEN NULL {' '.join(tests)} END" if conds else "NULL"
    amount = to_fen(compiled.amount)
    cap = to_fen(compiled.cap) if compiled.cap is not None else None
    capped = "CASE WHEN a IS NULL OR c IS NULL THEN NULL ELSE least(a, c) END" if cap else "a"
    order = compiled.order_by.sql if compiled.order_by is not None else "NULL"
    columns = "".join(f", {quote_ident(v)}" for v in needed_columns(compiled))
    columns += "".join(f", {c}" for c in carry)
    columns += "".join(f", {k}" for k in dict.fromkeys(conds))
    if keep:
        inner = (
            f"SELECT uscc_rank{columns}, NOT ({not_false}) AS f_false, {all_true} AS t_all, "
            f"CASE WHEN {not_false} THEN {amount} END AS a, "
            f"CASE WHEN {not_false} THEN {cap or 'NULL'} END AS c FROM {source}"
        )
        status = (
            f"CASE WHEN f_false THEN 1 WHEN NOT t_all THEN 2 WHEN ({capped}) IS NULL THEN 2 "
            "ELSE 0 END"
        )
        lacking = f"NOT f_false AND (NOT t_all OR ({capped}) IS NULL)"
        claimed = f"CASE WHEN f_false OR NOT t_all THEN NULL ELSE {capped} END"
    else:
        inner = (
            f"SELECT uscc_rank{columns}, {all_true} AS t_all, "
            f"{amount} AS a, {cap or 'NULL'} AS c FROM {source} WHERE {not_false}"
        )
        status = f"CASE WHEN NOT t_all THEN 2 WHEN ({capped}) IS NULL THEN 2 ELSE 0 END"
        lacking = f"(NOT t_all OR ({capped}) IS NULL)"
        claimed = f"CASE WHEN NOT t_all THEN NULL ELSE {capped} END"
    return (
        f"SELECT CAST({index} AS SMALLINT) AS policy_idx, uscc_rank, "
        f"CAST({status} AS TINYINT) AS status, CAST({failed} AS SMALLINT) AS failed, "
        f"a AS amount_fen, {claimed} AS capped_fen, "
        + (f"CAST({order} AS HUGEINT) AS order_key, " if ordered else "")
        + f"CASE WHEN {lacking} THEN {missing_mask_sql(compiled.used, mask)} END"
        f" AS missing_mask FROM ({inner}) s"
    )


@dataclass
class BatchResult:
    """The evaluation of several policies for one award year, held by the SQL engine.

    ``policy_results`` (a view) has one row per (policy, firm) evaluated: ``policy_idx``,
    ``firm_id``, ``uscc``, ``status`` (0..3, :data:`STATUSES`), ``failed``, ``amount_fen``,
    ``capped_fen``, ``allocated_fen``, ``missing_vars``."""

    con: Runner
    award_year: int
    compiled: list[Compiled]
    table: str = "policy_results"
    #: The same rows without the credit code and the spelled-out missing inputs (no join):
    #: what the totals read.
    lean_table: str = "policy_alloc"
    #: Per data year, the relation of base columns and the period's end the inputs were read
    #: with (``inputs_<year>``).
    inputs: dict[int, tuple[str, date]] = field(default_factory=dict)
    #: The same base columns as Arrow tables, where the caller handed them so.
    arrow: dict[int, pa.Table] = field(default_factory=dict)
    #: Per rationed policy, the branch of ``policy_alloc`` that pays it (the rest:
    #: ``policy_alloc_0``).
    paid_by: dict[int, str] = field(default_factory=dict)
    #: Per policy with rows, its figures as the allocation counted them
    #: (:data:`yuanqu.policies.allocation.FIGURES`); None: count them on the rows.
    counted: dict[int, dict[str, int]] | None = None

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
        return arrow(
            self.con,
            f"""SELECT p.policy, r.uscc,
                  CASE r.status WHEN 0 THEN 'eligible' WHEN 1 THEN 'ineligible'
                       WHEN 2 THEN 'missing'
                       ELSE 'excluded' END AS status,
                  r.failed, r.missing_vars, r.amount_fen, r.capped_fen, r.allocated_fen
                FROM {self.table} r JOIN (VALUES {ids}) p(idx, policy) ON p.idx = r.policy_idx
                {clause} ORDER BY p.policy, r.uscc""",
        )

    def one(self, policy_id: str, uscc: str) -> dict | None:
        """One firm's row for one policy (what ``explain`` checks itself against): the firm's
        rank looked up first, then two constant filters the claims' zone maps can use."""
        return self.firm_rows(uscc, [policy_id]).get(policy_id)

    def firm_rows(self, uscc: str, policy_ids: Sequence[str] | None = None) -> dict[str, dict]:
        """One firm's rows for several policies (every policy by default), by policy id: its
        rank looked up once, then one constant filter per table that pays them."""
        ids = self.policy_ids()
        wanted = [ids.index(p) for p in (ids if policy_ids is None else policy_ids)]
        ranks = fetch(self.con, f"SELECT uscc_rank FROM policy_firms WHERE uscc = {sql_text(uscc)}")
        if not ranks or not wanted:
            return {}
        by_table: dict[str, list[int]] = {}
        for index in wanted:
            by_table.setdefault(self.paid_by.get(index, "policy_alloc_0"), []).append(index)
        found: dict[str, dict] = {}
        keys = ("status", "failed", "missing_vars", "amount_fen", "capped_fen", "allocated_fen")
        for table, indexes in by_table.items():
            listed = ", ".join(str(int(i)) for i in indexes)
            rows = fetch(
                self.con,
                f"SELECT policy_idx, {', '.join(FIRM_ROW)} FROM {table} "
                f"WHERE policy_idx IN ({listed}) AND uscc_rank = {int(ranks[0][0])}",
            )
            for index, *values in rows:
                if int(index) not in indexes:
                    continue
                result = dict(zip(keys, values, strict=True))
                mask = int(result["missing_vars"] or 0)
                used = self.compiled[int(index)].used
                result["missing_vars"] = ",".join(v for j, v in enumerate(used) if mask >> j & 1)
                result["status"] = STATUSES[result["status"]]
                for key in ("amount_fen", "capped_fen", "allocated_fen"):
                    if result[key] is not None:
                        result[key] = int(result[key])
                found[ids[int(index)]] = result
        return found

    def variables(self, policy: Policy, uscc: str) -> dict | None:
        """One firm's catalogue variables (exact decimals), by the query the batch evaluated,
        over that firm's base row only (the filter reaches the scan of the inputs)."""
        year = policy.data_year(self.award_year)
        if year not in self.inputs:
            return None
        source, end = self.inputs[year]
        table = self.arrow.get(year)
        if table is not None:
            # DuckDB converts every column of an Arrow scan before filtering (50 ms for a
            # million firms); Arrow finds the row in a few, handed over as literals.
            rows = table.filter(pc.equal(table["uscc"], uscc)).to_pylist()
            if not rows:
                return None
            firm = f"({_row_relation(rows[0], table.schema)}) b"
        else:
            firm = f"(SELECT * FROM {source} WHERE uscc = {sql_text(uscc)}) b"
        cursor = self.con.execute(variables_select(firm, end))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return to_values(dict(zip(names, rows[0], strict=True))) if rows else None

    def totals(self) -> list[dict]:
        """Per policy: firms by status, beneficiaries, claimed and allocated totals (fen), as
        the allocation counted them (no pass over the claims); zeros for a policy no firm
        could claim."""
        if self.counted is None:
            return self.totals_from_rows()
        return [
            self._total(i, self.counted.get(i, dict.fromkeys(FIGURES, 0)))
            for i in range(len(self.compiled))
        ]

    def totals_from_rows(self) -> list[dict]:
        """The same figures summed over every allocation (what :meth:`totals` must equal)."""
        rows = fetch(
            self.con,
            f"""SELECT policy_idx, count(*) FILTER (WHERE status = 0) AS eligible,
                   count(*) FILTER (WHERE status = 2) AS missing,
                   count(*) FILTER (WHERE status = 3) AS excluded,
                   coalesce(sum(capped_fen) FILTER (WHERE status = 0), 0) AS claimed_fen,
                   coalesce(sum(allocated_fen), 0) AS allocated_fen,
                   count(*) FILTER (WHERE allocated_fen > 0) AS beneficiaries
                FROM {self.lean_table} GROUP BY policy_idx ORDER BY policy_idx""",
        )
        keys = ("eligible", "missing", "excluded", "claimed_fen", "allocated_fen")
        found = {
            idx: {**dict(zip(keys, values, strict=True)), "beneficiaries": beneficiaries}
            for idx, *values, beneficiaries in rows
        }
        return [
            self._total(i, found.get(i, dict.fromkeys(FIGURES, 0)))
            for i in range(len(self.compiled))
        ]

    def missing_inputs(self, policy_id: str) -> dict[str, int]:
        """For the firms the policy cannot decide (status ``missing``): how many lack each
        input it reads, by variable name, most lacking first (a firm may lack several)."""
        idx = self.policy_ids().index(policy_id)
        used = self.compiled[idx].used
        rows = fetch(
            self.con,
            f"""SELECT missing_mask, count(*) FROM {self.lean_table}
                WHERE policy_idx = {idx} AND status = 2 GROUP BY missing_mask""",
        )
        counts: dict[str, int] = {}
        for mask, firms in rows:
            for j, name in enumerate(used):
                if int(mask or 0) >> j & 1:
                    counts[name] = counts.get(name, 0) + int(firms)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _total(self, idx: int, figures: dict[str, Any]) -> dict:
        policy = self.compiled[idx].policy
        return {
            "policy": policy.id,
            **{key: int(figures[key]) for key in FIGURES},
            "budget_fen": None if policy.budget is None else int(policy.budget * 100),
        }


_SQL_TYPES = {
    pa.int64(): "BIGINT",
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
}


def _row_relation(row: dict[str, Any], schema: pa.Schema) -> str:
    """One row of base columns as a SELECT of typed literals."""
    values = []
    for f in schema:
        kind, value = _SQL_TYPES[f.type], row[f.name]
        if value is None:
            text = "NULL"
        elif kind == "VARCHAR":
            text = sql_text(value)
        elif kind == "DATE":
            text = sql_text(value.isoformat())
        elif kind == "BOOLEAN":
            text = "TRUE" if value else "FALSE"
        else:
            text = str(int(value))
        values.append(f"CAST({text} AS {kind}) AS {quote_ident(f.name)}")
    return f"SELECT {', '.join(values)}"


def evaluate(
    con: Runner,
    policies: Sequence[Policy],
    award_year: int,
    base: pa.Table | dict[int, pa.Table] | str,
    *,
    keep_ineligible: bool = True,
) -> BatchResult:
    """Evaluate ``policies`` for ``award_year``.

    ``base`` is the base-column table (or one per data year, or the name of a relation already
    holding them). The statements, whatever the number of policies:

    1. per data year, ``inputs_Y``: the catalogue variables of every firm (integers);
    2. ``policy_firms``: every firm with its rank by credit code (the allocation's tie-break and
       the claims' firm key);
    3. per data year, ``conditions_Y``: every *distinct* condition of every policy as a boolean
       column (200 variants of two policies share all but one of their conditions), with the
       variables the amounts read; with ``keep_ineligible`` false, only the firms some policy
       could still award (one factored test, each shared group of conditions once);
    4. ``policy_claims``: one UNION ALL of a projection per policy (status, first failed
       condition, amount, cap; the missing inputs as a bit mask, only on missing rows),
       ineligible firms filtered out right there when ``keep_ineligible`` is false;
    5. only where needed: the exclusive groups' losers, the per-policy totals of budgeted
       policies and, for the policies whose claims exceed their budget, one cut-off each;
    6. ``policy_alloc``: a view paying every claim by a projection of those few figures (one
       branch per kind of policy), and ``policy_results``: the same with the firm id, credit
       code and missing inputs spelled out.
    """
    active = [p for p in policies if p.in_effect(award_year)]
    compiled = [compile_policy(p, award_year) for p in active]
    units = branches(compiled, award_year, lambda p, ph: compile_policy(p, award_year, ph))
    years = sorted({c.policy.data_year(award_year) for c in compiled})
    # The order key is stored only when some policy orders its claims (16 bytes a row).
    ordered = any(c.order_by is not None for c in compiled)
    # The missing-input masks fit 32 bits unless some policy reads more than 31 variables.
    mask = "INTEGER" if all(len(c.used) <= 31 for c in compiled) else "BIGINT"
    of_year = {
        year: [b for b in units if b.compiled.policy.data_year(award_year) == year]
        for year in years
    }
    # Claims carry the firm's rank by credit code (the allocation's tie-break) as their key;
    # the firm id and credit code are joined back only when the results are read. With one
    # data year the rank is the base's row number when the base is sorted by credit code (as
    # policies.load reads it), else taken where the conditions are, over the firms kept only.
    single = len(years) == 1
    inputs: dict[int, tuple[str, date]] = {}
    ranked = False
    for year in years:
        _, end = period_of(of_year[year][0].compiled.policy, award_year)
        name, ranked = _base_for(con, base, year, rank=single)
        inputs[year] = (name, end)
        keep = ("uscc_rank",) if ranked else ()
        create(
            con,
            f"inputs_{year}",
            variables_select(name, end, keep=keep),
            view=_claims_view(con),
        )
    firms = [f"SELECT firm_id, uscc FROM inputs_{year}" for year in years]
    firms_sql = (
        (firms[0] if len(firms) == 1 else f"SELECT DISTINCT * FROM ({' UNION ALL '.join(firms)}) u")
        if firms
        else "SELECT CAST(NULL AS BIGINT) AS firm_id, CAST(NULL AS VARCHAR) AS uscc WHERE FALSE"
    )
    rank = "CAST(row_number() OVER (ORDER BY uscc) AS INTEGER) AS uscc_rank"
    if not single:
        create(con, "policy_firms", f"SELECT firm_id, uscc, {rank} FROM ({firms_sql}) f")
    parts = []
    for year in years:
        members = of_year[year]
        keys: dict[str, str] = {}
        needed: dict[str, None] = {}
        for b in members:
            for cond in b.invariant():
                keys.setdefault(cond, f"k{len(keys)}")
            needed.update(dict.fromkeys(needed_columns(b.compiled)))
        conds_of = {j: [keys[c] for c in b.invariant()] for j, b in enumerate(members)}
        shared = _condition_groups(conds_of)
        columns = "".join(f", {quote_ident(v)}" for v in needed)
        conditions = "".join(f", {sql} AS {key}" for sql, key in keys.items())
        groups = {g: covered for g, covered in shared.values()}
        conditions += "".join(
            f", {not_false_sql(covered.split(','))} AS {g}, "
            f"coalesce({' AND '.join(covered.split(','))}, FALSE) AS {g}_all"
            for g, covered in groups.items()
        )
        if single:
            select = (
                f"SELECT {'' if ranked else f'{rank}, '}t.* FROM (SELECT "
                f"{'uscc_rank, ' if ranked else ''}firm_id, uscc{columns}{conditions} "
                f"FROM inputs_{year}) t"
            )
        else:
            select = (
                f"SELECT f.uscc_rank, t.* FROM (SELECT firm_id{columns}{conditions} "
                f"FROM inputs_{year}) t JOIN policy_firms f ON f.firm_id = t.firm_id"
            )
        alive = _alive(conds_of, shared) if not keep_ineligible else None
        if alive is not None:
            # Only firms some policy could still award: the rest are ineligible everywhere.
            select += f" WHERE {alive}"
        create(con, f"conditions_{year}", select)
        if _claims_view(con):
            _narrow(con, f"conditions_{year}")
        if single:
            create(con, "policy_firms", f"SELECT firm_id, uscc, uscc_rank FROM conditions_{year}")
        for j, b in enumerate(members):
            table = f"conditions_{year}"
            if not b.shared:
                parts.append(
                    claims_sql(
                        b.compiled,
                        b.members[0],
                        table,
                        keys,
                        keep_ineligible,
                        shared=shared.get(j),
                        ordered=ordered,
                        mask=mask,
                    )
                )
                continue
            # Variants of one policy: the firms crossed with the variants' parameter values,
            # the conditions that read them computed per firm and variant.
            name = f"variants_{b.members[0]}"
            create(con, name, b.values_sql())
            own = dict(keys)
            tests = ""
            for n, cond in enumerate(
                c for c in dict.fromkeys(b.compiled.conditions) if c in b.variant
            ):
                own[cond] = f"kv{n}"
                tests += f", {cond} AS kv{n}"
            parts.append(
                claims_sql(
                    b.compiled,
                    INDEX,
                    _crossed(table, name, tests, None if keep_ineligible else _join_on(b)),
                    own,
                    keep_ineligible,
                    shared=shared.get(j),
                    ordered=ordered,
                    mask=mask,
                    carry=[INDEX, *(column for column, _ in b.columns)],
                )
            )
    empty = (
        "SELECT CAST(NULL AS SMALLINT) AS policy_idx, CAST(NULL AS INTEGER) AS uscc_rank, "
        "CAST(NULL AS TINYINT) AS status, CAST(NULL AS SMALLINT) AS failed, "
        "CAST(NULL AS BIGINT) AS amount_fen, CAST(NULL AS BIGINT) AS capped_fen, "
        + ("CAST(NULL AS HUGEINT) AS order_key, " if ordered else "")
        + f"CAST(NULL AS {mask}) AS missing_mask "
        "FROM (SELECT 1 AS x) t WHERE FALSE"
    )
    # On DuckDB the claims are a view: materialising tens of millions of rows costs more than
    # reading them again, each read being one pass of integer arithmetic. Spark keeps a table.
    create(con, "policy_claims", " UNION ALL ".join(parts or [empty]), view=_claims_view(con))
    allocation = allocate(con, compiled, create)
    arrow = {
        year: table
        for year in years
        if isinstance(table := (base.get(year) if isinstance(base, dict) else base), pa.Table)
    }
    return BatchResult(
        con,
        award_year,
        compiled,
        inputs=inputs,
        arrow=arrow,
        paid_by=allocation.paid_by,
        counted=allocation.totals,
    )


def _join_on(branch: Branch) -> tuple[str, str, str] | None:
    """The first condition of a branch of variants that compares a firm's value with a
    parameter column, if any (see :func:`_crossed`)."""
    compiled = branch.compiled
    for cond, found in zip(compiled.conditions, compiled.thresholds, strict=False):
        if found is not None and cond in branch.variant:
            return found
    return None


def _crossed(table: str, variants: str, tests: str, on: tuple[str, str, str] | None) -> str:
    """The firms of ``table`` crossed with the variants, with the per-variant ``tests``.

    ``on``: a condition ``x op p`` every kept claim must not fail (the ineligible are left out):
    the firms whose ``x`` is known are joined to the variants on it (an inequality join, which
    DuckDB runs as a merge, instead of testing every pair), those whose ``x`` is missing are
    crossed with every variant (their claims are missing, not failed). ``p`` is never NULL."""

    def pairs(firms: str, join: str) -> str:
        return f"SELECT s.*, v.*{tests} FROM {firms} s {join}"

    if on is None:
        return f"({pairs(table, f'CROSS JOIN {variants} v')}) sv"
    x, op, p = on
    known = pairs(
        f"(SELECT * FROM {table} WHERE {x} IS NOT NULL)", f"JOIN {variants} v ON {x} {op} {p}"
    )
    missing = pairs(f"(SELECT * FROM {table} WHERE {x} IS NULL)", f"CROSS JOIN {variants} v")
    return f"({known} UNION ALL {missing}) sv"


def _narrow(con: Runner, table: str) -> None:
    """Hold as BIGINT the 128-bit columns of ``table`` whose values all fit 64 bits (shares are
    exact divisions at scale 10, 128-bit in general, mostly small): every claim read compares
    them with 64-bit parameters then. The values are the same integers."""
    wide = [
        name
        for (name,) in fetch(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = "
            f"{sql_text(table)} AND data_type = 'HUGEINT' AND database_name = 'temp'",
        )
    ]
    if not wide:
        return
    bounds = fetch(
        con,
        "SELECT "
        + ", ".join(
            f"coalesce(min({q}) >= -{INT64_MAX} AND max({q}) <= {INT64_MAX}, TRUE)"
            for q in map(quote_ident, wide)
        )
        + f" FROM {table}",
    )[0]
    for name, fits in zip(wide, bounds, strict=True):
        if fits:
            con.execute(f"ALTER TABLE {table} ALTER {quote_ident(name)} TYPE BIGINT")


def _claims_view(con: Runner) -> bool:
    return CLAIMS_VIEW and getattr(con, "create", None) is None


def _alive(conds_of: dict[int, list[str]], shared: dict[int, tuple[str, str]]) -> str | None:
    """ "Some policy could still award this firm", factored: each shared group once, each
    distinct list of remaining conditions once (200 variants give two terms, not 200; written
    out per policy, the filter repeats the shared conditions' SQL in every term). A condition
    computed per variant counts as possibly true. None: every firm stays."""
    terms: dict[str, dict[tuple[str, ...], None]] = {}
    for j, ks in conds_of.items():
        if j in shared:
            group, covered = shared[j]
            rest = tuple(k for k in ks if k not in covered.split(","))
        else:
            group, rest = "", tuple(ks)
        terms.setdefault(group, {})[rest] = None
    out = []
    for group, rests in terms.items():
        if () in rests:
            term = group or "TRUE"
        else:
            either = " OR ".join(f"({not_false_sql(r)})" for r in rests)
            term = f"({group} AND ({either}))" if group else f"({either})"
        if term == "TRUE":
            return None
        out.append(term)
    return " OR ".join(out) if out else None


def _condition_groups(conds_of: dict[int, list[str]]) -> dict[int, tuple[str, str]]:
    """For each branch of two conditions or more: a column ``g<n>`` computing "none of them is
    false" and one ``g<n>_all`` computing "all of them are true", once per firm for every branch
    with the same conditions (200 variants of a policy share them all), and the keys they cover.
    A claim then reads two columns instead of testing each condition in three-valued logic."""
    names: dict[str, str] = {}
    out = {}
    for j, ks in conds_of.items():
        own = list(dict.fromkeys(ks))
        if len(own) < 2:
            continue
        covered = ",".join(own)
        out[j] = (names.setdefault(covered, f"g{len(names)}"), covered)
    return out


def _base_for(con: Runner, base, year: int, *, rank: bool = False) -> tuple[str, bool]:
    """The relation holding ``year``'s base columns, and whether it has a ``uscc_rank`` column
    (with ``rank``: added when the base is an Arrow table sorted by credit code, its row
    number; ranking the firms in SQL is a sort of every credit code)."""
    if isinstance(base, str):
        return base, False
    table = base[year] if isinstance(base, dict) else base
    name = f"base_{year}"
    ranked = False
    if isinstance(table, pa.Table):
        if rank and _sorted_by_uscc(table):
            ranks = np.arange(1, table.num_rows + 1, dtype=np.int32)
            table, ranked = table.append_column("uscc_rank", pa.array(ranks)), True
        # DuckDB scans an Arrow table one record batch per thread: slices (no copy) let every
        # core work on the inputs.
        table = pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), table.schema)
    con.register(name, table)
    return name, ranked


def _sorted_by_uscc(table: pa.Table) -> bool:
    """Whether the credit codes are all given, distinct and ascending (byte order, as SQL's)."""
    codes = table.column("uscc")
    if codes.null_count or table.num_rows >= 2**31:
        return False
    if table.num_rows < 2:
        return True
    codes = codes.combine_chunks()
    return bool(pc.all(pc.less(codes.slice(0, len(codes) - 1), codes.slice(1))).as_py())


def period_end(policy: Policy, award_year: int) -> date:
    return period_of(policy, award_year)[1]
