"""The Fangchenggang demo's statistics: its 2023 bulletin reads value added up 14.2%."""

from __future__ import annotations

import json


def test_fangchenggang_bulletin_reads_value_added_up_14_2_percent(committed_db, cli) -> None:
    built = cli("demo", "--zone", "fangchenggang", "--no-serve")
    assert built.exit_code == 0, built.stdout + built.stderr
    report = cli(
        "stats", "report", "--period", "2023-12", "--scope", "above_scale", "--format", "json"
    )
    assert report.exit_code == 0, report.stdout + report.stderr
    rows = {r["indicator"]: r for r in json.loads(report.stdout)["rows"] if r["by"] == "total"}
    assert rows["value_added"]["cumulative_yoy_pct"] == 14.2
    assert rows["value_added"]["cumulative"] > 0
    # the figure is fixed on value added alone: output keeps its own path
    assert rows["gross_output"]["cumulative_yoy_pct"] != 14.2
    assert rows["value_added"]["cumulative"] < rows["gross_output"]["cumulative"]
