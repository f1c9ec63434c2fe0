"""The batch engine's fast paths change nothing: shared conditions, rationing only where a budget
binds, and narrow decimal types give the figures of each policy evaluated on its own."""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date
from decimal import Decimal

import pytest

from yuanqu.policies import engine, plan
from yuanqu.policies.inputs import base_row_from_values, base_table
from yuanqu.policies.language.definition import ParameterVersion
from yuanqu.policies.language.expressions import sql_number
from yuanqu.policies.service import get_policy

YEAR = 2024


def _base(n: int = 400, seed: int = 3):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        revenue = Decimal(rng.randint(0, 400_000_000)) + Decimal(rng.randint(0, 99)) / 100
        rd = (revenue * Decimal(rng.randint(0, 100)) / 1000).quantize(Decimal("0.01"))
        values = {
            "industry_code": rng.choice(["2710", "3973"]),
            "established": date(rng.randint(2000, 2023), 1, 1),
            "revenue": None if rng.random() < 0.05 else revenue,
            "rd_expense": rd,
            "rd_expense_prev": (rd * Decimal(rng.randint(60, 120)) / 100).quantize(Decimal("0.01")),
            "employees": rng.randint(5, 500),
            "tech_staff": rng.randint(0, 100),
            "high_tech_product_revenue": (revenue * Decimal(rng.randint(30, 90)) / 100).quantize(
                Decimal("0.01")
            ),
            "invention_patents": rng.randint(0, 2),
            "class2_ip": rng.randint(0, 2),
        }
        rows.append(base_row_from_values(values, firm_id=i, uscc=f"F{i:09d}"))
    return base_table(rows)


def _variants(budget: Decimal | None) -> list:
    high_tech, reward = get_policy("high_tech_enterprise"), get_policy("rd_investment_reward")
    out = []
    for k in range(6):
        if k % 2 == 0:
            params = dict(high_tech.parameters)
            p = params["high_tech_share_min"]
            share = Decimal("0.60") - Decimal(k) / 100
            params[p.name] = dataclasses.replace(
                p, versions=(ParameterVersion(date(2016, 1, 1), value=share),)
            )
            out.append(dataclasses.replace(high_tech, id=f"high_tech_{k}", parameters=params))
        else:
            params = dict(reward.parameters)
            p = params["reward_rate"]
            rate = Decimal("0.10") + Decimal(k) / 1000
            params[p.name] = dataclasses.replace(
                p, versions=(ParameterVersion(date(2021, 1, 1), value=rate),)
            )
            out.append(
                dataclasses.replace(
                    reward,
                    id=f"rd_reward_{k}",
                    parameters=params,
                    exclusive_group=None,
                    budget=budget if k != 5 else Decimal("1000000000"),
                )
            )
    return out


@pytest.mark.parametrize("budget", [None, Decimal("5000.01"), Decimal("1000000000")])
def test_together_equals_one_by_one(budget) -> None:
    base = _base()
    policies = _variants(budget)
    together = engine.evaluate(plan.connect(), policies, YEAR, {YEAR - 1: base})
    all_rows = together.rows().to_pylist()
    for policy in policies:
        alone = engine.evaluate(plan.connect(), [policy], YEAR, {YEAR - 1: base})
        want = alone.rows().to_pylist()
        got = [r for r in all_rows if r["policy"] == policy.id]
        assert got == want, policy.id
    for total in together.totals():
        if total["budget_fen"] is not None:
            assert total["allocated_fen"] == min(total["budget_fen"], total["claimed_fen"])
    if budget == Decimal("5000.01"):
        # the budget binds: pro rata shares add up to the budget exactly, to the fen
        rationed = next(t for t in together.totals() if t["policy"] == "rd_reward_1")
        assert rationed["claimed_fen"] > rationed["budget_fen"] == 500001
        assert rationed["allocated_fen"] == 500001


def test_ineligible_rows_can_be_left_out_without_changing_the_rest() -> None:
    base = _base(seed=5)
    policies = _variants(Decimal("5000.01"))
    full = engine.evaluate(plan.connect(), policies, YEAR, {YEAR - 1: base}).rows()
    short = engine.evaluate(
        plan.connect(), policies, YEAR, {YEAR - 1: base}, keep_ineligible=False
    ).rows()
    assert [r for r in full.to_pylist() if r["status"] != "ineligible"] == short.to_pylist()


