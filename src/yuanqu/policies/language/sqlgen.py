"""Compiling a checked expression to plain, exact integer SQL (DuckDB, and Spark by sqlglot).

A number is compiled to a pair: an SQL integer expression and its *scale* (the value is the
integer divided by 10^scale, scale 0..10). Money columns are integer fen (scale 2), counts are
integers (scale 0), shares are integers at scale 10. Arithmetic follows the language's rules
(:mod:`yuanqu.policies.language.expressions`) on integers only:

* ``+ -`` and comparisons bring both sides to the larger scale (a literal is rescaled in Python,
  so ``rd_expense >= 500万`` compares a 64-bit column with a 64-bit constant);
* ``*`` multiplies the integers (scales add) and, above 10 places, rounds half away from zero;
* ``/`` floors ``a x 10^k / b`` to 10 places; a zero divisor gives NULL (missing);
* ``round(x, n)`` rounds half away from zero with integer division.

Nothing here is DuckDB-only: no macros, no DECIMAL arithmetic (which Spark would round to 6
places), no float. Integer division is written ``//`` (DuckDB; truncating) and becomes an exact
DECIMAL(38,0) division on Spark (:func:`yuanqu.analytics.spark.to_spark_sql`). Intermediate
values are HUGEINT (Spark: DECIMAL(38,0)); the language bounds values below 10^18, so a scale-10
integer times 10^10 still fits 128 bits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yuanqu.core.money import INT64_MAX
from yuanqu.policies.language.expressions import (
    NUMBER,
    SCALE,
    TEXT,
    Band,
    ExpressionError,
    Node,
    Value,
    quote_ident,
    sql_text,
)

#: Compiled SQL longer than this is refused (nested divisions repeat their operands).
MAX_SQL_CHARS = 200_000
WIDE = "HUGEINT"


@dataclass(frozen=True)
class Num:
    """An integer SQL expression with its scale; ``value`` when it is a constant."""

    sql: str
    scale: int
    value: int | None = None
    #: A column of the variants table (:mod:`yuanqu.policies.variants`): that table holds the
    #: parameter at every scale it is read at, ``<column>__s<scale>``, so it is never rescaled
    #: row by row.
    column: str | None = None

    @property
    def is_const(self) -> bool:
        return self.value is not None


@functools.lru_cache(maxsize=4096)
def const(value: Decimal) -> Num:
    """A literal as an integer at its own scale (0.05 -> 5 at scale 2); cached (200 variants
    of a policy compile the same literals)."""
    value = value.normalize() if value != 0 else Decimal(0)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    if scale > SCALE:
        raise ExpressionError("数值小数位过多", "a number has more than 10 decimals")
    return _int(int(value.scaleb(scale)), scale)


def _int(n: int, scale: int) -> Num:
    text = (
        str(n) if -(2**31) < n < 2**31 else f"CAST({n} AS {WIDE if abs(n) >= 2**63 else 'BIGINT'})"
    )
    return Num(text if n >= 0 else f"({text})", scale, n)


def _pow10(k: int) -> str:
    # Typed: a bare literal such as 1000000000 is a 32-bit INTEGER in DuckDB, and 5 * 10^9 would
    # overflow before any widening.
    return f"CAST({10**k} AS BIGINT)" if k <= 18 else f"CAST({10**k} AS {WIDE})"


def wide(sql: str) -> str:
    return f"CAST({sql} AS {WIDE})"


def rescale(x: Num, scale: int) -> Num:
    """``x`` at a scale >= its own (exact)."""
    k = scale - x.scale
    if k == 0:
        return x
    if x.value is not None:
        return _int(x.value * 10**k, scale)
    if x.column is not None:
        return placeholder(x.column, scale)
    return Num(f"({wide(x.sql)} * {_pow10(k)})", scale)


def placeholder(column: str, scale: int) -> Num:
    """A parameter read from the variants table at ``scale``."""
    return Num(f"{column}__s{scale}", scale, column=column)


def _align(*xs: Num) -> tuple[list[Num], int]:
    scale = max(x.scale for x in xs)
    return [rescale(x, scale) for x in xs], scale


#: 128-bit division is done bit by bit (about 200 ns a row on DuckDB, against 4 ns on 64 bits):
#: a quotient whose operands fit 64 bits is computed on 64 bits, the same integers exactly.
_BIG = INT64_MAX
#: Operands longer than this are not repeated for the 64-bit path (nested divisions would grow
#: the SQL geometrically).
_FAST_OPERANDS = 4_000


def _fits(x: str) -> str:
    return f"({x} BETWEEN -{_BIG} AND {_BIG})"


def _narrow(op: str, n: str, d: str, *, small_divisor: bool) -> str:
    """``n op d`` (``//`` truncating or ``%``), on 64 bits when both operands fit."""
    if len(n) + len(d) > _FAST_OPERANDS:
        return f"({n} {op} {d})"
    test = _fits(n) if small_divisor else f"{_fits(n)} AND {_fits(d)}"
    return (
        f"(CASE WHEN {test} THEN CAST({n} AS BIGINT) {op} CAST({d} AS BIGINT) "
        f"ELSE {n} {op} {d} END)"
    )


def int_div(n: str, d: str, *, small_divisor: bool = False) -> str:
    """``n // d`` truncated towards zero, exact (64-bit path when the operands fit)."""
    return _narrow("//", n, d, small_divisor=small_divisor)


def round_div(x: str, k: int) -> str:
    """``x / 10^k`` rounded half away from zero (integer SQL; ``k`` >= 1)."""
    d, half = _pow10(k), _int(5 * 10 ** (k - 1), 0).sql
    hx = wide(x)
    small = k <= 18
    return (
        f"(CASE WHEN {hx} < 0 THEN -{int_div(f'(-{hx} + {half})', d, small_divisor=small)} "
        f"ELSE {int_div(f'({hx} + {half})', d, small_divisor=small)} END)"
    )


def floor_div(n: str, d: str) -> str:
    """``floor(n / d)`` on integers, NULL when ``d`` is 0 (``//`` truncates towards zero; the
    remainder is looked at only when the signs differ)."""
    return (
        f"(CASE WHEN {d} = 0 THEN NULL ELSE {int_div(n, d)} - CASE WHEN (({n} < 0) <> ({d} < 0)) "
        f"AND {_narrow('%', n, d, small_divisor=False)} <> 0 THEN 1 ELSE 0 END END)"
    )


def divide(a: Num, b: Num) -> Num:
    """``a / b`` floored to 10 places: floor(A x 10^(sb + 10 - sa) / B) at scale 10."""
    k = b.scale + SCALE - a.scale
    n = wide(a.sql) if k == 0 else f"({wide(a.sql)} * {_pow10(k)})"
    return Num(floor_div(n, wide(b.sql)), SCALE)


def multiply(a: Num, b: Num) -> Num:
    scale = a.scale + b.scale
    if a.value is not None and b.value is not None and scale <= SCALE:
        return _int(a.value * b.value, scale)
    product = f"({wide(a.sql)} * {b.sql})"
    if scale <= SCALE:
        return Num(product, scale)
    return Num(round_div(product, scale - SCALE), SCALE)


def to_fen(x: Num) -> str:
    """Yuan at scale ``s`` to BIGINT fen: half away from zero, never below 0."""
    fen = rescale(x, 2).sql if x.scale <= 2 else round_div(x.sql, x.scale - 2)
    return f"CAST(CASE WHEN {x.sql} < 0 THEN 0 ELSE {fen} END AS BIGINT)"


ColumnOf = Callable[[str, str], tuple[str, int]]


def compile_node(
    node: Node,
    *,
    scalars: Mapping[str, Value],
    bands: Mapping[str, Sequence[Band]],
    column: ColumnOf,
) -> Num | str:
    """A number as :class:`Num`; a boolean or text as SQL. ``column`` gives a variable's SQL
    and scale."""

    def num(n: Node) -> Num:
        result = go(n)
        assert isinstance(result, Num), n.kind
        return result

    def sql(n: Node) -> str:
        result = go(n)
        return result.sql if isinstance(result, Num) else result

    def go(n: Node) -> Num | str:
        k = n.kind
        if k == "num":
            return const(n.value)
        if k == "text":
            return sql_text(n.value)
        if k == "bool":
            return "TRUE" if n.value else "FALSE"
        if k == "var":
            text, scale = column(n.value, n.type)
            return Num(text, scale) if n.type == NUMBER else text
        if k == "derived":
            return go(n.args[0])
        if k == "param":
            value = scalars[n.value]
            if isinstance(value, Num):  # a column of the variants table (policies.variants)
                return value
            if isinstance(value, Decimal):
                return const(value)
            if value is None:
                return Num(f"CAST(NULL AS {WIDE})", 0) if n.type == NUMBER else "NULL"
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            return sql_text(str(value))
        if k == "neg":
            x = num(n.args[0])
            return _int(-x.value, x.scale) if x.value is not None else Num(f"(-{x.sql})", x.scale)
        if k == "abs":
            x = num(n.args[0])
            return Num(f"abs({x.sql})", x.scale)
        if k == "not":
            return f"(NOT {sql(n.args[0])})"
        if k in ("and", "or"):
            return f"({sql(n.args[0])} {k.upper()} {sql(n.args[1])})"
        if k == "arith":
            a, b = num(n.args[0]), num(n.args[1])
            if n.value == "*":
                return multiply(a, b)
            if n.value == "/":
                return divide(a, b)
            (a, b), scale = _align(a, b)
            if a.value is not None and b.value is not None:
                return _int(a.value + b.value if n.value == "+" else a.value - b.value, scale)
            return Num(f"({wide(a.sql)} {n.value} {b.sql})", scale)
        if k == "compare":
            left, right = go(n.args[0]), go(n.args[1])
            if isinstance(left, Num) and isinstance(right, Num):
                (left, right), _ = _align(left, right)
                return f"({left.sql} {n.value} {right.sql})"
            return f"({_text(left)} {n.value} {_text(right)})"
        if k == "between":
            (x, lo, hi), _ = _align(*(num(a) for a in n.args))
            return f"(({x.sql} >= {lo.sql}) AND ({x.sql} <= {hi.sql}))"
        if k == "in":
            x = go(n.args[0])
            if isinstance(x, Num):
                items, _ = _align(x, *(const(v) for v in n.value))
                listed = ", ".join(i.sql for i in items[1:])
                return f"({items[0].sql} IN ({listed}))"
            return f"({x} IN ({', '.join(sql_text(v) for v in n.value)}))"
        if k == "is_missing":
            return f"({sql(n.args[0])} IS NULL)"
        if k == "case":
            conds = [sql(c) for c in n.args[:-1:2]]
            values = [go(v) for v in [*n.args[1:-1:2], n.args[-1]]]
            if all(isinstance(v, Num) for v in values):
                aligned, scale = _align(*values)  # type: ignore[arg-type]
                texts = [v.sql for v in aligned]
            else:
                scale, texts = -1, [_text(v) for v in values]
            whens = " ".join(f"WHEN {c} THEN {v}" for c, v in zip(conds, texts[:-1], strict=True))
            out = f"(CASE {whens} ELSE {texts[-1]} END)"
            return Num(out, scale) if scale >= 0 else out
        if k in ("min", "max"):
            items, scale = _align(*(num(a) for a in n.args))
            nulls = " OR ".join(f"{i.sql} IS NULL" for i in items if i.value is None) or "FALSE"
            fn = "least" if k == "min" else "greatest"
            parts = ", ".join(i.sql for i in items)
            return Num(f"(CASE WHEN {nulls} THEN NULL ELSE {fn}({parts}) END)", scale)
        if k == "coalesce":
            values = [go(a) for a in n.args]
            if all(isinstance(v, Num) for v in values):
                items, scale = _align(*values)  # type: ignore[arg-type]
                return Num(f"coalesce({', '.join(i.sql for i in items)})", scale)
            return f"coalesce({', '.join(_text(v) for v in values)})"
        if k == "round":
            x = num(n.args[0])
            places = int(n.value)
            if x.scale <= places:
                return x
            return Num(round_div(x.sql, x.scale - places), places)
        if k == "band":
            x = num(n.args[0])
            rows = bands[n.value]
            bounds = [b for band in rows for b in (band.lower, band.upper) if b is not None]
            scale = max([x.scale, *(const(b).scale for b in bounds)])
            xs = rescale(x, scale)
            values, vscale = _align(*(const(band.value) for band in rows)) if rows else ([], 0)
            whens = [
                f"WHEN {_band_test(xs.sql, band, scale)} THEN {v.sql}"
                for band, v in zip(rows, values, strict=True)
            ]
            if not whens:
                return Num(f"CAST(NULL AS {WIDE})", 0)
            return Num(f"(CASE {' '.join(whens)} ELSE NULL END)", vscale)
        if k == "in_industry":
            tests = []
            for code in n.value:
                if code.isalpha():
                    tests.append(f"({column('industry_section', TEXT)[0]} = {sql_text(code)})")
                else:
                    tests.append(
                        f"({column('industry_code', TEXT)[0]} LIKE {sql_text(code + '%')})"
                    )
            return f"({' OR '.join(tests)})"
        raise AssertionError(f"unknown node kind {k}")

    result = go(node)
    text = result.sql if isinstance(result, Num) else result
    if len(text) > MAX_SQL_CHARS:
        raise ExpressionError(
            "表达式过于复杂（嵌套的除法过多）", "expression too complex (too many nested divisions)"
        )
    return result


#: A comparison read from the other side.
FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def threshold(
    node: Node,
    *,
    scalars: Mapping[str, Value],
    bands: Mapping[str, Sequence[Band]],
    column: ColumnOf,
) -> tuple[str, str, str] | None:
    """For a condition comparing a firm's value with one parameter held in the variants table
    (``x >= p``, either way round): the firm's side, the operator seen from it and the
    parameter's column, at one scale; else None. The engine joins the firms to the variants on
    it instead of crossing them (:mod:`yuanqu.policies.variants`)."""
    if node.kind != "compare" or node.value not in FLIPPED:
        return None

    def is_column(n: Node) -> bool:
        value = scalars.get(n.value) if n.kind == "param" else None
        return isinstance(value, Num) and value.column is not None

    def free(n: Node) -> bool:
        return not any(is_column(m) for m in n.walk())

    left, right = node.args
    if is_column(right) and free(left):
        firm, parameter, op = left, right, node.value
    elif is_column(left) and free(right):
        firm, parameter, op = right, left, FLIPPED[node.value]
    else:
        return None
    x, p = (compile_node(n, scalars=scalars, bands=bands, column=column) for n in (firm, parameter))
    if not isinstance(x, Num) or not isinstance(p, Num):
        return None
    (x, p), _ = _align(x, p)
    return x.sql, op, p.sql


def typed_values(rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, str]]) -> str:
    """A small relation of ``rows`` as a SELECT over VALUES, each column cast once to its SQL
    type (``columns``: name and type, an integer type or DOUBLE). Every value is written as
    text (integers as digits, doubles by ``repr``, which round-trips), so a column's literals
    never mix types and a cast is exact whatever the size of the integer; casting per column
    rather than per value keeps a hundred rows cheap to plan (plain SQL: DuckDB and Spark)."""

    def literal(value: Any, kind: str) -> str:
        if value is None:
            return "NULL"
        if kind == "DOUBLE":
            return sql_text(repr(float(value)))
        return sql_text(str(int(value)))  # every other column is an integer type

    raw = [f"c{k}" for k in range(len(columns))]
    body = ", ".join(
        "(" + ", ".join(literal(v, kind) for v, (_, kind) in zip(row, columns, strict=True)) + ")"
        for row in rows
    )
    select = ", ".join(
        f"CAST({r} AS {kind}) AS {name}" for r, (name, kind) in zip(raw, columns, strict=True)
    )
    return f"SELECT {select} FROM (VALUES {body}) v({', '.join(raw)})"


