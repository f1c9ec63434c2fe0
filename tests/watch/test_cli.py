"""`yuanqu watch ...` through its real entry point: the JSON shape of the issue, one-line errors
with exit 2, rules files checked with FILE:LINE, cases and precision."""

from __future__ import annotations

import json

from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_reports, report_row
from yuanqu.core.db import session_scope


def _zone(engine) -> dict[str, str]:
    with session_scope(engine) as session:
        make_task_force(session, "ic")
        falling = make_firm(session, task_force="ic")
        shrinking = make_firm(session)
        rows = [report_row(falling.id, f"2023-{m:02d}", gross_output=1000) for m in (4, 5, 6)]
        rows += [report_row(falling.id, f"2024-{m:02d}", gross_output=10) for m in (4, 5, 6)]
        rows += [
            report_row(shrinking.id, "2023-06", employees=40),
            report_row(shrinking.id, "2024-06", employees=20),
        ]
        add_reports(session, rows)
        return {"falling": falling.uscc, "shrinking": shrinking.uscc}


def test_list_json_has_the_issues_shape(committed_db, cli) -> None:
    codes = _zone(committed_db.engine)
    result = cli("watch", "list", "--as-of", "2024-06", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"uscc": codes["falling"], "signals": ["output_decline"], "score": 30, "owner": "ic"},
        {"uscc": codes["shrinking"], "signals": ["staff_decline"], "score": 25, "owner": None},
    ]
    # the service desk is wired at start-up: the relocation rule has its source, nothing to say
    assert "relocation_signal" not in result.stderr


def test_a_bad_period_is_one_line_and_exit_2(committed_db, cli) -> None:
    result = cli("watch", "list", "--as-of", "2024-13")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "2024-13" in result.stderr.splitlines()[0]


def test_a_bad_rules_file_names_file_and_line(committed_db, cli, tmp_path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - id: output_decline\n    name_zh: 下滑\n    name_en: falling\n"
        "    kind: yoy_below\n    measure: output\n    below: 1.5\n    months: 3\n"
        "    weight: 30\n",
        encoding="utf-8",
    )
    result = cli("watch", "rules", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:6:" in result.stderr and f"{bad}:7:" in result.stderr
    listed = cli("watch", "list", "--as-of", "2024-06", "--rules", str(bad))
    assert listed.exit_code == 2


def test_a_case_opened_and_closed_counts_in_precision(committed_db, cli) -> None:
    codes = _zone(committed_db.engine)
    opened = cli("watch", "open", codes["falling"], "--as-of", "2024-06", "--on", "2024-07-02")
    assert opened.exit_code == 0, opened.stderr
    case = opened.stdout.split("#")[1].split()[0]
    assert cli("watch", "close", case, "--outcome", "lost").exit_code == 0
    rows = json.loads(cli("watch", "precision", "--format", "json").stdout)
    overall = rows[0]
    assert (overall["decided"], overall["lost"], overall["precision"]) == (1, 1, 1.0)
    by_rule = {r["rule"]: r for r in rows[1:]}
    assert by_rule["output_decline"]["decided"] == 1
    assert (
        by_rule["staff_decline"]["decided"] == 0 and by_rule["staff_decline"]["precision"] is None
    )
    refused = cli("watch", "open", codes["shrinking"], "--as-of", "2024-07")
    assert refused.exit_code == 2
