"""Importing insurers' files: every bad cell named, nothing written unless every row is good."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories.insurance import claim_row, claims_csv, policies_csv, policy_row
from tests.factories.registry import make_firm, new_uscc
from yuanqu.core.tabular import ImportRejected
from yuanqu.insurance.importer import ImportKind, import_insurance
from yuanqu.insurance.models import InsuranceClaim, InsurancePolicy


def _import(session, rows, **kwargs):
    return import_insurance(session, source=policies_csv(rows), filename="p.csv", **kwargs)


def _claims(session, rows, **kwargs):
    return import_insurance(
        session, source=claims_csv(rows), filename="c.csv", kind=ImportKind.claims, **kwargs
    )


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


class TestPolicies:
    def test_good_file_is_written_exactly_in_fen(self, session):
        firm = make_firm(session)
        result = _import(session, [policy_row(firm.uscc, "P1", 保险金额="1,000,000.01")])
        assert (result.rows, result.created) == (1, 1)
        policy = session.scalars(select(InsurancePolicy)).one()
        assert policy.product == "rd_expense_loss"
        assert policy.sum_insured_fen == 100_000_001
        assert policy.premium_fen == 1_000_050
        assert (policy.start_date, policy.end_date) == (date(2023, 3, 1), date(2024, 2, 29))
        assert policy.enterprise_id == firm.id

    def test_every_bad_row_is_named_and_nothing_is_written(self, session):
        firm = make_firm(session)
        rows = [
            policy_row(firm.uscc, "P1"),
            policy_row(firm.uscc, "P2", 险种="火灾险"),
            policy_row(new_uscc(), "P3"),
            policy_row(firm.uscc, "P4", 保险止期="2023-01-01"),
            policy_row(firm.uscc, "P5", 保费="2000000"),
            policy_row(firm.uscc, "P1"),
            policy_row(firm.uscc, "P7", 保险金额="-5"),
            policy_row("123", "P8"),
        ]
        with pytest.raises(ImportRejected) as caught:
            _import(session, rows)
        found = {(e.row, e.column) for e in caught.value.errors}
        assert found == {
            (3, "险种"),
            (4, "统一社会信用代码"),
            (5, "保险止期"),
            (6, "保费"),
            (7, "保单号"),
            (8, "保险金额"),
            (9, "统一社会信用代码"),
        }
        reasons = {e.row: e.reason("en") for e in caught.value.errors}
        assert "unknown product" in reasons[3]
        assert "no firm with this credit code" in reasons[4]
        assert "repeats the policy on row 2" in reasons[7]
        assert _count(session, InsurancePolicy) == 0

    def test_a_policy_imported_twice_needs_replace(self, session):
        firm = make_firm(session)
        _import(session, [policy_row(firm.uscc, "P1")])
        with pytest.raises(ImportRejected):
            _import(session, [policy_row(firm.uscc, "P1", 保费="1")])
        result = _import(session, [policy_row(firm.uscc, "P1", 保费="1")], replace=True)
        assert (result.created, result.replaced) == (0, 1)
        assert session.scalars(select(InsurancePolicy.premium_fen)).one() == 100

    def test_unknown_column_is_refused(self, session):
        data = "保险公司,保单号,险种,统一社会信用代码,保险金额,保费,保险起期,保险止期,颜色\n"
        data += "a,b,c,d,1,1,2023-01-01,2023-12-31,红\n"
        with pytest.raises(ImportRejected) as caught:
            import_insurance(session, source=data.encode(), filename="p.csv")
        assert caught.value.errors[0].column == "颜色"


class TestClaims:
    def test_claims_attach_to_their_policy(self, session):
        firm = make_firm(session)
        _import(session, [policy_row(firm.uscc, "P1")])
        _claims(
            session,
            [
                claim_row("P1", "C1"),
                claim_row(
                    "P1",
                    "C2",
                    案件状态="已报案",
                    定损日期="",
                    结案日期="",
                    定损金额="",
                    赔付金额="",
                ),
            ],
        )
        claims = session.scalars(select(InsuranceClaim).order_by(InsuranceClaim.claim_no)).all()
        assert [(c.status, c.paid_fen) for c in claims] == [
            ("settled", 4_000_000),
            ("reported", None),
        ]

    def test_inconsistent_claims_are_named_and_nothing_is_written(self, session):
        firm = make_firm(session)
        _import(session, [policy_row(firm.uscc, "P1")])
        rows = [
            claim_row("P1", "C1"),
            claim_row("P9", "C2"),
            claim_row("P1", "C3", 结案日期=""),
            claim_row("P1", "C4", 定损日期="2023-05-01"),
            claim_row("P1", "C5", 案件状态="已拒赔"),
            claim_row("P1", "C1"),
        ]
        with pytest.raises(ImportRejected) as caught:
            _claims(session, rows)
        found = {(e.row, e.column) for e in caught.value.errors}
        assert found == {
            (3, "保单号"),
            (4, "结案日期"),
            (5, "定损日期"),
            (6, "赔付金额"),
            (7, "赔案号"),
        }
        assert _count(session, InsuranceClaim) == 0
