"""The grants API and pages on a served zone: roles, firm isolation, idempotent payments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories.grants import make_budget, make_case
from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.grants.models import CaseStatus, Payment
from yuanqu.registry.models import Enterprise


@pytest.fixture(scope="module")
def cases(site: Site) -> dict[str, int]:
    """A case of the enterprise account's firm, one of another firm, one ready to pay."""
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            own = session.scalars(
                select(Enterprise).where(Enterprise.uscc == site.account(Role.enterprise).uscc)
            ).one()
            other = session.scalars(
                select(Enterprise).where(Enterprise.uscc == site.other_uscc)
            ).one()
            make_budget(session, 50_000_000, policy="web_policy")
            ids = {
                "own": make_case(session, firm=own, policy="web_policy").id,
                "other": make_case(session, firm=other, policy="web_policy").id,
                "payable": make_case(
                    session,
                    firm=other,
                    policy="web_policy",
                    year=2022,
                    status=CaseStatus.committee_review,
                ).id,
            }
            make_budget(session, 50_000_000, policy="web_policy", year=2022)
        return ids
    finally:
        engine.dispose()


class TestEnterpriseIsolation:
    def test_lists_only_its_own_cases(self, site: Site, cases) -> None:
        client = site.client(Role.enterprise)
        for params in ({}, {"q": site.other_uscc}, {"q": site.other_name}):
            body = client.get("/api/v1/grants/cases", params=params).json()
            assert {c["id"] for c in body} <= {cases["own"]}
        assert cases["own"] in {c["id"] for c in client.get("/api/v1/grants/cases").json()}

    def test_cannot_read_or_act_on_another_firms_case(self, site: Site, cases) -> None:
        client = site.client(Role.enterprise)
        other = cases["other"]
        for path in (
            f"/api/v1/grants/cases/{other}",
            f"/api/v1/grants/cases/{other}/history",
            f"/grants/cases/{other}",
        ):
            assert client.get(path).status_code == 403, path
        response = client.post(f"/api/v1/grants/cases/{other}/transitions/withdraw")
        assert response.status_code == 403
        assert set(response.json()) == {"code", "message", "details"}
        assert site.other_name not in client.get("/grants").text

    def test_can_read_its_own_case_and_history(self, site: Site, cases) -> None:
        client = site.client(Role.enterprise)
        assert client.get(f"/api/v1/grants/cases/{cases['own']}").json()["id"] == cases["own"]
        assert client.get(f"/grants/cases/{cases['own']}").status_code == 200


class TestRoles:
    def test_task_force_outside_the_industry_cannot_review(self, site: Site, cases) -> None:
        response = site.client(Role.task_force).post(
            f"/api/v1/grants/cases/{cases['other']}/transitions/pass_preliminary"
        )
        assert response.status_code == 403

    def test_analyst_reads_no_payouts(self, site: Site) -> None:
        assert site.client(Role.analyst).get("/api/v1/grants/report").status_code == 403
        assert site.client(Role.analyst).get("/api/v1/grants/notice").status_code == 200

    @pytest.mark.parametrize("role", list(Role))
    def test_pages_render_for_every_role(self, site: Site, cases, role: Role) -> None:
        client = site.client(role)
        for path in (
            "/grants",
            "/grants/notice",
            "/grants/batches",
            "/grants/report",
            "/grants/apply",
        ):
            response = client.get(path)
            assert response.status_code in (200, 403), (path, response.status_code)
            if response.status_code == 200:
                assert "<h1>" in response.text


class TestPaymentOverHttp:
    def test_retry_with_the_same_key_returns_the_first_payment(self, site: Site, cases) -> None:
        case_id = cases["payable"]
        approve = site.client(Role.admin).post(
            f"/api/v1/grants/cases/{case_id}/transitions/approve", json={}
        )
        assert approve.status_code == 200, approve.text
        # the notice has not ended: a clean refusal, nothing written
        officer = site.client(Role.policy_officer)
        early = officer.post(
            f"/api/v1/grants/cases/{case_id}/payment", headers={"Idempotency-Key": "web-key-0001"}
        )
        assert early.status_code == 409 and early.json()["code"] == "notice_not_over"
        engine = make_engine(site.url)
        try:
            with session_scope(engine) as session:
                from datetime import date, timedelta

                from yuanqu.grants.models import GrantCase

                session.get(GrantCase, case_id).notice_to = date.today() - timedelta(days=1)
            headers = {"Idempotency-Key": "web-key-0002"}
            first = officer.post(f"/api/v1/grants/cases/{case_id}/payment", headers=headers)
            again = officer.post(f"/api/v1/grants/cases/{case_id}/payment", headers=headers)
            assert first.status_code == 200, first.text
            assert again.json()["id"] == first.json()["id"] and again.json()["replayed"]
            with session_scope(engine) as session:
                count = len(
                    session.scalars(select(Payment).where(Payment.case_id == case_id)).all()
                )
            assert count == 1
        finally:
            engine.dispose()

    def test_payment_needs_a_key(self, site: Site, cases) -> None:
        response = site.client(Role.policy_officer).post(
            f"/api/v1/grants/cases/{cases['own']}/payment"
        )
        assert response.status_code == 422
