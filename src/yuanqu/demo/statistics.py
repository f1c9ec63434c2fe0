"""Monthly reports for the demo zone, 2019-01 to 2024-12, calibrated to Yizhuang's 2023.

Calibration (the 2023 bulletin, cumulative January-December):
- gross industrial output 5,200 亿元 (above-scale industrial firms);
- industrial value added 30% of Beijing's (Beijing: 5,236.6 亿元, shipped as a reference total in
  data/reference/beijing.csv; not verified against the communique, see the note there);
- fixed-asset investment above 1,000 亿元, of which industrial firms 463 亿元;
- strategic emerging industry firms 44% of gross output.

Every series is one numpy matrix (firms x 72 months): a firm's size, its own trend, the zone's
growth path (the 2020 epidemic, the recovery), seasonality (the Spring Festival dip in January or
February, the December peak), noise, and the months it is active (entry when it becomes above
scale or is founded, exit for some). The matrices are scaled so that 2023 hits the targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from yuanqu.core.periods import Period
from yuanqu.registry.importer import EnterpriseRecord
from yuanqu.registry.models import Label

FIRST = Period(2019, 1)
MONTHS = 72  # 2019-01 .. 2024-12
YEAR_2023 = slice(48, 60)

TARGET_OUTPUT_YUAN = 520_000_000_000  # 5,200 亿元
# 5,236.6 亿元: NOT verified. The 2023 communique's industrial value added was not found in the
# sources searched; its secondary industry, 6,525.6 亿元 (industry plus construction), bounds it.
BEIJING_VALUE_ADDED_YUAN = 523_660_000_000
TARGET_VALUE_ADDED_YUAN = round(BEIJING_VALUE_ADDED_YUAN * 0.30)
TARGET_INDUSTRIAL_FAI_YUAN = 46_300_000_000  # 463 亿元
TARGET_OTHER_FAI_YUAN = 60_000_000_000  # 600 亿元: total FAI 1,063 亿元
SEI_SHARE = 0.44

# The zone's output level by year (2019 = 1): the 2020 epidemic, the 2021 rebound, ~5% in 2023.
YEAR_LEVEL = {2019: 1.00, 2020: 1.03, 2021: 1.17, 2022: 1.22, 2023: 1.28, 2024: 1.35}
# Spring Festival day: it decides whether January or February takes the holiday dip.
SPRING_FESTIVAL = {
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
}
SEASON = np.array([0.0, 0.0, 1.00, 0.98, 1.00, 1.04, 0.97, 0.96, 1.03, 0.98, 1.05, 1.32])

Progress = Callable[[str, int, int], None]


@dataclass
class StatsPlan:
    """Which firms report and from when to when, decided before the registry is written (exits
    end the firm's above-scale label)."""

    reporters: np.ndarray  # indices into the zone's records
    industrial: np.ndarray  # bool per reporter
    first_month: np.ndarray  # month index 0..71
    last_month: np.ndarray


def _label_start(record: EnterpriseRecord, label: str) -> date | None:
    for item in record.labels or ():
        if item.label == label:
            return item.valid_from or date(1990, 1, 1)
    return None


def plan_reporters(rng: np.random.Generator, records: list[EnterpriseRecord]) -> StatsPlan:
    """Above-scale industrial firms (from their label) and larger firms of other industries."""
    chosen: list[int] = []
    industrial: list[bool] = []
    first: list[int] = []
    for i, record in enumerate(records):
        start = _label_start(record, Label.above_scale)
        if start is not None:
            chosen.append(i)
            industrial.append(True)
            first.append(max(0, (start.year - 2019) * 12 + start.month - 1))
        elif record.industry_section not in "BCD" and (record.employees or 0) >= 80:
            founded = record.established or date(2000, 1, 1)
            chosen.append(i)
            industrial.append(False)
            first.append(max(0, (founded.year + 1 - 2019) * 12))
    first_month = np.minimum(np.array(first), MONTHS - 1)
    n = len(chosen)
    # About 1.5% of reporters leave each year (move out, shrink below scale, close).
    leaves = rng.random(n) < 0.08
    exit_month = rng.integers(6, MONTHS - 3, size=n)
    last_month = np.where(leaves & (exit_month > first_month + 6), exit_month, MONTHS - 1)
    return StatsPlan(np.array(chosen), np.array(industrial), first_month, last_month)


def end_labels_of_leavers(records: list[EnterpriseRecord], plan: StatsPlan) -> None:
    """A firm that stops reporting is no longer above scale from the month after."""
    for index, last in zip(plan.reporters, plan.last_month, strict=True):
        if last >= MONTHS - 1:
            continue
        end = (FIRST + int(last)).last_day
        record = records[int(index)]
        record.labels = [
            replace(item, valid_to=end)
            if item.label == Label.above_scale and (item.valid_from or end) <= end
            else item
            for item in (record.labels or [])
        ]


def _seasonality() -> np.ndarray:
    factors = np.empty(MONTHS)
    for t in range(MONTHS):
        p = FIRST + t
        season = SEASON.copy()
        festival = SPRING_FESTIVAL[p.year]
        season[0], season[1] = (0.74, 0.84) if festival.month == 1 else (0.86, 0.70)
        if p.year == 2020:  # the epidemic: February stopped, March restarted slowly
            season[1] *= 0.55
            season[2] *= 0.85
        growth = YEAR_LEVEL[p.year]
        following = YEAR_LEVEL.get(p.year + 1, growth * 1.05)
        within = (following / growth) ** ((p.month - 6.5) / 12)
        factors[t] = season[p.month - 1] * growth * within
    return factors


def _scale_to(matrix: np.ndarray, rows: np.ndarray, target: float) -> None:
    total = matrix[rows][:, YEAR_2023].sum()
    if total > 0:
        matrix[rows] *= target / total


def _drug_makers(records: Sequence[EnterpriseRecord], plan: StatsPlan) -> np.ndarray:
    """Per reporter: a pharmaceutical maker or medical research firm."""
    codes = (str(records[i].industry_code or "") for i in plan.reporters)
    return np.array([c.startswith(("27", "7340")) for c in codes], dtype=bool)


def _rd_expense(
    rng: np.random.Generator,
    revenue: np.ndarray,
    share: np.ndarray,
    *,
    tech: np.ndarray,
    drug: np.ndarray,
    months: np.ndarray,
) -> np.ndarray:
    """Monthly R&D expense, a share of revenue grown at a pace of its own.

    - the task forces' firms spend 3-10% of revenue, drug makers and medical research firms two
      and a half times that (innovative pharma), and their R&D grows by about 5% a year more
      than their revenue, give or take 15% (never cut by more than 5% a year);
    - the zone's R&D leaders, the largest 1% of those firms by revenue, spend 10-18% (drug makers
      half as much again) and raise it by 25-35% a year: R&D is concentrated in a few large
      firms, the ones that add the hundreds of millions a year the R&D reward's cap presumes.

    Drawn after every other series, so the other series do not depend on it."""
    share = np.where(tech & drug, share * 2.5, share)
    own = np.where(tech, np.clip(rng.normal(0.05, 0.15, share.size), -0.05, 0.5), 0.0)
    size = revenue[:, YEAR_2023].sum(axis=1)
    line = np.quantile(size[tech], 0.99) if tech.any() else np.inf
    leaders = tech & (size >= line)
    share = np.where(leaders, rng.uniform(0.12, 0.20, share.size) * (1 + 0.5 * drug), share)
    own = np.where(leaders, rng.uniform(0.25, 0.35, share.size), own)
    growth = np.exp(own[:, None] * (months[None, :] - 54) / 12)  # 1 in mid-2023
    return revenue * share[:, None] * growth


def generate_reports(
    rng: np.random.Generator,
    records: Sequence[EnterpriseRecord],
    plan: StatsPlan,
    ids: dict[str, int],
    *,
    as_of: date,
) -> list[dict]:
    """The monthly report rows (amounts in fen), calibrated so 2023 hits the targets."""
    n = len(plan.reporters)
    months = np.arange(MONTHS)
    active = (months >= plan.first_month[:, None]) & (months <= plan.last_month[:, None])
    employees = np.array([records[i].employees or 1 for i in plan.reporters], dtype=float)
    sei = np.array(
        [
            any(
                lab.label == Label.strategic_emerging and (lab.valid_from or as_of) <= as_of
                for lab in (records[i].labels or ())
            )
            for i in plan.reporters
        ]
    )
    tech = np.array([records[i].task_force is not None for i in plan.reporters])
    ind = plan.industrial

    size = np.exp(rng.normal(0, 1.1, n)) * employees**0.9
    trend = rng.normal(0.0, 0.07, n)
    path = np.exp(trend[:, None] * (months[None, :] - 54) / 12) * _seasonality()[None, :]
    noise = np.exp(rng.normal(0, 0.06, (n, MONTHS)))
    level = size[:, None] * path * noise * active

    output = np.where(ind[:, None], level, 0.0)
    ind_rows = np.flatnonzero(ind)
    _scale_to(output, ind_rows[sei[ind_rows]], TARGET_OUTPUT_YUAN * SEI_SHARE)
    _scale_to(output, ind_rows[~sei[ind_rows]], TARGET_OUTPUT_YUAN * (1 - SEI_SHARE))
    ratio = rng.uniform(0.18, 0.42, n)[:, None] * np.ones(MONTHS)
    added = output * ratio
    _scale_to(added, ind_rows, TARGET_VALUE_ADDED_YUAN)
    added = np.minimum(added, output)

    revenue = np.where(ind[:, None], output * rng.uniform(0.95, 1.12, n)[:, None], level * 3)
    other_rows = np.flatnonzero(~ind)
    _scale_to(revenue, other_rows, 380_000_000_000)
    profit = revenue * rng.normal(0.07, 0.06, n)[:, None] * np.exp(rng.normal(0, 0.3, (n, MONTHS)))
    tax = revenue * rng.uniform(0.02, 0.05, n)[:, None]
    rd_share = np.where(tech, rng.uniform(0.03, 0.10, n), rng.uniform(0.0, 0.01, n))

    # Investment is lumpy: a firm invests in some years, spread unevenly over the months.
    invests = rng.random((n, 6)) < np.where(ind, 0.35, 0.25)[:, None]
    years = np.repeat(np.arange(6), 12)
    fai = level * invests[:, years] * rng.gamma(0.6, 1.0, (n, MONTHS))
    _scale_to(fai, ind_rows, TARGET_INDUSTRIAL_FAI_YUAN)
    _scale_to(fai, other_rows, TARGET_OTHER_FAI_YUAN)
    heads = np.rint(employees[:, None] * path / path.mean(axis=1, keepdims=True)) * active
    rd = _rd_expense(
        rng, revenue, rd_share, tech=tech, drug=_drug_makers(records, plan), months=months
    )

    def fen(matrix: np.ndarray) -> np.ndarray:
        return (np.rint(matrix).astype(np.int64) * 100).astype(np.int64)

    gross, value, rev = fen(output), fen(added), fen(revenue)
    value = np.minimum(value, gross)
    prof, tx, rdx, inv = fen(profit), fen(tax), fen(rd), fen(fai)
    heads_i = heads.astype(np.int64)
    firm_ids = np.array([ids[records[i].uscc] for i in plan.reporters])
    periods = [str(FIRST + t) for t in range(MONTHS)]
    rows: list[dict] = []
    for r, c in zip(*np.nonzero(active), strict=True):
        rows.append(
            {
                "enterprise_id": int(firm_ids[r]),
                "period": periods[c],
                "gross_output_fen": int(gross[r, c]) if ind[r] else None,
                "value_added_fen": int(value[r, c]) if ind[r] else None,
                "revenue_fen": int(rev[r, c]),
                "profit_fen": int(prof[r, c]),
                "tax_fen": int(tx[r, c]),
                "rd_expense_fen": int(rdx[r, c]),
                "fixed_asset_investment_fen": int(inv[r, c]),
                "employees": int(heads_i[r, c]),
            }
        )
    return rows
