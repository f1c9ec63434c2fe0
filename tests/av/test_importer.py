"""Imports of kilometres and disengagements: canonical and DMV layouts, all rows or none."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories.av import make_vehicle
from yuanqu.av import permits
from yuanqu.av.importer import import_records
from yuanqu.av.models import AvDisengagement, AvMileage
from yuanqu.core.tabular import ImportRejected

TODAY = date(2024, 1, 15)


@pytest.fixture
def fleet(session: Session):
    one = make_vehicle(session)
    two = make_vehicle(session)
    p1 = permits.issue(
        session,
        vin=one.vin,
        stage="road_test",
        on=date(2023, 1, 1),
        actor="o",
        permit_no="BJ-T-0001",
    )
    p2 = permits.issue(
        session, vin=two.vin, stage="road_test", on=date(2023, 1, 1), actor="o", permit_no="AVT001"
    )
    return one, two, p1, p2


def count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


class TestMileage:
    def test_canonical_columns(self, session: Session, fleet) -> None:
        one, two, *_ = fleet
        data = csv(
            "permit_no,vin,month,mode,km",
            f"BJ-T-0001,{one.vin},2023-03,safety_driver,1200.5",
            f"BJ-T-0001,{one.vin},2023-03,driverless,300",
            f"AVT001,{two.vin},2023-04,night,80",
        )
        result = import_records(session, source=data, filename="m.csv", kind="mileage", today=TODAY)
        assert (result.rows, result.created, result.layout) == (3, 3, "canonical")
        total = session.scalar(select(func.sum(AvMileage.km)))
        assert total == pytest.approx(1580.5)

    def test_chinese_headers_and_words(self, session: Session, fleet) -> None:
        one, *_ = fleet
        data = csv(
            "牌照编号,车辆识别代号,月份,测试模式,里程(公里),测试时长(小时)",
            f"BJ-T-0001,{one.vin},2023年5月,无人化,88.5,12",
            f"BJ-T-0001,{one.vin},2023-05,载人,10,1",
        )
        result = import_records(session, source=data, filename="m.csv", kind="mileage", today=TODAY)
        assert result.created == 2
        modes = set(session.scalars(select(AvMileage.mode)))
        assert modes == {"driverless", "passenger"}

    def test_every_bad_row_is_named_and_nothing_written(self, session: Session, fleet) -> None:
        one, two, *_ = fleet
        data = csv(
            "permit_no,vin,month,mode,km",
            f"BJ-T-0001,{one.vin},2023-03,safety_driver,100",
            f"BJ-T-0001,{one.vin},2023-13,safety_driver,100",
            f"BJ-T-0001,{one.vin},2023-04,flying,100",
            f"BJ-T-0001,{one.vin},2023-05,driverless,-3",
            "BJ-T-0001,SHORTVIN,2023-05,driverless,3",
            f"BJ-T-0001,{two.vin},2023-05,driverless,3",
            f"NOPE,{one.vin},2023-06,driverless,3",
            f"BJ-T-0001,{one.vin},2022-06,driverless,3",
            f"BJ-T-0001,{one.vin},2023-03,safety_driver,5",
            f"BJ-T-0001,{one.vin},2024-02,safety_driver,5",
        )
        with pytest.raises(ImportRejected) as caught:
            import_records(session, source=data, filename="m.csv", kind="mileage", today=TODAY)
        named = [(e.row, e.column) for e in caught.value.errors]
        assert named == [
            (3, "month"),
            (4, "mode"),
            (5, "km"),
            (6, "vin"),
            (7, "permit_no"),
            (8, "permit_no"),
            (9, "permit_no"),
            (10, "month"),
            (11, "month"),
        ]
        assert "outside the permit's validity" in caught.value.errors[6].reason_en
        assert count(session, AvMileage) == 0

    def test_kilometres_imported_twice_are_refused_unless_replaced(
        self, session: Session, fleet
    ) -> None:
        one, *_ = fleet
        data = csv("permit_no,vin,month,mode,km", f"BJ-T-0001,{one.vin},2023-03,driverless,10")
        import_records(session, source=data, filename="m.csv", kind="mileage", today=TODAY)
        again = csv("permit_no,vin,month,mode,km", f"BJ-T-0001,{one.vin},2023-03,driverless,12")
        with pytest.raises(ImportRejected) as caught:
            import_records(session, source=again, filename="m.csv", kind="mileage", today=TODAY)
        assert caught.value.errors[0].row == 2
        result = import_records(
            session, source=again, filename="m.csv", kind="mileage", today=TODAY, replace=True
        )
        assert (result.created, result.replaced) == (0, 1)
        assert session.scalar(select(AvMileage.km)) == 12

    def test_dmv_monthly_mileage_report_as_published(self, session: Session, fleet) -> None:
        _one, two, *_ = fleet
        data = csv(
            "Manufacturer,Permit Number,VIN NUMBER,DEC 2022,JAN 2023,FEB 2023,MAR 2023,"
            "ANNUAL TOTAL",
            f"Example Inc.,AVT001,{two.vin},,100,0,50.5,150.5",
        )
        result = import_records(
            session, source=data, filename="dmv.csv", kind="mileage", today=TODAY
        )
        assert (result.layout, result.created) == ("dmv", 2)
        rows = dict(session.execute(select(AvMileage.month, AvMileage.km)).all())
        assert rows == {
            "2023-01": pytest.approx(160.9344, abs=1e-3),
            "2023-03": pytest.approx(81.27187, abs=1e-3),
        }

    def test_dmv_annual_total_must_match_its_months(self, session: Session, fleet) -> None:
        _one, two, *_ = fleet
        data = csv(
            "Manufacturer,Permit Number,VIN NUMBER,JAN 2023,FEB 2023,ANNUAL TOTAL",
            f"Example Inc.,AVT001,{two.vin},100,abc,150",
        )
        with pytest.raises(ImportRejected) as caught:
            import_records(session, source=data, filename="dmv.csv", kind="mileage", today=TODAY)
        assert [(e.row, e.column) for e in caught.value.errors] == [
            (2, "FEB2023"),
            (2, "ANNUALTOTAL"),
        ]


class TestDisengagements:
    def test_canonical_and_chinese(self, session: Session, fleet) -> None:
        one, *_ = fleet
        data = csv(
            "permit_no,vin,date,initiated_by,road_type,description",
            f"BJ-T-0001,{one.vin},2023-03-02,system,urban,感知失效",
            f"BJ-T-0001,{one.vin},2023-03-03,测试驾驶员,快速路,",
        )
        import_records(session, source=data, filename="d.csv", kind="disengagements", today=TODAY)
        zh = csv(
            "牌照编号,车辆识别代号,脱离日期,发起方,道路类型,情况说明",
            f"BJ-T-0001,{one.vin},2023/04/01,远程操作员,停车场,远程接管",
        )
        import_records(session, source=zh, filename="d.csv", kind="disengagements", today=TODAY)
        rows = session.execute(
            select(AvDisengagement.initiated_by, AvDisengagement.road_type).order_by(
                AvDisengagement.occurred_on
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("system", "urban"),
            ("driver", "expressway"),
            ("remote", "parking"),
        ]

    def test_dmv_disengagement_report_as_published(self, session: Session, fleet) -> None:
        _one, two, *_ = fleet
        header = [
            "Manufacturer",
            "Permit Number",
            "DATE",
            "VIN NUMBER",
            '"VEHICLE IS CAPABLE OF OPERATING WITHOUT A DRIVER\n(Yes or No)"',
            '"DRIVER PRESENT\n(Yes or No)"',
            '"DISENGAGEMENT INITIATED BY\n(AV System, Test Driver, Remote Operator, or Passenger)"',
            '"DISENGAGEMENT\nLOCATION\n(Interstate, Freeway, Highway, Rural Road, Street, or '
            'Parking Facility)"',
            "DESCRIPTION OF FACTS CAUSING DISENGAGEMENT",
        ]
        data = csv(
            ",".join(header),
            f'Example Inc.,AVT001,01/05/2023,{two.vin},No,Yes,Test Driver,Street,"Planner, slow"',
            f"Example Inc.,AVT001,02/28/2023,{two.vin},No,Yes,AV System,Freeway,Sensor fault",
        )
        result = import_records(
            session, source=data, filename="dmv.csv", kind="disengagements", today=TODAY
        )
        assert (result.layout, result.created) == ("dmv", 2)
        rows = session.execute(
            select(
                AvDisengagement.occurred_on, AvDisengagement.initiated_by, AvDisengagement.road_type
            ).order_by(AvDisengagement.occurred_on)
        ).all()
        assert [tuple(r) for r in rows] == [
            (date(2023, 1, 5), "driver", "urban"),
            (date(2023, 2, 28), "system", "expressway"),
        ]

    def test_bad_rows_are_named_and_nothing_is_written(self, session: Session, fleet) -> None:
        one, *_ = fleet
        data = csv(
            "permit_no,vin,date,initiated_by,road_type,description",
            f"BJ-T-0001,{one.vin},2023-03-02,system,urban,ok",
            f"BJ-T-0001,{one.vin},2023-02-30,system,urban,no such day",
            f"BJ-T-0001,{one.vin},2023-03-02,the cat,urban,who",
            f"BJ-T-0001,{one.vin},2023-03-02,system,moon,where",
            f"BJ-T-0001,{one.vin},2025-03-02,system,urban,future",
            f"BJ-T-0001,{one.vin},2022-03-02,system,urban,before the permit",
            "BJ-T-0001,LTESTAV01ZZZZZZZZ,2023-03-02,system,urban,unknown vehicle",
        )
        with pytest.raises(ImportRejected) as caught:
            import_records(
                session, source=data, filename="d.csv", kind="disengagements", today=TODAY
            )
        assert [(e.row, e.column) for e in caught.value.errors] == [
            (3, "date"),
            (4, "initiated_by"),
            (5, "road_type"),
            (6, "date"),
            (7, "permit_no"),
            (8, "vin"),
        ]
        assert count(session, AvDisengagement) == 0

    def test_an_unknown_column_rejects_the_file(self, session: Session, fleet) -> None:
        data = csv("permit_no,vin,date,initiated_by,road_type,weather", "a,b,c,d,e,f")
        with pytest.raises(ImportRejected) as caught:
            import_records(
                session, source=data, filename="d.csv", kind="disengagements", today=TODAY
            )
        assert caught.value.errors[0].row == 1
