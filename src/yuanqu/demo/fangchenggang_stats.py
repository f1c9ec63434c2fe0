"""Fangchenggang's monthly statistics: above-scale industrial value added up 14.2% in 2023.

Fangchenggang (防城港) reported its 2023 above-scale industrial value added up 14.2% year on year.
The demo writes a small set of above-scale industrial firms (the industries of its task forces:
steel, non-ferrous metals, energy, grain and oil, chemicals) and their monthly reports 2019-01..
2024-12 through the registry's and the stats domain's own write paths, with the seasonality of
``demo/statistics.py``. The 2023 value added is then rescaled so that the same-scope cumulative
value added of January-December 2023 is exactly 1.142 times that of 2022 (every firm reports in both
years, so the same-scope and the total-to-total growth agree); gross output keeps the path's own
growth.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core.industry import industry_catalog
from yuanqu.core.uscc import make_usccs
from yuanqu.demo.statistics import FIRST, MONTHS, YEAR_2023, _seasonality
from yuanqu.registry.importer import EnterpriseRecord, LabelRecord, write_records
from yuanqu.registry.models import Enterprise, Label
from yuanqu.stats.importer import write_reports

VALUE_ADDED_GROWTH_2023 = 0.142  # 防城港 2023: 规模以上工业增加值同比增长 14.2%
FIRMS = 60
YEAR_2022 = slice(36, 48)
# (industry class, task force): the industrial classes the Fangchenggang task forces cover
INDUSTRIES = (
    ("3120", "metals"),
    ("3216", "metals"),
    ("4411", "energy"),
    ("2511", "energy"),
    ("1331", "grain_oil"),
    ("1391", "grain_oil"),
    ("2614", "chemicals"),
    ("2653", "chemicals"),
)
# About 360 亿元 of gross output in 2022 over the demo's firms (a scale, not a published figure).
OUTPUT_2022_YUAN = 36_000_000_000


def build_firms(rng: np.random.Generator) -> list[EnterpriseRecord]:
    """The above-scale industrial firms (labelled above scale since 2019)."""
    usccs = make_usccs(list(range(700_000, 700_000 + FIRMS)), division="450600")
    catalog = industry_catalog()
    records = []
    for i, uscc in enumerate(usccs):
        industry, force = INDUSTRIES[i % len(INDUSTRIES)]
        records.append(
            EnterpriseRecord(
                uscc=uscc,
                name=f"防城港规上工业企业{i + 1:03d}有限公司",
                industry_code=catalog.normalize(industry),
                industry_section=catalog.section_of(industry),
                established=date(2005 + int(rng.integers(0, 12)), 1 + int(rng.integers(0, 12)), 1),
                employees=int(rng.integers(120, 3000)),
                sub_area=("港口区", "防城区", "东兴市", "上思县")[i % 4],
                task_force=force,
                labels=[LabelRecord(Label.above_scale, valid_from=date(2019, 1, 1))],
            )
        )
    return records


def generate_reports(rng: np.random.Generator, ids: list[int]) -> list[dict]:
    """Monthly reports (fen) for every firm, 2019-01..2024-12, 2023 value added +14.2%."""
    n = len(ids)
    size = np.exp(rng.normal(0, 0.9, n))
    noise = np.exp(rng.normal(0, 0.05, (n, MONTHS)))
    output = size[:, None] * _seasonality()[None, :] * noise
    output *= OUTPUT_2022_YUAN / output[:, YEAR_2022].sum()
    ratio = rng.uniform(0.2, 0.32, n)[:, None] * np.ones(MONTHS)
    added = output * ratio
    # Fix 2023 against 2022 exactly; output keeps the seasonal path's own growth (about 5%),
    # so value added grows faster than output, as a mix shifting to higher value added does.
    factor = (1 + VALUE_ADDED_GROWTH_2023) * added[:, YEAR_2022].sum() / added[:, YEAR_2023].sum()
    added[:, YEAR_2023] *= factor
    revenue = output * rng.uniform(0.95, 1.1, n)[:, None]
    employees = rng.integers(120, 3000, n)
    periods = [str(FIRST + t) for t in range(MONTHS)]
    rows = []
    for r in range(n):
        for c in range(MONTHS):
            gross = int(np.rint(output[r, c])) * 100
            rows.append(
                {
                    "enterprise_id": ids[r],
                    "period": periods[c],
                    "gross_output_fen": gross,
                    "value_added_fen": min(int(np.rint(added[r, c])) * 100, gross),
                    "revenue_fen": int(np.rint(revenue[r, c])) * 100,
                    "profit_fen": int(np.rint(revenue[r, c] * 0.05)) * 100,
                    "tax_fen": int(np.rint(revenue[r, c] * 0.03)) * 100,
                    "rd_expense_fen": int(np.rint(revenue[r, c] * 0.01)) * 100,
                    "fixed_asset_investment_fen": int(np.rint(output[r, c] * 0.08)) * 100,
                    "employees": int(employees[r]),
                }
            )
    return rows


def build_statistics(session: Session, *, seed: int = 2023) -> int:
    """Write the firms and their monthly reports; returns the number of reports written."""
    rng = np.random.default_rng(seed + 7)
    records = build_firms(rng)
    write_records(session, records)
    by_uscc = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.id).where(
                Enterprise.uscc.in_([r.uscc for r in records])
            )
        ).all()
    )
    rows = generate_reports(rng, [by_uscc[r.uscc] for r in records])
    write_reports(session, rows)
    return len(rows)
