"""The policy engine's shared plan: what the batch evaluation (:mod:`yuanqu.policies.engine`), the
allocation of budgets (:mod:`yuanqu.policies.allocation`) and the grouping of variants
(:mod:`yuanqu.policies.variants`) all use: the SQL runner they speak to, a policy compiled for one
award year, and the few SQL helpers they share. It depends on the language, never on them, so
plan -> variants -> allocation -> engine is a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from yuanqu.policies.inputs import column_of
from yuanqu.policies.language.definition import Policy
from yuanqu.policies.language.expressions import quote_ident, sql_text, variables_used
from yuanqu.policies.language.parameters import Resolved, resolve_all
from yuanqu.policies.language.sqlgen import Num, compile_node, threshold
from yuanqu.policies.language.variables import DEPENDS


class Runner(Protocol):
    """What the engine needs of a SQL engine: a DuckDB connection, or a runner with a ``create``
    method (name, sql, view) instead of ``CREATE TEMP TABLE``
    (:class:`yuanqu.policies.spark_runner.SparkRunner`)."""

    def execute(self, sql: str, parameters: Any = None) -> Any: ...

    def sql(self, sql: str) -> Any: ...

    def register(self, name: str, table: pa.Table) -> Any: ...


def connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def create(con: Runner, name: str, sql: str, *, view: bool = False) -> None:
    create = getattr(con, "create", None)
    if create is not None:  # Spark: a cached temporary view
        create(name, sql, view=view)
        return
    kind = "VIEW" if view else "TABLE"
    con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")


def fetch(con: Runner, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def arrow(con: Runner, sql: str) -> pa.Table:
    return con.sql(sql).to_arrow_table()


@dataclass(frozen=True)
class Compiled:
    """The SQL of one policy for one award year, with the parameters it was resolved with."""

    policy: Policy
    award_year: int
    parameters: dict[str, Resolved]
    conditions: tuple[str, ...]
    amount: Num
    cap: Num | None
    order_by: Num | None
    used: tuple[str, ...]
    #: Per condition, compiled with parameter columns: ``(x, op, column)`` when it compares a
    #: firm's value with one of them (:func:`yuanqu.policies.language.sqlgen.threshold`), else None.
    thresholds: tuple[tuple[str, str, str] | None, ...] = ()


def compile_policy(
    policy: Policy, award_year: int, placeholders: dict[str, Num] | None = None
) -> Compiled:
    """The policy's SQL for ``award_year``; ``placeholders``: parameters given as SQL columns
    instead of their values (:mod:`yuanqu.policies.variants`)."""
    parameters = resolve_all(policy, award_year)
    scalars: dict[str, Any] = {n: r.value for n, r in parameters.items() if not r.bands}
    scalars.update(placeholders or {})
    bands = {
        n: r.bands for n, r in parameters.items() if r.bands or policy.parameters[n].kind == "band"
    }

    def compiled(node) -> Any:
        return compile_node(node, scalars=scalars, bands=bands, column=column_of)

    used: dict[str, None] = {}
    for node in [c.node for c in policy.conditions] + [policy.amount, policy.cap_per_firm]:
        if node is not None:
            for name in variables_used(node):
                used.update(dict.fromkeys(DEPENDS.get(name, ())))
                used[name] = None
    order_by = policy.allocation.order_by
    return Compiled(
        policy=policy,
        award_year=award_year,
        parameters=parameters,
        conditions=tuple(compiled(c.node) for c in policy.conditions),
        amount=compiled(policy.amount) if policy.amount is not None else Num("0", 0, 0),
        cap=compiled(policy.cap_per_firm) if policy.cap_per_firm is not None else None,
        order_by=compiled(order_by) if order_by is not None else None,
        used=tuple(used),
        thresholds=tuple(
            threshold(c.node, scalars=scalars, bands=bands, column=column_of)
            for c in policy.conditions
        )
        if placeholders
        else (),
    )


def needed_columns(compiled: Compiled) -> list[str]:
    """Variables the amount, cap, order and missing list read (conditions are precomputed)."""
    policy = compiled.policy
    names: dict[str, None] = dict.fromkeys(compiled.used)
    for node in (policy.amount, policy.cap_per_firm, policy.allocation.order_by):
        if node is not None:
            names.update(dict.fromkeys(variables_used(node)))
    if "industry_code" in names:
        names["industry_section"] = None
    return list(names)


def not_false_sql(keys: Sequence[str]) -> str:
    return " AND ".join(f"coalesce({k}, TRUE)" for k in keys) or "TRUE"


#: A policy's missing inputs are kept as a bit mask over ``Compiled.used`` (bit j: the j-th
#: variable is missing), on the missing rows only; the view spells them out when read.
MAX_MASK_BITS = 62


def missing_mask_sql(used: Sequence[str], kind: str = "BIGINT") -> str:
    if len(used) > MAX_MASK_BITS:
        raise ValueError(f"a policy reads more than {MAX_MASK_BITS} variables")
    terms = [
        f"CASE WHEN {quote_ident(v)} IS NULL THEN {1 << j} ELSE 0 END" for j, v in enumerate(used)
    ]
    return f"CAST({' + '.join(terms)} AS {kind})" if terms else f"CAST(0 AS {kind})"


def missing_names_sql(compiled: Sequence[Compiled], mask: str, index: str) -> str:
    """SQL spelling out each row's missing inputs (comma-separated, in ``used`` order) from its
    mask: one branch per distinct list of variables, not one per policy."""
    lists: dict[tuple[str, ...], list[int]] = {}
    for i, c in enumerate(compiled):
        if c.used:
            lists.setdefault(c.used, []).append(i)
    whens = []
    for used, members in lists.items():
        names = ", ".join(
            f"CASE WHEN {mask} & {1 << j} <> 0 THEN {sql_text(v)} END" for j, v in enumerate(used)
        )
        whens.append(
            f"WHEN {index} IN ({', '.join(map(str, members))}) THEN concat_ws(',', {names})"
        )
    if not whens:
        return "''"
    return f"CASE WHEN {mask} IS NULL OR {mask} = 0 THEN '' {' '.join(whens)} ELSE '' END"
