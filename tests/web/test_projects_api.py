"""The JSON API of key projects and leads on the served demo zone: task-force scoping, stage
rules and close-out over HTTP, lead signing, the profile tab, refusals that change nothing."""

from __future__ import annotations

from datetime import date

from tests.web.conftest import Site
from yuanqu.core.auth import Role

TODAY = date.today().isoformat()


def _board(site: Site, role: Role) -> dict:
    response = site.client(role).get("/api/v1/projects/board")
    assert response.status_code == 200, response.text
    return response.json()


def _movable(site: Site) -> dict:
    """A project whose next stage is before full production (no close-out rule in the way)."""
    board = _board(site, Role.project_officer)
    stages = board["stages"]
    for column in board["columns"][1:-3]:
        if column["items"]:
            project = column["items"][0]
            return project | {"next": stages[stages.index(column["stage"]) + 1]}
    raise AssertionError("the demo has no project in a middle stage")


class TestBoard:
    def test_every_project_sits_in_its_stage_column(self, site: Site) -> None:
        board = _board(site, Role.project_officer)
        listed = site.client(Role.project_officer).get("/api/v1/projects").json()
        assert listed["total"] > 0
        assert sum(c["projects"] for c in board["columns"]) == listed["total"]
        assert [c["stage"] for c in board["columns"]] == board["stages"]
        for column in board["columns"]:
            assert {p["stage"] for p in column["items"]} <= {column["stage"]}

    def test_task_force_member_sees_only_its_task_forces(self, site: Site) -> None:
        forces = set(site.account(Role.task_force).task_forces)
        client = site.client(Role.task_force)
        projects = client.get("/api/v1/projects").json()["items"]
        leads = client.get("/api/v1/leads").json()
        assert projects and leads
        assert {p["task_force"] for p in projects} <= forces
        assert {lead["task_force"] for lead in leads} <= forces
        everyone = site.client(Role.analyst).get("/api/v1/projects").json()["items"]
        other = next(p for p in everyone if p["task_force"] not in forces)
        refused = client.get(f"/api/v1/projects/{other['id']}")
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
        funnel = client.get("/api/v1/leads/funnel", params={"span": "2023"}).json()
        assert {row["task_force"] for row in funnel} <= forces

    def test_policy_officer_and_enterprise_may_not_read_projects(self, site: Site) -> None:
        for role in (Role.policy_officer, Role.enterprise):
            assert site.client(role).get("/api/v1/projects").status_code == 403


class TestStageMoves:
    def test_forward_then_back_needs_a_reason(self, site: Site) -> None:
        project = _movable(site)
        client = site.client(Role.project_officer)
        url = f"/api/v1/projects/{project['id']}/stage"
        moved = client.post(url, json={"to": project["next"], "on": TODAY})
        assert moved.status_code == 200, moved.text
        assert moved.json()["stage"] == project["next"]
        back = client.post(url, json={"to": project["stage"], "on": TODAY})
        assert back.status_code == 422
        assert back.json()["code"] == "reason_required"
        detail = client.get(f"/api/v1/projects/{project['id']}").json()["project"]
        assert detail["stage"] == project["next"]  # the refused move changed nothing
        undone = client.post(url, json={"to": project["stage"], "on": TODAY, "reason": "测试退回"})
        assert undone.status_code == 200, undone.text
        assert undone.json()["stage"] == project["stage"]

    def test_analyst_reads_but_may_not_move(self, site: Site) -> None:
        project = _movable(site)
        response = site.client(Role.analyst).post(
            f"/api/v1/projects/{project['id']}/stage", json={"to": project["next"], "on": TODAY}
        )
        assert response.status_code == 403

    def test_task_force_member_may_not_move_another_task_force_project(self, site: Site) -> None:
        forces = set(site.account(Role.task_force).task_forces)
        board = _board(site, Role.project_officer)
        other = next(
            p for c in board["columns"][1:-3] for p in c["items"] if p["task_force"] not in forces
        )
        response = site.client(Role.task_force).post(
            f"/api/v1/projects/{other['id']}/stage",
            json={"to": "planning", "on": TODAY, "reason": "x"},
        )
        assert response.status_code == 403
        after = site.client(Role.analyst).get(f"/api/v1/projects/{other['id']}").json()
        assert after["project"]["stage"] == other["stage"]


