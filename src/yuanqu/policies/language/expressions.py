"""The policy expression language: a whitelisted subset of SQL expressions.

A policy writes conditions and amounts as SQL-like expressions (``rd_ratio >= band(rd_ratio_min,
revenue)``). They are parsed with sqlglot, then *rebuilt* into our own small tree of :class:`Node`
(only the node kinds below exist; anything else sqlglot understands is refused), type-checked
against the variable catalogue and the policy's parameters, and from that tree either

* compiled to exact integer SQL (:mod:`~yuanqu.policies.language.sqlgen`) for the batch
  evaluation of every firm on DuckDB or Spark, or
* evaluated step by step in Python with exact ``Decimal`` (:func:`evaluate`) to explain one firm.

Both follow one arithmetic, written down here so that they agree to the last digit:

* every number is a decimal with 10 places (DuckDB ``DECIMAL(38,10)``); literals may not have more;
* ``+``, ``-`` and comparisons are exact; ``*`` is exact then rounded half away from zero to 10
  places; ``/`` is rounded down (towards minus infinity) to 10 places, which keeps ``a / b >= t``
  and ``a / b < t`` exact for thresholds of up to 10 decimals, and a zero divisor gives *missing*;
* any missing input makes the result missing (``min``/``max`` included, unlike SQL's ``least``),
  ``and``/``or``/``not`` follow SQL's three-valued logic, ``coalesce`` is the only way to turn a
  missing value into a default;
* a ``case`` branch whose condition is missing is not taken.

Nothing from the policy text reaches SQL as text: names are checked against a fixed catalogue
and rendered as quoted identifiers; numbers are rendered from ``Decimal``; strings are checked and
their quotes doubled. Size and depth are bounded before and after parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from yuanqu.core.errors import ValidationError

SCALE = 10
NUM_SQL = f"DECIMAL(38,{SCALE})"
QUANTUM = Decimal(1).scaleb(-SCALE)
#: Values must stay below 10^18 (a product of two numbers is held with 20 decimals in 38 digits).
MAX_MAGNITUDE = Decimal(10) ** 18

MAX_EXPRESSION_CHARS = 2_000
MAX_NODES = 300
MAX_DEPTH = 40
MAX_LIST_ITEMS = 100
MAX_STRING_CHARS = 100

NUMBER, BOOLEAN, TEXT = "number", "boolean", "text"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_NUMBER_LITERAL = re.compile(r"^[0-9]{1,28}(\.[0-9]{1,10})?$")

Value = Decimal | bool | str | None


class ExpressionError(ValidationError):
    """A policy expression that cannot be accepted; ``details`` holds the offending text."""

    code = "policy_expression"


def _fail(zh: str, en: str, text: str | None = None) -> ExpressionError:
    return ExpressionError(zh, en, details={"expression": text} if text else None)


@dataclass(frozen=True)
class Node:
    """One node of a checked expression. ``kind`` is one of the kinds ``sqlgen.to_sql`` knows."""

    kind: str
    type: str
    args: tuple[Node, ...] = ()
    value: Any = None  # literal value, variable/parameter name, or operator detail

    def walk(self):
        yield self
        for arg in self.args:
            yield from arg.walk()


@dataclass(frozen=True)
class Band:
    """One row of a band table: ``value`` applies from ``lower`` to ``upper`` as bracketed."""

    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    value: Decimal

    def contains(self, x: Decimal) -> bool:
        if self.lower is not None and (
            x < self.lower or (x == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (x > self.upper or (x == self.upper and not self.upper_inclusive))
        )

    def label(self) -> str:
        lo = "-∞" if self.lower is None else _plain(self.lower)
        hi = "+∞" if self.upper is None else _plain(self.upper)
        opening = "[" if self.lower_inclusive else "("
        closing = "]" if self.upper_inclusive else ")"
        return f"{opening}{lo}, {hi}{closing}"


@dataclass(frozen=True)
class Scope:
    """What names an expression may use: catalogue variables, the policy's parameters (scalar or
    band) and its derived values, each with its type."""

    variables: Mapping[str, str]
    scalars: Mapping[str, str] = field(default_factory=dict)
    bands: frozenset[str] = frozenset()
    derived: Mapping[str, Node] = field(default_factory=dict)
    industry_check: Callable[[str], bool] | None = None


# --- parsing -------------------------------------------------------------------------------------


def parse(text: str, scope: Scope) -> Node:
    """Parse and type-check ``text``; raise :class:`ExpressionError` with a clear message."""
    if not isinstance(text, str):
        raise _fail("表达式必须是文本", "an expression must be text")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise _fail(
            f"表达式过长（{len(text)} 字符，上限 {MAX_EXPRESSION_CHARS}）",
            f"expression too long ({len(text)} characters, limit {MAX_EXPRESSION_CHARS})",
        )
    if not text.strip():
        raise _fail("表达式为空", "empty expression")
    _check_nesting(text)
    try:
        tree = sqlglot.parse_one(text)
    except (ParseError, TokenError) as error:
        first = str(error).splitlines()[0][:200]
        raise _fail(
            f"无法解析表达式：{first}", f"cannot parse the expression: {first}", text
        ) from None
    except RecursionError:
        raise _fail("表达式嵌套过深", "expression nested too deeply", text) from None
    if any(node.comments for node in tree.walk()):
        raise _fail("表达式中不允许注释", "comments are not allowed in expressions", text)
    count = sum(1 for _ in tree.walk())
    if count > MAX_NODES:
        raise _fail(
            f"表达式过大（{count} 个节点，上限 {MAX_NODES}）",
            f"expression too large ({count} nodes, limit {MAX_NODES})",
            text,
        )
    return _Builder(scope, text).build(tree, 0)


def _check_nesting(text: str) -> None:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise _fail(
            f"括号嵌套过深（{deepest} 层，上限 {MAX_DEPTH}）",
            f"parentheses nested too deeply ({deepest} levels, limit {MAX_DEPTH})",
            text,
        )


_COMPARE = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITH = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}
_CUSTOM = {"band", "in_industry"}


class _Builder:
    def __init__(self, scope: Scope, text: str) -> None:
        self.scope = scope
        self.text = text

    def fail(self, zh: str, en: str) -> ExpressionError:
        return _fail(zh, en, self.text)

    def build(self, e: exp.Expression, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail("表达式嵌套过深", "expression nested too deeply")
        d = depth + 1
        if isinstance(e, exp.Paren):
            return self.build(e.this, d)
        if isinstance(e, exp.Literal):
            return self.literal(e)
        if isinstance(e, exp.Boolean):
            return Node("bool", BOOLEAN, value=bool(e.this))
        if isinstance(e, exp.Null):
            raise self.fail(
                "不能直接写 NULL：缺失值由数据决定，可用 coalesce 给出默认值",
                "NULL cannot be written: missing values come from the data; "
                "use coalesce for a default",
            )
        if isinstance(e, exp.Column):
            return self.name(e)
        if isinstance(e, exp.Neg):
            arg = self.expect(self.build(e.this, d), NUMBER, "-")
            return Node("neg", NUMBER, (arg,))
        if isinstance(e, exp.Not):
            arg = self.expect(self.build(e.this, d), BOOLEAN, "not")
            return Node("not", BOOLEAN, (arg,))
        if isinstance(e, exp.And | exp.Or):
            kind = "and" if isinstance(e, exp.And) else "or"
            left = self.expect(self.build(e.this, d), BOOLEAN, kind)
            right = self.expect(self.build(e.expression, d), BOOLEAN, kind)
            return Node(kind, BOOLEAN, (left, right))
        for cls, op in _ARITH.items():
            if type(e) is cls:
                left = self.expect(self.build(e.this, d), NUMBER, op)
                right = self.expect(self.build(e.expression, d), NUMBER, op)
                return Node("arith", NUMBER, (left, right), value=op)
        for cls, op in _COMPARE.items():
            if type(e) is cls:
                return self.compare(op, self.build(e.this, d), self.build(e.expression, d))
        if isinstance(e, exp.Between):
            x = self.expect(self.build(e.this, d), NUMBER, "between")
            low = self.expect(self.build(e.args["low"], d), NUMBER, "between")
            high = self.expect(self.build(e.args["high"], d), NUMBER, "between")
            return Node("between", BOOLEAN, (x, low, high))
        if isinstance(e, exp.In):
            return self.in_list(e, d)
        if isinstance(e, exp.Is):
            if not isinstance(e.expression, exp.Null):
                raise self.fail("IS 之后只能是 NULL", "only IS NULL is allowed")
            return Node("is_missing", BOOLEAN, (self.build(e.this, d),))
        if isinstance(e, exp.Case):
            return self.case(e, d)
        if isinstance(e, exp.Min | exp.Max | exp.Greatest | exp.Least):
            kind = "min" if isinstance(e, exp.Min | exp.Least) else "max"
            items = [e.this, *e.expressions]
            if len(items) < 2 or len(items) > MAX_LIST_ITEMS:
                raise self.fail(
                    f"{kind} 需要 2 到 {MAX_LIST_ITEMS} 个参数",
                    f"{kind} takes 2 to {MAX_LIST_ITEMS} arguments",
                )
            args = tuple(self.expect(self.build(a, d), NUMBER, kind) for a in items)
            return Node(kind, NUMBER, args)
        if isinstance(e, exp.Coalesce):
            items = [e.this, *e.expressions]
            args = tuple(self.build(a, d) for a in items)
            if len(args) < 2:
                raise self.fail("coalesce 至少需要 2 个参数", "coalesce takes at least 2 arguments")
            self.same_type(args, "coalesce")
            return Node("coalesce", args[0].type, args)
        if isinstance(e, exp.Round):
            return self.round(e, d)
        if isinstance(e, exp.Abs):
            return Node("abs", NUMBER, (self.expect(self.build(e.this, d), NUMBER, "abs"),))
        if isinstance(e, exp.Anonymous):
            return self.function(e, d)
        if isinstance(e, exp.Func):
            name = e.sql_name().lower() if hasattr(e, "sql_name") else type(e).__name__
            raise self.fail(f"不允许的函数 {name}", f"function {name} is not allowed")
        raise self.fail(
            f"不允许的语法：{type(e).__name__}（只能使用算术、比较、逻辑运算和白名单函数）",
            f"syntax not allowed: {type(e).__name__} (only arithmetic, comparisons, logic "
            "and the listed functions)",
        )

    def expect(self, node: Node, type_: str, where: str) -> Node:
        if node.type != type_:
            raise self.fail(
                f"{where} 需要{_TYPE_ZH[type_]}，得到{_TYPE_ZH[node.type]}",
                f"{where} needs a {type_}, got a {node.type}",
            )
        return node

    def same_type(self, nodes: Sequence[Node], where: str) -> None:
        types = {n.type for n in nodes}
        if len(types) > 1:
            raise self.fail(
                f"{where} 的各项类型不一致：{'、'.join(sorted(_TYPE_ZH[t] for t in types))}",
                f"{where} mixes types: {', '.join(sorted(types))}",
            )

    def literal(self, e: exp.Literal) -> Node:
        if e.is_string:
            text = str(e.this)
            if len(text) > MAX_STRING_CHARS or any(ord(c) < 32 for c in text):
                raise self.fail(
                    f"文本常量过长或含控制字符（上限 {MAX_STRING_CHARS} 字符）",
                    f"text literal too long or has control characters (limit {MAX_STRING_CHARS})",
                )
            return Node("text", TEXT, value=text)
        raw = str(e.this)
        if not _NUMBER_LITERAL.match(raw):
            raise self.fail(
                f"数字 {raw} 写法不允许：用普通小数写法，最多 28 位整数、10 位小数",
                f"number {raw} not allowed: write a plain decimal, at most 28 integer digits "
                "and 10 decimals",
            )
        return Node("num", NUMBER, value=Decimal(raw))

    def name(self, e: exp.Column) -> Node:
        ident = e.this
        if e.args.get("table") is not None or not isinstance(ident, exp.Identifier):
            raise self.fail(
                "不允许属性访问或限定名", "attribute access and qualified names are not allowed"
            )
        if ident.quoted:
            raise self.fail("名称不能加引号", "names must not be quoted")
        name = str(ident.this)
        if not _NAME.match(name):
            raise self.fail(f"名称 {name[:40]} 不合法", f"invalid name {name[:40]}")
        scope = self.scope
        if name in scope.derived:
            node = scope.derived[name]
            return Node("derived", node.type, (node,), value=name)
        if name in scope.scalars:
            return Node("param", scope.scalars[name], value=name)
        if name in scope.bands:
            raise self.fail(
                f"{name} 是分档表，须写成 band({name}, 数值)",
                f"{name} is a band table: write band({name}, value)",
            )
        if name in scope.variables:
            return Node("var", scope.variables[name], value=name)
        raise self.fail(
            f"未知的名称 {name}（不是变量目录中的变量，也不是本政策的参数）",
            f"unknown name {name} (not in the variable catalogue nor a parameter of this policy)",
        )

    def compare(self, op: str, left: Node, right: Node) -> Node:
        if left.type != right.type:
            raise self.fail(
                f"比较 {op} 两边类型不同：{_TYPE_ZH[left.type]} 与 {_TYPE_ZH[right.type]}",
                f"comparison {op} between a {left.type} and a {right.type}",
            )
        if left.type != NUMBER and op not in ("=", "<>"):
            raise self.fail(
                f"{_TYPE_ZH[left.type]}只能用 = 或 <> 比较",
                f"a {left.type} can only be compared with = or <>",
            )
        return Node("compare", BOOLEAN, (left, right), value=op)

    def in_list(self, e: exp.In, d: int) -> Node:
        if (
            e.args.get("query") is not None
            or e.args.get("unnest") is not None
            or e.args.get("field")
        ):
            raise self.fail("in 之后只能是常量列表", "in takes a list of constants only")
        x = self.build(e.this, d)
        items = e.expressions
        if not items or len(items) > MAX_LIST_ITEMS:
            raise self.fail(
                f"in 列表须有 1 到 {MAX_LIST_ITEMS} 项",
                f"an in list takes 1 to {MAX_LIST_ITEMS} items",
            )
        values = []
        for item in items:
            if not isinstance(item, exp.Literal):
                raise self.fail("in 列表只能包含常量", "an in list holds constants only")
            values.append(self.literal(item))
        self.same_type([x, *values], "in")
        return Node("in", BOOLEAN, (x,), value=tuple(v.value for v in values))

    def case(self, e: exp.Case, d: int) -> Node:
        if e.this is not None:
            raise self.fail(
                "请使用 case when 条件 then ... 的写法", "write case when CONDITION then ..."
            )
        args: list[Node] = []
        for branch in e.args.get("ifs") or []:
            args.append(self.expect(self.build(branch.this, d), BOOLEAN, "when"))
            args.append(self.build(branch.args["true"], d))
        default = e.args.get("default")
        if default is None:
            raise self.fail(
                "case 必须有 else 分支（缺失值请用 coalesce 明确处理）",
                "a case needs an else branch (handle missing values explicitly)",
            )
        args.append(self.build(default, d))
        self.same_type([*args[1::2], args[-1]], "case")
        return Node("case", args[-1].type, tuple(args))

    def round(self, e: exp.Round, d: int) -> Node:
        x = self.expect(self.build(e.this, d), NUMBER, "round")
        places = e.args.get("decimals")
        digits = 0
        if places is not None:
            if not (
                isinstance(places, exp.Literal)
                and not places.is_string
                and str(places.this).isdigit()
            ):
                raise self.fail(
                    "round 的位数必须是 0 到 10 的整数常量",
                    "round takes 0 to 10 places as a constant",
                )
            digits = int(str(places.this))
            if digits > SCALE:
                raise self.fail(
                    "round 的位数必须是 0 到 10 的整数常量",
                    "round takes 0 to 10 places as a constant",
                )
        return Node("round", NUMBER, (x,), value=digits)

    def function(self, e: exp.Anonymous, d: int) -> Node:
        name = str(e.this).lower()
        if name not in _CUSTOM:
            raise self.fail(f"不允许的函数 {name[:40]}", f"function {name[:40]} is not allowed")
        items = e.expressions
        if name == "band":
            if (
                len(items) != 2
                or not isinstance(items[0], exp.Column)
                or items[0].args.get("table")
            ):
                raise self.fail(
                    "band 的写法是 band(分档表名, 数值)", "write band(table_name, value)"
                )
            table = str(items[0].this.this)
            if table not in self.scope.bands:
                raise self.fail(f"未知的分档表 {table[:40]}", f"unknown band table {table[:40]}")
            x = self.expect(self.build(items[1], d), NUMBER, "band")
            return Node("band", NUMBER, (x,), value=table)
        # in_industry('C', '27', '3973'): the firm's industry is one of these or under one of them.
        if not items or len(items) > MAX_LIST_ITEMS:
            raise self.fail(
                "in_industry 需要 1 到 100 个行业代码", "in_industry takes 1 to 100 industry codes"
            )
        codes = []
        for item in items:
            if not (isinstance(item, exp.Literal) and item.is_string):
                raise self.fail(
                    "in_industry 的参数必须是行业代码文本",
                    "in_industry takes industry codes as text",
                )
            code = str(item.this).strip().upper()
            valid = re.fullmatch(r"[A-T]|[0-9]{2,4}", code) is not None
            if valid and self.scope.industry_check is not None:
                valid = self.scope.industry_check(code)
            if not valid:
                raise self.fail(
                    f"未知的国民经济行业代码 {code[:10]}（GB/T 4754-2017）",
                    f"unknown industry code {code[:10]} (GB/T 4754-2017)",
                )
            codes.append(code)
        return Node("in_industry", BOOLEAN, value=tuple(codes))


_TYPE_ZH = {NUMBER: "数值", BOOLEAN: "真假值", TEXT: "文本"}


# --- SQL literals (the compiler is sqlgen) --------------------------------------------------------


def quote_ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"invalid identifier {name!r}")
    return f'"{name}"'


def sql_number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("not a finite number")
    text = _plain(value)
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise ValueError(f"bad number {text!r}")
    digits = text.lstrip("-")
    whole, _, fraction = digits.partition(".")
    scale = len(fraction)
    # The narrowest exact type: DuckDB then compares and multiplies in 64-bit integers where the
    # operands allow it, instead of 128-bit DECIMAL(38,10) arithmetic with overflow checks.
    width = min(38, max(len(whole.lstrip("0")) + scale, scale, 1))
    return f"CAST({text} AS DECIMAL({width},{scale}))"


def sql_text(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise ValueError("control character in text")
    return "'" + value.replace("'", "''") + "'"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def literal_sql(value: Value, type_: str) -> str:
    if value is None:
        return f"CAST(NULL AS {NUM_SQL})" if type_ == NUMBER else "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return sql_number(value)
    return sql_text(value)


# --- evaluating in Python ------------------------------------------------------------------------


def quantize(value: Decimal) -> Decimal:
    """Round half away from zero to SCALE places (what a cast to DECIMAL(38,10) does)."""
    with localcontext() as ctx:
        ctx.prec = 100
        result = value.quantize(QUANTUM, rounding=ROUND_HALF_UP)
    if abs(result) >= MAX_MAGNITUDE:
        raise _fail("计算结果超出范围", "a computed value is out of range")
    return result


def _divide(a: Decimal, b: Decimal) -> Decimal | None:
    if b == 0:
        return None
    n = int(a.scaleb(SCALE))
    d = int(b.scaleb(SCALE))
    sign = (1 if n >= 0 else -1) * (1 if d > 0 else -1)
    n, d = abs(n), abs(d)
    t = (n % d) * 10**SCALE
    q = (n // d) * 10**SCALE + t // d
    if sign < 0 and t % d:
        q += 1
    return quantize(Decimal(sign * q).scaleb(-SCALE))


@dataclass
class Trace:
    """What an evaluation looked at: variables read, parameters and band rows used."""

    variables: dict[str, Value] = field(default_factory=dict)
    parameters: dict[str, Value] = field(default_factory=dict)
    bands: dict[str, tuple[Decimal, Band | None]] = field(default_factory=dict)
    derived: dict[str, Value] = field(default_factory=dict)


def evaluate(
    node: Node,
    env: Mapping[str, Value],
    *,
    scalars: Mapping[str, Value],
    bands: Mapping[str, Sequence[Band]],
    trace: Trace | None = None,
    industry: tuple[str | None, str | None] = (None, None),
) -> Value:
    """Evaluate a checked expression for one firm with exact decimals (same rules as the SQL)."""
    tr = trace if trace is not None else Trace()

    def go(n: Node) -> Value:
        k = n.kind
        if k in ("num", "text", "bool"):
            return n.value
        if k == "var":
            value = env.get(n.value)
            tr.variables[n.value] = value
            return value
        if k == "derived":
            value = go(n.args[0])
            tr.derived[n.value] = value
            return value
        if k == "param":
            value = scalars[n.value]
            tr.parameters[n.value] = value
            return value
        if k == "neg":
            x = go(n.args[0])
            return None if x is None else -x
        if k == "not":
            x = go(n.args[0])
            return None if x is None else not x
        if k == "and":
            a, b = go(n.args[0]), go(n.args[1])
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if k == "or":
            a, b = go(n.args[0]), go(n.args[1])
            if a is True or b is True:
                return True
            return None if a is None or b is None else False
        if k == "arith":
            a, b = go(n.args[0]), go(n.args[1])
            if a is None or b is None:
                return None
            if n.value == "+":
                return quantize(a + b)
            if n.value == "-":
                return quantize(a - b)
            if n.value == "*":
                with localcontext() as ctx:
                    ctx.prec = 100
                    return quantize(a * b)
            return _divide(a, b)
        if k == "compare":
            a, b = go(n.args[0]), go(n.args[1])
            if a is None or b is None:
                return None
            return _COMPARATORS[n.value](a, b)
        if k == "between":
            x, lo, hi = (go(a) for a in n.args)
            first = None if x is None or lo is None else x >= lo
            second = None if x is None or hi is None else x <= hi
            if first is False or second is False:
                return False
            return None if first is None or second is None else True
        if k == "in":
            x = go(n.args[0])
            return None if x is None else x in n.value
        if k == "is_missing":
            return go(n.args[0]) is None
        if k == "case":
            for cond, value in zip(n.args[:-1:2], n.args[1:-1:2], strict=True):
                if go(cond) is True:
                    return go(value)
            return go(n.args[-1])
        if k in ("min", "max"):
            values = [go(a) for a in n.args]
            if any(v is None for v in values):
                return None
            return min(values) if k == "min" else max(values)
        if k == "coalesce":
            for arg in n.args:
                value = go(arg)
                if value is not None:
                    return value
            return None
        if k == "round":
            x = go(n.args[0])
            if x is None:
                return None
            with localcontext() as ctx:
                ctx.prec = 100
                return quantize(x.quantize(Decimal(1).scaleb(-n.value), rounding=ROUND_HALF_UP))
        if k == "abs":
            x = go(n.args[0])
            return None if x is None else abs(x)
        if k == "band":
            x = go(n.args[0])
            if x is None:
                return None
            hit = next((b for b in bands[n.value] if b.contains(x)), None)
            tr.bands[n.value] = (x, hit)
            return None if hit is None else hit.value
        if k == "in_industry":
            section, code = industry
            tr.variables.setdefault("industry_code", code)
            if code is None and section is None:
                return None
            return any(
                (section == c) if c.isalpha() else (code or "").startswith(c) for c in n.value
            )
        raise AssertionError(f"unknown node kind {k}")

    return go(node)


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


# --- ranges --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """The values a numeric expression may take: ``lo`` to ``hi``, both included."""

    lo: Decimal
    hi: Decimal

    @property
    def magnitude(self) -> Decimal:
        return max(abs(self.lo), abs(self.hi))

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))


class OutOfRange(Exception):
    """A sub-expression whose values cannot be proved to stay below :data:`MAX_MAGNITUDE`."""

    def __init__(self, node: Node, interval: Interval) -> None:
        super().__init__(f"{node.kind} may reach {interval.magnitude:.3e}")
        self.node, self.interval = node, interval


def value_range(
    node: Node,
    *,
    variables: Mapping[str, Interval],
    parameters: Mapping[str, Interval],
    limit: Decimal = MAX_MAGNITUDE,
) -> Interval | None:
    """The interval of a numeric expression (None for a boolean or text one), by interval
    arithmetic over the variables' declared ranges and the parameters' possible values. Raises
    :class:`OutOfRange` at the first sub-expression, conditions' operands included, that may
    reach ``limit``: a policy that passes never overflows where its inputs are in range."""
    seen: dict[int, Interval | None] = {}  # derived values are shared nodes: each once

    def go(n: Node) -> Interval | None:
        if id(n) not in seen:
            seen[id(n)] = _range(n, [go(a) for a in n.args], variables, parameters, limit)
        return seen[id(n)]

    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emax = 10**8
        ctx.Emin = -(10**8)
        return go(node)


def _range(
    n: Node,
    args: list[Interval | None],
    variables: Mapping[str, Interval],
    parameters: Mapping[str, Interval],
    limit: Decimal,
) -> Interval | None:
    """The interval of ``n`` from its arguments' (``args``, in order)."""
    k = n.kind
    result: Interval | None
    if n.type != NUMBER:
        return None  # its numeric operands were checked already
    if k == "num":
        result = Interval(n.value, n.value)
    elif k == "var":
        result = variables[n.value]
    elif k in ("param", "band"):
        result = parameters[n.value]
    elif k == "derived":
        result = args[0]
    elif k == "neg":
        a = args[0]
        assert a is not None
        result = Interval(-a.hi, -a.lo)
    elif k == "abs":
        a = args[0]
        assert a is not None
        low = Decimal(0) if a.lo <= 0 <= a.hi else min(abs(a.lo), abs(a.hi))
        result = Interval(low, a.magnitude)
    elif k == "round":
        a = args[0]
        assert a is not None
        result = Interval(a.lo - 1, a.hi + 1)  # rounding moves a value by less than one
    elif k == "arith":
        a, b = args
        assert a is not None and b is not None
        result = _arith(n.value, a, b)
    elif k in ("min", "max"):
        pick = min if k == "min" else max
        items = [a for a in args if a is not None]
        result = Interval(pick(a.lo for a in items), pick(a.hi for a in items))
    elif k in ("coalesce", "case"):
        values = args if k == "coalesce" else [*args[1:-1:2], args[-1]]
        items = [a for a in values if a is not None]
        result = items[0]
        for item in items[1:]:
            result = result.hull(item)
    else:
        raise AssertionError(f"no range for a numeric {k}")
    assert result is not None
    if result.magnitude >= limit:
        raise OutOfRange(n, result)
    return result


def _arith(op: str, a: Interval, b: Interval) -> Interval:
    if op == "+":
        return Interval(a.lo + b.lo, a.hi + b.hi)
    if op == "-":
        return Interval(a.lo - b.hi, a.hi - b.lo)
    if op == "*":
        products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        return Interval(min(products), max(products))
    if b.lo <= 0 <= b.hi:
        # A divisor may come as close to zero as one quantum (10^-10) without being zero.
        bound = a.magnitude / QUANTUM
        return Interval(-bound, bound)
    quotients = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
    return Interval(min(quotients) - QUANTUM, max(quotients) + QUANTUM)


def variables_used(node: Node) -> list[str]:
    """Catalogue variables an expression reads (derived values expanded), in first-use order."""
    seen: dict[str, None] = {}
    for n in node.walk():
        if n.kind == "var":
            seen.setdefault(n.value, None)
        elif n.kind == "in_industry":
            seen.setdefault("industry_code", None)
    return list(seen)
