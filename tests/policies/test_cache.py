"""The policy pages' inputs kept in process: read once per data version, read again after an
import of facts or statistics, never serving a unit of work other data than its own, and the
columnar read giving exactly the table the session read gives."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.policies import add_facts
from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from tests.policies.test_overview import _launcher
from yuanqu.core.config import configure
from yuanqu.core.db import session_scope
from yuanqu.policies import load, service, views
from yuanqu.policies.facts import import_facts
from yuanqu.stats.importer import import_stats

YEAR = 2024
SUBSIDY = "tech_insurance_premium_subsidy"
REWARD = "rd_investment_reward"


@pytest.fixture
def zone(committed_db):
    """A committed zone: a high-tech firm with R&D reports for 2022 and 2023 and a 2024 tech
    insurance premium, every dataset with its data version; the caches start empty."""
    service.clear_cache()
    with session_scope(committed_db.engine) as session:
        firm = make_firm(
            session,
            sub_area="",  # an empty text stays empty, a missing one missing
            labels=[("high_tech", date(2021, 1, 1), date(2026, 12, 31))],
        )
        make_firm(session, task_force=None, established=None, registered_capital_fen=None)
        add_reports(
            session,
            [
                report_row(firm.id, f"{y}-{m:02d}", revenue=9_000_000, rd_expense=rd, employees=80)
                for y, rd in ((2022, 1_000_000), (2023, 1_500_000))
                for m in range(1, 13)
            ],
        )
        add_facts(session, firm.id, YEAR, tech_insurance_premium=100_000)
        uscc = firm.uscc
    yield committed_db, uscc
    service.clear_cache()


def _premium_file(uscc: str, yuan: int) -> bytes:
    return f"uscc,year,fact,value\n{uscc},{YEAR},tech_insurance_premium,{yuan}\n".encode()


def _awards(engine, uscc: str) -> dict[str, int]:
    """What the firm's policy tab shows it is paid, per policy (fen)."""
    with session_scope(engine) as session:
        view = views.firm_entitlements(session, uscc=uscc, year=YEAR)
    return {item["policy"]: item["allocated_fen"] for item in view["policies"]}


class TestCachedInputs:
    def test_a_second_page_reads_nothing(self, zone) -> None:
        db, uscc = zone
        reads = (load.READS.columnar, load.READS.session)
        first = _awards(db.engine, uscc)
        assert first[SUBSIDY] == 6_000_000  # 60% of 10万元
        assert first[REWARD] == 60_000_000  # 10% of the 600万元 growth of 2023
        assert load.READS.columnar > reads[0] and load.READS.session == reads[1]
        after_first = load.READS.columnar
        assert _awards(db.engine, uscc) == first
        with session_scope(db.engine) as session:
            stats = views.policy_statistics(session, policy_id=SUBSIDY, year=YEAR)
            explained = service.explain_firm(session, uscc=uscc, policy_id=REWARD, year=YEAR)
        assert stats["totals"]["allocated_fen"] == 6_000_000
        assert explained["allocated_fen"] == 60_000_000
        assert load.READS.columnar == after_first  # every later page found the inputs read

    def test_an_import_of_facts_changes_the_next_page(self, zone) -> None:
        db, uscc = zone
        assert _awards(db.engine, uscc)[SUBSIDY] == 6_000_000
        with session_scope(db.engine) as session:
            import_facts(
                session,
                source=_premium_file(uscc, 200_000),
                filename="facts.csv",
                replace=True,
            )
        assert _awards(db.engine, uscc)[SUBSIDY] == 12_000_000

    def test_an_import_of_statistics_changes_the_next_page(self, zone) -> None:
        db, uscc = zone
        assert _awards(db.engine, uscc)[REWARD] == 60_000_000
        with session_scope(db.engine) as session:
            import_stats(
                session,
                source=f"uscc,period,revenue,rd_expense,employees\n"
                f"{uscc},2023-12,9000000,2500000,80\n".encode(),
                filename="reports.csv",
                replace=True,
            )
        assert _awards(db.engine, uscc)[REWARD] == 70_000_000  # the growth is now 700万元

    def test_a_unit_of_work_sees_its_own_import_and_its_rollback_leaves_no_trace(
        self, zone
    ) -> None:
        db, uscc = zone
        assert _awards(db.engine, uscc)[SUBSIDY] == 6_000_000
        with pytest.raises(RuntimeError), session_scope(db.engine) as session:
            import_facts(
                session,
                source=_premium_file(uscc, 300_000),
                filename="facts.csv",
                replace=True,
            )
            view = views.firm_entitlements(session, uscc=uscc, year=YEAR)
            (subsidy,) = [i for i in view["policies"] if i["policy"] == SUBSIDY]
            assert subsidy["allocated_fen"] == 18_000_000  # its own, uncommitted, facts
            raise RuntimeError("roll back")
        assert _awards(db.engine, uscc)[SUBSIDY] == 6_000_000

    def test_the_columnar_read_equals_the_session_read(self, zone) -> None:
        db, _uscc = zone
        with session_scope(db.engine) as session:
            before = load.READS.columnar
            read = load.load_bases(session, [2023, YEAR])
            assert load.READS.columnar == before + 1
            for year, table in read.items():
                assert table.equals(load.read_through_session(session, year)), year
        firms = {r["uscc"]: r for r in read[YEAR].to_pylist()}
        sub_areas = sorted(str(r["sub_area"]) for r in firms.values())
        assert sub_areas == ["", "None"]
        assert any(r["task_force"] is None and r["established"] is None for r in firms.values())

    def test_the_simulation_keeps_the_policy_as_it_stands_with_its_group(self, zone) -> None:
        """Every move of a slider reuses the policy as it stands, evaluated with its group: the
        launcher the launch award pays stays excluded before, and gains the reward at 25%."""
        db, _uscc = zone
        with session_scope(db.engine) as session:
            _launcher(session, rd_2023=60_000_000)
        misses = service._BEFORE.misses
        for rate in ("25%", "30%"):
            with session_scope(db.engine) as session:
                result = service.simulate(
                    session, policy_id=REWARD, year=YEAR, overrides={"reward_rate": rate}
                )
            before = result["before"]
            assert (before["beneficiaries"], before["excluded"]) == (1, 1)  # the zone's firm
            assert (result["after"]["beneficiaries"], result["after"]["excluded"]) == (2, 0)
        assert service._BEFORE.misses == misses + 1


