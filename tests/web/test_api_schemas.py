"""The JSON API of policies, grants and insurance speaks in declared shapes (issue #16).

Every JSON route of the three domains names a response model in ``schemas.py``, so the OpenAPI
document describes each field instead of a bare object; and the models change nothing: each route
answers exactly what its service builds, every key kept, every value as before (compared with the
service's own result, serialized as an untyped route serialized it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories.grants import make_budget, make_case
from tests.web.conftest import Site
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import Money
from yuanqu.grants import batches, ledger, queries, reports
from yuanqu.grants.api import case_detail
from yuanqu.grants.models import CaseStatus, GrantCase
from yuanqu.insurance import service as insurance
from yuanqu.insurance.models import InsurancePolicy
from yuanqu.policies import service as policies
from yuanqu.policies import views
from yuanqu.registry.models import Enterprise

DOMAINS = {"policies", "grants", "insurance"}
#: The fields that are open JSON objects on purpose (their keys are a policy's variables or an
#: audited entity's columns), as ``Schema.field``. Any other object must list its properties.
OPEN_MAPS = {
    "CaseDetail.engine_inputs",
    "CaseDetail.engine_result",
    "HistoryRecord.before",
    "HistoryRecord.after",
    "ConditionVerdict.inputs",
    "ConditionVerdict.parameters",
    "ConditionVerdict.derived",
    "EntitlementCondition.inputs",
    "EntitlementCondition.parameters",
    "EntitlementCondition.derived",
}
YEAR = 2024
POLICY = "schemas_policy"  # not shipped: the cases below touch no shipped policy's figures
ADMIN = Principal(0, "admin", Role.admin)

_UNTYPED = TypeAdapter(Any)


def as_untyped(value: Any) -> Any:
    """``value`` as a route without a response model sent it (``-> dict[str, Any]``)."""
    return json.loads(_UNTYPED.dump_json(value))


# --- the OpenAPI document ------------------------------------------------------------------------


def open_places(schema: dict, components: dict, where: str, seen: set[str]) -> list[str]:
    """Where ``schema`` (followed through $ref, arrays, unions and properties) is an object that
    lists no properties and types no values: a bare object."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return open_places(components[name], components, name, seen)
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += open_places(option, components, where, seen)
    if schema.get("type") == "array":
        found += open_places(schema.get("items", {}), components, where, seen)
    if schema.get("type") == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        if not schema.get("properties") and (extra in (None, True) or extra == {}):
            found.append(where)
        for name, prop in schema.get("properties", {}).items():
            if f"{where}.{name}" in OPEN_MAPS:
                continue
            found += open_places(prop, components, f"{where}.{name}", seen)
        if isinstance(extra, dict) and extra:
            found += open_places(extra, components, f"{where}.*", seen)
    return found


def test_every_json_route_declares_its_shape(site: Site) -> None:
    document = site.app.openapi()
    components = document["components"]["schemas"]
    routes: dict[str, int] = dict.fromkeys(DOMAINS, 0)
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            (domain,) = set(operation.get("tags", [])) & DOMAINS or {None}
            if domain is None:
                continue
            routes[domain] += 1
            success = [r for code, r in operation["responses"].items() if code.startswith("2")]
            assert success, (method, path)
            schema = success[0]["content"]["application/json"]["schema"]
            assert open_places(schema, components, f"{method} {path}", set()) == [], schema
    assert routes["policies"] >= 7 and routes["grants"] >= 16 and routes["insurance"] >= 4


def test_a_bare_object_is_caught() -> None:
    """The check above fails on what the routes declared before (``-> dict[str, Any]``)."""
    bare = {"type": "object", "additionalProperties": True}
    assert open_places(bare, {}, "route", set()) == ["route"]
    assert open_places({"type": "array", "items": {}}, {}, "route", set()) == []
    nested = {"X": {"type": "object", "properties": {"m": bare}}}
    assert open_places({"$ref": "#/components/schemas/X"}, nested, "route", set()) == ["X.m"]


# --- the same JSON as the services ---------------------------------------------------------------


