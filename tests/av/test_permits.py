"""The permit workflow: every move, every refusal, and the audit record each move writes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories.av import drive, make_vehicle
from yuanqu.av import permits, service
from yuanqu.av.models import PermitStage, PermitStatus
from yuanqu.core.audit import AuditRecord, verify_chain
from yuanqu.core.errors import Conflict, ValidationError

DAY = date(2023, 3, 1)


def audit_actions(session: Session, permit_id: int) -> list[str]:
    rows = session.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.entity_type == "av_permit", AuditRecord.entity_id == str(permit_id))
        .order_by(AuditRecord.seq)
    )
    return list(rows)


def road_tested(session: Session, km: float = 1200):
    vehicle = make_vehicle(session)
    permits.issue(session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o")
    drive(session, vehicle, month="2023-01", km=km)
    return vehicle


class TestIssue:
    def test_road_test_permit_runs_eighteen_months_by_default(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        assert permit.status == PermitStatus.active
        assert permit.valid_from == DAY
        assert permit.valid_until == date(2024, 8, 31)
        assert audit_actions(session, permit.id) == ["issue"]
        assert verify_chain(session).intact

    def test_validity_longer_than_eighteen_months_is_refused(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        with pytest.raises(ValidationError) as caught:
            permits.issue(
                session,
                vin=vehicle.vin,
                stage="road_test",
                on=DAY,
                actor="o",
                valid_until=date(2024, 9, 1),
            )
        assert caught.value.code == "validity_too_long"

    def test_cover_below_five_million_is_refused(self, session: Session) -> None:
        vehicle = make_vehicle(session, cover_fen=4_999_999_99)
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        assert caught.value.code == "prerequisites_unmet"
        assert [d["key"] for d in caught.value.details] == ["insurance"]

    def test_a_second_permit_of_the_same_stage_in_force_is_refused(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        assert caught.value.code == "already_permitted"

    def test_demonstration_needs_a_road_test_permit_and_a_record(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="demonstration", on=DAY, actor="o")
        keys = [d["key"] for d in caught.value.details]
        assert keys == ["needs_road_test", "road_record"]
        assert "240" in caught.value.zh and "1,000" in caught.value.zh

    def test_demonstration_after_1000_km(self, session: Session) -> None:
        vehicle = road_tested(session, km=1000)
        permit = permits.issue(session, vin=vehicle.vin, stage="demonstration", on=DAY, actor="o")
        assert permit.stage == PermitStage.demonstration

    def test_demonstration_after_240_hours_with_fewer_km(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permits.issue(session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o")
        drive(session, vehicle, month="2023-01", km=600, hours=240)
        permits.issue(session, vin=vehicle.vin, stage="demonstration", on=DAY, actor="o")

    def test_999_km_and_239_hours_are_not_enough(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permits.issue(session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o")
        drive(session, vehicle, month="2023-01", km=999, hours=239)
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="demonstration", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["road_record"]

    def test_kilometres_after_the_day_do_not_count(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permits.issue(session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o")
        drive(session, vehicle, month="2023-05", km=5000)
        with pytest.raises(Conflict):
            permits.issue(session, vin=vehicle.vin, stage="passenger", on=DAY, actor="o")

    def test_a_responsible_accident_blocks_later_stages(self, session: Session) -> None:
        vehicle = road_tested(session)
        incident = service.report_incident(
            session, vin=vehicle.vin, occurred_on=date(2023, 2, 1), description="追尾", actor="o"
        )
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="passenger", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["open_incident"]
        service.close_incident(
            session,
            incident_id=incident.id,
            on=date(2023, 2, 10),
            responsible=True,
            finding="测试车辆负主要责任",
            actor="o",
        )
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="passenger", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["responsible_accident"]

    def test_an_accident_found_not_responsible_does_not_block(self, session: Session) -> None:
        vehicle = road_tested(session)
        incident = service.report_incident(
            session, vin=vehicle.vin, occurred_on=date(2023, 2, 1), description="被追尾", actor="o"
        )
        service.investigate_incident(session, incident_id=incident.id, actor="o")
        service.close_incident(
            session,
            incident_id=incident.id,
            on=date(2023, 2, 10),
            responsible=False,
            finding="对方全责",
            actor="o",
        )
        permits.issue(session, vin=vehicle.vin, stage="passenger", on=DAY, actor="o")

    def test_commercial_pilot_needs_demonstration(self, session: Session) -> None:
        vehicle = road_tested(session)
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="commercial_pilot", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["needs_demonstration"]
        permits.issue(session, vin=vehicle.vin, stage="demonstration", on=DAY, actor="o")
        permits.issue(session, vin=vehicle.vin, stage="commercial_pilot", on=DAY, actor="o")

    def test_driverless_remote_needs_a_remote_operator(self, session: Session) -> None:
        vehicle = make_vehicle(session, supervision="safety_driver")
        permits.issue(session, vin=vehicle.vin, stage="road_test", on=date(2023, 1, 2), actor="o")
        drive(session, vehicle, month="2023-01", km=2000)
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="driverless_remote", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["remote_operator"]

    def test_a_scenario_the_vehicle_is_not_registered_for_is_refused(
        self, session: Session
    ) -> None:
        vehicle = make_vehicle(session, scenarios=["robotaxi"])
        with pytest.raises(Conflict) as caught:
            permits.issue(
                session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o", scenario="patrol"
            )
        assert [d["key"] for d in caught.value.details] == ["scenario"]

    def test_a_refusal_writes_nothing(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        before = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
        with pytest.raises(Conflict):
            permits.issue(session, vin=vehicle.vin, stage="night", on=DAY, actor="o")
        after = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
        assert before == after


class TestMoves:
    def test_renew_extends_from_the_day_after_it_ends(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(
            session,
            vin=vehicle.vin,
            stage="road_test",
            on=DAY,
            actor="o",
            valid_until=date(2023, 12, 31),
        )
        permits.renew(session, permit_no=permit.permit_no, on=date(2023, 12, 1), actor="o")
        assert permit.valid_until == date(2025, 6, 30)
        assert permit.renewals == 1
        assert audit_actions(session, permit.id) == ["issue", "renew"]

    def test_renew_past_eighteen_months_is_refused(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(
            session,
            vin=vehicle.vin,
            stage="road_test",
            on=DAY,
            actor="o",
            valid_until=date(2023, 12, 31),
        )
        with pytest.raises(ValidationError):
            permits.renew(
                session,
                permit_no=permit.permit_no,
                on=DAY,
                actor="o",
                valid_until=date(2025, 7, 1),
            )

    def test_renew_rechecks_the_cover(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        vehicle.cover_fen = 1_000_000_00
        with pytest.raises(Conflict):
            permits.renew(session, permit_no=permit.permit_no, on=DAY, actor="o")

    def test_suspend_reinstate_revoke_need_reasons_and_are_audited(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        for move in (permits.suspend, permits.revoke):
            with pytest.raises(ValidationError) as caught:
                move(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="  ")
            assert caught.value.code == "reason_required"
        permits.suspend(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="事故调查")
        assert permit.status == PermitStatus.suspended
        with pytest.raises(Conflict):
            permits.renew(session, permit_no=permit.permit_no, on=DAY, actor="o")
        with pytest.raises(Conflict):
            permits.suspend(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="再次")
        permits.reinstate(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="已整改")
        assert permit.status == PermitStatus.active
        with pytest.raises(Conflict):
            permits.reinstate(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="x")
        permits.revoke(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="严重违规")
        assert permit.status == PermitStatus.revoked and permit.ended_on == DAY
        for move in (permits.suspend, permits.revoke, permits.reinstate):
            with pytest.raises(Conflict):
                move(session, permit_no=permit.permit_no, on=DAY, actor="o", reason="x")
        with pytest.raises(Conflict):
            permits.renew(session, permit_no=permit.permit_no, on=DAY, actor="o")
        assert audit_actions(session, permit.id) == ["issue", "suspend", "reinstate", "revoke"]
        record = session.scalar(
            select(AuditRecord).where(
                AuditRecord.entity_id == str(permit.id), AuditRecord.action == "revoke"
            )
        )
        assert record is not None and record.reason == "严重违规"
        assert verify_chain(session).intact

    def test_a_suspended_road_test_does_not_carry_later_stages(self, session: Session) -> None:
        vehicle = road_tested(session)
        road = permits.in_force(session, vehicle_id=vehicle.id, stage="road_test", on=DAY)
        assert road is not None
        permits.suspend(session, permit_no=road.permit_no, on=DAY, actor="o", reason="调查")
        with pytest.raises(Conflict) as caught:
            permits.issue(session, vin=vehicle.vin, stage="night", on=DAY, actor="o")
        assert [d["key"] for d in caught.value.details] == ["needs_road_test"]

    def test_an_active_permit_past_its_end_reads_as_expired(self, session: Session) -> None:
        vehicle = make_vehicle(session)
        permit = permits.issue(session, vin=vehicle.vin, stage="road_test", on=DAY, actor="o")
        assert permits.status_key(permit, date(2024, 8, 31)) == "active"
        assert permits.status_key(permit, date(2024, 9, 1)) == "expired"


class TestExpiring:
    def test_expiring_lists_permits_within_the_window_with_the_true_total(
        self, session: Session
    ) -> None:
        today = date(2023, 6, 1)
        for days in (10, 45, 80, 200):
            vehicle = make_vehicle(session)
            permits.issue(
                session,
                vin=vehicle.vin,
                stage="road_test",
                on=DAY,
                actor="o",
                valid_until=date.fromordinal(today.toordinal() + days),
            )
        total30, rows = service.expiring_permits(session, today=today, within_days=30)
        total90, _ = service.expiring_permits(session, today=today, within_days=90, page_size=1)
        assert (total30, total90) == (1, 3)
        assert rows[0].days_left == 10
