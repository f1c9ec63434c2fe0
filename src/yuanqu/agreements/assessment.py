"""Assessment (履约考核): each commitment's actual, read from the statistics, the projects and the
parcels, against its target on a date.

* flows (tax, output, revenue, R&D share, 亩均税收, 亩均产值) cover the calendar year of the term
  and need that year's December report (a year not yet complete is ``no data``, never a shortfall);
* 亩均 figures divide by the firm's parcels granted by the end of that year (亩 = m² × 15 / 10000);
* fixed-asset investment is the project's monthly investment up to the test date, and investment
  intensity divides it by the project's parcels (the firm's, when the project has none);
* employees are the latest monthly report up to the test date;
* dates are the project's actual stage dates (start, production, full production).

Status: ``met``; ``not met`` with the shortfall (in the target's unit; for dates, days late);
``not yet due`` before the test date (or a deadline not passed); ``no data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from yuanqu.agreements.indicators import INDICATORS, Indicator, Kind, display, to_display
from yuanqu.agreements.models import Agreement, Commitment, CommitmentTerm
from yuanqu.core.land import MU_DENOMINATOR, MU_NUMERATOR
from yuanqu.projects import stages
from yuanqu.registry.firms import Enterprise
from yuanqu.space.service import parcel_sqm
from yuanqu.stats import firms as stats_firms

MET, NOT_MET, NOT_DUE, NO_DATA = "met", "not met", "not yet due", "no data"
STATUS_NAMES: dict[str, tuple[str, str]] = {
    MET: ("达标", "met"),
    NOT_MET: ("未达标", "not met"),
    NOT_DUE: ("未到考核期", "not yet due"),
    NO_DATA: ("无数据", "no data"),
}
#: which pipeline marker each date indicator reads
DATE_MARKERS = {
    "start_date": "started",
    "completion_date": "production",
    "full_production_date": "full_production",
}


@dataclass(frozen=True)
class Term:
    """A commitment's terms in force (the latest version's), with its agreement's parties."""

    agreement_id: int
    number: str
    uscc: str
    firm: str
    enterprise_id: int
    project_id: int | None
    commitment_id: int
    key: str
    version: int
    indicator: str
    target_value: int | None
    target_date: date | None
    test_on: date
    period_year: int | None


@dataclass(frozen=True)
class Assessed:
    term: Term
    actual: int | date | None
    status: str
    shortfall: int | None  # base unit, or days late for dates

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        """The machine row of `agreements assess --format json` (exactly these keys): target,
        actual and shortfall in ``unit`` (for a date: ISO dates, the shortfall in days late)."""
        ind = INDICATORS[self.term.indicator]
        target = self.term.target_date if ind.kind == Kind.date else self.term.target_value
        shortfall: Any = self.shortfall
        if shortfall is not None and ind.kind != Kind.date:
            shortfall = display(ind, shortfall)
        return {
            "agreement": self.term.number,
            "uscc": self.term.uscc,
            "commitment": self.term.key,
            "indicator": ind.key,
            "target": display(ind, target),
            "actual": display(ind, self.actual),
            "unit": ind.unit(lang),
            "status": self.status,
            "shortfall": shortfall,
        }

    def to_row(self, lang: str = "zh") -> dict[str, Any]:
        """The same, for people: names and words."""
        ind = INDICATORS[self.term.indicator]
        row = self.to_json(lang)
        return {
            **row,
            "firm": self.term.firm,
            "indicator_name": ind.name(lang),
            "unit": ind.unit(lang),
            "status_name": STATUS_NAMES[self.status][lang == "en"],
            "test_on": self.term.test_on,
            "period_year": self.term.period_year,
            "version": self.term.version,
            "source": ind.source(lang),
            "shortfall_unit": ("天" if lang != "en" else "days")
            if ind.kind == Kind.date
            else ind.unit(lang),
        }