@pytest.mark.parametrize(
    "value",
    ["0", "0.0000000001", "-3.5", "5000000", "123456789012345678.1234567890", "0.1001"],
)
def test_literals_keep_their_exact_value(value) -> None:
    con = plan.connect()
    got = con.execute(f"SELECT {sql_number(Decimal(value))}").fetchall()[0][0]
    assert got == Decimal(value)


def test_a_year_with_no_policy_in_effect_gives_empty_results() -> None:
    result = engine.evaluate(plan.connect(), _variants(None), 2001, {2000: _base(5)})
    assert result.compiled == []
    assert result.rows().num_rows == 0
    assert result.totals() == []


def _tied_base(n: int = 300):
    """Few distinct claims, so many equal remainders: the tie-break by credit code decides."""
    rows = []
    for i in range(n):
        rd = Decimal(6_000_000 + 1_000_000 * (i % 3)) + Decimal(i % 2) / 100
        values = {
            "industry_code": "2710",
            "established": date(2010, 1, 1),
            "revenue": Decimal(100_000_000),
            "rd_expense": rd,
            "rd_expense_prev": Decimal(5_000_000),
            "employees": 50,
        }
        # credit codes not in firm-id order, so rank by code and by id differ
        rows.append(base_row_from_values(values, firm_id=i, uscc=f"F{(i * 7919) % 1000:09d}"))
    return base_table(rows)


