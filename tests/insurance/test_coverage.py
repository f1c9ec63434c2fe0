"""The coverage report on the columnar engine, against figures computed by hand; the subsidy."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories.insurance import claim_row, claims_csv, policies_csv, policy_row
from tests.factories.registry import make_firm
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import bump_data_version, session_scope
from yuanqu.insurance import frames, service
from yuanqu.insurance.importer import ImportKind, import_insurance
from yuanqu.policies.models import PolicyFact
from yuanqu.registry.models import EnterpriseLabel
from yuanqu.registry.service import get_enterprise

X, Y = "甲保险公司", "乙保险公司"
OFFICER = Principal(user_id=0, username="officer", role=Role.policy_officer)


@pytest.fixture
def book(committed_db):
    """Four firms (two high-tech at the year's end), five policies, four claims."""
    with session_scope(committed_db.engine) as session:
        a = make_firm(session, labels=[("high_tech", date(2022, 1, 1), date(2025, 12, 31))])
        b = make_firm(session, labels=[("high_tech", date(2023, 1, 1), date(2023, 6, 30))])
        c = make_firm(session, labels=[("high_tech", date(2021, 1, 1), None)])
        d = make_firm(session, industry_code="6513")
        rows = [
            policy_row(a.uscc, "P1", 保险公司=X, 保险金额="1000000", 保费="10000"),
            policy_row(
                a.uscc,
                "P2",
                保险公司=Y,
                险种="ip_infringement",
                保险金额="2000000",
                保费="30000",
                保险起期="2023-07-01",
                保险止期="2024-06-30",
            ),
            policy_row(
                d.uscc,
                "P3",
                保险公司=Y,
                保险金额="500000",
                保费="5000",
                保险起期="2023-03-15",
                保险止期="2024-03-14",
            ),
            policy_row(d.uscc, "P4", 保险公司=Y, 保单状态="已退保"),
            policy_row(a.uscc, "P5", 保险起期="2022-01-01", 保险止期="2022-12-31"),
            policy_row(b.uscc, "P6", 保险起期="2022-01-01", 保险止期="2022-12-31"),
        ]
        import_insurance(session, source=policies_csv(rows), filename="p.csv")
        claims = [
            claim_row(
                "P1",
                "C1",
                保险公司=X,
                报案日期="2023-04-01",
                定损日期="2023-04-05",
                结案日期="2023-04-11",
                赔付金额="4000",
            ),
            claim_row(
                "P1",
                "C2",
                保险公司=X,
                报案日期="2023-05-01",
                定损日期="2023-05-05",
                结案日期="2023-05-31",
                赔付金额="6000",
            ),
            claim_row(
                "P3",
                "C3",
                保险公司=Y,
                报案日期="2023-06-01",
                定损日期="",
                结案日期="2023-06-21",
                案件状态="已拒赔",
                赔付金额="",
            ),
            claim_row(
                "P3",
                "C4",
                保险公司=Y,
                报案日期="2023-11-01",
                定损日期="",
                结案日期="",
                案件状态="已报案",
                赔付金额="",
            ),
        ]
        import_insurance(
            session, source=claims_csv(claims), filename="c.csv", kind=ImportKind.claims
        )
        ids = {"a": a.uscc, "c": c.uscc, "d": d.uscc}
    return committed_db, ids


def _report(db, year=2023, as_of=None):
    with session_scope(db.engine) as session:
        return service.coverage_report(session, year=year, as_of=as_of)


class TestCoverage:
    def test_totals_count_policies_written_in_the_year_not_cancelled(self, book):
        report = _report(book[0])
        total = report.total()
        assert (total.policies, total.firms) == (3, 2)
        assert total.sum_insured_fen == 3_500_000 * 100
        assert total.premium_fen == 45_000 * 100

    def test_breakdowns_by_product_insurer_section_month_and_label(self, book):
        report = _report(book[0])
        groups = {
            (r.by, r.group): (r.policies, r.firms, r.sum_insured_fen // 100) for r in report.rows
        }
        assert groups[("product", "rd_expense_loss")] == (2, 2, 1_500_000)
        assert groups[("product", "ip_infringement")] == (1, 1, 2_000_000)
        assert groups[("insurer", X)] == (1, 1, 1_000_000)
        assert groups[("insurer", Y)] == (2, 2, 2_500_000)
        assert groups[("section", "C")] == (2, 1, 3_000_000)
        assert groups[("section", "I")] == (1, 1, 500_000)
        assert groups[("month", "3")] == (2, 2, 1_500_000)
        assert groups[("month", "7")] == (1, 1, 2_000_000)
        # labels judged at the year's end: firm b's certificate lapsed in June
        assert groups[("label", "high_tech")] == (2, 1, 3_000_000)
        assert not [r for r in report.rows if r.by == "product" and r.group == "key_staff"]

    def test_high_tech_cover_on_a_date(self, book):
        cover = _report(book[0]).high_tech
        assert (cover.high_tech_firms, cover.covered_firms, cover.share_pct) == (2, 1, 50.0)
        early = _report(book[0], as_of=date(2023, 2, 1)).high_tech
        # on 1 February: a, b and c are high-tech; nobody's 2023 cover has started
        assert (early.high_tech_firms, early.covered_firms) == (3, 0)

    def test_claim_cycle_time_and_loss_ratio_by_product(self, book):
        claims = {c.group: c for c in _report(book[0]).claims_by("product")}
        rd = claims["rd_expense_loss"]
        assert (rd.settled, rd.declined, rd.open) == (2, 1, 1)
        assert (rd.median_days, rd.p90_days) == (20.0, 28.0)
        assert rd.paid_fen == 10_000 * 100 and rd.premium_fen == 15_000 * 100
        assert rd.loss_ratio_pct == 66.7
        months = {c.group: c for c in _report(book[0]).claims_by("month")}
        assert months["4"].median_days == 10.0 and months["5"].median_days == 30.0

    def test_an_empty_year_has_a_zero_total(self, book):
        report = _report(book[0], year=2019)
        assert report.total().policies == 0 and report.claims == []

    def test_a_new_import_is_seen_at_once(self, book):
        db, ids = book
        assert _report(db).total().policies == 3
        with session_scope(db.engine) as session:
            rows = [policy_row(ids["c"], "P9", 保险起期="2023-12-01", 保险止期="2024-11-30")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
        report = _report(db)
        assert report.total().policies == 4
        assert report.high_tech.covered_firms == 2


class TestFirmTab:
    def test_a_firm_sees_its_policies_and_claims(self, book):
        db, ids = book
        with session_scope(db.engine) as session:
            from yuanqu.registry.service import get_enterprise

            firm = get_enterprise(session, uscc=ids["a"])
            cover = service.firm_insurance(session, enterprise_id=firm.id, lang="en")
        assert [p["policy_no"] for p in cover["policies"]] == ["P2", "P1", "P5"]
        p1 = cover["policies"][1]
        assert p1["product_name"] == "R&D expense loss"
        assert [c["cycle_days"] for c in p1["claims"]] == [10, 30]
        assert cover["paid_fen"] == 10_000 * 100


class TestPremiumSubsidy:
    def test_premiums_by_firm_feed_the_policy(self, book):
        db, ids = book
        with session_scope(db.engine) as session:
            premiums = service.premiums_by_firm(session, year=2023)
            result = service.premium_subsidies(session, year=2023)
            session.rollback()
        assert sorted(premiums.values()) == [5_000 * 100, 40_000 * 100]
        awards = {a.uscc: a for a in result["awards"]}
        # only the high-tech firm with premiums is entitled; the rate is 50% then 60% (pro rata)
        assert set(awards) == {ids["a"]}
        award = awards[ids["a"]]
        assert award.premium_fen == 40_000 * 100
        assert 20_000 * 100 <= award.amount_fen <= 24_000 * 100
        assert award.allocated_fen == award.capped_fen == award.amount_fen
        with session_scope(db.engine) as session:
            assert session.scalars(select(PolicyFact)).all() == []

    def test_paying_opens_one_grant_case_per_entitled_firm_once(self, book):
        """Subsidies are paid through the grants ledger: one auto-entitlement case per firm,
        and paying again opens nothing twice."""
        from yuanqu.grants.models import GrantCase

        db, _ids = book
        with session_scope(db.engine) as s:
            first = service.pay_subsidies(s, year=2023, actor=OFFICER)
        with session_scope(db.engine) as s:
            again = service.pay_subsidies(s, year=2023, actor=OFFICER)
        assert (first["created"], again["created"], again["existing"]) == (1, 0, 1)
        with session_scope(db.engine) as session:
            cases = session.scalars(select(GrantCase)).all()
            assert [c.policy_id for c in cases] == ["tech_insurance_premium_subsidy"]

    def test_a_year_before_the_policy_is_refused(self, book):
        with session_scope(book[0].engine) as session, pytest.raises(service.ValidationError):
            service.premium_subsidies(session, year=2020)


class TestSnapshot:
    """The report's columnar snapshot: parts keyed by their data version, in memory and in the
    columnar cache of the data directory; never a figure from an older version."""

    def test_a_restart_maps_the_cached_parts_back_with_the_same_figures(self, book):
        db, _ids = book
        with session_scope(db.engine) as session:
            bump_data_version(session, "registry")  # a versioned registry is cached too
        first = service.report_dict(_report(db))
        frames.clear()  # a new process: nothing in memory
        reads = (frames.READS.database, frames.READS.disk)
        again = service.report_dict(_report(db))
        assert (frames.READS.database, frames.READS.disk) == (reads[0], reads[1] + 2)
        assert again == first

    def test_an_import_moves_the_book_to_its_new_version_and_drops_the_old(self, book):
        db, ids = book
        with session_scope(db.engine) as session:
            bump_data_version(session, "registry")
        assert _report(db).total().policies == 3
        root = frames.cache_root()
        before = sorted(p.name for p in root.glob("*/insurance-insurance-*"))
        with session_scope(db.engine) as session:
            rows = [policy_row(ids["d"], "P10", 保险起期="2023-05-01", 保险止期="2024-04-30")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
        assert _report(db).total().policies == 4
        after = sorted(p.name for p in root.glob("*/insurance-insurance-*"))
        assert len(before) == len(after) == 1 and before != after  # the old version is gone

    def test_an_import_by_another_process_is_never_served_from_the_old_cache(self, book):
        db, ids = book
        with session_scope(db.engine) as session:
            bump_data_version(session, "registry")
        assert _report(db).total().policies == 3
        with session_scope(db.engine) as session:
            rows = [policy_row(ids["c"], "P11", 保险起期="2023-08-01", 保险止期="2024-07-31")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
        frames.clear()  # the report runs in another process: only the files are shared
        reads = (frames.READS.database, frames.READS.disk)
        report = _report(db)
        assert (report.total().policies, report.high_tech.covered_firms) == (4, 2)
        assert (frames.READS.database, frames.READS.disk) == (reads[0], reads[1] + 2)

    def test_without_a_cached_base_the_first_report_reads_the_book(self, book):
        db, ids = book
        assert _report(db).total().policies == 3  # the registry is unversioned: never filed
        frames.clear()
        shutil.rmtree(frames.cache_root(), ignore_errors=True)
        with session_scope(db.engine) as session:
            rows = [policy_row(ids["c"], "P12", 保险起期="2023-08-01", 保险止期="2024-07-31")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
        reads = frames.READS.database
        assert _report(db).total().policies == 4
        assert frames.READS.database == reads + 2

    def test_a_registry_change_rereads_the_registry_and_moves_the_label_figures(self, book):
        db, ids = book
        with session_scope(db.engine) as session:
            bump_data_version(session, "registry")
        assert _report(db).high_tech.high_tech_firms == 2
        with session_scope(db.engine) as session:
            firm = get_enterprise(session, uscc=ids["d"])
            session.add(
                EnterpriseLabel(
                    enterprise_id=firm.id, label="high_tech", valid_from=date(2023, 1, 1)
                )
            )
            bump_data_version(session, "registry")
        report = _report(db)
        assert (report.high_tech.high_tech_firms, report.high_tech.covered_firms) == (3, 2)
        assert dict((r.group, r.firms) for r in report.by("label"))["high_tech"] == 2


class TestImportExtendsTheBook:
    """An import that only adds rows files the book's next columnar part at commit; the first
    report after it reads nothing from the database and agrees with a full read."""

    def _warm(self, db):
        with session_scope(db.engine) as session:
            bump_data_version(session, "registry")
        return _report(db)

    def _full_read(self, db):
        frames.clear()
        shutil.rmtree(frames.cache_root(), ignore_errors=True)
        return service.report_dict(_report(db))

    def test_added_policies_and_claims_extend_the_book_as_a_full_read_would(self, book):
        db, ids = book
        assert self._warm(db).total().policies == 3
        with session_scope(db.engine) as session:
            rows = [
                policy_row(ids["c"], "P20", 保险公司="丙保险公司", 险种="key_staff"),
                policy_row(ids["d"], "P21", 保单状态="已退保"),
                policy_row(ids["a"], "P22", 保险起期="2023-12-01", 保险止期="2024-11-30"),
            ]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
        with session_scope(db.engine) as session:
            claims = [
                claim_row("P20", "C20", 保险公司="丙保险公司", 报案日期="2023-05-01",
                          定损日期="2023-05-02", 结案日期="2023-05-09", 赔付金额="700"),
                claim_row("P21", "C21", 报案日期="2023-06-01", 定损日期="", 结案日期="",
                          案件状态="已报案", 赔付金额=""),
            ]  # fmt: skip
            import_insurance(
                session, source=claims_csv(claims), filename="c.csv", kind=ImportKind.claims
            )
        reads = frames.READS.database
        extended = service.report_dict(_report(db))
        assert frames.READS.database == reads  # nothing read from the database
        assert extended == self._full_read(db)
        assert frames.READS.database == reads + 2
        groups = {(r["by"], r["group"]): r["policies"] for r in extended["rows"]}
        assert groups[("total", "total")] == 5 and groups[("insurer", "丙保险公司")] == 1
        staff = next(c for c in extended["claims"] if c["group"] == "key_staff")
        assert (staff["settled"], staff["median_days"], staff["paid_fen"]) == (1, 8.0, 70_000)

    def test_a_replacing_import_reads_the_book_again(self, book):
        db, ids = book
        self._warm(db)
        reads = frames.READS.database
        with session_scope(db.engine) as session:
            rows = [policy_row(ids["a"], "P1", 保险公司=X, 保险金额="3000000", 保费="10000")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv", replace=True)
        report = service.report_dict(_report(db))
        assert frames.READS.database == reads + 1
        total = next(r for r in report["rows"] if r["by"] == "total")
        assert total["sum_insured_fen"] == 5_500_000 * 100
        assert report == self._full_read(db)

    def test_a_rolled_back_import_files_nothing(self, book):
        db, ids = book
        before = service.report_dict(self._warm(db))
        files = sorted(frames.cache_root().rglob("*.arrow"))
        with pytest.raises(RuntimeError), session_scope(db.engine) as session:
            rows = [policy_row(ids["c"], "P30")]
            import_insurance(session, source=policies_csv(rows), filename="p.csv")
            raise RuntimeError("the request failed after the import")
        assert sorted(frames.cache_root().rglob("*.arrow")) == files
        assert service.report_dict(_report(db)) == before