class TestOneFirmsReads:
    def test_one_firms_reads_are_what_the_zone_evaluation_read(self, zone) -> None:
        """A firm's tab and a grant application read the firm's own inputs and rows of the
        kept batch, not the zone again: the same variables and rows the zone's run gives."""
        db, uscc = zone
        with session_scope(db.engine) as session:
            policies = service.in_effect_policies(YEAR)
            whole = service.run(session, year=YEAR, policies=policies)
            with service.in_effect_batch(session, year=YEAR) as kept:
                reads = service.firm_reads(kept, uscc)
            assert [c.policy.id for c, _v, _r in reads] == [p.id for p in policies]
            for compiled, variables, row in reads:
                policy = compiled.policy
                assert variables == service.firm_variables(whole, policy, uscc)
                assert row == whole.one(policy.id, uscc)
                own = service.firm_inputs(session, uscc=uscc, policy_id=policy.id, year=YEAR)
                assert own == variables
            assert any(row and row["allocated_fen"] for _c, _v, row in reads)


class TestKeptBatches:
    def test_at_most_the_setting_evicting_the_least_recently_used(self, zone) -> None:
        """Three award years with room for two: the year read least recently is evaluated
        again when asked for, and every year's figures are those of a fresh evaluation."""
        db, _uscc = zone
        engine = db.engine
        configure(policy_batches_kept=2)

        def totals(year: int) -> list[dict]:
            with (
                session_scope(engine) as session,
                service.in_effect_batch(session, year=year) as batch,
            ):
                return service.report(batch)["totals"]

        fresh = {}
        for year in (2023, 2024, 2025):
            fresh[year] = totals(year)
            service.clear_cache()
        assert sum(t["eligible"] for t in fresh[2024]) > 0
        kept = {}
        for year in (2023, 2024, 2025):
            kept[year] = totals(year)
        assert len(service._BATCHES) == 2
        misses = service._BATCHES.misses
        kept[2025] = totals(2025)  # kept: read again, nothing evaluated
        assert service._BATCHES.misses == misses
        kept[2023] = totals(2023)  # evicted (least recently used): evaluated again
        assert service._BATCHES.misses == misses + 1
        assert len(service._BATCHES) == 2
        assert kept == fresh

    def test_the_setting_can_keep_one(self, zone) -> None:
        db, _uscc = zone
        configure(policy_batches_kept=1)
        for year in (2024, 2025):
            with session_scope(db.engine) as session, service.in_effect_batch(session, year=year):
                pass
        assert len(service._BATCHES) == 1
