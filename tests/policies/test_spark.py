"""Policy evaluation on Spark against DuckDB on one zone: the same decision for every firm and
policy, the same totals (counts exact, money exact to the fen), through the service and through
`yuanqu policy evaluate` in every output format.

The zone is built with the test factories so that every path of the engine is taken: firms with
missing statistics or facts, thresholds hit exactly, a pro-rata budget and a ranked budget that
bind (with ties broken by credit code), an exclusive group, firms with and without a task force,
and two data years (most policies read the previous year, the insurance subsidy the award year).
It is committed on SQLite and exported once; one SparkSession (local[2]) serves it."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests import conftest
from tests.factories.export import exported_zone
from tests.factories.policies import add_facts
from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_reports, report_row
from yuanqu.analytics import spark
from yuanqu.analytics.choice import EngineChoice
from yuanqu.core.db import session_scope
from yuanqu.core.errors import ValidationError
from yuanqu.policies import service, spark_runner
from yuanqu.policies.engine import BatchResult

pytestmark = pytest.mark.xdist_group("spark")

pytest.importorskip("pyspark", reason="the Spark engine is the optional extra 'spark'")

AWARD_YEAR = 2024
#: The policies whose budgets bind in this zone (one pro rata, one ranked; two data years).
BUDGETED = ("tech_insurance_premium_subsidy", "commercial_aerospace_support")


def _monthly(firm_id: int, year: int, **annual: float) -> list[dict]:
    """Twelve reports whose sums over the year are exactly ``annual`` (yuan, whole numbers
    divisible by 12 are spread evenly; the December report takes the rest)."""
    rows = []
    for month in range(1, 13):
        values = {}
        for name, total in annual.items():
            if name == "employees":
                values[name] = total
                continue
            share = round(total / 12, 2)
            values[name] = share if month < 12 else round(total - 11 * share, 2)
        rows.append(report_row(firm_id, f"{year}-{month:02d}", **values))
    return rows


def _build(session) -> dict[str, list[str]]:
    """The zone; returns the credit codes of the firms built for each edge case."""
    rng = random.Random(23)
    make_task_force(session, "ic")
    make_task_force(session, "bio")
    cases: dict[str, list[str]] = {}
    reports: list[dict] = []

    def firm(case: str, **values):
        made = make_firm(session, **values)
        cases.setdefault(case, []).append(made.uscc)
        return made

    # Ordinary firms: random figures, some years unreported, some facts missing.
    for i in range(120):
        code = rng.choice(["2710", "2720", "3973", "3742", "6513"])
        labels = [("high_tech", date(2021, 1, 1), date(2024, 12, 31))] if rng.random() < 0.4 else []
        made = firm(
            "random",
            industry_code=code,
            established=date(rng.randint(2010, 2023), rng.randint(1, 12), 1),
            labels=labels,
            task_force=rng.choice(["ic", "bio", None]),
            sub_area=rng.choice(["东区", "西区", None]),
            registered_capital_fen=None if i % 9 == 0 else rng.randint(1, 10**6) * 100,
        )
        for year in (2022, 2023):
            if rng.random() < 0.12:
                continue  # no reports that year: missing, never zero
            for month in range(1, 13):
                reports.append(
                    report_row(
                        made.id,
                        f"{year}-{month:02d}",
                        revenue=rng.randint(0, 30_000_000) + rng.randint(0, 99) / 100,
                        rd_expense=rng.randint(0, 2_000_000),
                        employees=rng.randint(5, 400),
                    )
                )
        facts = {
            "tech_staff": rng.randint(0, 80),
            "high_tech_product_revenue": rng.randint(0, 200_000_000),
            "invention_patents": rng.randint(0, 3),
            "class2_ip": rng.randint(0, 5),
            "clinical_trials_approved": rng.randint(0, 3),
        }
        facts = {k: v for k, v in facts.items() if rng.random() > 0.15}
        if facts:
            add_facts(session, made.id, 2023, **facts)

    # High-tech enterprise, every ratio exactly at its minimum (5 %, 60 %, 10 %), one year old
    # to the day; and its twin one fen of R&D short.
    for case, rd in (("high_tech_exact", 1_800_000), ("high_tech_short", 1_799_999.99)):
        made = firm(case, industry_code="3973", established=date(2022, 12, 31))
        reports += _monthly(made.id, 2023, revenue=36_000_000, rd_expense=rd, employees=100)
        reports += _monthly(made.id, 2022, revenue=30_000_000, rd_expense=1_000_000)
        add_facts(
            session,
            made.id,
            2023,
            tech_staff=10,
            high_tech_product_revenue=21_600_000,
            invention_patents=1,
            class2_ip=0,
        )

    # R&D reward at its floor exactly (the 2024 floor and the earlier one), and the exclusive
    # group rd_support: aerospace firms that also grew their R&D, so the R&D reward and the
    # aerospace support compete (the larger is kept: the launch once, the R&D reward once).
    for rd, growth, launches in (
        (10_000_000, 2_000_000, 1),
        (5_000_000, 2_000_000, 0),
        (600_000_000, 500_000_000, 2),
        (10_000_000, 2_000_000, 0),
    ):
        made = firm("rd_support", industry_code="3741", task_force="ic")
        reports += _monthly(made.id, 2023, revenue=900_000_000, rd_expense=rd, employees=300)
        reports += _monthly(made.id, 2022, revenue=800_000_000, rd_expense=rd - growth)
        if launches:
            add_facts(session, made.id, 2023, rockets_launched=launches)
    # No reports at all, the annual figures given as facts instead.
    made = firm("facts_only", industry_code="2710")
    add_facts(
        session,
        made.id,
        2023,
        annual_revenue=50_000_000,
        annual_rd_expense=12_000_000,
        tech_staff=3,
    )
    # Nothing but the registry: every figure missing.
    firm("bare", industry_code="3973", established=None, registered_capital_fen=None)

    # The insurance subsidy (award-year data, labels as of 2024-12-31): 60 % of the premium,
    # capped at 500,000 yuan, pro rata within a 50 million budget that the claims exceed.
    for i in range(120):
        made = firm(
            "insured",
            industry_code="3973",
            labels=[("high_tech" if i % 3 else "specialized", date(2020, 1, 1), None)],
            sub_area="东区" if i % 2 else None,
        )
        add_facts(session, made.id, 2024, tech_insurance_premium=round(700_000 + i * 2_345.67, 2))
    # A label that lapsed before the year's end: not entitled.
    made = firm("lapsed", industry_code="3973", labels=[("high_tech", None, date(2024, 6, 30))])
    add_facts(session, made.id, 2024, tech_insurance_premium=900_000)

    # Commercial aerospace, ranked by launches within a 300 million budget: 4 firms of 5
    # launches (capped at 50 million), 3 of 3 launches and 2 satellites, then 2 tied firms of 2
    # launches: the first of the tie crosses the budget and gets what is left, the second none.
    for launches, satellites, count in ((5, 0, 4), (3, 2, 3), (2, 0, 2)):
        for _ in range(count):
            case = "aerospace_tie" if launches == 2 else "aerospace"
            made = firm(case, industry_code="3741", task_force="ic")
            add_facts(
                session, made.id, 2023, rockets_launched=launches, satellites_delivered=satellites
            )
    add_reports(session, reports)
    return cases


@pytest.fixture(scope="module")
def zone(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[conftest.TestDatabase, Path, dict[str, list[str]]]]:
    """The zone committed on a SQLite file of its own and exported: Spark reads only the
    export, and that PostgreSQL exports the same dataset is proved in
    ``tests/analytics/test_spark.py``."""
    cases: dict[str, list[str]] = {}
    with conftest.fresh_database("sqlite", tmp_path_factory) as database:
        root = tmp_path_factory.mktemp("spark_policies")
        try:
            with exported_zone(database.url, root, lambda s: cases.update(_build(s))) as dataset:
                yield database, dataset, cases
        finally:
            spark.forget_snapshots()


@pytest.fixture(scope="module", autouse=True)
def _stop_spark() -> Iterator[None]:
    yield
    spark.stop_sessions()


@pytest.fixture(scope="module")
def batches(zone) -> tuple[BatchResult, BatchResult]:
    """Every shipped policy for the award year, evaluated on DuckDB and on Spark."""
    _db, dataset, _cases = zone
    policies = list(service.shipped_policies())
    with session_scope() as session:
        local = service.run(session, year=AWARD_YEAR, policies=policies)
        remote = service.run(
            session, year=AWARD_YEAR, policies=policies, engine=EngineChoice("spark", dataset)
        )
    return local, remote


@pytest.fixture(scope="module")
def both(batches) -> tuple[dict, dict]:
    """The full evaluation report (what `policy evaluate --format json` prints) of each."""
    local, remote = batches
    return service.report(local), service.report(remote)


class TestSameResults:
    def test_every_firm_and_policy_gets_the_same_decision(self, both) -> None:
        local, remote = both
        assert len(local["rows"]) == len(remote["rows"]) > 6 * 200
        differing = [(a, b) for a, b in zip(local["rows"], remote["rows"], strict=True) if a != b]
        assert differing == []
        statuses = {r["status"] for r in local["rows"]}
        assert statuses == {"eligible", "ineligible", "missing", "excluded"}

    def test_totals_and_breakdowns_are_equal_to_the_fen(self, both) -> None:
        local, remote = both
        assert local["totals"] == remote["totals"]
        assert local["by_industry"] == remote["by_industry"]
        assert local["by_task_force"] == remote["by_task_force"]
        assert any(g["group"] is None for g in local["by_task_force"])
        assert all(isinstance(t["allocated_fen"], int) for t in remote["totals"])

    def test_the_budgets_bind_and_are_shared_out_to_the_fen(self, zone, both) -> None:
        _db, _dataset, cases = zone
        _local, remote = both
        totals = {t["policy"]: t for t in remote["totals"]}
        for policy in ("tech_insurance_premium_subsidy", "commercial_aerospace_support"):
            assert totals[policy]["claimed_fen"] > totals[policy]["budget_fen"]
            assert totals[policy]["allocated_fen"] == totals[policy]["budget_fen"]
        paid = {
            r["uscc"]: r["allocated_fen"]
            for r in remote["rows"]
            if r["policy"] == "commercial_aerospace_support"
        }
        assert [paid[u] for u in cases["aerospace"]] == [50_000_000_00] * 4 + [32_000_000_00] * 3
        # The tied pair of two launches: the first by credit code gets what is left, the other
        # nothing (and so does every claim ranked after them).
        left = 300_000_000_00 - 4 * 50_000_000_00 - 3 * 32_000_000_00
        first, second = sorted(cases["aerospace_tie"])
        assert (paid[first], paid[second]) == (left, 0)

    def test_the_edge_cases_decide_as_written(self, zone, both) -> None:
        _db, _dataset, cases = zone
        _local, remote = both
        by = {(r["policy"], r["uscc"]): r for r in remote["rows"]}
        exact = by[("high_tech_enterprise", cases["high_tech_exact"][0])]
        short = by[("high_tech_enterprise", cases["high_tech_short"][0])]
        assert exact["status"] == "eligible"
        assert short["status"] == "ineligible"
        assert short["failed_condition"] is not None
        group = [
            tuple(
                by[(p, u)]["status"]
                for p in ("rd_investment_reward", "commercial_aerospace_support")
            )
            for u in cases["rd_support"]
        ]
        # One launch beats 200,000 yuan of R&D reward; 50 million of R&D reward beats two.
        assert group[0] == ("excluded", "eligible")
        assert group[2] == ("eligible", "excluded")
        # R&D from the annual facts (no reports); last year's R&D is nowhere: missing.
        facts_only = by[("rd_investment_reward", cases["facts_only"][0])]
        assert facts_only["status"] == "missing"
        assert "rd_expense_prev" in facts_only["missing"]
        assert "rd_expense" not in facts_only["missing"]
        bare = [r for (p, u), r in by.items() if u == cases["bare"][0]]
        assert {r["status"] for r in bare} <= {"missing", "ineligible"}
        assert any(r["missing"] for r in bare)
        lapsed = by[("tech_insurance_premium_subsidy", cases["lapsed"][0])]
        assert lapsed["status"] == "ineligible"


class TestSameInputs:
    def test_the_base_built_on_spark_gives_every_firm_the_same_variables(self, batches) -> None:
        """The inputs table of each data year, column for column, on both engines."""
        local, remote = batches
        years = sorted({c.policy.data_year(AWARD_YEAR) for c in local.compiled})
        assert years == [AWARD_YEAR - 1, AWARD_YEAR]
        for year in years:
            sql = f"SELECT * FROM inputs_{year} ORDER BY firm_id"
            left = local.con.sql(sql).to_arrow_table().to_pylist()
            right = remote.con.sql(sql).to_arrow_table().to_pylist()
            assert len(left) > 250
            assert [r for r in left if r not in right] == []
            assert left == right


class TestSimulate:
    def test_a_simulation_on_spark_equals_duckdb(self, zone) -> None:
        """Both sides of a what-if evaluated on Spark, with the policy's exclusive group (the
        R&D reward competes with the ranked, budget-bound aerospace support): the same totals,
        distributions and changes, to the fen."""
        _db, dataset, _cases = zone
        ask = {"policy_id": "rd_investment_reward", "year": AWARD_YEAR}
        with session_scope() as session:
            local = service.simulate(session, overrides={"reward_rate": "25%"}, **ask)
            remote = service.simulate(
                session,
                overrides={"reward_rate": "25%"},
                engine=EngineChoice("spark", dataset),
                **ask,
            )
        assert local["group_policies"] == ["commercial_aerospace_support"]
        assert local["gainers"] > 0
        assert local["after"]["cost_fen"] > local["before"]["cost_fen"] > 0
        assert len(local["changes"]) > 5
        assert remote == local

    def test_policy_simulate_prints_the_same(self, zone, cli) -> None:
        db, dataset, _cases = zone
        base = ("--db", db.url, "policy", "simulate", "rd_investment_reward")
        base += ("--set", "reward_rate=30%", "--year", str(AWARD_YEAR), "--format", "json")
        local = cli(*base)
        remote = cli(*base, "--engine", "spark", "--source", str(dataset))
        assert local.exit_code == 0, local.stderr
        assert remote.exit_code == 0, remote.stderr
        assert json.loads(remote.stdout) == json.loads(local.stdout)
        assert json.loads(local.stdout)["gainers"] > 0


class TestCli:
    @pytest.mark.parametrize(
        ("fmt", "policies"),
        [("json", ()), ("csv", BUDGETED), ("table", BUDGETED)],
        ids=["json", "csv", "table"],
    )
    def test_policy_evaluate_prints_the_same(self, zone, cli, fmt: str, policies) -> None:
        db, dataset, _cases = zone
        base = ("--db", db.url, "policy", "evaluate", "--year", str(AWARD_YEAR), "--format", fmt)
        base += tuple(a for p in policies for a in ("--policy", p))
        local = cli(*base)
        remote = cli(*base, "--engine", "spark", "--source", str(dataset))
        assert local.exit_code == 0, local.stderr
        assert remote.exit_code == 0, remote.stderr
        if fmt == "json":
            assert json.loads(remote.stdout) == json.loads(local.stdout)
        assert remote.stdout == local.stdout
        assert len(local.stdout) > 500

    def test_policy_evaluate_writes_the_same_workbook(self, zone, cli, tmp_path) -> None:
        from python_calamine import CalamineWorkbook

        db, dataset, _cases = zone
        base = ("--db", db.url, "policy", "evaluate", "--year", str(AWARD_YEAR), "--format", "xlsx")
        base += tuple(a for p in BUDGETED for a in ("--policy", p))
        assert cli(*base, "--output", tmp_path / "local.xlsx").exit_code == 0
        remote = cli(
            *base, "--output", tmp_path / "spark.xlsx", "--engine", "spark", "--source", dataset
        )
        assert remote.exit_code == 0, remote.stderr
        books = [
            CalamineWorkbook.from_path(str(tmp_path / f"{n}.xlsx")) for n in ("local", "spark")
        ]
        assert books[0].sheet_names == ["合计", "企业"]  # the totals, the firms
        for sheet in (0, 1):
            left, right = (b.get_sheet_by_index(sheet).to_python() for b in books)
            assert len(left) > 1
            assert left == right

    def test_spark_without_a_source_names_the_option(self, zone, cli) -> None:
        db, _dataset, _cases = zone
        result = cli("--db", db.url, "policy", "evaluate", "--year", "2024", "--engine", "spark")
        assert result.exit_code != 0
        assert "--source" in result.stderr


class TestDataset:
    def test_the_export_carries_what_the_policies_read(self, zone) -> None:
        _db, dataset, cases = zone
        firms = pq.read_table(dataset / "firms").to_pylist()
        by = {f["uscc"]: f for f in firms}
        exact = by[cases["high_tech_exact"][0]]
        assert exact["established"] == date(2022, 12, 31)
        assert exact["registered_capital_fen"] == 1_000_000_00
        bare = by[cases["bare"][0]]
        assert bare["established"] is None and bare["registered_capital_fen"] is None
        facts = pq.read_table(dataset / "policy_facts").to_pylist()
        assert {f["year"] for f in facts} == {2023, 2024}

    def test_an_export_without_the_policy_columns_is_refused(self, zone, tmp_path) -> None:
        _db, dataset, _cases = zone
        import shutil

        old = tmp_path / "old"
        shutil.copytree(dataset, old)
        table = pq.read_table(old / "firms").drop_columns(["established"])
        pq.write_table(table, old / "firms" / "part-0.parquet")
        with pytest.raises(ValidationError, match="established"):
            spark_runner.evaluate(list(service.shipped_policies()), AWARD_YEAR, source=old)
