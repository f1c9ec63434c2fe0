"""Effective-dated parameters resolved for the period a rule looks at.

``by_date`` (the default) takes the version in force on the period's last day; ``pro_rata``
weights each version by the days it was in force during the period (exact, 10 decimals). A
parameter with no version in force is missing, and so is everything computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from yuanqu.policies.language.definition import Parameter, Policy
from yuanqu.policies.language.expressions import Band, _divide, quantize


@dataclass(frozen=True)
class Resolved:
    """A parameter's value for one period, and which version(s) gave it."""

    name: str
    value: Decimal | None
    bands: tuple[Band, ...]
    versions: tuple[date, ...]
    how: str  # by_date, pro_rata, none

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "value": None if self.value is None else str(self.value),
            "bands": [{"range": b.label(), "value": str(b.value)} for b in self.bands],
            "versions": [v.isoformat() for v in self.versions],
            "how": self.how,
        }


def period_of(policy: Policy, award_year: int) -> tuple[date, date]:
    year = policy.data_year(award_year)
    return date(year, 1, 1), date(year, 12, 31)


def resolve(parameter: Parameter, start: date, end: date) -> Resolved:
    in_force = [v for v in parameter.versions if v.start <= end]
    if not in_force:
        return Resolved(parameter.name, None, (), (), "none")
    if parameter.mid_year == "by_date" or parameter.kind == "band":
        version = in_force[-1]
        return Resolved(parameter.name, version.value, version.bands, (version.start,), "by_date")
    # pro rata by days: each version counts from max(its start, period start) to the next start.
    if in_force[0].start > start:
        return Resolved(parameter.name, None, (), tuple(v.start for v in in_force), "none")
    total_days = (end - start).days + 1
    weighted = Decimal(0)
    used = []
    for i, version in enumerate(in_force):
        following = in_force[i + 1].start if i + 1 < len(in_force) else end + timedelta(days=1)
        first = max(version.start, start)
        days = (following - first).days
        if days <= 0:
            continue
        used.append(version.start)
        weighted += version.value * days  # type: ignore[operator]
    value = _divide(quantize(weighted), Decimal(total_days))
    return Resolved(parameter.name, value, (), tuple(used), "pro_rata")


def resolve_all(policy: Policy, award_year: int) -> dict[str, Resolved]:
    start, end = period_of(policy, award_year)
    return {name: resolve(p, start, end) for name, p in policy.parameters.items()}
