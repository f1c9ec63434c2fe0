"""The zone dashboard's figures (首页), computed from the registry and cached by data version.

Every import bumps the registry's data version, so a cached summary is served until the data it
was computed from changes; a 90,000-firm zone is then a dictionary lookup, not six GROUP BYs.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from yuanqu.core.cache import LruCache
from yuanqu.core.db import data_version, database_key
from yuanqu.core.industry import industry_catalog
from yuanqu.registry.models import LABEL_NAMES, Label
from yuanqu.registry.schemas import EnterpriseFilter
from yuanqu.registry.service import count_enterprises, list_task_forces


class NamedCount(BaseModel):
    code: str
    name_zh: str
    name_en: str
    count: int

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


class LabelsOverTime(BaseModel):
    dates: list[date]
    counts: dict[str, list[int]]


class ZoneSummary(BaseModel):
    """What the dashboard shows, for one as-of date."""

    as_of: date
    data_version: int
    enterprises: int
    labels: list[NamedCount]
    leading_industries: list[NamedCount]
    sections: list[NamedCount]
    sub_areas: list[NamedCount]
    labels_over_time: LabelsOverTime

    def label_count(self, label: str) -> int:
        return next((row.count for row in self.labels if row.code == label), 0)


_CACHE: LruCache[ZoneSummary] = LruCache(64)


def history_dates(as_of: date, years: int = 5) -> list[date]:
    """Year ends before ``as_of`` and ``as_of`` itself: the points of "labels over time"."""
    ends = [date(as_of.year - k, 12, 31) for k in range(years - 1, 0, -1)]
    return [*ends, as_of]


def zone_summary(session: Session, *, as_of: date | None = None) -> ZoneSummary:
    """The dashboard's figures as of a date (default today); cached while the data is unchanged."""
    as_of = as_of or date.today()
    version = data_version(session, "registry")
    if version == 0:  # written without an import (tests' factories): no version to trust
        return compute_summary(session, as_of=as_of, version=version)
    key = (database_key(session), version, as_of)
    return _CACHE.get_or_compute(
        key, lambda: compute_summary(session, as_of=as_of, version=version)
    )


def _label_counts(session: Session, as_of: date) -> dict[str, int]:
    rows = count_enterprises(session, filters=EnterpriseFilter(as_of=as_of), by="label")
    return {row.group: row.count for row in rows}


def compute_summary(session: Session, *, as_of: date, version: int = 0) -> ZoneSummary:
    catalog = industry_catalog()
    everything = EnterpriseFilter(as_of=as_of)
    total = count_enterprises(session, filters=everything)[0].count
    now = _label_counts(session, as_of)
    labels = [
        NamedCount(code=label, name_zh=zh, name_en=en, count=now.get(label, 0))
        for label, (zh, en) in LABEL_NAMES.items()
    ]
    by_force = {
        r.group: r.count for r in count_enterprises(session, filters=everything, by="task_force")
    }
    leading = [
        NamedCount(
            code=force.code,
            name_zh=force.name_zh,
            name_en=force.name_en,
            count=by_force.get(force.code, 0),
        )
        for force in list_task_forces(session)
        if force.leading_industry
    ]
    sections = []
    for row in count_enterprises(session, filters=everything, by="section"):
        item = catalog.find(row.group)
        sections.append(
            NamedCount(
                code=row.group,
                name_zh=item.label("zh") if item else row.group,
                name_en=item.label("en") if item else row.group,
                count=row.count,
            )
        )
    sections.sort(key=lambda s: -s.count)
    sub_areas = [
        NamedCount(
            code=r.group, name_zh=r.group or "未填", name_en=r.group or "not given", count=r.count
        )
        for r in count_enterprises(session, filters=everything, by="sub_area")
    ]
    sub_areas.sort(key=lambda s: -s.count)
    dates = history_dates(as_of)
    history = [_label_counts(session, d) for d in dates[:-1]] + [now]
    tracked = [Label.high_tech, Label.specialized, Label.little_giant, Label.listed]
    over_time = LabelsOverTime(
        dates=dates, counts={str(label): [h.get(label, 0) for h in history] for label in tracked}
    )
    return ZoneSummary(
        as_of=as_of,
        data_version=version,
        enterprises=total,
        labels=labels,
        leading_industries=leading,
        sections=sections,
        sub_areas=sub_areas,
        labels_over_time=over_time,
    )


def clear_cache() -> None:
    _CACHE.clear()
