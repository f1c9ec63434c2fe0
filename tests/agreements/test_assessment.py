"""Assessment worked by hand: a firm with 45 亩 (30 on its project), a year of reports, a project
with its investment and stage dates; every indicator judged on a date."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.grants import person
from tests.factories.projects import OFFICER as PROJECT_OFFICER
from tests.factories.projects import make_project
from tests.factories.registry import make_firm
from tests.factories.space import add_parcels
from tests.factories.stats import add_reports, report_row
from yuanqu.agreements import assessment, service
from yuanqu.agreements.service import TermInput
from yuanqu.core.auth import Role
from yuanqu.projects import stages

SIGNER = person(Role.project_officer, "po-1")
WAN = 1_000_000  # fen per 万元


@pytest.fixture
def signed(session):
    firm = make_firm(session)
    project = make_project(session, stage="started", uscc=firm.uscc, investor_name=firm.name)
    add_parcels(
        session,
        [
            [
                "P-1",
                "路东区",
                20_000,
                "工业用地",
                "2021-05-01",
                "",
                firm.uscc,
                project.code,
            ],  # 30 亩
            ["P-2", "路东区", 10_000, "工业用地", "2022-05-01", "", firm.uscc, ""],  # 15 亩
        ],
    )
    add_reports(
        session,
        [
            report_row(
                firm.id,
                f"2023-{m:02d}",
                tax=500_000,
                gross_output=5_000_000,
                value_added=1_000_000,
                revenue=6_000_000,
                rd_expense=300_000,
                employees=120,
            )
            for m in range(1, 13)
        ],
    )
    for month in range(5, 13):  # 1,000 万元 a month, May to December: 8,000 万元
        stages.record_investment(
            session,
            project,
            actor=PROJECT_OFFICER,
            period=f"2023-{month:02d}",
            actual_fen=1000 * WAN,
            today=date(2024, 1, 31),
        )
    test_2023 = date(2024, 3, 31)
    terms = [
        TermInput("C1", "tax_per_mu", test_2023, 15 * WAN, period_year=2023),
        TermInput("C2", "output_per_mu", test_2023, 120 * WAN, period_year=2023),
        TermInput("C3", "tax", test_2023, 500 * WAN, period_year=2023),
        TermInput("C4", "rd_share", test_2023, 300, period_year=2023),  # 3.00 %
        TermInput("C5", "employees", date(2023, 12, 31), 150),
        TermInput("C6", "fixed_asset_investment", date(2023, 12, 31), 10_000 * WAN),
        TermInput("C7", "investment_intensity", date(2023, 12, 31), 250 * WAN),
        TermInput("C8", "start_date", date(2023, 6, 30), target_date=date(2023, 6, 30)),
        TermInput("C9", "completion_date", date(2024, 6, 30), target_date=date(2024, 6, 30)),
        TermInput("D1", "tax", date(2025, 3, 31), 700 * WAN, period_year=2024),
        TermInput("D2", "tax", date(2024, 12, 31), 700 * WAN, period_year=2024),
    ]
    agreement = service.create_agreement(
        session,
        number="XY-2021-001",
        kind="standard_land",
        title="标准地履约监管协议",
        enterprise_id=firm.id,
        project_id=project.id,
        signed_on=date(2021, 4, 20),
        terms=terms,
        actor=SIGNER,
    )
    return firm, agreement


def judged(session, agreement, as_of: date) -> dict[str, dict]:
    terms = assessment.current_terms(session, agreement_ids=[agreement.id])
    return {r.term.key: r.to_json() for r in assessment.assess(session, terms, as_of=as_of)}


def test_every_indicator_worked_by_hand(session, signed) -> None:
    firm, agreement = signed
    rows = judged(session, agreement, date(2025, 1, 31))
    # 亩均税收: 600 万元 / (30,000 m² × 15 / 10000 = 45 亩) = 13.33 万元/亩 against 15
    assert rows["C1"] | {} == {
        "agreement": "XY-2021-001",
        "uscc": firm.uscc,
        "commitment": "C1",
        "indicator": "tax_per_mu",
        "target": 15,
        "actual": 13.33,
        "unit": "万元/亩",
        "status": "not met",
        "shortfall": 1.67,
    }
    # 亩均产值: 6,000 万元 / 45 亩 = 133.33 against 120
    assert (rows["C2"]["actual"], rows["C2"]["status"], rows["C2"]["shortfall"]) == (
        133.33,
        "met",
        0,
    )
    assert (rows["C3"]["actual"], rows["C3"]["status"]) == (600, "met")
    # R&D share: 360 / 7,200 万元 = 5.00 %
    assert (rows["C4"]["actual"], rows["C4"]["unit"], rows["C4"]["status"]) == (5, "%", "met")
    assert (rows["C5"]["actual"], rows["C5"]["status"], rows["C5"]["shortfall"]) == (
        120,
        "not met",
        30,
    )
    # investment to 2023-12-31: 8 × 1,000 万元 against 10,000
    assert (rows["C6"]["actual"], rows["C6"]["shortfall"]) == (8000, 2000)
    # intensity: 8,000 万元 over the project's own 30 亩 = 266.67 against 250
    assert (rows["C7"]["actual"], rows["C7"]["status"]) == (266.67, "met")
    # started 2023-04-02 (the factory's dates: a month apart from 2023-01-02)
    assert (rows["C8"]["actual"], rows["C8"]["status"]) == ("2023-04-02", "met")
    # not in production by 2024-06-30: 215 days late on 2025-01-31
    assert (rows["C9"]["actual"], rows["C9"]["status"], rows["C9"]["shortfall"]) == (
        None,
        "not met",
        215,
    )
    assert rows["D1"]["status"] == "not yet due"
    assert (rows["D2"]["status"], rows["D2"]["actual"]) == ("no data", None)  # 2024 not reported


def test_before_the_test_dates_nothing_is_due(session, signed) -> None:
    _firm, agreement = signed
    rows = judged(session, agreement, date(2024, 3, 30))
    assert rows["C1"]["status"] == "not yet due" and rows["C1"]["shortfall"] is None
    assert rows["C8"]["status"] == "met"  # a milestone reached early is met
    assert rows["C9"]["status"] == "not yet due"
    assert rows["C6"]["status"] == "not met"  # its test date 2023-12-31 has passed


def test_the_json_row_has_exactly_the_documented_keys(session, signed) -> None:
    _firm, agreement = signed
    row = judged(session, agreement, date(2025, 1, 31))["C1"]
    assert list(row) == [
        "agreement",
        "uscc",
        "commitment",
        "indicator",
        "target",
        "actual",
        "unit",
        "status",
        "shortfall",
    ]


class TestAmendment:
    def test_an_amendment_adds_a_version_and_keeps_the_old_terms(self, session, signed) -> None:
        from yuanqu.core.audit import entity_history, verify_chain

        _firm, agreement = signed
        service.amend(
            session,
            agreement_id=agreement.id,
            made_on=date(2024, 4, 15),
            reason="受市场影响，经管委会同意调整",
            actor=SIGNER,
            changes={
                "C1": TermInput("C1", "tax_per_mu", date(2024, 3, 31), 12 * WAN, period_year=2023),
                "C5": None,
            },
        )
        rows = judged(session, agreement, date(2025, 1, 31))
        assert rows["C1"]["target"] == 12 and rows["C1"]["status"] == "met"
        assert "C5" not in rows  # withdrawn
        log = service.change_log(session, agreement_id=agreement.id)
        assert [v["version"] for v in log] == [1, 2]
        c1 = next(c for c in log[1]["changes"] if c["commitment"] == "C1")
        assert (c1["old_target"], c1["new_target"], c1["eased"]) == (15, 12, True)
        assert len(log[0]["changes"]) == 11  # version 1 is still there, untouched
        [signing, amend] = entity_history(session, entities=[("agreement", agreement.id)])
        assert signing.action == "sign" and amend.after["eased"] == ["C1", "C5"]
        assert amend.reason is not None and amend.reason.startswith("受市场影响")
        assert verify_chain(session).intact

    def test_an_amendment_needs_a_reason(self, session, signed) -> None:
        from yuanqu.core.errors import ValidationError

        _firm, agreement = signed
        with pytest.raises(ValidationError):
            service.amend(
                session,
                agreement_id=agreement.id,
                made_on=date(2024, 4, 15),
                reason=" ",
                actor=SIGNER,
                changes={"C5": None},
            )

    def test_an_enterprise_cannot_record_an_agreement(self, session) -> None:
        from yuanqu.core.errors import Forbidden

        firm = make_firm(session)
        with pytest.raises(Forbidden):
            service.create_agreement(
                session,
                number="X",
                kind="investment",
                title="t",
                enterprise_id=firm.id,
                signed_on=date(2023, 1, 1),
                terms=[TermInput("C1", "tax", date(2024, 1, 1), 1)],
                actor=person(Role.enterprise, "firm", uscc=firm.uscc),
            )
