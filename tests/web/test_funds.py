"""The fund register on the served demo zone: the demo's fund and sub-fund, a firm's profile
shows the zone's funds in it, only administrators write."""

from __future__ import annotations

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role


def test_the_demo_register_and_a_firms_funds_tab(site: Site) -> None:
    reg = site.client(Role.analyst).get("/api/v1/funds").json()
    assert reg["total"] == len(reg["funds"]) >= 2
    main, sub = (f for f in reg["funds"] if "（示例）" in f["name"])
    assert sub["parent"] == main["name"] and sub["track"] == "commercial_aerospace"
    assert main["in_zone_fen"] < main["invested_fen"]  # one investment outside the zone
    invested = next(i for f in reg["funds"] for i in f["investments"] if i["in_zone"])
    client = site.client()
    account = site.account(Role.analyst)
    login(client, account.username, account.password)
    tab = client.get(f"/enterprises/{invested['uscc']}/funds")
    assert tab.status_code == 200 and invested["fund"] in tab.text
    page = client.get("/funds")
    assert "基金名录" in page.text and "返投比例" in page.text and "区外" in page.text


def test_only_administrators_write(site: Site) -> None:
    body = {
        "name": "新基金",
        "size_wan": 1000,
        "zone_share_wan": 100,
        "manager": "某管理人",
        "start_year": 2024,
        "end_year": 2030,
    }
    assert site.client(Role.analyst).post("/api/v1/funds", json=body).status_code == 403
    assert site.client(Role.enterprise).get("/api/v1/funds").status_code == 403
    bad = site.client(Role.admin).post("/api/v1/funds", json=body | {"zone_share_wan": 5000})
    assert bad.status_code == 422
    made = site.client(Role.admin).post("/api/v1/funds", json=body)
    assert made.status_code == 201
    assert "新基金" in {f["name"] for f in made.json()["funds"]}
