"""`yuanqu chains ...` end to end on a committed database (read through ADBC)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from tests.factories.chains import make_ic_zone


def build_zone(database) -> dict[str, str]:
    with Session(database.engine) as session:
        zone = make_ic_zone(session)
        session.commit()
        return {k: v.uscc for k, v in zone.items()}


def test_check_reports_file_and_line(cli, tmp_path):
    assert cli("chains", "check").exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: x\nname: {zh: 甲, en: A}\nsegments: []\n", encoding="utf-8")
    result = cli("chains", "check", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.stderr


def test_place_coverage_gaps_and_report(cli, committed_db, tmp_path):
    zone = build_zone(committed_db)
    placed = json.loads(cli("chains", "place", "-f", "json").stdout)
    assert placed["firms_read"] == 7
    design = cli("chains", "place", "--segment", "ic.design", "-f", "json")
    assert len(json.loads(design.stdout)) == 3
    coverage = json.loads(
        cli("chains", "coverage", "ic", "--as-of", "2023-12-31", "-f", "json").stdout
    )
    figures = {s["segment"]: (s["firms"], s["hhi"], s["grade"]) for s in coverage["segments"]}
    assert figures["design"] == (3, 3750.0, "medium")
    gaps = json.loads(cli("chains", "gaps", "ic", "--as-of", "2023-12-31", "-f", "json").stdout)
    assert gaps[0]["segment_key"] == "ic.eda_ip"
    out = tmp_path / "chains.xlsx"
    assert cli("chains", "report", str(out), "--as-of", "2023-12-31").exit_code == 0
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["环节强度", "缺口", "环节企业", "待复核"]
    result = cli(
        "chains",
        "override",
        zone["trader"],
        "ic.equipment",
        "--action",
        "include",
        "--reason",
        "代理刻蚀设备",
        "--by",
        "王",
    )
    assert result.exit_code == 0, result.stderr
    where = json.loads(cli("chains", "where", zone["trader"], "-f", "json").stdout)
    assert [(w["segment"], w["source"]) for w in where] == [("equipment", "override")]
    history = json.loads(cli("chains", "overrides", "-f", "json").stdout)
    assert history[0]["reason"] == "代理刻蚀设备"
