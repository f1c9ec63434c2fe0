"""One page per track on the served demo zone: its plan with progress, policy set, chain, fund,
projects, platform and spaces."""

from __future__ import annotations

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role


def test_the_commercial_aerospace_track_ties_its_parts_together(site: Site) -> None:
    track = site.client(Role.analyst).get("/api/v1/tracks/commercial_aerospace").json()
    assert [p["key"] for p in track["plans"]] == ["yizhuang_commercial_aerospace_2028"]
    assert len(track["plans"][0]["targets"]) == 5
    assert track["chain"]["key"] == "aerospace"
    assert track["policies"][0]["id"] == "commercial_aerospace_support"
    assert track["policies"][0]["title"] != "commercial_aerospace_support"  # a title, not an id
    assert [f["name"] for f in track["funds"]["funds"]] == ["商业航天子基金（示例）"]
    for project in track["projects"]:
        assert project["industry_code"][:4] in ("3742", "3743")
    assert site.client(Role.analyst).get("/api/v1/tracks/deep_sea").status_code == 404
    assert (
        site.client(Role.enterprise).get("/api/v1/tracks/commercial_aerospace").status_code == 403
    )
    client = site.client()
    account = site.account(Role.analyst)
    login(client, account.username, account.password)
    page = client.get("/tracks/commercial_aerospace")
    assert page.status_code == 200
    for words in ("商业航天", "北京火箭大街", "空天街区", "商业航天子基金（示例）"):
        assert words in page.text