@pytest.fixture
def session(site: Site) -> Iterator[Session]:
    """A session on the site's database that keeps nothing."""
    engine = make_engine(site.url)
    with Session(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


def same(response, expected: Any) -> None:
    assert response.status_code < 300, response.text
    assert response.json() == as_untyped(expected)


class TestPolicies:
    def test_catalogue_and_texts(self, site: Site) -> None:
        client = site.client(Role.analyst)
        for lang in ("zh", "en"):
            summaries = [policies.policy_summary(p, lang) for p in policies.shipped_policies()]
            same(client.get("/api/v1/policies", params={"lang": lang}), summaries)
            for policy in policies.shipped_policies():
                response = client.get(f"/api/v1/policies/{policy.id}", params={"lang": lang})
                same(response, views.policy_text(policy.id, lang))
                assert "from" in response.json()["parameters"][0]["versions"][0]

    def test_figures_in_and_out_of_effect(self, site: Site, session: Session) -> None:
        client = site.client(Role.analyst)
        result = policies.evaluate_year(session, year=YEAR)
        same(
            client.get("/api/v1/policies/evaluate", params={"year": YEAR}),
            {k: result[k] for k in ("year", "totals", "by_industry", "by_task_force")},
        )
        for year in (YEAR, 2001):
            for policy in ("rd_investment_reward", "high_tech_enterprise"):
                same(
                    client.get(f"/api/v1/policies/{policy}/statistics", params={"year": year}),
                    views.policy_statistics(session, policy_id=policy, year=year),
                )

    def test_entitlements_explanations_and_simulation(self, site: Site, session: Session) -> None:
        uscc = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        for lang in ("zh", "en"):
            params = {"year": YEAR, "lang": lang}
            same(
                client.get(f"/api/v1/enterprises/{uscc}/policies", params=params),
                views.firm_entitlements(session, uscc=uscc, year=YEAR, lang=lang),
            )
            for policy in policies.in_effect_policies(YEAR):
                same(
                    client.get(
                        f"/api/v1/enterprises/{uscc}/policies/{policy.id}/explain", params=params
                    ),
                    policies.explain_firm(
                        session, uscc=uscc, policy_id=policy.id, year=YEAR, lang=lang
                    ),
                )
        overrides = {"reward_rate": "20%", "budget": "1000000"}
        same(
            site.client(Role.policy_officer).post(
                "/api/v1/policies/rd_investment_reward/simulate",
                json={"year": YEAR, "overrides": overrides, "top": 8},
            ),
            policies.simulate(
                session, policy_id="rd_investment_reward", year=YEAR, overrides=overrides, top=8
            ),
        )


class TestInsurance:
    def test_coverage_cover_and_subsidies(self, site: Site, session: Session) -> None:
        client = site.client(Role.admin)
        for lang in ("zh", "en"):
            same(
                client.get("/api/v1/insurance/coverage", params={"year": 2023, "lang": lang}),
                insurance.report_dict(insurance.coverage_report(session, year=2023), lang=lang),
            )
        firm = session.scalars(
            select(Enterprise)
            .join(InsurancePolicy, InsurancePolicy.enterprise_id == Enterprise.id)
            .order_by(Enterprise.uscc)
            .limit(1)
        ).one()
        same(
            client.get(f"/api/v1/enterprises/{firm.uscc}/insurance", params={"lang": "en"}),
            {
                "uscc": firm.uscc,
                **insurance.firm_insurance(session, enterprise_id=firm.id, lang="en"),
            },
        )
        computed = insurance.premium_subsidies(session, year=2023)
        session.rollback()
        computed["awards"] = [a.__dict__ for a in computed["awards"]]
        assert computed["awards"]
        same(client.get("/api/v1/insurance/subsidies", params={"year": 2023}), computed)

    def test_an_import_answers_its_counts(self, site: Site, session: Session) -> None:
        """One policy of the book imported again as it stands (replaced in place, unchanged)."""
        policy, uscc = session.execute(
            select(InsurancePolicy, Enterprise.uscc)
            .join(Enterprise, Enterprise.id == InsurancePolicy.enterprise_id)
            .order_by(InsurancePolicy.id)
            .limit(1)
        ).one()
        head = "insurer,policy_no,product,uscc,sum_insured,premium,start_date,end_date,status"
        row = ",".join(
            str(v)
            for v in (
                policy.insurer,
                policy.policy_no,
                policy.product,
                uscc,
                Money(policy.sum_insured_fen).yuan,
                Money(policy.premium_fen).yuan,
                policy.start_date,
                policy.end_date,
                policy.status,
            )
        )
        session.rollback()
        response = site.client(Role.analyst).post(
            "/api/v1/insurance/import",
            files={"file": ("book.csv", f"{head}\n{row}\n".encode(), "text/csv")},
            data={"kind": "policies", "replace": "true"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == {"kind": "policies", "rows": 1, "created": 0, "replaced": 1} | {
            "source": body["source"]
        }
        assert isinstance(body["source"], str)


@pytest.fixture(scope="module")
def grant_cases(site: Site) -> dict[str, int]:
    """Cases of a firm no other test reads (neither the enterprise account's nor ``other``)."""
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            skip = {site.account(Role.enterprise).uscc, site.other_uscc}
            firms = session.scalars(
                select(Enterprise)
                .where(Enterprise.uscc.not_in(skip))
                .order_by(Enterprise.uscc)
                .limit(3)
            ).all()
            make_budget(session, 90_000_000, policy=POLICY)
            statuses = {
                "review": CaseStatus.committee_review,
                "notice": CaseStatus.public_notice,
                "batch": CaseStatus.public_notice,
            }
            return {
                name: make_case(session, firm=firm, policy=POLICY, status=status).id
                for (name, status), firm in zip(statuses.items(), firms, strict=True)
            }
    finally:
        engine.dispose()


class TestGrants:
    def test_the_workflow_answers_in_its_shapes(self, site: Site, grant_cases) -> None:
        officer, admin = site.client(Role.policy_officer), site.client(Role.admin)
        base = "/api/v1/grants"
        approved = admin.post(f"{base}/cases/{grant_cases['review']}/transitions/approve", json={})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == CaseStatus.public_notice
        assert "unknown_years" not in approved.json()  # a transition answers the short case
        review, notice = grant_cases["review"], grant_cases["notice"]
        objection = site.client(Role.analyst).post(  # on notice from today
            f"{base}/cases/{review}/objections", json={"text": "金额有误，请复核"}
        )
        assert objection.status_code == 201, objection.text
        assert objection.json() == {"id": objection.json()["id"], "case": review, "status": "open"}
        resolved = officer.post(
            f"{base}/objections/{objection.json()['id']}/resolve",
            json={"upheld": False, "reason": "复核无误"},
        )
        assert resolved.json() == {"id": objection.json()["id"], "status": "dismissed"}
        paid = officer.post(
            f"{base}/cases/{notice}/payment", headers={"Idempotency-Key": "schemas-pay-0001"}
        )
        assert paid.status_code == 200, paid.text
        assert set(paid.json()) == {
            "id", "case", "batch", "idempotency_key", "policy", "year", "amount_fen", "status",
            "replayed",
        }  # fmt: skip
        budget = officer.put(f"{base}/budgets/{POLICY}/2023", json={"budget_fen": 95_000_000})
        assert budget.json()["budget_fen"] == 95_000_000
        assert budget.json()["available_fen"] == 95_000_000 - budget.json()["committed_fen"]
        run = officer.post(f"{base}/batches", json={"key": "schemas-batch-01", "policy": POLICY})
        assert run.status_code == 201, run.text
        assert run.json()["scheduled_now"] == 1 and run.json()["refused"] == []
        confirmed = officer.post(f"{base}/batches/{run.json()['id']}/confirm")
        again = officer.post(f"{base}/batches/{run.json()['id']}/confirm")
        assert confirmed.json()["status"] == "paid" and not confirmed.json()["replayed"]
        assert again.json()["replayed"] and again.json()["confirmed_at"]
        matched = officer.post(f"{base}/match", json={"year": 2000})  # nothing in effect
        assert matched.json() == {"year": 2000, "created": 0, "existing": 0, "policies": []}

    def test_an_application_answers_the_case(self, site: Site, session: Session) -> None:
        """The policy office applies for a firm no other test reads (no evidence asked)."""
        skip = {site.account(Role.enterprise).uscc, site.other_uscc}
        rows = policies.evaluate_year(
            session, year=YEAR, policy_ids=["rd_investment_reward"], only_eligible=True
        )["rows"]
        uscc = next(r["uscc"] for r in rows if r["allocated_fen"] and r["uscc"] not in skip)
        session.rollback()
        form = {
            "policy": "rd_investment_reward",
            "year": str(YEAR),
            "bank_account": "6222020200112233445",
            "bank_name": "工商银行亦庄支行",
            "uscc": uscc,
        }
        response = site.client(Role.policy_officer).post("/api/v1/grants/cases", data=form)
        assert response.status_code == 201, response.text
        same(response, queries.case_dict(session.get(GrantCase, response.json()["id"])))

    def test_reads_are_the_services(self, site: Site, grant_cases, session: Session) -> None:
        admin = site.client(Role.admin)
        base = "/api/v1/grants"
        calendar = work_calendar(session)
        same(
            admin.get(f"{base}/cases", params={"policy": POLICY}),
            [
                queries.case_dict(c, "zh", calendar=calendar)
                for c in queries.list_cases(session, principal=ADMIN, policy_id=POLICY)
            ],
        )
        for case_id in grant_cases.values():
            detail = admin.get(f"{base}/cases/{case_id}", params={"lang": "en"})
            same(detail, case_detail(session, case_id, ADMIN, "en"))
            assert detail.json()["engine_inputs"] == {"rd_expense": 1}
            same(
                admin.get(f"{base}/cases/{case_id}/history"),
                [
                    r.to_dict()
                    for r in queries.case_history(session, case_id=case_id, principal=ADMIN)
                ],
            )
        firm = Principal(0, "firm", Role.enterprise, uscc=site.account(Role.enterprise).uscc)
        same(
            site.client(Role.enterprise).get(f"{base}/notice"),
            queries.public_notice(session, principal=firm),
        )
        same(admin.get(f"{base}/budgets"), ledger.list_budgets(session))
        same(admin.get(f"{base}/batches"), batches.list_batches(session))
        for by in ("policy", "firm", "task_force"):
            same(
                admin.get(f"{base}/report", params={"year": 2023, "by": by}),
                reports.payouts(session, year=2023, by=by),
            )
