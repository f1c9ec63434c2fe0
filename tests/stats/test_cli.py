"""`yuanqu stats ...` through the real entry point."""

from __future__ import annotations

import json
import zipfile

from tests.factories.registry import make_firm
from yuanqu.core.db import session_scope


def _firm(committed_db) -> str:
    with session_scope(committed_db.engine) as session:
        return make_firm(session).uscc


def _reports(path, uscc: str) -> None:
    lines = ["uscc,period,gross_output,value_added,employees"]
    lines += [f"{uscc},2022-{m:02d},100,30,10" for m in range(1, 13)]
    lines += [f"{uscc},2023-{m:02d},110,33,12" for m in range(1, 4)]
    path.write_text("\n".join(lines) + "\n")


def test_import_report_json_and_missing(committed_db, cli, tmp_path):
    uscc = _firm(committed_db)
    _reports(tmp_path / "r.csv", uscc)
    result = cli("stats", "import", tmp_path / "r.csv")
    assert result.exit_code == 0, result.stderr
    again = cli("stats", "import", tmp_path / "r.csv")
    assert again.exit_code == 2 and "--replace" in again.stderr

    result = cli("stats", "report", "--period", "2023-03", "--by", "section", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"period", "scope", "rows"}
    assert (data["period"], data["scope"]) == ("2023-03", "all")
    total = next(r for r in data["rows"] if r["indicator"] == "gross_output" and r["by"] == "total")
    assert list(total) == [
        "indicator",
        "by",
        "group",
        "month",
        "cumulative",
        "month_yoy_pct",
        "cumulative_yoy_pct",
        "share_pct",
    ]
    assert total["month"] == 110 and total["cumulative"] == 330
    assert total["month_yoy_pct"] == 10.0 and total["share_pct"] is None

    january = cli("stats", "report", "--period", "2023-01")
    assert january.exit_code == 2 and "1月与2月合并" in january.stderr

    missing = cli("stats", "missing", "--period", "2023-04", "--format", "json")
    assert missing.exit_code == 1
    assert [m["uscc"] for m in json.loads(missing.stdout)] == [uscc]


def test_xlsx_bulletin_has_a_sheet_per_breakdown_and_charts(committed_db, cli, tmp_path):
    uscc = _firm(committed_db)
    _reports(tmp_path / "r.csv", uscc)
    assert cli("stats", "import", tmp_path / "r.csv").exit_code == 0
    target = tmp_path / "b.xlsx"
    result = cli("stats", "report", "--period", "2023-03", "--format", "xlsx", "--output", target)
    assert result.exit_code == 0, result.stderr
    names = zipfile.ZipFile(target).namelist()
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
    charts = [n for n in names if n.startswith("xl/charts/chart")]
    # The zone and five breakdowns: the firm holds no label, so there is no label sheet.
    assert len(sheets) == 6
    assert len(charts) == 6


def test_firm_shows_the_size_class_the_profile_no_longer_carries(committed_db, cli, tmp_path):
    uscc = _firm(committed_db)
    _reports(tmp_path / "r.csv", uscc)
    assert cli("stats", "import", tmp_path / "r.csv").exit_code == 0
    shown = cli("stats", "firm", uscc.lower(), "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["uscc"] == uscc and view["size_class"]["year"] == 2023
    assert view["size_class"]["months_reported"] == 3
    table = cli("stats", "firm", uscc)
    assert "企业规模" in table.stdout and "2023 年" in table.stdout
    assert cli("stats", "firm", "91110000MA00000000").exit_code != 0


def test_terminal_report_is_a_summary_in_yi_yuan_and_full_on_request(committed_db, cli, tmp_path):
    from rich.cells import cell_len

    with session_scope(committed_db.engine) as session:
        core = make_firm(session, sub_area="核心区").uscc
        east = make_firm(session, sub_area="路东区").uscc
    lines = ["uscc,period,gross_output,value_added,employees"]
    for uscc in (core, east):
        lines += [f"{uscc},2022-{m:02d},4000000000,1000000000,100" for m in range(1, 13)]
        lines += [f"{uscc},2023-{m:02d},5000000000,1200000000,110" for m in range(1, 4)]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    assert cli("stats", "import", tmp_path / "r.csv").exit_code == 0

    summary = cli("stats", "report", "--period", "2023-03")
    assert summary.exit_code == 0, summary.stderr
    shown = summary.stdout.splitlines()
    assert max(cell_len(line) for line in shown) <= 100
    assert "全部企业" in summary.stdout and " all " not in summary.stdout
    zone = next(line for line in shown if "工业总产值" in line and "亿元" in line)
    assert "300.0" in zone and "100.0" in zone  # 2023年1-3月 and March, 亿元
    assert "25.0" in zone  # year on year
    assert "片区" in summary.stdout and "核心区" in summary.stdout and "--full" in summary.stdout
    assert "3,000,000.0" not in summary.stdout

    full = cli("stats", "report", "--period", "2023-03", "--full")
    assert full.exit_code == 0, full.stderr
    assert "万元" in full.stdout and "亿元" not in full.stdout  # every group, one unit
    assert "division" not in full.stdout and "total" not in full.stdout
    assert "个组别本期无数据" in full.stdout
    assert len(full.stdout.splitlines()) > len(shown)

    english = cli("--lang", "en", "stats", "report", "--period", "2023-03")
    assert "CNY 100m" in english.stdout and "all firms" in english.stdout
