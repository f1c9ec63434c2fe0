"""`yuanqu agreements import|assess` and `yuanqu space import|vacancy|match` end to end."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from tests.factories.registry import make_firm
from tests.factories.space import PARCEL_HEAD, UNIT_HEAD, csv_bytes, unit_row
from tests.factories.stats import add_reports, report_row

HEAD = [
    "协议编号",
    "协议类型",
    "协议名称",
    "统一社会信用代码",
    "签订日期",
    "承诺编号",
    "考核指标",
    "目标值",
    "考核日期",
    "考核年度",
    "违约责任",
    "追回政策",
]


def seed_firm(committed_db) -> str:
    with Session(committed_db.engine) as session:
        firm = make_firm(session)
        add_reports(
            session, [report_row(firm.id, f"2023-{m:02d}", tax=250_000) for m in range(1, 13)]
        )
        session.commit()
        return firm.uscc


def test_import_then_assess_as_json(committed_db, cli, tmp_path) -> None:
    uscc = seed_firm(committed_db)
    parcels = tmp_path / "parcels.csv"
    parcels.write_bytes(
        csv_bytes(PARCEL_HEAD, [["P-9", "路东区", 13_334, "工业用地", "2020-01-01", "", uscc, ""]])
    )
    assert cli("space", "import", parcels, "--kind", "parcels").exit_code == 0
    agreements = tmp_path / "agreements.csv"
    agreements.write_bytes(
        csv_bytes(
            HEAD,
            [
                [
                    "XY-1",
                    "标准地履约监管协议",
                    "标准地协议",
                    uscc,
                    "2020-01-01",
                    "C1",
                    "亩均税收",
                    "10",
                    "2024-03-31",
                    "2023",
                    "追回奖补资金",
                    "rd_investment_reward",
                ],
                [
                    "XY-1",
                    "标准地履约监管协议",
                    "标准地协议",
                    uscc,
                    "2020-01-01",
                    "C2",
                    "税收",
                    "200",
                    "2024-03-31",
                    "2023",
                    "",
                    "",
                ],
            ],
        )
    )
    imported = cli("agreements", "import", agreements)
    assert imported.exit_code == 0, imported.stderr
    result = cli("agreements", "assess", "--as-of", "2024-06-30", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    # 300 万元 over 13,334 m² = 20.001 亩: 14.9993 → 15.00 万元/亩 against 10
    assert rows == [
        {
            "agreement": "XY-1",
            "uscc": uscc,
            "commitment": "C1",
            "indicator": "tax_per_mu",
            "target": 10,
            "actual": 15,
            "unit": "万元/亩",
            "status": "met",
            "shortfall": 0,
        },
        {
            "agreement": "XY-1",
            "uscc": uscc,
            "commitment": "C2",
            "indicator": "tax",
            "target": 200,
            "actual": 300,
            "unit": "万元",
            "status": "met",
            "shortfall": 0,
        },
    ]


def test_a_bad_agreement_file_exits_2_and_writes_nothing(committed_db, cli, tmp_path) -> None:
    uscc = seed_firm(committed_db)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(
            HEAD,
            [
                [
                    "XY-2",
                    "投资协议",
                    "t",
                    uscc,
                    "2020-01-01",
                    "C1",
                    "幸福指数",
                    "10",
                    "2024-03-31",
                    "",
                    "",
                    "",
                ],
                [
                    "XY-2",
                    "投资协议",
                    "t",
                    uscc,
                    "2020-01-01",
                    "C2",
                    "税收",
                    "-3",
                    "2019-03-31",
                    "",
                    "",
                    "",
                ],
            ],
        )
    )
    result = cli("agreements", "import", bad)
    assert result.exit_code == 2
    assert "考核指标" in result.stderr and "目标值" in result.stderr and "考核日期" in result.stderr
    assert json.loads(cli("agreements", "assess", "--format", "json").stdout) == []


def test_usage_mistakes_are_one_line_and_exit_2(committed_db, cli) -> None:
    for args in (
        ["agreements", "assess", "--as-of", "2024-13-01"],
        ["agreements", "assess", "--format", "yaml"],
        ["space", "vacancy", "--by", "colour"],
        ["space", "match", "--area", "big"],
    ):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_space_import_vacancy_and_match(committed_db, cli, tmp_path) -> None:
    units = tmp_path / "units.csv"
    units.write_bytes(
        csv_bytes(UNIT_HEAD, [unit_row("101", 1200), unit_row("102", 900, status="已出租")])
    )
    assert cli("space", "import", units).exit_code == 0
    vacancy = json.loads(cli("space", "vacancy", "--format", "json").stdout)
    assert (vacancy["total"]["area_sqm"], vacancy["total"]["vacant_sqm"]) == (2100, 1200)
    matched = cli("space", "match", "--area", "1000-1500", "--height", "6", "--format", "json")
    [requirement] = json.loads(matched.stdout)
    assert [m["code"] for m in requirement["matches"]] == ["101"]
    table = cli("space", "vacancy")
    assert "核心区" in table.stdout and "空置率" in table.stdout
