"""Plans over HTTP on the served demo zone: the seed's targets with computed progress, a task
force sees its plans, administrators edit a plan (a mistake changes nothing), pages in zh/en."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role


def test_the_demo_ships_the_seeds_targets_with_progress(site: Site) -> None:
    client = site.client(Role.analyst)
    plans = client.get("/api/v1/plans").json()
    keys = {p["key"] for p in plans["items"]}
    assert {"yizhuang_commercial_aerospace_2028", "yizhuang_biotech_2025"} <= keys
    assert plans["total"] == len(plans["items"])
    aerospace = client.get("/api/v1/plans/yizhuang_commercial_aerospace_2028").json()
    assert aerospace["verified"] and "500亿级" in aerospace["source_text"]
    for target in aerospace["targets"]:
        assert target["status"] in ("on_track", "at_risk", "off_track")
        assert target["actual"] is not None and target["forecast_method"]
        assert target["completion"] == target["actual"] / target["target"]
    biotech = client.get("/api/v1/plans/yizhuang_biotech_2025").json()
    assert biotech["verified"] is False
    assert biotech["targets"][0]["unit"] == "fen"


ANNUAL = "yizhuang_task_forces_2023"


def test_task_forces_annual_targets_with_progress_each_sees_its_own(site: Site) -> None:
    """Output, investment attracted and firms attracted for each task force in 2023, computed;
    a task-force member reads its own three targets and not the others'."""
    annual = site.client(Role.analyst).get(f"/api/v1/plans/{ANNUAL}").json()
    by_force: dict[str, set[str]] = {}
    for target in annual["targets"]:
        by_force.setdefault(target["scope"], set()).add(target["indicator"])
        assert target["actual"] is not None and target["status"] in ("achieved", "missed")
        assert target["completion"] == target["actual"] / target["target"]
    forces = {scope for scope in by_force if scope.startswith("task_force:")}
    assert len(forces) == 4
    for scope in forces:
        assert by_force[scope] == {"gross_output", "investment_attracted", "leads_signed"}
    assert by_force["all"] == {"space_delivered"}
    own = {f"task_force:{code}" for code in site.account(Role.task_force).task_forces}
    seen = site.client(Role.task_force).get(f"/api/v1/plans/{ANNUAL}").json()["targets"]
    assert seen and {t["scope"] for t in seen} <= own
    assert len(seen) == 3 * len(own & forces)
    listing = site.client(Role.task_force).get("/api/v1/plans").json()["items"]
    assert next(p for p in listing if p["key"] == ANNUAL)["targets"] == len(seen)
    client = site.client()
    account = site.account(Role.task_force)
    login(client, account.username, account.password)
    page = client.get(f"/plans/{ANNUAL}")
    assert page.status_code == 200 and "招商引资签约额" in page.text
    assert "全区载体交付面积" not in page.text  # the zone's target is not a task force's
    english = client.get(f"/plans/{ANNUAL}?lang=en")
    assert "investment attracted" in english.text and "CNY bn" in english.text


def test_task_force_sees_only_its_plans(site: Site) -> None:
    forces = site.account(Role.task_force).task_forces
    mine = site.client(Role.task_force).get("/api/v1/plans").json()["items"]
    # a plan of its own, or the plan of every task force's annual targets (no single owner)
    assert all(p["owner_name"] or p["key"] == ANNUAL for p in mine)
    everyone = site.client(Role.analyst).get("/api/v1/plans").json()["items"]
    assert len(mine) < len(everyone)
    hidden = next(p["key"] for p in everyone if p["key"] not in {m["key"] for m in mine})
    assert site.client(Role.task_force).get(f"/api/v1/plans/{hidden}").status_code == 404
    assert forces  # the demo's task-force account follows at least one task force
    assert site.client(Role.enterprise).get("/api/v1/plans").status_code == 403


def test_an_administrator_edits_a_target_and_a_mistake_changes_nothing(site: Site) -> None:
    admin = site.client(Role.admin)
    key = "yizhuang_14th_five_year"
    before = admin.get(f"/api/v1/plans/{key}").json()["targets"][0]
    client = site.client()
    account = site.account(Role.admin)
    csrf = login(client, account.username, account.password)
    page = client.get(f"/plans/{key}/edit")
    assert page.status_code == 200 and "800000000000" in page.text
    text = page.text.split('aria-label="YAML">')[1].split("</textarea>")[0]
    import html

    source = html.unescape(text)
    bad = client.post(
        f"/plans/{key}/edit",
        data={"source": source.replace("value: 800000000000", "value: lots"), "csrf_token": csrf},
    )
    assert bad.status_code == 422 and f"{key}.yaml:" in bad.text
    assert admin.get(f"/api/v1/plans/{key}").json()["targets"][0]["target"] == before["target"]
    good = client.post(
        f"/plans/{key}/edit",
        data={
            "source": source.replace("value: 800000000000", "value: 900000000000"),
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 303
    after = admin.get(f"/api/v1/plans/{key}").json()["targets"][0]
    assert after["target"] == 900000000000 * 100
    assert after["actual"] == before["actual"]  # the actual is computed, not typed
    restored = admin.put(f"/api/v1/plans/{key}", json={"source": source})
    assert restored.status_code == 200
    assert (
        site.client(Role.analyst).put(f"/api/v1/plans/{key}", json={"source": source}).status_code
        == 403
    )


def test_plan_page_in_chinese_and_english(site: Site) -> None:
    client = site.client()
    account = site.account(Role.analyst)
    login(client, account.username, account.password)
    page = client.get("/plans/yizhuang_commercial_aerospace_2028")
    assert page.status_code == 200
    assert "商业航天高新技术企业" in page.text and "截止时预计" in page.text
    assert "预测方法" in page.text and '"name": "\\u5bb6"' in page.text  # 家 on the axis
    english = client.get("/plans/yizhuang_commercial_aerospace_2028?lang=en")
    assert "High-tech firms in commercial aerospace" in english.text
    xlsx = client.get("/plans/yizhuang_commercial_aerospace_2028.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[3][0] == "目标" and rows[4][0] == "商业航天高新技术企业"
    assert rows[4][2] == 100  # the target, in 家
    listing = client.get("/plans")
    assert "共 " in listing.text and "目标考核" in listing.text
