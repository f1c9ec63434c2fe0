"""Golden cases of the shipped default method, worked by hand.

Above-scale firms A, B, C, D, E hold 10 亩 each and are alike in every input but tax (and E's
missing energy figure), so every indicator but tax scores its weight exactly (value = benchmark):
70 points. Tax per 亩: A 4万, B 2万, C 2万, D 0, E 2万; the benchmark is 100万 / 50 亩 = 2万/亩, so
A scores 30 x min(2, 2) = 60, B, C and E 30, D 0 (a zero value scores nothing but counts in the
benchmark). E has no energy figure: it is left out of that benchmark and scores 0 there, naming
``energy_tce``. Totals: A 130, B 100, C 100, E 80, D 70; ranks 1, 2, 2 (equal totals share the
better rank), 4, 5 of n = 5; p = 0.2, 0.4, 0.4, 0.8, 1.0; grades A, B, B, C, D.

F (founded the year before) is exempt: its large tax changes no benchmark. G is below scale and
alone in its group: its values are its benchmarks, it scores 50 + 50 = 100, rank 1 of 1, p = 1,
grade D. H is in section D: exempt with that reason. I holds no land and J is in section F: neither
is in the results.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pyarrow as pa
import pytest

from yuanqu.mu.engine import grade
from yuanqu.mu.method import method_for, read_method

YEAR = 2023
D = pa.decimal128(38, 10)
NUMBERS = [
    "tax",
    "value_added",
    "revenue",
    "rd_expense",
    "gross_output",
    "employees_avg",
    "land_mu",
    "energy_tce",
    "emissions_t",
    "electricity_kwh",
    "established_years",
]


def _firm(uscc: str, **values) -> dict:
    base = {
        "uscc": uscc,
        "name": f"企业{uscc}",
        "industry_code": "3973",
        "industry_section": "C",
        "sub_area": "核心区",
        "task_force": None,
        "established_year": 2010,
        "above_scale": True,
        "tax": Decimal(200_000),
        "value_added": Decimal(1_000_000),
        "revenue": Decimal(2_000_000),
        "rd_expense": Decimal(50_000),
        "gross_output": Decimal(3_000_000),
        "employees_avg": Decimal(20),
        "land_mu": Decimal(10),
        "energy_tce": Decimal(50),
        "emissions_t": Decimal(2),
        "electricity_kwh": Decimal(100_000),
    }
    base.update(values)
    base["established_years"] = Decimal(YEAR - base["established_year"])
    return base


FIRMS = [
    _firm("A", tax=Decimal(400_000)),
    _firm("B"),
    _firm("C"),
    _firm("D", tax=Decimal(0)),
    _firm("E", energy_tce=None),
    _firm("F", tax=Decimal(50_000_000), established_year=YEAR - 1),
    _firm("G", above_scale=False, tax=Decimal(50_000), land_mu=Decimal(5)),
    _firm("H", industry_section="D"),
    _firm("I", land_mu=None),
    _firm("J", industry_section="F"),
]


def _inputs(firms: list[dict]) -> pa.Table:
    columns = {
        "firm_id": pa.array(range(1, len(firms) + 1), type=pa.int64()),
        **{
            k: pa.array([f[k] for f in firms], type=pa.string())
            for k in ("uscc", "name", "industry_code", "industry_section", "sub_area", "task_force")
        },
        "established_year": pa.array([f["established_year"] for f in firms], type=pa.int64()),
        "above_scale": pa.array([f["above_scale"] for f in firms], type=pa.bool_()),
        **{k: pa.array([f[k] for f in firms], type=D) for k in NUMBERS},
    }
    return pa.table(columns)


@pytest.fixture(scope="module")
def result() -> dict[str, dict]:
    grading = grade(_inputs(FIRMS), method_for(YEAR))
    return {row["uscc"]: row for row in grading.results.to_pylist()}


class TestDefaultMethod:
    def test_scope_is_section_c_and_d_holding_land(self, result) -> None:
        assert set(result) == {"A", "B", "C", "D", "E", "F", "G", "H"}

    def test_totals_ranks_and_grades_by_hand(self, result) -> None:
        got = {
            u: (round(r["total"], 6), r["rank"], r["n"], r["grade"])
            for u, r in result.items()
            if r["grade"] is not None
        }
        assert got["A"] == (130, 1, 5, "A")
        assert got["B"] == (100, 2, 5, "B")
        assert got["C"] == (100, 2, 5, "B")  # a tie shares the better rank
        assert got["E"] == (80, 4, 5, "C")
        assert got["D"] == (70, 5, 5, "D")

    def test_the_cap_and_a_zero_value(self, result) -> None:
        assert result["A"]["tax_per_mu__score"] == pytest.approx(60)
        assert result["A"]["tax_per_mu__value"] == pytest.approx(40_000)
        assert result["D"]["tax_per_mu__score"] == 0
        assert result["D"]["tax_per_mu__missing"] == "nonpositive"

    def test_a_missing_input_scores_zero_and_is_named(self, result) -> None:
        assert result["E"]["value_added_per_energy__score"] == 0
        assert result["E"]["value_added_per_energy__missing"] == "energy_tce"
        assert result["B"]["value_added_per_energy__score"] == pytest.approx(20)

    def test_exempt_firms_have_a_reason_and_no_grade(self, result) -> None:
        assert result["F"]["exempt_idx"] == 0 and result["F"]["grade"] is None
        assert result["H"]["exempt_idx"] == 1 and result["H"]["rank"] is None

    def test_a_group_of_one_is_its_own_benchmark(self, result) -> None:
        g = result["G"]
        assert g["group_id"] == "below_scale"
        assert (round(g["total"], 6), g["rank"], g["n"], g["grade"]) == (100, 1, 1, "D")

    def test_benchmarks_leave_out_exempt_firms(self) -> None:
        grading = grade(_inputs(FIRMS), method_for(YEAR))
        assert grading.benchmarks["above_scale"]["tax_per_mu"] == pytest.approx(20_000)
        assert grading.benchmarks["above_scale"]["value_added_per_energy"] == pytest.approx(20_000)
        assert grading.benchmarks["below_scale"]["tax_per_kwh"] == pytest.approx(0.5)

    def test_ties_are_judged_at_six_decimals(self) -> None:
        # B's tax a hundred-millionth of a yuan above C's: equal at six decimals of the total.
        firms = [_firm("A", tax=Decimal(400_000)), _firm("B", tax=Decimal("200000.00000001"))]
        firms += [_firm("C"), _firm("D", tax=Decimal(0))]
        rows = {r["uscc"]: r for r in grade(_inputs(firms), method_for(YEAR)).results.to_pylist()}
        assert rows["B"]["rank"] == rows["C"]["rank"] == 2


class TestInputsMissing:
    """Below-scale firms K and L hold 10 亩 each and reported nothing (no tax, no electricity):
    every indicator lacks an input, so neither is graded (reason: inputs missing) nor counted in
    n. Before this rule both totalled 0, tied at rank 1 of 2, p = 0.5: grade B, and alone in a
    group, A. M (5 亩, tax 5万, 10万 kWh) and N (10 亩, a reported tax of 0, 10万 kWh) are graded:
    the benchmarks are 5万 / 15 亩 = 3,333.33 元/亩 and 5万 / 20万 kWh = 0.25 元/kWh; M's values
    (1万/亩, 0.5 元/kWh) are capped at twice them: 50 x 2 + 50 x 2 = 200, rank 1 of 2, p = 0.5,
    B; N's are 0 (data, not missing): total 0, rank 2 of 2, D."""

    FIRMS: ClassVar[list[dict]] = [
        _firm("K", above_scale=False, tax=None, electricity_kwh=None),
        _firm("L", above_scale=False, tax=None, electricity_kwh=None),
        _firm("M", above_scale=False, tax=Decimal(50_000), land_mu=Decimal(5)),
        _firm("N", above_scale=False, tax=Decimal(0)),
    ]

    def test_firms_without_any_input_are_not_graded_nor_counted(self) -> None:
        grading = grade(_inputs(self.FIRMS), method_for(YEAR))
        rows = {r["uscc"]: r for r in grading.results.to_pylist()}
        for uscc in ("K", "L"):
            r = rows[uscc]
            assert r["inputs_missing"] is True
            assert (r["grade"], r["rank"], r["n"], r["total"]) == (None, None, None, None)
            assert r["tax_per_mu__missing"] == "tax" and r["tax_per_kwh__missing"] == "tax"
        got = {u: (round(rows[u]["total"], 6), rows[u]["rank"], rows[u]["n"]) for u in "MN"}
        assert got == {"M": (200, 1, 2), "N": (0, 2, 2)}
        assert (rows["M"]["grade"], rows["N"]["grade"]) == ("B", "D")
        assert rows["N"]["inputs_missing"] is False
        bench = grading.benchmarks["below_scale"]
        assert bench["tax_per_mu"] == pytest.approx(50_000 / 15)
        assert bench["tax_per_kwh"] == pytest.approx(0.25)

    def test_a_group_where_nobody_reported_grades_nobody_a(self) -> None:
        grading = grade(_inputs(self.FIRMS[:2]), method_for(YEAR))
        rows = grading.results.to_pylist()
        assert [r["grade"] for r in rows] == [None, None]
        assert all(r["inputs_missing"] for r in rows)
        assert grading.benchmarks["below_scale"] == {"tax_per_mu": None, "tax_per_kwh": None}