def _text(x: Num | str) -> str:
    return x.sql if isinstance(x, Num) else x


def _band_test(x: str, band: Band, scale: int) -> str:
    tests = []
    if band.lower is not None:
        lower = rescale(const(band.lower), scale).sql
        tests.append(f"{x} {'>=' if band.lower_inclusive else '>'} {lower}")
    if band.upper is not None:
        upper = rescale(const(band.upper), scale).sql
        tests.append(f"{x} {'<=' if band.upper_inclusive else '<'} {upper}")
    return " AND ".join(tests) or "TRUE"


def to_sql(
    node: Node,
    *,
    scalars: Mapping[str, Value],
    bands: Mapping[str, Sequence[Band]],
    column: Callable[[str], str] = quote_ident,
) -> str:
    """SQL for a checked expression over DECIMAL(38,10) columns, giving a DECIMAL(38,10) number
    (or a boolean, or text): the integer compilation, converted at both ends. The batch engine
    compiles over integer columns directly (:func:`compile_node`)."""

    def decimal_column(name: str, type_: str) -> tuple[str, int]:
        if type_ != NUMBER:
            return column(name), 0
        return f"CAST({column(name)} * {_pow10(SCALE)} AS {WIDE})", SCALE

    result = compile_node(node, scalars=scalars, bands=bands, column=decimal_column)
    if not isinstance(result, Num):
        return result
    scaled = rescale(result, SCALE)
    return (
        f"CAST(CAST({scaled.sql} AS DECIMAL(28,0)) * CAST(0.{'0' * (SCALE - 1)}1 "
        f"AS DECIMAL({SCALE},{SCALE})) AS DECIMAL(38,{SCALE}))"
    )
