"""The expression language: what it accepts, what it refuses, and SQL agreeing with Python."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yuanqu.policies import plan
from yuanqu.policies.language.expressions import (
    BOOLEAN,
    NUMBER,
    TEXT,
    Band,
    ExpressionError,
    Scope,
    evaluate,
    parse,
)
from yuanqu.policies.language.sqlgen import to_sql

SCOPE = Scope(
    variables={"revenue": NUMBER, "rd_expense": NUMBER, "high_tech": BOOLEAN, "task_force": TEXT},
    scalars={"rate": NUMBER},
    bands=frozenset({"rd_min"}),
    industry_check=lambda code: code in {"C", "27", "2720", "3973"},
)
BANDS = {
    "rd_min": (
        Band(Decimal(0), True, Decimal(50_000_000), True, Decimal("0.05")),
        Band(Decimal(50_000_000), False, None, False, Decimal("0.04")),
    )
}
SCALARS = {"rate": Decimal("0.1")}


_CON = plan.connect()


def sql_eval(text: str, env: dict) -> object:
    node = parse(text, SCOPE)
    con = _CON
    columns = [*SCOPE.variables.items(), ("industry_code", TEXT), ("industry_section", TEXT)]
    types = {NUMBER: pa.decimal128(38, 10), BOOLEAN: pa.bool_(), TEXT: pa.string()}
    row = pa.table({k: pa.array([env.get(k)], type=types[t]) for k, t in columns})
    con.register("row_", row)
    sql = to_sql(node, scalars=SCALARS, bands=BANDS)
    return con.execute(f"SELECT {sql} FROM row_").fetchall()[0][0]


def py_eval(text: str, env: dict) -> object:
    node = parse(text, SCOPE)
    return evaluate(
        node,
        env,
        scalars=SCALARS,
        bands=BANDS,
        industry=(env.get("industry_section"), env.get("industry_code")),
    )


class TestParsing:
    @pytest.mark.parametrize(
        "text",
        [
            "revenue >= 5000000 and rd_expense / revenue >= band(rd_min, revenue)",
            "min(revenue * rate, 5000000)",
            "case when high_tech then 1 when revenue > 0 then 2 else 3 end",
            "coalesce(rd_expense, 0) + round(revenue / 3, 2)",
            "task_force in ('ic', 'biotech') or not high_tech",
            "revenue between 1 and 2 and in_industry('C', '27')",
            "rd_expense is null",
        ],
    )
    def test_accepts_the_language(self, text: str) -> None:
        parse(text, SCOPE)

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("unknown_thing > 1", "unknown name"),
            ("revenue > 'a'", "comparison"),
            ("high_tech + 1", "needs a number"),
            ("task_force > 'a'", "only be compared"),
            ("rd_min > 1", "band table"),
            ("band(nope, revenue)", "unknown band"),
            ("in_industry('Z9')", "unknown industry"),
            ("case when high_tech then 1 end", "else"),
            ("revenue > NULL", "NULL"),
            ("1e308 > revenue", "not allowed"),
            ("0.00000000001 < revenue", "not allowed"),
        ],
    )
    def test_refuses_bad_expressions_with_a_reason(self, text: str, fragment: str) -> None:
        with pytest.raises(ExpressionError) as info:
            parse(text, SCOPE)
        assert fragment in info.value.en


class TestHostile:
    """Policy files are untrusted: nothing in an expression reaches Python or SQL as code."""

    @pytest.mark.parametrize(
        "text",
        [
            "__import__('os').system('id')",
            "revenue.__class__",
            "os.system('x')",
            "(select 1)",
            "revenue; DROP TABLE enterprises",
            "revenue > 1 --",
            "read_csv('/etc/passwd') is null",
            "getattr(revenue, 'x')",
            '"revenue" > 1',
            "revenue > (SELECT max(x) FROM t)",
            "exists(select 1)",
            "current_setting('x') = 'a'",
            "revenue in (select 1)",
            "lambda: 1",
            "revenue::VARCHAR = 'a'",
            "cast(revenue as varchar) = 'a'",
            "task_force = 'x' || (select 1)",
            "* > 1",
        ],
    )
    def test_refused(self, text: str) -> None:
        with pytest.raises(ExpressionError):
            parse(text, SCOPE)

    def test_quotes_in_text_literals_stay_literals(self) -> None:
        text = "task_force = 'a'' OR 1=1 --'"
        assert sql_eval(text, {"task_force": "a' OR 1=1 --"}) is True
        assert sql_eval(text, {"task_force": "a"}) is False

    def test_size_and_depth_are_bounded(self) -> None:
        with pytest.raises(ExpressionError, match="too long"):
            parse("revenue + " * 500 + "1", SCOPE)
        with pytest.raises(ExpressionError, match="nested"):
            parse("(" * 200 + "revenue" + ")" * 200 + " > 1", SCOPE)
        with pytest.raises(ExpressionError, match="too large"):
            parse("+".join(["1"] * 400), SCOPE)


class TestSemantics:
    def test_missing_propagates_and_is_not_zero(self) -> None:
        env = {"revenue": None, "rd_expense": Decimal(5)}
        assert py_eval("revenue >= 0", env) is None
        assert sql_eval("revenue >= 0", env) is None
        assert py_eval("min(revenue, rd_expense)", env) is None
        assert sql_eval("min(revenue, rd_expense)", env) is None
        assert py_eval("coalesce(revenue, 0) >= 0", env) is True

    def test_three_valued_logic(self) -> None:
        env = {"revenue": None, "high_tech": True}
        for text, expected in [
            ("revenue > 1 or high_tech", True),
            ("revenue > 1 and not high_tech", False),
            ("revenue > 1 and high_tech", None),
        ]:
            assert py_eval(text, env) is expected
            assert sql_eval(text, env) is expected

    def test_division_by_zero_is_missing(self) -> None:
        env = {"revenue": Decimal(0), "rd_expense": Decimal(1)}
        assert py_eval("rd_expense / revenue", env) is None
        assert sql_eval("rd_expense / revenue", env) is None

    def test_band_edges_as_written(self) -> None:
        for revenue, expected in [(50_000_000, "0.05"), (50_000_001, "0.04"), (0, "0.05")]:
            env = {"revenue": Decimal(revenue)}
            assert py_eval("band(rd_min, revenue)", env) == Decimal(expected)
            assert sql_eval("band(rd_min, revenue)", env) == Decimal(expected)
        assert py_eval("band(rd_min, revenue)", {"revenue": Decimal(-1)}) is None

    def test_big_amounts_stay_exact(self) -> None:
        env = {"revenue": Decimal("98765432109876.55"), "rd_expense": Decimal(3)}
        for text in ["revenue * rate", "revenue / rd_expense", "revenue + 0.01"]:
            assert py_eval(text, env) == sql_eval(text, env)
        assert py_eval("revenue + 0.01", env) == Decimal("98765432109876.56")


numbers = (
    st.decimals(min_value=Decimal("-1e8"), max_value=Decimal("1e8"), places=4, allow_nan=False)
    | st.none()
)


@settings(max_examples=40, deadline=None)
@given(a=numbers, b=numbers, flag=st.booleans() | st.none())
def test_sql_and_python_agree(a, b, flag) -> None:
    env = {"revenue": a, "rd_expense": b, "high_tech": flag}
    for text in [
        "revenue / rd_expense",
        "revenue * rd_expense / 7",
        "round(revenue / 3, 2) - rd_expense",
        "max(revenue, rd_expense, 0) * rate",
        "case when high_tech then revenue when rd_expense > 0 then rd_expense else 0 end",
        "(revenue > rd_expense) or high_tech",
        "revenue between rd_expense and 100",
        "band(rd_min, revenue)",
    ]:
        assert py_eval(text, env) == sql_eval(text, env), text


def test_a_quotient_just_below_a_threshold_stays_below() -> None:
    # 7,999,999.99 / 200,000,000 = 0.03999999995, which rounding to 10 places would make 4%.
    env = {"rd_expense": Decimal("7999999.99"), "revenue": Decimal(200_000_000)}
    for text, expected in [
        ("rd_expense / revenue >= 0.04", False),
        ("rd_expense / revenue < 0.04", True),
    ]:
        assert py_eval(text, env) is expected
        assert sql_eval(text, env) is expected
    neg = {"rd_expense": Decimal(-1), "revenue": Decimal(3)}
    assert py_eval("rd_expense / revenue", neg) == sql_eval("rd_expense / revenue", neg)
