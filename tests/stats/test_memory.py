"""The statistics snapshot keeps at most ``stats_cache_years`` years of reports, dropping the
least recently used, and the bulletins stay those of a snapshot holding every year."""

from __future__ import annotations

import pytest

from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from yuanqu.analytics.engine import CACHE
from yuanqu.core.config import configure
from yuanqu.core.db import session_scope
from yuanqu.stats import service
from yuanqu.stats.frames import TABLES, database_url, snapshot

YEARS = range(2019, 2024)


@pytest.fixture
def zone(committed_db):
    """Three firms reporting every month of 2019-2023, each year's figures different."""
    with session_scope(committed_db.engine) as session:
        firms = [make_firm(session, industry_code=code) for code in ("3973", "2720", "6513")]
        rows = [
            report_row(
                firm.id,
                f"{year}-{month:02d}",
                gross_output=1000 * (index + 1) + 37 * (year - 2018) + month,
                revenue=900 + 11 * index + 5 * (year - 2018) * month,
                employees=20 + index,
            )
            for index, firm in enumerate(firms)
            for year in YEARS
            for month in range(1, 13)
        ]
        add_reports(session, rows)
    CACHE.clear()
    yield committed_db
    CACHE.clear()


def bulletins(periods: list[str]) -> dict[str, dict]:
    out = {}
    for period in periods:
        with session_scope() as session:
            out[period] = service.bulletin(session, period=period).model_dump()
    return out


def years_held() -> set[int]:
    """The years of reports the kept snapshot holds (looked at, nothing loaded)."""
    with session_scope() as session:
        held = CACHE.held(database_url(session), TABLES)
    assert held is not None
    # The per-firm year-to-date cache follows the reports year by year.
    assert held.slices["ytd"] == held.slices["reports"]
    return set(held.slices["reports"])


class TestStatsCacheYears:
    def test_the_bound_holds_evicting_the_least_recently_used_year(self, zone) -> None:
        configure(stats_cache_years=6)
        periods = ["2023-12", "2022-12", "2020-12", "2023-06", "2021-12", "2020-03"]
        expected = bulletins(periods)  # every year fits: nothing evicted
        assert years_held() == set(YEARS)

        CACHE.clear()
        configure(stats_cache_years=3)
        got = {}
        got.update(bulletins(["2023-12"]))
        assert years_held() == {2022, 2023}
        got.update(bulletins(["2022-12"]))  # {2021, 2022}: three years in all, within the bound
        assert years_held() == {2021, 2022, 2023}
        # {2019, 2020} and the year used last (2022; 2023 and 2021 were used before it).
        got.update(bulletins(["2020-12"]))
        assert years_held() == {2019, 2020, 2022}
        got.update(bulletins(["2023-06"]))  # {2022, 2023} and 2020, used after 2019
        assert years_held() == {2020, 2022, 2023}
        got.update(bulletins(["2021-12", "2020-03"]))
        assert len(years_held()) <= 3
        assert got == expected

    def test_a_snapshot_within_the_bound_is_kept(self, zone) -> None:
        configure(stats_cache_years=4)
        bulletins(["2023-12"])
        with session_scope() as session:
            first = snapshot(session, years=(2022, 2023))
        bulletins(["2022-12"])  # adds 2021 to the same snapshot
        with session_scope() as session:
            assert snapshot(session, years=(2021, 2022)) is first
        assert years_held() == {2021, 2022, 2023}

    def test_one_request_may_need_more_years_than_the_bound(self, zone) -> None:
        configure(stats_cache_years=2)
        with session_scope() as session:
            trend = service.trend(session, indicator="gross_output", start="2020-12", end="2023-12")
        assert years_held() == {2019, 2020, 2021, 2022, 2023}
        CACHE.clear()
        configure(stats_cache_years=6)
        with session_scope() as session:
            again = service.trend(session, indicator="gross_output", start="2020-12", end="2023-12")
        assert trend == again
