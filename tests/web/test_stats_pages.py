"""The economy pages and /api/v1/stats: the page and its JSON twin agree, drill-downs add up to
their group, exports hold what is shown, and every reader sees only what it may."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.core.auth import Role


def economy(site: Site, role: Role = Role.analyst, **params: str) -> dict:
    response = site.client(role).get("/api/v1/stats/economy", params=params)
    assert response.status_code == 200, response.text
    return response.json()


class TestEconomyPage:
    def test_page_shows_the_figures_of_its_json_twin(self, site: Site) -> None:
        client = site.client(Role.analyst)
        twin = economy(site)
        page = client.get("/stats/economy")
        assert page.status_code == 200
        assert "<h1>经济运行</h1>" in page.text
        assert f"/api/v1/stats/economy?period={twin['period']}" in page.text
        for firm in twin["ranking"][:5]:
            assert f'href="/enterprises/{firm["uscc"]}"' in page.text
        for name in ("trend", "leading", "treemap"):
            assert f'id="chart-{name}"' in page.text

    def test_htmx_gets_the_fragment_for_another_period_and_scope(self, site: Site) -> None:
        client = site.client(Role.analyst)
        periods = economy(site)["periods"]
        params = {"period": periods[1], "scope": "above_scale"}
        fragment = client.get("/stats/economy", params=params, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and 'id="chart-trend"' in fragment.text
        assert "规模以上工业企业" in fragment.text
        twin = economy(site, **params)
        assert twin["period"] == periods[1] and twin["scope"] == "above_scale"

    def test_the_parts_agree_with_the_bulletin(self, site: Site) -> None:
        twin = economy(site)
        bulletin = (
            site.client(Role.analyst)
            .get("/api/v1/stats/bulletin", params={"period": twin["period"], "by": "section"})
            .json()
        )
        totals = {r["indicator"]: r["cumulative"] for r in bulletin["rows"] if r["by"] == "total"}
        assert {r["indicator"]: r["cumulative"] for r in twin["headline"]} == {
            k: totals[k]
            for k in ("gross_output", "value_added", "revenue", "fixed_asset_investment")
        }
        assert twin["treemap"]["value"] == totals["gross_output"]
        sections = {
            r["group"]: r["cumulative"]
            for r in bulletin["rows"]
            if r["by"] == "section" and r["indicator"] == "gross_output" and r["cumulative"]
        }
        assert {c["code"]: c["value"] for c in twin["treemap"]["children"]} == sections

    def test_drill_down_adds_up_to_its_group(self, site: Site) -> None:
        twin = economy(site)
        client = site.client(Role.analyst)
        for row in twin["leading_industries"][:4]:
            params = {
                "period": twin["period"],
                "by": "leading_industry",
                "group": row["group"],
                "indicator": row["indicator"],
            }
            firms = client.get("/api/v1/stats/drill-down", params=params).json()
            assert sum(f["cumulative"] or 0 for f in firms) == row["cumulative"]
            page = client.get("/stats/economy/firms", params=params)
            assert page.status_code == 200 and row["group_name"] in page.text
            for firm in firms[:3]:
                assert f"/enterprises/{firm['uscc']}#statistics" in page.text

    def test_export_holds_what_is_shown(self, site: Site) -> None:
        twin = economy(site)
        response = site.client(Role.analyst).get(
            "/stats/economy/export.xlsx", params={"period": twin["period"]}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        assert len(book.sheet_names) == 4  # the zone, leading industries, sections, divisions
        cells = {
            c
            for index in range(len(book.sheet_names))
            for row in book.get_sheet_by_index(index).to_python()
            for c in row
        }
        for row in twin["leading_industries"]:
            assert row["group_name"] in cells

    def test_bad_input_names_the_field_and_changes_nothing(self, site: Site) -> None:
        client = site.client(Role.analyst)
        for params in (
            {"period": "2024-01"},  # no January bulletin
            {"period": "1999-05"},  # no data
            {"period": "soon"},
            {"scope": "everything"},
        ):
            response = client.get("/api/v1/stats/economy", params=params)
            assert response.status_code == 422, params
            body = response.json()
            assert set(body) == {"code", "message", "details"} and body["message"]
            page = client.get("/stats/economy", params=params)
            assert page.status_code == 422 and "<html" in page.text
        drill = client.get("/api/v1/stats/drill-down", params={"by": "colour", "group": "x"})
        assert drill.status_code == 422 and drill.json()["details"] == {"by": "colour"}
        trend = client.get("/api/v1/stats/trend", params={"start": "2024-06", "end": "2024-03"})
        assert trend.status_code == 422


class TestWhoSeesWhat:
    def test_a_task_force_reads_only_its_task_forces(self, site: Site) -> None:
        forces = site.account(Role.task_force).task_forces
        client = site.client(Role.task_force)
        twin = economy(site, Role.task_force)
        assert twin["scope"] == f"task_force:{forces[0]}"
        own = client.get("/api/v1/enterprises", params={"page_size": 500}).json()["items"]
        assert {f["uscc"] for f in twin["ranking"]} <= {f["uscc"] for f in own}
        outsider = next(c for c in ("auto", "ic", "bio", "ai") if c not in forces)
        for path in ("/api/v1/stats/economy", "/api/v1/stats/ranking", "/stats/economy"):
            response = client.get(path, params={"scope": f"task_force:{outsider}"})
            assert response.status_code == 403, path

    def test_an_enterprise_reads_only_its_own_statistics(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        assert client.get(f"/enterprises/{own}/statistics").status_code == 200
        assert client.get(f"/api/v1/stats/enterprises/{own}").json()["uscc"] == own
        for path in (
            f"/enterprises/{site.other_uscc}/statistics",
            f"/api/v1/stats/enterprises/{site.other_uscc}",
            "/api/v1/stats/economy",
            "/api/v1/stats/drill-down",
            "/stats/economy",
        ):
            assert client.get(path).status_code == 403, path

    def test_profile_loads_the_statistics_tab(self, site: Site) -> None:
        client = site.client(Role.analyst)
        top = economy(site)["ranking"][0]["uscc"]
        profile = client.get(f"/enterprises/{top}")
        assert f'hx-get="/enterprises/{top}/statistics"' in profile.text
        tab = client.get(f"/enterprises/{top}/statistics", headers={"HX-Request": "true"})
        assert tab.status_code == 200 and "<html" not in tab.text
        twin = client.get(f"/api/v1/stats/enterprises/{top}").json()
        assert twin["months"] and twin["size_class_name"]
        assert twin["size_class_name"] in tab.text
        assert twin["months"][-1]["period"] in tab.text
        assert 'id="chart-firm-statistics"' in tab.text

    def test_navigation_shows_economy_to_readers_only(self, site: Site) -> None:
        assert 'href="/stats/economy"' in site.client(Role.analyst).get("/").text
        assert 'href="/stats/economy"' not in site.client(Role.policy_officer).get("/").text
