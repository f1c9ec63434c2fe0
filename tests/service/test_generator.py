"""The demo's year is calibrated to 亦企服务港: about 5,400 requests, 99.9% closed, a handful open
past due, a few reopened, most of them general and answered within days."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np
import pyarrow as pa

from yuanqu.core.workdays import WorkCalendar
from yuanqu.service.generator import FirmRow, generate
from yuanqu.service.report import _typed, compute
from yuanqu.service.sla import shipped_sla


def year() -> list[dict]:
    firms = [
        FirmRow(f"91110302{i:09d}X", f"企业{i}", ("ic", "auto", None)[i % 3], "核心区")
        for i in range(3_500)
    ]
    return generate(
        np.random.default_rng(2023),
        firms=firms,
        n=5_400,
        year=2023,
        calendar=WorkCalendar(),
        limits=shipped_sla(),
        open_at_end=5,
        reopened=6,
        late_share=0.002,
    )


def test_the_year_matches_the_service_port() -> None:
    rows = year()
    closed = sum(1 for r in rows if r["closed_at"] is not None)
    assert len(rows) == 5_400 and round(100 * closed / len(rows), 1) == 99.9
    assert sum(r["reopens"] for r in rows) == 6
    assert len({r["ticket_no"] for r in rows}) == 5_400
    types = Counter(r["type"] for r in rows)
    assert types.most_common(1)[0][0] == "policy" and types["complaint"] < types["permits"]
    assert all(r["due_at"] >= r["received_at"] for r in rows)
    assert all(r["closed_at"] is None or r["closed_at"] >= r["signed_at"] for r in rows)


def test_its_report_reads_like_a_good_desk() -> None:
    rows = year()
    table = _typed(
        pa.Table.from_pylist(
            [
                {
                    k: r[k]
                    for k in (
                        "uscc",
                        "firm_name",
                        "task_force",
                        "channel",
                        "type",
                        "owner_unit",
                        "received_at",
                        "sign_due_at",
                        "signed_at",
                        "closed_at",
                        "due_at",
                        "satisfaction",
                    )
                }
                | {"solved": None if r["solved"] is None else int(r["solved"])}
                for r in rows
            ]
        )
    )
    total = compute(table, as_of=datetime(2024, 1, 31))["total"]
    assert 95 <= total["response_rate_pct"] <= 99
    assert 90 <= total["resolution_rate_pct"] <= 98
    assert total["satisfaction_rate_pct"] >= 95
    assert total["overdue"] <= 40  # a handful: the few still open and the few closed late
    assert 24 <= total["median_hours"] <= 120
