"""Every shipped watch rule at its boundaries (tests/watch/golden/rules.yaml), on SQLite and
PostgreSQL, computed the way the CLI computes it: committed data read into DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_reports, report_row
from yuanqu.core.db import bump_data_version, session_scope
from yuanqu.core.periods import Period
from yuanqu.watch import service

GOLDEN = yaml.safe_load((Path(__file__).parent / "golden" / "rules.yaml").read_text())["cases"]


def build(engine, case: dict[str, Any]) -> dict[str, str]:
    """Write the case's firms, labels and reports; firm key -> credit code."""
    codes: dict[str, str] = {}
    with session_scope(engine) as session:
        make_task_force(session, "ic")
        rows = []
        for key, spec in case["firms"].items():
            labels = [
                (label, _day(start), _day(end)) for label, start, end in spec.get("labels", [])
            ]
            firm = make_firm(session, task_force="ic", labels=labels)
            codes[key] = firm.uscc
            for periods, values in spec.get("reports", []):
                first, last = (Period.parse(p) for p in periods.split(".."))
                rows += [report_row(firm.id, str(p), **values) for p in Period.range(first, last)]
        if rows:
            add_reports(session, rows)
        bump_data_version(session, "registry")
    return codes


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_golden_case(committed_db, case: dict[str, Any]) -> None:
    codes = build(committed_db.engine, case)
    with session_scope(committed_db.engine) as session:
        listing = service.watch_list(session, as_of=str(case["as_of"]))
    found = {e.uscc: sorted(e.signals) for e in listing.items}
    expected = {codes[k]: sorted(v) for k, v in case["expect"].items()}
    assert found == expected
    for key, score in case.get("scores", {}).items():
        assert next(e.score for e in listing.items if e.uscc == codes[key]) == score
    assert listing.total == len(expected)
