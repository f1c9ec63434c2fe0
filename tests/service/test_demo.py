"""The demo's desk on a small registry: requests scaled to the zone, visits that found issues
linked to the requests they raised, the demo firm's requests on its portal, the chain intact."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories.registry import make_firm, make_task_force
from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.service.demo import build_service_demo
from yuanqu.service.models import ServiceAdviser, ServiceRequest, ServiceVisit
from yuanqu.service.units import units_of


def test_a_small_zone_gets_its_share_of_the_year(session) -> None:
    make_task_force(session, "ic")
    firms = [
        make_firm(session, task_force="ic" if i % 2 else None, sub_area="核心区") for i in range(60)
    ]
    summary = build_service_demo(
        session, seed=7, firms=6_000
    )  # a zone of 6,000 firms: 360 requests
    assert summary.requests == 360 and summary.open == 1
    assert session.scalar(select(func.count(ServiceRequest.id))) == 360
    linked = session.execute(
        select(
            ServiceRequest.uscc,
            ServiceVisit.uscc,
            ServiceRequest.owner_unit,
            ServiceVisit.unit_code,
        ).join(ServiceVisit, ServiceVisit.id == ServiceRequest.visit_id)
    ).all()
    assert len(linked) == summary.raised_on_visits > 0
    assert all(a == b and c == d for a, b, c, d in linked)  # owned by the visiting unit
    demo_firm = min(f.uscc for f in firms if f.task_force == "ic")
    assert (
        session.scalar(
            select(func.count(ServiceRequest.id)).where(ServiceRequest.uscc == demo_firm)
        )
        >= 1
    )
    assert (
        session.scalar(select(ServiceAdviser.username).where(ServiceAdviser.uscc == demo_firm))
        == "taskforce"
    )
    assert units_of(session, Principal(9, "policy", Role.policy_officer)) == {"policy_office"}
    assert audit.verify_chain(session).intact