class TestMethodFile:
    def test_errors_name_file_and_line(self) -> None:
        text = (
            "id: x\ntitle: {zh: 甲, en: x}\neffective_from: 2023\nscope: {sections: [C]}\n"
            "groups:\n  - id: g\n    name: {zh: 组, en: g}\n    when: revenue > 'a'\n"
            "    indicators:\n      - id: i\n        name: {zh: 指, en: i}\n"
            "        numerator: tax\n        denominator: landmu\n        weight: 10\n"
            "        unit: {zh: 元, en: yuan}\n        display_factor: 1\n"
            "score_cap: 2\ngrades:\n  - {grade: A, up_to: 0.5}\n  - {grade: B, up_to: 0.4}\n"
        )
        method, issues = read_method(text, file="bad.yaml")
        assert method is None
        lines = {i.line for i in issues}
        assert 13 in lines  # the unknown variable landmu
        assert 18 in lines  # bounds that do not increase to 1
        assert all(i.message("en").startswith("bad.yaml:") for i in issues)

    def test_control_characters_and_bad_yaml_are_reported_not_raised(self) -> None:
        method, issues = read_method("id: [\x07", file="ctl.yaml")
        assert method is None and issues and issues[0].file == "ctl.yaml"


class TestRanksAtScale:
    def test_ranks_grades_and_order_agree_with_sql_rank(self) -> None:
        """2,000 firms whose taxes repeat (many equal totals): the ranks, n, grades and the
        order of the results are those SQL's rank() over the totals to six decimals gives."""
        import duckdb
        import numpy as np

        rng = np.random.default_rng(11)
        firms = [
            _firm(
                f"F{i:05d}",
                tax=Decimal(int(rng.integers(0, 40)) * 10_000),
                above_scale=bool(rng.random() < 0.6),
                energy_tce=None if rng.random() < 0.05 else Decimal(50),
                established_year=YEAR - 1 if rng.random() < 0.03 else 2010,
            )
            for i in rng.permutation(2000)
        ]
        results = grade(_inputs(firms), method_for(YEAR)).results
        expected = duckdb.sql(
            """SELECT uscc, rank() OVER (PARTITION BY group_id ORDER BY total_micro DESC) AS r,
                count(*) OVER (PARTITION BY group_id) AS n
            FROM results WHERE rank IS NOT NULL"""
        ).fetchall()
        got = {r["uscc"]: (r["rank"], r["n"]) for r in results.to_pylist()}
        assert all(got[u] == (r, n) for u, r, n in expected) and len(expected) > 1900
        rows = results.to_pylist()
        keys = [
            (r["group_id"] is None, r["group_id"] or "", r["rank"] is None, r["rank"] or 0,
             r["uscc"])
            for r in rows
        ]  # fmt: skip
        assert keys == sorted(keys)
        for r in rows:
            if r["rank"] is not None:
                at, n = r["rank"] * 100, r["n"]  # p = rank / n against the bounds, in integers
                bounds = [("A", 25), ("B", 70), ("C", 95), ("D", 100)]
                assert r["grade"] == next(g for g, up in bounds if at <= up * n)