@pytest.mark.parametrize("budget", [Decimal("1000.03"), Decimal("77777.77"), Decimal("0.01")])
def test_pro_rata_matches_largest_remainders_computed_in_python(budget) -> None:
    reward = get_policy("rd_investment_reward")
    policy = dataclasses.replace(reward, budget=budget, exclusive_group=None)
    result = engine.evaluate(plan.connect(), [policy], YEAR, {YEAR - 1: _tied_base()})
    rows = [r for r in result.rows().to_pylist() if r["status"] == "eligible"]
    claims = {r["uscc"]: r["capped_fen"] for r in rows}
    total, fen = sum(claims.values()), int(budget * 100)
    assert total > fen  # the budget binds
    shares = {u: c * fen // total for u, c in claims.items()}
    leftover = fen - sum(shares.values())
    order = sorted(
        (u for u, c in claims.items() if c > 0), key=lambda u: (-(claims[u] * fen % total), u)
    )
    for u in order[:leftover]:
        shares[u] += 1
    assert {r["uscc"]: r["allocated_fen"] for r in rows} == shares
    assert sum(shares.values()) == fen


class _Recording:
    """A DuckDB connection that keeps every statement the engine sends (the create hook and the
    queries), as a Spark runner would receive them."""

    def __init__(self) -> None:
        self.con = plan.connect()
        self.statements: list[str] = []

    def create(self, name: str, sql: str, *, view: bool = False) -> None:
        self.statements.append(sql)
        kind = "VIEW" if view else "TABLE"
        self.con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")

    def execute(self, sql: str, parameters=None):
        self.statements.append(sql)
        return self.con.execute(sql, parameters)

    def sql(self, sql: str):
        self.statements.append(sql)
        return self.con.sql(sql)

    def register(self, name: str, table) -> None:
        self.con.register(name, table)


def test_every_statement_transpiles_to_spark_sql() -> None:
    from yuanqu.analytics.spark import to_spark_sql
    from yuanqu.policies.service import shipped_policies

    runner = _Recording()
    policies = [*_variants(Decimal("5000.01")), *shipped_policies()]
    bases = {p.data_year(YEAR): _base() for p in policies}
    for keep in (True, False):  # without the ineligible, variants join on their threshold
        result = engine.evaluate(runner, policies, YEAR, bases, keep_ineligible=keep)
        result.totals()
        result.rows()
    assert any(re.search(r"\bJOIN variants_\d+ v ON ", s) for s in runner.statements)
    assert any("pr_frac" in s for s in runner.statements)  # a budget bound
    for statement in runner.statements:
        spark = to_spark_sql(statement)
        assert "HUGEINT" not in spark.upper()


def test_variants_differing_in_parameter_values_share_one_branch() -> None:
    from yuanqu.policies.variants import branches

    policies = _variants(None)
    high_tech = get_policy("high_tech_enterprise")
    # another band table is another rule: its own branch
    bands = dict(high_tech.parameters)
    rd = bands["rd_ratio_min"]
    version = rd.versions[0]
    widened = dataclasses.replace(
        version,
        bands=(
            dataclasses.replace(version.bands[0], value=Decimal("0.06")),
            *version.bands[1:],
        ),
    )
    bands[rd.name] = dataclasses.replace(rd, versions=(widened,))
    policies.append(dataclasses.replace(high_tech, id="high_tech_bands", parameters=bands))
    compiled = [plan.compile_policy(p, YEAR) for p in policies]
    units = branches(compiled, YEAR, lambda p, ph: plan.compile_policy(p, YEAR, ph))
    assert sorted(b.members for b in units) == [(0, 2, 4), (1, 3, 5), (6,)]
    shared = next(b for b in units if b.members == (0, 2, 4))
    # the share threshold is held at the scale the condition reads it (no per-row rescaling)
    assert [c for c, _ in shared.columns] == ["p__high_tech_share_min__s10"]
    assert [row[1] for row in shared.rows] == [6_000_000_000, 5_800_000_000, 5_600_000_000]


def _reward_variants(rates: list[str], floors: list[str]) -> list:
    reward = get_policy("rd_investment_reward")
    out = []
    for k, (rate, floor) in enumerate(zip(rates, floors, strict=True)):
        params = dict(reward.parameters)
        for name, value in (("reward_rate", rate), ("rd_floor", floor)):
            p = params[name]
            params[name] = dataclasses.replace(
                p, versions=(ParameterVersion(date(2021, 1, 1), value=Decimal(value)),)
            )
        out.append(
            dataclasses.replace(
                reward,
                id=f"reward_{k}",
                parameters=params,
                exclusive_group="rd" if k < 2 else None,
                budget=Decimal("12345.67") if k == 3 else None,
            )
        )
    return out


def test_variants_with_wide_and_fine_parameters_give_each_policy_alone() -> None:
    # rates with ten decimals, floors from a fen to 10^15 yuan (HUGEINT at the scales read),
    # an exclusive group across two variants, budgets binding on some
    policies = _reward_variants(
        ["0.1234567891", "0.1", "0.0000000001", "0.35", "1"],
        ["0.01", "5000000", "1000000000000000", "7654321.09", "5000000"],
    )
    base = _base(seed=11)
    together = engine.evaluate(plan.connect(), policies, YEAR, {YEAR - 1: base})
    all_rows = together.rows().to_pylist()
    alone_rows: dict[str, list] = {}
    for policy in policies:
        alone = engine.evaluate(plan.connect(), [policy], YEAR, {YEAR - 1: base})
        want = alone.rows().to_pylist()
        got = [r for r in all_rows if r["policy"] == policy.id]
        if policy.exclusive_group is None:
            assert got == want, policy.id
        alone_rows[policy.id] = want
    # the exclusive group across two variants: the smaller eligible claim is excluded (a tie
    # goes to the smaller policy id)
    alone = {p: {r["uscc"]: r for r in rows} for p, rows in alone_rows.items()}
    for mine, theirs in (("reward_0", "reward_1"), ("reward_1", "reward_0")):
        for uscc, r in alone[mine].items():
            other = alone[theirs][uscc]
            both = r["status"] == other["status"] == "eligible"
            if mine == "reward_0":
                loses = both and r["capped_fen"] < other["capped_fen"]
            else:
                loses = both and r["capped_fen"] <= other["capped_fen"]
            row = next(g for g in all_rows if g["policy"] == mine and g["uscc"] == uscc)
            assert row == {**r, "status": "excluded", "allocated_fen": 0} if loses else row == r
    budgeted = next(t for t in together.totals() if t["policy"] == "reward_3")
    assert budgeted["claimed_fen"] > budgeted["budget_fen"] == budgeted["allocated_fen"]


def _largest_remainders(claims: dict[str, int], fen: int) -> dict[str, int]:
    total = sum(claims.values())
    shares = {u: c * fen // total for u, c in claims.items()}
    leftover = fen - sum(shares.values())
    order = sorted(
        (u for u, c in claims.items() if c * fen % total),
        key=lambda u: (-(claims[u] * fen % total), u),
    )
    for u in order[:leftover]:
        shares[u] += 1
    return shares


def _claims_base(claims_yuan: list[Decimal]):
    rows = []
    for i, claim in enumerate(claims_yuan):
        values = {
            "industry_code": "2710",
            "established": date(2010, 1, 1),
            "revenue": Decimal(10) * claim * 100,
            "rd_expense": Decimal(10) * claim,  # the reward: 10% of the growth over 0
            "rd_expense_prev": Decimal(0),
            "employees": 50,
        }
        rows.append(base_row_from_values(values, firm_id=i, uscc=f"F{(i * 7919) % 100_003:09d}"))
    return base_table(rows)


@pytest.mark.parametrize(
    ("claims", "budget"),
    [
        # equal claims and a budget they divide exactly: every remainder is zero (the exact path)
        ([Decimal(600_000)] * 40, Decimal(600_000 * 20)),
        # one fen, many equal remainders: ties by credit code
        ([Decimal(600_000) + Decimal(i % 3) / 100 for i in range(200)], Decimal("0.01")),
        # shares whose double-precision quotient lies within the error bound of an integer
        ([Decimal(500_000 + 3 * i) for i in range(150)], Decimal(500_000 * 149 + 2)),
        # a budget so large the error bound spans many buckets: the exact selection
        ([Decimal(2_000_000_000) + Decimal(i) / 100 for i in range(300)], Decimal(4 * 10**11)),
    ],
)
def test_pro_rata_in_double_precision_stays_exact_to_the_fen(claims, budget) -> None:
    reward = get_policy("rd_investment_reward")
    policy = dataclasses.replace(reward, budget=budget, exclusive_group=None, cap_per_firm=None)
    result = engine.evaluate(plan.connect(), [policy], YEAR, {YEAR - 1: _claims_base(claims)})
    rows = [r for r in result.rows().to_pylist() if r["status"] == "eligible"]
    got = {r["uscc"]: r["allocated_fen"] for r in rows}
    fen = int(budget * 100)
    want = _largest_remainders({r["uscc"]: r["capped_fen"] for r in rows}, fen)
    assert sum(r["capped_fen"] for r in rows) > fen  # the budget binds
    assert got == want
    assert sum(got.values()) == fen


def _reward_allocated(method: str, budget: Decimal, order_by: str | None = None):
    """The R&D reward with another budget and allocation rule, read from its own file."""
    from yuanqu.policies.language.definition import read_policy
    from yuanqu.policies.service import shipped_dir

    text = (shipped_dir() / "rd_investment_reward.yaml").read_text(encoding="utf-8")
    rule = method if order_by is None else f"{{method: {method}, order_by: '{order_by}'}}"
    text = text.replace("allocation: pro_rata", f"allocation: {rule}")
    text = text.replace("budget: 20亿", f"budget: {budget}")
    policy, issues = read_policy(text)
    assert policy is not None, issues
    return policy


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize(
    ("method", "order_by", "budget"),
    [
        ("pro_rata", None, Decimal("5000.01")),
        ("pro_rata", None, Decimal("0.01")),
        ("pro_rata", None, Decimal("1000000000")),  # fits: paid in full
        ("first_come", "rd_expense_prev", Decimal("300000")),
        ("ranked", "rd_expense_growth", Decimal("300000")),
        # order keys tied within thousands: the credit code decides, and the claim crossing
        # the budget may receive nothing
        ("ranked", "round(rd_expense / 10000000, 0)", Decimal("250000")),
        ("first_come", "coalesce(invention_patents, 0)", Decimal("123456.78")),
        # no order key for the firms without a revenue figure: they come last
        ("first_come", "revenue", Decimal("300000")),
    ],
)
def test_counted_totals_equal_the_totals_of_every_allocation(method, order_by, budget, keep):
    """The totals are counted where the allocation is decided, not summed over the claims: they
    must be the sums of the allocations, rationed or not, exclusive groups applied."""
    reward = _reward_allocated(method, budget, order_by)
    trials = get_policy("new_drug_clinical_trial")
    policies = [
        *_variants(Decimal("5000.01")),
        reward,
        dataclasses.replace(reward, id="reward_same_group", exclusive_group="rd_support"),
        trials,
    ]
    bases = (_base(seed=11), _tied_base(), _claims_base([Decimal(0)] * 5 + [Decimal(10)]))
    for n, base in enumerate(bases):  # the third: no firm reaches the reward's floor
        result = engine.evaluate(
            plan.connect(), policies, YEAR, {YEAR - 1: base}, keep_ineligible=keep
        )
        assert result.counted is not None
        assert result.totals() == result.totals_from_rows()
        assert [t["policy"] for t in result.totals()] == [p.id for p in policies]
        if n < 2:
            budgeted = next(t for t in result.totals() if t["policy"] == reward.id)
            binds = budgeted["claimed_fen"] > budgeted["budget_fen"]
            assert binds == (budget < 10**6), budgeted
            assert budgeted["allocated_fen"] == min(budgeted["budget_fen"], budgeted["claimed_fen"])


def test_a_base_sorted_by_credit_code_ranks_by_row_number_with_the_same_results() -> None:
    """A base sorted by credit code (as policies.load reads it) is ranked by its row numbers,
    any other order by SQL: the allocations, ties by credit code included, are the same."""
    base = _tied_base()
    order = sorted(range(base.num_rows), key=lambda i: base.column("uscc")[i].as_py())
    ordered = base.take(order)
    assert engine._sorted_by_uscc(ordered) and not engine._sorted_by_uscc(base)
    policies = [dataclasses.replace(get_policy("rd_investment_reward"), budget=Decimal("1000.03"))]
    results = [
        engine.evaluate(plan.connect(), policies, YEAR, {YEAR - 1: b}) for b in (base, ordered)
    ]
    assert results[0].rows() == results[1].rows()
    assert results[0].totals() == results[1].totals()
    ranks = results[1].con.execute("SELECT min(uscc_rank), max(uscc_rank) FROM policy_firms")
    assert ranks.fetchall() == [(1, base.num_rows)]


def _floor_variants(when: str) -> list:
    """Ten R&D rewards differing only in their floor, the floor condition written as ``when``."""
    from yuanqu.policies.language.definition import read_policy
    from yuanqu.policies.service import shipped_dir

    text = (shipped_dir() / "rd_investment_reward.yaml").read_text(encoding="utf-8")
    text = text.replace("when: rd_expense >= rd_floor", f"when: {when}")
    base, issues = read_policy(text)
    assert base is not None, issues
    out = []
    for k in range(10):
        p = base.parameters["rd_floor"]
        floor = Decimal(5_000_000 + 1_500_000 * k) + Decimal(k) / 100
        params = {
            **base.parameters,
            "rd_floor": dataclasses.replace(
                p, versions=(ParameterVersion(date(2021, 1, 1), value=floor),)
            ),
        }
        out.append(
            dataclasses.replace(base, id=f"floor_{k}", parameters=params, exclusive_group=None)
        )
    return out


@pytest.mark.parametrize(
    ("when", "joined"),
    [
        ("rd_expense >= rd_floor", True),
        ("rd_floor < rd_expense", True),  # the parameter on the left, strict
        # the firm's side an expression, missing where the revenue is: those firms are crossed
        ("rd_expense + revenue / 1000 > rd_floor", True),
        ("rd_expense >= rd_floor * 2", False),  # not a bare parameter: all crossed
    ],
)
def test_variants_joined_on_a_threshold_give_each_policy_alone(when, joined) -> None:
    """Leaving the ineligible out, variants are joined to the firms on a threshold condition,
    the firms whose value is missing crossed with every variant: the same rows as each policy
    evaluated alone with every firm kept, less the ineligible."""
    from yuanqu.policies.variants import branches

    base = _base(seed=7)  # some firms have no revenue figure
    policies = _floor_variants(when)
    batch = engine.evaluate(plan.connect(), policies, YEAR, {YEAR - 1: base}, keep_ineligible=False)
    got = batch.rows().to_pylist()
    assert any(r["status"] == "missing" for r in got) == ("revenue" in when)
    for policy in policies:
        alone = engine.evaluate(plan.connect(), [policy], YEAR, {YEAR - 1: base})
        want = [r for r in alone.rows().to_pylist() if r["status"] != "ineligible"]
        assert [r for r in got if r["policy"] == policy.id] == want, policy.id
    (branch,) = branches(batch.compiled, YEAR, lambda p, ph: plan.compile_policy(p, YEAR, ph))
    on = engine._join_on(branch)
    assert (on is not None) == joined
    if on is not None:
        assert on[1] in (">=", ">") and on[2].startswith("p__rd_floor__s")
