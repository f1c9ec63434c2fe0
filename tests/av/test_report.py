"""The annual report: figures computed in DuckDB from the records, checked by hand here."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from tests.factories.av import make_vehicle
from tests.factories.registry import make_firm
from yuanqu.av import permits, report, service
from yuanqu.av.importer import import_records

TODAY = date(2024, 1, 15)


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def zone(session: Session):
    a, b = make_firm(session), make_firm(session)
    va1 = make_vehicle(session, uscc=a.uscc)
    va2 = make_vehicle(session, uscc=a.uscc)
    vb = make_vehicle(session, uscc=b.uscc)
    idle = make_vehicle(session, uscc=b.uscc)  # never permitted: not a vehicle of the year
    for number, vehicle in (("A1", va1), ("A2", va2), ("B1", vb)):
        permits.issue(
            session,
            vin=vehicle.vin,
            stage="road_test",
            on=date(2022, 6, 1),
            actor="o",
            permit_no=number,
        )
    permits.revoke(session, permit_no="A2", on=date(2022, 12, 1), actor="o", reason="违规")
    import_records(
        session,
        source=csv(
            "permit_no,vin,month,mode,km",
            f"A1,{va1.vin},2022-07,safety_driver,500",
            f"A1,{va1.vin},2023-01,safety_driver,1000",
            f"A1,{va1.vin},2023-02,driverless,1000",
            f"B1,{vb.vin},2023-02,night,300",
            f"B1,{vb.vin},2023-03,passenger,200",
        ),
        filename="m.csv",
        kind="mileage",
        today=TODAY,
    )
    import_records(
        session,
        source=csv(
            "permit_no,vin,date,initiated_by,road_type,description",
            f"A1,{va1.vin},2022-08-01,system,urban,",
            f"A1,{va1.vin},2023-01-05,system,urban,",
            f"A1,{va1.vin},2023-02-05,driver,expressway,",
            f"B1,{vb.vin},2023-02-06,driver,urban,",
        ),
        filename="d.csv",
        kind="disengagements",
        today=TODAY,
    )
    service.report_incident(
        session, vin=vb.vin, occurred_on=date(2023, 5, 1), description="剐蹭", actor="o"
    )
    service.open_road(
        session,
        code="R1",
        name="荣华南路",
        road_type="urban",
        km=12.5,
        opened_on=date(2020, 9, 1),
        scenarios=["robotaxi"],
        actor="o",
    )
    service.open_road(
        session,
        code="R2",
        name="京台高速",
        road_type="highway",
        km=10,
        opened_on=date(2023, 4, 1),
        scenarios=["trunk_logistics"],
        actor="o",
    )
    return a, b, idle


class TestAnnualReport:
    def test_the_year_as_counted_by_hand(self, session: Session, zone) -> None:
        a, b, _idle = zone
        result = report.annual_report(session, year=2023)
        assert result["test_subjects"] == 2
        assert result["vehicles"] == 2  # A2 was revoked in 2022, the idle one never permitted
        assert result["km"] == 2500
        assert (result["driverless_km"], result["night_km"], result["passenger_km"]) == (
            1000,
            300,
            200,
        )
        assert result["disengagements"] == 3
        assert result["km_per_disengagement"] == pytest.approx(833.3)
        assert result["cumulative_km"] == 3000
        firms = {s["uscc"]: s for s in result["by_subject"]}
        assert firms[a.uscc]["km"] == 2000 and firms[a.uscc]["disengagements"] == 2
        assert firms[a.uscc]["vehicles"] == 1
        assert firms[b.uscc]["km_per_disengagement"] == 500
        assert {r["initiated_by"]: r["disengagements"] for r in result["by_initiator"]} == {
            "driver": 2,
            "system": 1,
        }
        assert result["incidents"] == {"total": 1, "responsible": 0}
        assert result["open_road_km"] == 22.5
        assert [m["km"] for m in result["months"][:3]] == [1000, 1300, 200]
        assert [y["year"] for y in result["years"]] == [2022, 2023]

    def test_a_year_without_disengagements_says_none(self, session: Session, zone) -> None:
        result = report.annual_report(session, year=2022)
        assert result["disengagements"] == 1
        summary = report.summary(report.annual_report(session, year=2021))
        assert summary["km_per_disengagement"] is None and summary["by_subject"] == []

    def test_the_cli_shape_is_the_published_one(self, session: Session, zone) -> None:
        summary = report.summary(report.annual_report(session, year=2023))
        assert list(summary) == [
            "year",
            "test_subjects",
            "vehicles",
            "km",
            "driverless_km",
            "disengagements",
            "km_per_disengagement",
            "cumulative_km",
            "by_subject",
        ]
        assert list(summary["by_subject"][0]) == [
            "uscc",
            "vehicles",
            "km",
            "disengagements",
            "km_per_disengagement",
        ]

    def test_a_firm_sees_its_own_part_only(self, session: Session, zone) -> None:
        _a, b, _ = zone
        from yuanqu.registry.firms import firm_id

        result = report.annual_report(
            session, year=2023, enterprise_id=firm_id(session, uscc=b.uscc)
        )
        assert [s["uscc"] for s in result["by_subject"]] == [b.uscc]
        assert result["km"] == 500 and result["disengagements"] == 1

    def test_a_new_import_is_seen_by_the_next_report(self, session: Session, zone) -> None:
        before = report.annual_report(session, year=2023)["km"]
        vb = next(p for p in service.list_permits(session, today=TODAY)[1] if p.permit_no == "B1")
        import_records(
            session,
            source=csv("permit_no,vin,month,mode,km", f"B1,{vb.vin},2023-04,driverless,50"),
            filename="m.csv",
            kind="mileage",
            today=TODAY,
        )
        assert report.annual_report(session, year=2023)["km"] == before + 50
