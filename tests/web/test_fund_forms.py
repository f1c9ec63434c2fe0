"""The fund register's forms over HTTP on the served demo zone: an administrator creates and edits
a fund and a sub-fund, records an investment in a registry firm and its exit; a mistake is shown
beside its field in zh or en and changes nothing; the CSRF token is required; other roles may
neither open nor send the forms, as the API allows writes to administrators only."""

from __future__ import annotations

import re

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role


def _admin(site: Site):
    client = site.client()
    account = site.account(Role.admin)
    return client, login(client, account.username, account.password)


def _funds(site: Site) -> dict[str, dict]:
    register = site.client(Role.analyst).get("/api/v1/funds").json()
    return {f["name"]: f for f in register["funds"]}


def _fund_form(csrf: str, **changes: str) -> dict[str, str]:
    values = {
        "name": "表单测试基金",
        "parent": "",
        "size_wan": "50000",
        "zone_share_wan": "20000",
        "manager": "表单测试管理有限公司",
        "start_year": "2023",
        "end_year": "2030",
        "track": "",
        "csrf_token": csrf,
    }
    values.update(changes)
    return values


def _error(page: str, field: str) -> str:
    found = re.search(rf'data-error="{field}">([^<]+)<', page)
    assert found, f"no error shown beside {field}"
    return found.group(1)


def test_an_administrator_creates_and_edits_a_fund_and_a_sub_fund(site: Site) -> None:
    client, csrf = _admin(site)
    page = client.get("/funds/new")
    assert page.status_code == 200 and "基金规模（万元）" in page.text and "商业航天" in page.text
    created = client.post("/funds/new", data=_fund_form(csrf))
    assert created.status_code == 303 and created.headers["location"] == "/funds?lang=zh"
    main = _funds(site)["表单测试基金"]
    assert main["size_fen"] == 50_000 * 1_000_000 and main["zone_share_fen"] == 20_000 * 1_000_000
    sub = _fund_form(
        csrf, name="表单测试子基金", parent="表单测试基金", size_wan="8000", zone_share_wan="3000"
    )
    sub["track"] = "commercial_aerospace"
    assert client.post("/funds/new", data=sub).status_code == 303
    child = _funds(site)["表单测试子基金"]
    assert child["parent"] == "表单测试基金" and child["track"] == "commercial_aerospace"
    edit = client.get(f"/funds/{child['id']}/edit")
    assert edit.status_code == 200 and 'value="8000"' in edit.text
    listing = client.get("/funds")
    assert "新建基金" in listing.text and f"/funds/{child['id']}/edit" in listing.text
    row = listing.text.split(f'data-fund="{child["id"]}"')[1].split("</tr>")[0]
    assert "商业航天" in row  # the track by its name
    # the edit also takes the track off again (the shared demo's aerospace track keeps one fund)
    changed = client.post(
        f"/funds/{child['id']}/edit",
        data={**sub, "manager": "更名后的管理人", "track": ""},
    )
    assert changed.status_code == 303
    edited = _funds(site)["表单测试子基金"]
    assert (edited["manager"], edited["track"]) == ("更名后的管理人", None)


def test_a_mistake_is_shown_beside_its_field_and_changes_nothing(site: Site) -> None:
    client, csrf = _admin(site)
    before = _funds(site)
    over = client.post("/funds/new", data=_fund_form(csrf, name="超额基金", zone_share_wan="90000"))
    assert over.status_code == 422
    assert _error(over.text, "zone_share_wan") == "园区出资不能超过基金规模"
    assert 'value="超额基金"' in over.text  # what was typed stays in the form
    words = client.post(
        "/funds/new?lang=en",
        data=_fund_form(csrf, name="文字基金", size_wan="很多", end_year="2020", manager=""),
    )
    assert words.status_code == 422
    assert _error(words.text, "size_wan") == "a whole number"
    assert _error(words.text, "manager") == "required"
    backwards = client.post("/funds/new", data=_fund_form(csrf, name="倒序基金", end_year="2020"))
    assert _error(backwards.text, "end_year") == "存续期终止年早于起始年"
    assert _funds(site).keys() == before.keys()


def test_an_investment_in_a_registry_firm_and_its_exit(site: Site) -> None:
    client, csrf = _admin(site)
    name = "投资表单测试基金"
    client.post("/funds/new", data=_fund_form(csrf, name=name))
    fund = _funds(site)[name]
    form = {
        "uscc": site.other_uscc,
        "investee_name": "",
        "invested_on": "2023-05-10",
        "amount_wan": "1200",
        "round": "A轮",
        "stake_pct": "4.5",
        "csrf_token": csrf,
    }
    stranger = {**form, "uscc": "91110000MA00000000"}
    unknown = client.post(f"/funds/{fund['id']}/invest", data=stranger)
    assert unknown.status_code == 422 and _error(unknown.text, "uscc")
    too_much = client.post(f"/funds/{fund['id']}/invest", data={**form, "stake_pct": "120"})
    assert _error(too_much.text, "stake_pct") == "应不大于 100"
    assert _funds(site)[name]["investments"] == []
    done = client.post(f"/funds/{fund['id']}/invest", data=form)
    assert done.status_code == 303
    (investment,) = _funds(site)[name]["investments"]
    assert investment["uscc"] == site.other_uscc and investment["investee_name"] == site.other_name
    assert investment["amount_fen"] == 1200 * 1_000_000 and investment["stake_pct"] == 4.5
    exit_url = f"/funds/investments/{investment['id']}/exit"
    early = client.post(
        exit_url, data={"exited_on": "2022-01-01", "exit_amount_wan": "1500", "csrf_token": csrf}
    )
    assert early.status_code == 422 and "早于投资日期" in _error(early.text, "exited_on")
    good = {"exited_on": "2024-06-30", "exit_amount_wan": "1500", "csrf_token": csrf}
    assert client.post(exit_url, data=good).status_code == 303
    (exited,) = _funds(site)[name]["investments"]
    assert exited["exited_on"] == "2024-06-30" and exited["exit_amount_fen"] == 1500 * 1_000_000
    again = client.post(exit_url, data=good)
    assert again.status_code == 409 and "该投资已退出" in again.text


def test_the_forms_need_the_csrf_token_and_an_administrator(site: Site) -> None:
    client, _csrf = _admin(site)
    forged = client.post("/funds/new", data=_fund_form("forged", name="伪造基金"))
    assert forged.status_code == 403 and "伪造基金" not in _funds(site)
    analyst = site.client()
    account = site.account(Role.analyst)
    token = login(analyst, account.username, account.password)
    assert analyst.get("/funds/new").status_code == 403
    refused = analyst.post("/funds/new", data=_fund_form(token, name="分析员基金"))
    assert refused.status_code == 403 and "分析员基金" not in _funds(site)
    listing = analyst.get("/funds")
    assert listing.status_code == 200 and "新建基金" not in listing.text
    assert "/edit" not in listing.text and "/exit" not in listing.text
    fund_id = next(iter(_funds(site).values()))["id"]
    assert analyst.get(f"/funds/{fund_id}/invest").status_code == 403
    member = site.client()
    account = site.account(Role.task_force)
    login(member, account.username, account.password)
    assert member.get(f"/funds/{fund_id}/edit").status_code == 403
