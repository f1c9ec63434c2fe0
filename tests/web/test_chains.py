"""The chain pages and their JSON twins on the served demo zone: the map with the statistics,
a segment's firms (scoped for task forces), the report, the profile's chain tab and its roles."""

from __future__ import annotations

import io
import re

from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.registry.service import get_enterprise


def busiest_segment(site: Site, chain: str = "ic") -> str:
    body = site.client(Role.analyst).get(f"/api/v1/chains/{chain}").json()
    return max(body["coverage"]["segments"], key=lambda s: s["firms"])["segment"]


class TestChainApi:
    def test_map_data_carries_output_and_growth_from_the_statistics(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/api/v1/chains/ic")
        assert response.status_code == 200, response.text
        body = response.json()
        assert re.fullmatch(r"20\d\d-\d\d", body["coverage"]["period"])  # latest reported
        placed = [s for s in body["coverage"]["segments"] if s["firms"]]
        assert placed, "the demo places firms on the IC chain"
        assert any(s["output_fen"] for s in placed)
        assert {c["key"] for c in body["chains"]} >= {"ic", "hydrogen"}

    def test_segment_firms_match_the_segment_count(self, site: Site) -> None:
        segment = busiest_segment(site)
        client = site.client(Role.analyst)
        coverage = client.get("/api/v1/chains/ic").json()["coverage"]
        count = next(s["firms"] for s in coverage["segments"] if s["segment"] == segment)
        firms = client.get(f"/api/v1/chains/ic/segments/{segment}/firms").json()
        assert len(firms) == count

    def test_a_task_force_sees_only_the_firms_it_follows(self, site: Site) -> None:
        segment = busiest_segment(site)
        firms = site.client(Role.analyst).get(f"/api/v1/chains/ic/segments/{segment}/firms")
        mine = site.client(Role.task_force).get(f"/api/v1/chains/ic/segments/{segment}/firms")
        assert mine.status_code == 200
        follows = set(site.account(Role.task_force).task_forces)
        from yuanqu.core.db import make_engine, session_scope

        engine = make_engine(site.url)
        try:
            with session_scope(engine) as session:
                for firm in mine.json():
                    assert get_enterprise(session, uscc=firm["uscc"]).task_force in follows
        finally:
            engine.dispose()
        assert len(mine.json()) <= len(firms.json())

    def test_unknown_chain_and_segment_are_named(self, site: Site) -> None:
        client = site.client(Role.analyst)
        response = client.get("/api/v1/chains/nope")
        assert response.status_code == 404
        assert response.json()["details"] == {"chain": "nope"}
        response = client.get("/api/v1/chains/ic/segments/nope/firms")
        assert response.status_code == 404
        assert response.json()["details"] == {"chain": "ic", "segment": "nope"}
        response = client.get("/api/v1/chains/ic?period=2023-13")
        assert response.status_code == 422

    def test_enterprise_users_read_only_their_own_firm(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        own = site.account(Role.enterprise).uscc
        assert client.get(f"/api/v1/chains/firms/{own}").status_code == 200
        assert client.get(f"/api/v1/chains/firms/{site.other_uscc}").status_code in (403, 404)
        assert client.get(f"/enterprises/{site.other_uscc}/chain").status_code in (403, 404)
        assert client.get("/api/v1/chains/ic").status_code == 403
        assert client.get("/chains/ic").status_code == 403


class TestChainPages:
    def test_map_page_embeds_the_option_and_lists_gaps(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/chains/ic")
        assert response.status_code == 200
        assert 'id="chain-option"' in response.text and 'id="chain-map"' in response.text
        assert "/chains/ic/report.xlsx" in response.text
        assert "/api/v1/chains/ic?" in response.text

    def test_index_leads_to_the_first_chain(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/chains")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/chains/")

    def test_segment_fragment_for_htmx(self, site: Site) -> None:
        segment = busiest_segment(site)
        client = site.client(Role.analyst)
        fragment = client.get(f"/chains/ic/segments/{segment}", headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and "segment-firms" in fragment.text
        page = client.get(f"/chains/ic/segments/{segment}")
        assert "<html" in page.text

    def test_report_xlsx_has_the_statistics_columns(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/chains/hydrogen/report.xlsx")
        assert response.status_code == 200
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        header = book.get_sheet_by_index(0).to_python()[0]
        assert "工业总产值（万元）" in header

    def test_profile_tab_says_where_the_firm_sits(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        profile = site.client(Role.enterprise).get(f"/enterprises/{own}")
        assert f'hx-get="/enterprises/{own}/chain"' in profile.text
        tab = site.client(Role.enterprise).get(f"/enterprises/{own}/chain")
        assert tab.status_code == 200
        assert "firm-chain" in tab.text or "empty" in tab.text
        assert 'href="/chains/' not in tab.text  # enterprise users have no map to go to
