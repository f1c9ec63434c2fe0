"""`yuanqu mu ...` through the real entry point."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row

from yuanqu.accounts.schemas import UserCreate
from yuanqu.accounts.service import create_user
from yuanqu.core.auth import Role
from yuanqu.core.db import session_scope
from yuanqu.registry.firms import Label
from yuanqu.space.models import Parcel

YEAR = 2023


@pytest.fixture
def zone(committed_db) -> list[str]:
    above = [(Label.above_scale, date(2020, 1, 1), None)]
    codes = []
    with session_scope(committed_db.engine) as session:
        for n in range(4):
            firm = make_firm(session, labels=above)
            # the parcel it holds (the CLI wires the space domain's land at start-up)
            session.add(
                Parcel(
                    number=f"MU-{n}",
                    sub_area="核心区",
                    area_sqm=10000,
                    land_use="industrial",
                    granted_on=date(2018, 1, 1),
                    enterprise_id=firm.id,
                )
            )
            add_reports(
                session,
                [
                    report_row(firm.id, f"{YEAR}-{m:02d}", tax=1000 * (n + 1), value_added=9000)
                    for m in range(1, 13)
                ],
            )
            codes.append(firm.uscc)
        create_user(
            session,
            data=UserCreate(
                username="analyst-cli", password="grey-heron-at-dusk-42", role=Role.analyst
            ),
        )
    return codes


def test_import_evaluate_notice(zone, cli, tmp_path) -> None:
    data = tmp_path / "r.csv"
    rows = "\n".join(f"{u},{YEAR},10,1,50000" for u in zone)
    data.write_text(f"uscc,year,energy_tce,emissions_t,electricity_kwh\n{rows}\n")
    done = cli("mu", "import", data)
    assert done.exit_code == 0, done.stderr
    shown = cli("mu", "evaluate", "--year", YEAR, "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    results = json.loads(shown.stdout)
    assert set(results[0]) == {
        "uscc", "group", "score", "rank", "grade", "exempt_reason", "indicators",
    }  # fmt: skip
    assert {r["grade"] for r in results} <= {"A", "B", "C", "D"}
    best = min(results, key=lambda r: r["rank"])
    assert best["uscc"] == zone[-1] and isinstance(best["score"], float)
    kept = cli("mu", "evaluate", "--year", YEAR, "--as", "analyst-cli")
    assert kept.exit_code == 0, kept.stderr
    assert "4 家定级" in kept.stdout
    on_notice = cli("mu", "notice", "--year", YEAR, "--as", "analyst-cli", "--start", "2024-03-01")
    assert on_notice.exit_code == 0, on_notice.stderr
    early = cli("mu", "publish", "--year", YEAR, "--as", "analyst-cli", "--today", "2024-03-05")
    assert early.exit_code != 0 and "公示期" in early.stderr
    report = cli("mu", "report", "--year", YEAR, "--format", "json")
    assert json.loads(report.stdout)["status"] == "notice"


def test_a_bad_file_exits_2_with_its_report(committed_db, cli, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("uscc,year,energy_tce\n91110000MA00000000,1900,-1\n")
    report = tmp_path / "errors.csv"
    result = cli("mu", "import", bad, "--errors", report)
    assert result.exit_code == 2 and report.exists()
    assert "1900" in report.read_text(encoding="utf-8-sig")