def current_terms(
    session: Session,
    *,
    agreement_ids: Sequence[int] | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> list[Term]:
    """The terms in force of every commitment (latest version, withdrawn ones left out)."""
    latest = (
        select(CommitmentTerm.commitment_id, func.max(CommitmentTerm.version).label("v"))
        .group_by(CommitmentTerm.commitment_id)
        .subquery()
    )
    stmt = (
        select(Agreement, Enterprise.uscc, Enterprise.name, Commitment, CommitmentTerm)
        .join(Enterprise, Enterprise.id == Agreement.enterprise_id)
        .join(Commitment, Commitment.agreement_id == Agreement.id)
        .join(latest, latest.c.commitment_id == Commitment.id)
        .join(
            CommitmentTerm,
            and_(
                CommitmentTerm.commitment_id == Commitment.id, CommitmentTerm.version == latest.c.v
            ),
        )
        .where(CommitmentTerm.withdrawn.is_(False), Agreement.status == "in_force")
        .order_by(Agreement.number, Commitment.key)
    )
    if agreement_ids is not None:
        stmt = stmt.where(Agreement.id.in_(list(agreement_ids)))
    if enterprise_ids is not None:
        stmt = stmt.where(Agreement.enterprise_id.in_(list(enterprise_ids)))
    return [
        Term(
            a.id,
            a.number,
            uscc,
            name,
            a.enterprise_id,
            a.project_id,
            c.id,
            c.key,
            t.version,
            t.indicator,
            t.target_value,
            t.target_date,
            t.test_on,
            t.period_year,
        )
        for a, uscc, name, c, t in session.execute(stmt)
    ]


# --- the actuals ---------------------------------------------------------------------------------


def _per_mu(amount_fen: int, area_sqm: int) -> int:
    """fen per 亩, rounded half up: amount / (m² × 15 / 10000) = amount × 10000 / (m² × 15)."""
    numerator = Decimal(amount_fen * MU_DENOMINATOR)
    return int(
        (numerator / Decimal(area_sqm * MU_NUMERATOR)).to_integral_value(rounding="ROUND_HALF_UP")
    )


def actual_of(session: Session, term: Term, flows: dict, *, as_of: date, markers: dict) -> Any:
    """The term's actual in its base unit (or a date), or None when there is no data."""
    ind = INDICATORS[term.indicator]
    key = ind.key
    if ind.kind == Kind.date:
        return stages.stage_date(session, term.project_id, markers.get(DATE_MARKERS[key]))
    if ind.flow:
        year = term.period_year or term.test_on.year
        figures = flows.get((term.enterprise_id, year))
        if not figures or not figures["complete"]:
            return None
        if key in ("tax", "output", "revenue"):
            value = figures[key]
            return None if value is None else int(value)
        if key == "rd_share":
            if not figures["revenue"] or figures["rd"] is None:
                return None
            return int(
                (Decimal(figures["rd"]) * 10_000 / Decimal(figures["revenue"])).to_integral_value()
            )
        source = figures["tax" if key == "tax_per_mu" else "output"]
        area = parcel_sqm(
            session, enterprise_id=term.enterprise_id, project_id=None, by=date(year, 12, 31)
        )
        if source is None or not area:
            return None
        return _per_mu(int(source), area)
    by = min(as_of, term.test_on)
    if key == "employees":
        return stats_firms.latest_employees(session, enterprise_id=term.enterprise_id, by=by)
    if term.project_id is None:
        return None
    invested = stages.investment_to(session, term.project_id, by)
    if key == "fixed_asset_investment" or invested is None:
        return invested
    area = parcel_sqm(session, enterprise_id=None, project_id=term.project_id, by=by) or (
        parcel_sqm(session, enterprise_id=term.enterprise_id, project_id=None, by=by)
    )
    return _per_mu(invested, area) if area else None


def judge(ind: Indicator, term: Term, actual: Any, *, as_of: date) -> tuple[str, int | None]:
    if ind.kind == Kind.date:
        target = term.target_date
        assert target is not None
        if actual is not None and actual <= target:
            return MET, 0
        if actual is not None:
            return NOT_MET, (actual - target).days
        if as_of <= target:
            return NOT_DUE, None
        return NOT_MET, (as_of - target).days
    if as_of < term.test_on:
        return NOT_DUE, None
    if actual is None:
        return NO_DATA, None
    assert term.target_value is not None
    if actual >= term.target_value:
        return MET, 0
    return NOT_MET, term.target_value - actual


def assess(session: Session, terms: Sequence[Term], *, as_of: date) -> list[Assessed]:
    """Every term judged on ``as_of``."""
    from yuanqu.projects.service import active_pipeline

    pipeline = active_pipeline(session)
    markers = {
        name: (s.key if s else None)
        for name in ("started", "production", "full_production")
        for s in [pipeline.marker(name)]
    }
    pairs = {
        (t.enterprise_id, t.period_year or t.test_on.year)
        for t in terms
        if INDICATORS[t.indicator].flow
    }
    flows = stats_firms.year_flows(session, pairs)
    out = []
    for term in terms:
        ind = INDICATORS[term.indicator]
        actual = actual_of(session, term, flows, as_of=as_of, markers=markers)
        status, shortfall = judge(ind, term, actual, as_of=as_of)
        out.append(Assessed(term, actual, status, shortfall))
    return out


def summary(rows: Sequence[Assessed]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_NAMES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def shown(ind: Indicator, value: int | None) -> Decimal | None:
    return to_display(ind, value)