class TestCloseOut:
    def test_item_closes_only_with_resolution_and_date(self, site: Site) -> None:
        project = _movable(site)
        client = site.client(Role.project_officer)
        opened = client.post(
            f"/api/v1/projects/{project['id']}/items",
            json={"kind": "problem", "title": "用地报批", "owner": "自然资源局",
                  "opened_on": TODAY, "workdays": 10},
        )  # fmt: skip
        assert opened.status_code == 201, opened.text
        item = opened.json()
        assert item["status"] == "open" and item["due_on"] > TODAY
        url = f"/api/v1/projects/items/{item['id']}/close"
        assert client.post(url, json={"resolution": "", "closed_on": TODAY}).status_code == 422
        assert client.post(url, json={"resolution": "已批复"}).status_code == 422
        blank = client.post(url, json={"resolution": "   ", "closed_on": TODAY})
        assert blank.status_code == 422 and blank.json()["code"] == "reason_required"
        items = client.get(f"/api/v1/projects/{project['id']}").json()["items"]
        assert next(i for i in items if i["id"] == item["id"])["status"] == "open"
        closed = client.post(url, json={"resolution": "已批复", "closed_on": TODAY})
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed" and closed.json()["resolution"] == "已批复"
        again = client.post(url, json={"resolution": "再次", "closed_on": TODAY})
        assert again.status_code == 409


class TestLeads:
    def test_signing_a_lead_makes_its_project_in_one_step(self, site: Site) -> None:
        client = site.client(Role.task_force)
        leads = client.get("/api/v1/leads").json()
        lead = next(x for x in leads if x["stage"] in ("negotiating", "intent", "contacted"))
        signed = client.post(
            f"/api/v1/leads/{lead['id']}/sign",
            json={"signed_on": TODAY, "planned_investment_fen": 80_000_000_00},
        )
        assert signed.status_code == 201, signed.text
        project = signed.json()
        assert project["lead_id"] == lead["id"]
        assert project["task_force"] == lead["task_force"]
        assert project["planned_investment_fen"] == 80_000_000_00
        after = next(x for x in client.get("/api/v1/leads").json() if x["id"] == lead["id"])
        assert after["stage"] == "signed" and after["project_id"] == project["id"]
        twice = client.post(f"/api/v1/leads/{lead['id']}/sign", json={"signed_on": TODAY})
        assert twice.status_code == 409

    def test_project_officer_may_not_sign_a_lead(self, site: Site) -> None:
        leads = site.client(Role.analyst).get("/api/v1/leads").json()
        response = site.client(Role.project_officer).post(
            f"/api/v1/leads/{leads[0]['id']}/sign", json={"signed_on": TODAY}
        )
        assert response.status_code == 403


class TestReports:
    def test_seven_batches_and_overdue(self, site: Site) -> None:
        client = site.client(Role.analyst)
        report = client.get("/api/v1/projects/batches", params={"span": "2023"}).json()
        assert report["tracked_projects"] > 0
        assert len(report["batches"]) == 7
        bad = client.get("/api/v1/projects/batches", params={"span": "0000"})
        assert bad.status_code == 422 and bad.json()["code"]
        overdue = client.get("/api/v1/projects/overdue", params={"by": "task_force"}).json()
        assert all(i["overdue_workdays"] > 0 for items in overdue.values() for i in items)


class TestEnterpriseTab:
    def test_enterprise_reads_its_own_projects_only(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        response = client.get(f"/api/v1/enterprises/{own}/projects")
        assert response.status_code == 200
        assert client.get(f"/api/v1/enterprises/{site.other_uscc}/projects").status_code == 403
        assert client.get(f"/enterprises/{site.other_uscc}/projects").status_code == 403
        page = client.get(f"/enterprises/{own}/projects")
        assert page.status_code == 200 and "<html" not in page.text  # an htmx fragment
