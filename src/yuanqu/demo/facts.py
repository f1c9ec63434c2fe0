"""The demo zone's policy facts: the annual figures the shipped policies read that neither the
registry nor the monthly statistics hold, calibrated to the zone's published 2023 awards.

What is generated, deterministically from the seed, for the data years 2022 and 2023:

- for every firm holding a high-tech, specialized or little-giant label at the year's end: its
  technical staff, high-tech product (service) revenue, invention patents and class II IP; and,
  when it files no monthly report, its financial statements: revenue, R&D expense (with the
  previous year's figure, the statements' comparative column) and headcount. A firm's figures
  are drawn once and grown year on year, so its statements of two years agree;
- a few R&D-led drug developers (the largest that file no monthly report: pre-revenue biotechs,
  below the statistics' threshold): statements whose R&D grows fast, which the R&D reward reads
  through its fallback to the statements;
- for pharmaceutical makers, medical research firms and device makers (the industries the
  clinical-trial reward covers): the new drugs approved for clinical trials, a heavy tail in
  which most firms have none and a few large ones have a handful (at most ``MAX_TRIALS``);
- for the commercial aerospace firms: rocket launches (a handful of launch firms) and satellites
  delivered;
- the tech-insurance premiums, handed over from the zone's insurance book by the insurance
  domain's own feed.

The published figure they are calibrated to, *29 firms received more than 100 million yuan
in 2023*, is reached by :mod:`yuanqu.demo.headline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.demo.headline import DRUG_PREFIXES, MAX_TRIALS, calibrate_headline, starts
from yuanqu.policies.facts import write_facts
from yuanqu.registry.models import Enterprise, EnterpriseLabel
from yuanqu.registry.service import label_active

TECH_LABELS = ("high_tech", "specialized", "little_giant")
AEROSPACE_PREFIXES = ("374", "6540")
#: R&D-led developers: at most this many, with at least this many staff.
RD_LED_FIRMS = 8
RD_LED_MIN_STAFF = 100


@dataclass
class FactsSummary:
    rows: int = 0
    premium_firms: int = 0
    trials: dict[int, int] = field(default_factory=dict)  # data year -> approved trials
    launches: dict[int, int] = field(default_factory=dict)
    satellites: dict[int, int] = field(default_factory=dict)
    rd_led: int = 0  # R&D-led developers given statements
    headline: list[tuple[str, int, int]] = field(default_factory=list)  # uscc, trials, other fen


def _firms(session: Session) -> dict[str, np.ndarray]:
    rows = session.execute(
        select(
            Enterprise.id,
            Enterprise.industry_code,
            Enterprise.employees,
            Enterprise.registered_capital_fen,
            Enterprise.established,
        ).order_by(Enterprise.id)
    ).all()
    return {
        "id": np.array([r[0] for r in rows], dtype=np.int64),
        "code": np.array([r[1] for r in rows], dtype=object),
        "employees": np.array([r[2] or 1 for r in rows], dtype=np.int64),
        "capital": np.array([(r[3] or 0) / 100 for r in rows], dtype=float),
        "founded": np.array([r[4].year if r[4] else 2000 for r in rows], dtype=np.int64),
    }


def _labelled(session: Session, year: int) -> set[int]:
    end = date(year, 12, 31)
    return set(
        session.scalars(
            select(EnterpriseLabel.enterprise_id)
            .where(EnterpriseLabel.label.in_(TECH_LABELS), label_active(end))
            .distinct()
        )
    )


def _reporting(
    session: Session, years: range
) -> dict[int, dict[int, tuple[int | None, int | None]]]:
    """Year -> firm -> (revenue fen, December headcount) from its monthly reports."""
    from yuanqu.stats.firms import annual_totals

    table = annual_totals(session, years=years, measures=("revenue",))
    out: dict[int, dict[int, tuple[int | None, int | None]]] = {year: {} for year in years}
    for f, y, r, e in zip(
        *(table.column(c).to_pylist() for c in ("firm_id", "year", "revenue", "employees")),
        strict=True,
    ):
        out[int(y)][int(f)] = (r, e)
    return out


def _row(firm: int, year: int, fact: str, value: int) -> dict[str, int | str]:
    return {"enterprise_id": int(firm), "year": year, "fact": fact, "value": int(value)}


@dataclass
class Profiles:
    """Each firm's figures drawn once (index = position in ``_firms``) and grown year on year
    from the first year, so the statements of two years agree with each other."""

    per_head_yuan: np.ndarray
    rd_ratio: np.ndarray
    staff_share: np.ndarray
    product_share: np.ndarray
    patents: np.ndarray
    class2: np.ndarray
    revenue_level: dict[int, np.ndarray]  # year -> factor on the first year's revenue
    rd_level: dict[int, np.ndarray]

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, years: range) -> Profiles:
        revenue_level, rd_level = {years[0]: np.ones(n)}, {years[0]: np.ones(n)}
        for year in years[1:]:
            revenue_level[year] = revenue_level[year - 1] * (1 + rng.normal(0.06, 0.10, n))
            rd_level[year] = rd_level[year - 1] * np.clip(1 + rng.normal(0.08, 0.15, n), 0.5, 2)
        return cls(
            per_head_yuan=np.exp(rng.normal(np.log(900_000), 0.6, n)),
            rd_ratio=rng.uniform(0.03, 0.12, n),
            # Most certified firms clear the 10% and 60% thresholds, some do not (the
            # pre-assessment should find both).
            staff_share=np.clip(rng.beta(2.2, 5.0, n) * 0.9 + 0.03, 0.0, 0.95),
            product_share=np.clip(rng.beta(5.0, 1.8, n), 0.2, 0.99),
            patents=rng.negative_binomial(1.2, 0.18, n),
            class2=rng.negative_binomial(1.0, 0.09, n),
            revenue_level=revenue_level,
            rd_level=rd_level,
        )


def tech_facts(
    profiles: Profiles,
    firms: dict[str, np.ndarray],
    *,
    year: int,
    labelled: set[int],
    reporting: dict[int, tuple[int | None, int | None]],
    filed: dict[int, int],
) -> list[dict]:
    """Staff, product revenue and IP of the labelled tech firms; statements for non-reporters
    (the year's revenue, R&D and headcount, and the previous year's R&D) but those in ``filed``
    (firm -> revenue in fen of statements written elsewhere)."""
    index = {int(f): i for i, f in enumerate(firms["id"])}
    rows: list[dict] = []
    for firm in sorted(labelled):
        i = index[firm]
        revenue_fen, reported_heads = reporting.get(firm, (None, None))
        headcount = int(reported_heads or firms["employees"][i])
        revenue_fen = filed.get(firm, revenue_fen)
        if revenue_fen is None:
            base = int(firms["employees"][i]) * profiles.per_head_yuan[i]
            revenue_fen = int(base * profiles.revenue_level[year][i]) * 100
            rd = base * profiles.rd_ratio[i]
            rows.append(_row(firm, year, "annual_revenue", revenue_fen))
            rows.append(
                _row(firm, year, "annual_rd_expense", int(rd * profiles.rd_level[year][i]) * 100)
            )
            if year - 1 in profiles.rd_level:
                prev = int(rd * profiles.rd_level[year - 1][i]) * 100
                rows.append(_row(firm, year, "annual_rd_expense_prev", prev))
            rows.append(_row(firm, year, "annual_employees", headcount))
        rows.append(
            _row(firm, year, "tech_staff", max(1, round(headcount * profiles.staff_share[i])))
        )
        rows.append(
            _row(
                firm,
                year,
                "high_tech_product_revenue",
                int(revenue_fen * profiles.product_share[i]),
            )
        )
        rows.append(_row(firm, year, "invention_patents", int(profiles.patents[i])))
        rows.append(_row(firm, year, "class2_ip", int(profiles.class2[i])))
    return rows


def rd_led_statements(
    rng: np.random.Generator,
    firms: dict[str, np.ndarray],
    *,
    data_year: int,
    reporters: set[int],
) -> tuple[list[dict], list[int]]:
    """Statements of the largest drug developers that file no monthly report (pre-revenue
    biotechs): R&D of 0.8-1.5 million yuan a head, grown 35-80% in the data year and 10-40%
    the year after, revenue a fraction of it. Returns (rows, firms)."""
    drug = starts(firms["code"], DRUG_PREFIXES)
    able = (
        drug
        & (firms["employees"] >= RD_LED_MIN_STAFF)
        & (firms["founded"] <= data_year - 2)  # a full previous year to compare with
        & ~np.isin(firms["id"], np.array(sorted(reporters), dtype=np.int64))
    )
    order = np.flatnonzero(able)[np.argsort(-firms["employees"][able], kind="stable")]
    chosen = [int(i) for i in order[:RD_LED_FIRMS]]
    rows: list[dict] = []
    for i in chosen:
        firm, heads = int(firms["id"][i]), int(firms["employees"][i])
        rd = heads * rng.uniform(800_000, 1_500_000)
        prev, after = rd / rng.uniform(1.35, 1.8), rd * rng.uniform(1.1, 1.4)
        for year, this, last in ((data_year, rd, prev), (data_year + 1, after, rd)):
            rows += [
                _row(firm, year, "annual_revenue", int(this * rng.uniform(0.02, 0.6)) * 100),
                _row(firm, year, "annual_rd_expense", int(this) * 100),
                _row(firm, year, "annual_rd_expense_prev", int(last) * 100),
                _row(firm, year, "annual_employees", heads),
            ]
    return rows, [int(firms["id"][i]) for i in chosen]


def trial_counts(rng: np.random.Generator, firms: dict[str, np.ndarray]) -> dict[int, int]:
    """Approved trials per drug developer: larger firms are likelier to have one, and more."""
    drug = starts(firms["code"], DRUG_PREFIXES)
    ids, capital = firms["id"][drug], firms["capital"][drug]
    heads = firms["employees"][drug]
    size = np.log1p(capital / 1e6) + np.log1p(heads) / 2
    rank = size.argsort().argsort() / max(1, size.size - 1)  # 0 smallest .. 1 largest
    has = rng.random(ids.size) < 0.005 + 0.06 * rank**3
    count = rng.geometric(0.55, ids.size) + (rank > 0.97) * rng.integers(0, 4, ids.size)
    count = np.minimum(count, MAX_TRIALS)
    return {int(f): int(c) for f, c, h in zip(ids, count, has, strict=True) if h}


def aerospace_counts(
    rng: np.random.Generator, firms: dict[str, np.ndarray]
) -> tuple[dict[int, int], dict[int, int]]:
    """Launches of a few rocket makers (3742) and satellites of the spacecraft makers."""
    codes = firms["code"]
    rockets = firms["id"][np.array([c == "3742" for c in codes], dtype=bool)]
    craft = firms["id"][starts(codes, AEROSPACE_PREFIXES)]
    launchers = rng.choice(rockets, size=min(6, rockets.size), replace=False)
    launches = {int(f): int(rng.integers(1, 5)) for f in sorted(launchers.tolist())}
    makers = rng.choice(craft, size=min(12, craft.size), replace=False)
    satellites = {
        int(f): int(rng.integers(1, 25)) for f in sorted(makers.tolist()) if f not in launches
    }
    return launches, satellites


def generate_facts(session: Session, *, seed: int = 2023, award_year: int = 2023) -> FactsSummary:
    """Write the demo's policy facts for the award year's data years; the caller commits."""
    from yuanqu.insurance.service import feed_premium_facts

    summary = FactsSummary()
    rng = np.random.default_rng(seed + 23)
    firms = _firms(session)
    data_years = (award_year - 1, award_year)
    years = range(data_years[0] - 1, data_years[-1] + 1)
    profiles = Profiles.draw(rng, firms["id"].size, years)
    reporting = _reporting(session, years)
    facts: dict[tuple[int, int, str], dict] = {}

    def add(rows: list[dict]) -> None:
        facts.update({(r["enterprise_id"], r["year"], r["fact"]): r for r in rows})

    reporters = set().union(*(reporting[year].keys() for year in years))
    led_rows, led = rd_led_statements(rng, firms, data_year=data_years[0], reporters=reporters)
    add(led_rows)
    summary.rd_led = len(led)
    trials_by_year: dict[int, dict[int, int]] = {}
    for year in data_years:
        filed = {
            r["enterprise_id"]: r["value"]
            for r in led_rows
            if r["year"] == year and r["fact"] == "annual_revenue"
        }
        add(
            tech_facts(
                profiles,
                firms,
                year=year,
                labelled=_labelled(session, year),
                reporting=reporting[year],
                filed=filed,
            )
        )
        trials_by_year[year] = trial_counts(rng, firms)
        launches, satellites = aerospace_counts(rng, firms)
        add([_row(f, year, "rockets_launched", c) for f, c in launches.items()])
        add([_row(f, year, "satellites_delivered", c) for f, c in satellites.items()])
        summary.launches[year] = sum(launches.values())
        summary.satellites[year] = sum(satellites.values())
        summary.premium_firms += feed_premium_facts(session, year=year)
    write_facts(session, list(facts.values()), replace=True)
    summary.rows = len(facts)
    session.flush()  # the engine's calibration run reads these facts through the session
    data_year = award_year - 1  # the clinical-trial reward looks at the previous year
    counts, chosen = calibrate_headline(
        session, trials_by_year[data_year], firms, award_year=award_year
    )
    trials_by_year[data_year] = counts
    trial_rows = [
        _row(f, year, "clinical_trials_approved", c)
        for year in data_years
        for f, c in sorted(trials_by_year[year].items())
    ]
    write_facts(session, trial_rows, replace=True)
    summary.rows += len(trial_rows)
    summary.trials = {year: sum(trials_by_year[year].values()) for year in data_years}
    usccs = dict(session.execute(select(Enterprise.id, Enterprise.uscc)).all())
    summary.headline = [(usccs[f], t, rest) for f, t, rest in chosen]
    return summary
