"""`yuanqu insurance import|report|subsidies` through the real entry point."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from tests.factories.insurance import claim_row, claims_csv, policies_csv, policy_row
from tests.factories.registry import make_firm
from yuanqu.core.db import session_scope
from yuanqu.policies.models import PolicyFact


def test_import_report_and_subsidies(committed_db, cli, tmp_path) -> None:
    with session_scope(committed_db.engine) as session:
        firm = make_firm(session, labels=[("high_tech", date(2022, 1, 1), None)])
    policies = tmp_path / "保单.csv"
    policies.write_bytes(policies_csv([policy_row(firm.uscc, "P1", 保费="20000")]))
    claims = tmp_path / "赔案.csv"
    claims.write_bytes(claims_csv([claim_row("P1", "C1")]))
    assert cli("insurance", "import", policies).exit_code == 0
    assert cli("insurance", "import", claims, "--kind", "claims").exit_code == 0

    body = json.loads(cli("insurance", "report", "--year", "2023", "-f", "json").stdout)
    total = next(r for r in body["rows"] if r["by"] == "total")
    assert (total["policies"], total["premium_fen"]) == (1, 2_000_000)
    assert body["high_tech"] == {
        "as_of": "2023-12-31",
        "firms": 1,
        "covered": 1,
        "share_pct": 100.0,
    }
    table = cli("--lang", "en", "insurance", "report", "--by", "claims", "-f", "csv")
    assert (
        table.exit_code == 0
        and "R&D expense loss,1,0,0,30.0,30.0,4000000,2000000,200.0" in table.stdout
    )

    awards = json.loads(cli("insurance", "subsidies", "--year", "2023", "-f", "json").stdout)
    assert [a["uscc"] for a in awards] == [firm.uscc]
    with session_scope(committed_db.engine) as session:
        from yuanqu.accounts.schemas import UserCreate
        from yuanqu.accounts.service import create_user

        create_user(
            session,
            data=UserCreate(
                username="officer", role="policy_officer", password="grey-heron-at-dusk"
            ),
        )
    paid = cli("insurance", "subsidies", "--year", "2023", "--pay-as", "officer")
    assert paid.exit_code == 0, paid.stderr
    fed = cli("insurance", "subsidies", "--year", "2023", "--feed", "-f", "json")
    assert fed.exit_code == 0
    with session_scope(committed_db.engine) as session:
        facts = session.scalars(select(PolicyFact)).all()
    assert [(f.year, f.fact, f.value) for f in facts] == [
        (2023, "tech_insurance_premium", 2_000_000)
    ]


def test_a_bad_file_exits_2_and_writes_the_error_report(committed_db, cli, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(policies_csv([policy_row("91110302MA00000000", "P1", 险种="火灾险")]))
    report = tmp_path / "errors.csv"
    result = cli("insurance", "import", bad, "--errors", report)
    assert result.exit_code == 2
    text = report.read_text(encoding="utf-8-sig")
    assert "险种" in text and "火灾险" in text
    body = json.loads(cli("insurance", "report", "--year", "2023", "-f", "json").stdout)
    assert next(r for r in body["rows"] if r["by"] == "total")["policies"] == 0
