"""Policies that differ only in the values of their parameters, evaluated as one branch.

A zone runs the same rule with other thresholds or rates (a what-if sweep, the same reward in
another district, last year's and this year's versions side by side). Compiled one by one, 200
such variants are 200 copies of the same SQL: the engine would parse, plan and run 200
projections. Grouped, they are one projection over the firms crossed with a small table of the
variants' values (``variants_<n>``: the policy's index and one column per parameter).

Two policies share a branch when their conditions, amount, cap and order are the same
expressions over the same data year and every parameter they read is the same, except numeric
scalar parameters, which become columns of the variants table (integers at the largest scale
any member needs, so every value is exact). Band tables, text and boolean parameters and every
literal written in an expression stay part of the SQL: a policy whose bands differ is its own
branch. A condition that reads no such parameter is computed once per firm for the whole branch,
like any condition shared between policies; one that does is computed per firm and variant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from yuanqu.core.money import INT64_MAX
from yuanqu.policies.language.expressions import SCALE, Node
from yuanqu.policies.language.sqlgen import const, placeholder, typed_values
from yuanqu.policies.plan import Compiled

#: The columns of a variants table: the policy index, then ``p__<parameter>__s<scale>`` (the
#: parameter as an integer at that scale, one column per scale the SQL reads it at).
INDEX = "v_policy_idx"


@dataclass(frozen=True)
class Branch:
    """One branch of the claims: ``members`` (indices into the batch's compiled policies) and
    the SQL they share (``compiled``: the member itself when it is alone, else compiled with the
    parameter columns). ``rows`` are the variants table (index, then one integer per column of
    ``columns``); ``variant`` the conditions (SQL) that read one of those columns."""

    members: tuple[int, ...]
    compiled: Compiled
    columns: tuple[tuple[str, str], ...] = ()  # (column, SQL type)
    rows: tuple[tuple[int, ...], ...] = ()
    variant: frozenset[str] = frozenset()

    @property
    def shared(self) -> bool:
        return len(self.members) > 1

    def invariant(self) -> list[str]:
        """The branch's conditions computed once per firm (in order, each once)."""
        return [c for c in dict.fromkeys(self.compiled.conditions) if c not in self.variant]

    def values_sql(self) -> str:
        """The variants table as a SELECT (plain SQL: DuckDB and Spark)."""
        return typed_values(self.rows, [(INDEX, "SMALLINT"), *self.columns])


def _nodes(c: Compiled) -> list[Node]:
    p = c.policy
    nodes = [cond.node for cond in p.conditions]
    nodes += [n for n in (p.amount, p.cap_per_firm, p.allocation.order_by) if n is not None]
    return nodes


def _params_read(c: Compiled) -> set[str]:
    return {n.value for node in _nodes(c) for n in node.walk() if n.kind in ("param", "band")}


def _columns(c: Compiled) -> list[str]:
    """The parameters of ``c`` that may become columns: numeric scalars with a value."""
    p = c.policy
    return sorted(
        name
        for name in _params_read(c)
        if p.parameters[name].kind != "band"
        and not c.parameters[name].bands
        and isinstance(c.parameters[name].value, Decimal)
    )


def signature(c: Compiled, award_year: int, texts: dict[int, str] | None = None) -> tuple:
    """What two policies must share to be one branch (parameter columns' values left out).
    ``texts``: each node's text already written, by identity (variants made with
    ``dataclasses.replace`` share their expression nodes)."""
    columns = set(_columns(c))
    params = tuple(
        (name, "column" if name in columns else repr(c.parameters[name]))
        for name in sorted(_params_read(c))
    )
    nodes = _nodes(c)
    if texts is None:
        return (c.policy.data_year(award_year), repr(nodes), params)
    written = tuple(texts.setdefault(id(n), repr(n)) for n in nodes)
    return (c.policy.data_year(award_year), written, params)


def branches(compiled: list[Compiled], award_year: int, compile_with) -> list[Branch]:
    """Every policy of the batch in exactly one branch, in the batch's order of first members.
    ``compile_with(policy, placeholders)`` compiles a policy with some parameters given as SQL
    (:func:`yuanqu.policies.plan.compile_policy`)."""
    groups: dict[tuple, list[int]] = {}
    texts: dict[int, str] = {}  # the nodes live as long as the policies: ids stay unique
    for i, c in enumerate(compiled):
        groups.setdefault(signature(c, award_year, texts), []).append(i)
    out = []
    for members in groups.values():
        first = compiled[members[0]]
        names = _columns(first)
        if len(members) == 1 or not names:
            out.extend(Branch((i,), compiled[i]) for i in members)
            continue
        values = {n: [compiled[i].parameters[n].value for i in members] for n in names}
        # Only the parameters whose values differ become columns; the rest stay literals.
        names = [n for n in names if len(set(values[n])) > 1]
        if not names:  # the same policy twice (two ids): still one branch
            names = _columns(first)[:1]
        placeholders = {
            name: placeholder(f"p__{name}", max(const(v).scale for v in values[name]))
            for name in names
        }
        shared = compile_with(first.policy, placeholders)
        # Every scale each parameter is read at, found in the SQL.
        texts = [*shared.conditions, shared.amount.sql]
        texts += [n.sql for n in (shared.cap, shared.order_by) if n is not None]
        columns, ints = [], {}
        for name in names:
            scales = sorted(
                {int(k) for t in texts for k in re.findall(rf"\bp__{name}__s(\d+)\b", t)}
            )
            for scale in scales:
                assert scale <= SCALE
                column = f"p__{name}__s{scale}"
                ints[column] = [int(v.scaleb(scale)) for v in values[name]]
                kind = (
                    "BIGINT"
                    if all(-INT64_MAX <= v <= INT64_MAX for v in ints[column])
                    else "HUGEINT"
                )
                columns.append((column, kind))
        read = {
            cond_sql
            for cond, cond_sql in zip(first.policy.conditions, shared.conditions, strict=True)
            if any(n.kind == "param" and n.value in placeholders for n in cond.node.walk())
        }
        rows = tuple((i, *(ints[c][k] for c, _ in columns)) for k, i in enumerate(members))
        out.append(Branch(tuple(members), shared, tuple(columns), rows, frozenset(read)))
    return out
