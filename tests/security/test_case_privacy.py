"""A firm never learns who reviewed or objected to its grant case, and bank accounts are shown in
full only to the roles that pay (issue #17, findings 6 and 17): pages, API and the batch export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.factories.grants import NOTICE_OVER, OFFICER, make_budget, make_case, person
from tests.security.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.grants import batches, payments, transitions
from yuanqu.grants.models import CaseStatus
from yuanqu.registry.models import Enterprise

POLICY = "privacy_policy"
ACCOUNT = "6222020200112233445"  # the factory's account
MASKED = "*" * 15 + "3445"
OBJECTOR = "objector-zhang"
STAFF_NAMES = ("committee-1", OBJECTOR, "officer-1", "system:match")


@pytest.fixture(scope="module")
def case_ids(site: Site) -> dict[str, int]:
    """The firm user's case on notice with an objection, and another of its cases in a batch."""
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            own = session.scalars(
                select(Enterprise).where(Enterprise.uscc == site.account(Role.enterprise).uscc)
            ).one()
            make_budget(session, 50_000_000, policy=POLICY)
            objected = make_case(session, firm=own, policy=POLICY, status=CaseStatus.public_notice)
            transitions.object_to(
                session,
                case_id=objected.id,
                actor=person(Role.analyst, OBJECTOR),
                text="该企业研发费用口径有误",
                today=date(2024, 5, 7),
            )
            make_budget(session, 50_000_000, policy=POLICY, year=2022)
            paid = make_case(
                session, firm=own, policy=POLICY, year=2022, status=CaseStatus.public_notice
            )
            batch = batches.open_batch(session, key="privacy-batch-1", actor=OFFICER)
            payments.request_payment(
                session,
                case_id=paid.id,
                idempotency_key="privacy-pay-1",
                actor=OFFICER,
                today=NOTICE_OVER,
                batch_id=batch.id,
            )
            return {"objected": objected.id, "paid": paid.id, "batch": batch.id}
    finally:
        engine.dispose()


def views(site: Site, role: Role, case_id: int) -> dict[str, str]:
    client = site.client(role)
    out = {}
    for path in (
        f"/api/v1/grants/cases/{case_id}",
        f"/api/v1/grants/cases/{case_id}/history",
        f"/grants/cases/{case_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        out[path] = response.text
    return out


class TestFirmSeesRolesNotNames:
    def test_no_staff_or_objector_name_anywhere(self, site: Site, case_ids) -> None:
        for case_id in case_ids["objected"], case_ids["paid"]:
            for path, body in views(site, Role.enterprise, case_id).items():
                for name in STAFF_NAMES:
                    assert name not in body, (path, name)

    def test_the_history_names_the_roles(self, site: Site, case_ids) -> None:
        client = site.client(Role.enterprise)
        history = client.get(f"/api/v1/grants/cases/{case_ids['objected']}/history").json()
        assert [r["actor"] for r in history] == ["审核人", "公示异议人"]
        client.cookies.set("yuanqu_lang", "en")
        english = client.get(f"/api/v1/grants/cases/{case_ids['objected']}/history").json()
        assert [r["actor"] for r in english] == ["a reviewer", "an objector"]
        page = site.client(Role.enterprise).get(f"/grants/cases/{case_ids['objected']}").text
        assert "公示异议人" in page and "审核人" in page
        # The objection itself is still shown: the firm may answer it.
        assert "研发费用口径有误" in page

    def test_staff_still_read_the_names(self, site: Site, case_ids) -> None:
        history = (
            site.client(Role.policy_officer)
            .get(f"/api/v1/grants/cases/{case_ids['objected']}/history")
            .json()
        )
        assert [r["actor"] for r in history] == ["committee-1", OBJECTOR]


class TestBankAccounts:
    @pytest.mark.parametrize("role", [Role.enterprise, Role.task_force, Role.admin])
    def test_masked_for_those_who_do_not_pay(self, site: Site, case_ids, role) -> None:
        for path, body in views(site, role, case_ids["paid"]).items():
            assert ACCOUNT not in body, (role, path)
            assert MASKED in body, (role, path)

    def test_in_full_for_the_policy_office(self, site: Site, case_ids) -> None:
        for path, body in views(site, Role.policy_officer, case_ids["paid"]).items():
            assert ACCOUNT in body, path

    def test_the_batch_export(self, site: Site, case_ids) -> None:
        path = f"/grants/batches/{case_ids['batch']}/export.xlsx"

        def accounts(role: Role) -> set[str]:
            response = site.client(role).get(path)
            assert response.status_code == 200
            rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
            return {str(r[8]) for r in rows.get_sheet_by_index(0).to_python()[1:] if r[8]}

        assert accounts(Role.policy_officer) == {ACCOUNT}
        assert accounts(Role.admin) == {MASKED}
        for role in (Role.enterprise, Role.task_force, Role.analyst):
            assert site.client(role).get(path).status_code == 403
