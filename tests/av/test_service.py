"""The test zone's reading services: a vehicle's history, its link into the insurance book."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tests.factories.av import drive, make_vehicle
from tests.factories.insurance import policies_csv, policy_row
from tests.factories.registry import make_firm
from yuanqu.av import permits, service, views
from yuanqu.insurance.importer import import_insurance


class TestVehicleHistory:
    def test_the_policy_is_linked_where_the_insurance_book_holds_it(self, session: Session) -> None:
        firm = make_firm(session)
        import_insurance(
            session,
            source=policies_csv(
                [policy_row(firm.uscc, "AVL-1", 保险金额="6000000", 险种="高新技术产品责任险")]
            ),
            filename="p.csv",
        )
        insured = make_vehicle(
            session,
            uscc=firm.uscc,
            insurer="太平科技保险股份有限公司",
            insurance_policy_no="AVL-1",
        )
        elsewhere = make_vehicle(session, uscc=firm.uscc, insurance_policy_no="NOT-IN-BOOK")
        history = service.vehicle_history(session, vin=insured.vin)
        assert history.policy is not None
        assert history.policy["sum_insured_fen"] == 6_000_000_00
        assert history.policy["product_name"] == "高新技术产品责任险"
        assert service.vehicle_history(session, vin=elsewhere.vin).policy is None

    def test_the_history_holds_every_move_and_record(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(
            session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o"
        )
        permits.suspend(
            session, permit_no=permit.permit_no, on=date(2023, 2, 1), actor="o", reason="调查"
        )
        drive(session, vehicle, month="2023-01", km=120, mode="driverless")
        history = service.vehicle_history(session, vin=vehicle.vin)
        assert [e.action for e in history.events] == ["issue", "suspend"]
        context = views.vehicle_context(history, "示例", "zh", date(2023, 3, 1))
        assert context["permits"][0]["status"] == "暂停"
        assert context["months"] == [
            {"month": "2023-01", "cells": [0.0, 120.0, 0.0, 0.0], "total": 120.0}
        ]
        assert context["mode_names"] == ["有安全员", "无人化", "载人", "夜间"]
