"""Periods: calendar-month arithmetic and China's bulletin conventions."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuanqu.core.errors import ValidationError
from yuanqu.core.periods import (
    Period,
    bulletin_label,
    bulletin_months,
    cumulative_months,
    is_bulletin_period,
    parse_date,
)

periods = st.builds(Period, st.integers(min_value=100, max_value=9000), st.integers(1, 12))
shifts = st.integers(min_value=-1000, max_value=1000)


class TestParse:
    @pytest.mark.parametrize(
        "text", ["2023-12", "2023-1", "2023-01", "202312", "2023/12", " 2023-12 ", "2023年12月"]
    )
    def test_accepted_spellings(self, text: str) -> None:
        expected = Period(2023, 1) if text.strip() in ("2023-1", "2023-01") else Period(2023, 12)
        assert Period.parse(text) == expected

    def test_dates_and_datetimes_give_their_month(self) -> None:
        assert Period.parse(date(2024, 2, 29)) == Period(2024, 2)
        assert Period.parse(datetime(2024, 3, 1, 8, 30)) == Period(2024, 3)

    @pytest.mark.parametrize("text", ["2023-13", "2023-0", "23-12", "2023", "December", "20231"])
    def test_bad_values_are_named_in_both_languages(self, text: str) -> None:
        with pytest.raises(ValidationError) as caught:
            Period.parse(text)
        assert repr(text) in caught.value.zh
        assert repr(text) in caught.value.en

    def test_invalid_month_in_constructor(self) -> None:
        with pytest.raises(ValidationError):
            Period(2023, 13)

    @given(periods)
    def test_str_roundtrip(self, period: Period) -> None:
        assert Period.parse(str(period)) == period
        assert len(str(period)) == 7


class TestArithmetic:
    def test_month_arithmetic_crosses_years(self) -> None:
        assert Period(2023, 12) + 1 == Period(2024, 1)
        assert Period(2024, 1) - 1 == Period(2023, 12)
        assert Period(2024, 3) - Period(2023, 12) == 3
        assert Period(2023, 5) + -17 == Period(2021, 12)

    def test_days(self) -> None:
        assert Period(2024, 2).first_day == date(2024, 2, 1)
        assert Period(2024, 2).last_day == date(2024, 2, 29)
        assert Period(2023, 2).last_day == date(2023, 2, 28)
        assert Period(2023, 12).last_day == date(2023, 12, 31)

    def test_year_on_year_and_year_start(self) -> None:
        assert Period(2024, 3).same_period_last_year() == Period(2023, 3)
        assert Period(2024, 3).year_start() == Period(2024, 1)

    def test_range_is_inclusive_and_empty_when_reversed(self) -> None:
        assert list(Period.range(Period(2023, 11), Period(2024, 2))) == [
            Period(2023, 11),
            Period(2023, 12),
            Period(2024, 1),
            Period(2024, 2),
        ]
        assert list(Period.range(Period(2024, 2), Period(2024, 1))) == []

    def test_months_in_year_to_date(self) -> None:
        assert Period(2023, 3).months_in_year_to_date() == [
            Period(2023, 1),
            Period(2023, 2),
            Period(2023, 3),
        ]

    @given(periods, shifts)
    def test_adding_then_subtracting_is_identity(self, period: Period, n: int) -> None:
        assert (period + n) - n == period
        assert (period + n) - period == n
        assert period.months_since(period - n) == n

    @given(periods, periods)
    def test_ordering_matches_month_difference(self, a: Period, b: Period) -> None:
        assert (a < b) == ((b - a) > 0)
        assert (a == b) == ((b - a) == 0)
        assert a + (b - a) == b

    @given(periods, shifts)
    def test_range_length(self, period: Period, n: int) -> None:
        expected = max(n + 1, 0)
        assert len(list(Period.range(period, period + n))) == expected


class TestBulletins:
    def test_february_covers_january_and_february(self) -> None:
        assert bulletin_months(Period(2023, 2)) == [Period(2023, 1), Period(2023, 2)]

    def test_there_is_no_january_bulletin(self) -> None:
        with pytest.raises(ValidationError) as caught:
            bulletin_months(Period(2023, 1))
        assert caught.value.zh == "没有单独的1月月报：1月与2月合并发布（1-2月）"
        assert "January and February are published together" in caught.value.en

    def test_before_2013_january_stood_alone(self) -> None:
        assert bulletin_months(Period(2012, 1)) == [Period(2012, 1)]
        assert bulletin_months(Period(2012, 2)) == [Period(2012, 2)]
        assert is_bulletin_period(Period(2012, 1))

    def test_other_months_cover_themselves(self) -> None:
        assert bulletin_months(Period(2023, 7)) == [Period(2023, 7)]

    def test_is_bulletin_period(self) -> None:
        assert not is_bulletin_period(Period(2023, 1))
        assert all(is_bulletin_period(Period(2023, m)) for m in range(2, 13))

    def test_cumulative_months(self) -> None:
        assert cumulative_months(Period(2023, 1)) == [Period(2023, 1)]
        assert len(cumulative_months(Period(2023, 12))) == 12

    @pytest.mark.parametrize(
        ("period", "cumulative", "zh", "en"),
        [
            (Period(2023, 2), False, "2023年1-2月", "Jan-Feb 2023"),
            (Period(2023, 3), False, "2023年3月", "Mar 2023"),
            (Period(2023, 12), True, "2023年1-12月", "Jan-Dec 2023"),
            (Period(2023, 2), True, "2023年1-2月", "Jan-Feb 2023"),
            (Period(2023, 1), True, "2023年1月", "Jan 2023"),
        ],
    )
    def test_labels(self, period: Period, cumulative: bool, zh: str, en: str) -> None:
        assert bulletin_label(period, cumulative=cumulative) == zh
        assert bulletin_label(period, "en", cumulative=cumulative) == en

    def test_label_of_january_bulletin_is_an_error(self) -> None:
        with pytest.raises(ValidationError):
            bulletin_label(Period(2023, 1))


class TestParseDate:
    @pytest.mark.parametrize(
        "text", ["2023-12-31", "2023/12/31", "20231231", "2023年12月31日", "2023.12.31"]
    )
    def test_accepted_spellings(self, text: str) -> None:
        assert parse_date(text) == date(2023, 12, 31)

    def test_leading_zeros_optional_when_separated(self) -> None:
        assert parse_date("2024-2-4") == date(2024, 2, 4)
        assert parse_date("2024年2月4日") == date(2024, 2, 4)

    def test_dates_pass_through(self) -> None:
        assert parse_date(date(2024, 1, 1)) == date(2024, 1, 1)
        assert parse_date(datetime(2024, 1, 1, 12)) == date(2024, 1, 1)

    def test_impossible_date(self) -> None:
        with pytest.raises(ValidationError) as caught:
            parse_date("2023-02-30")
        assert "2023-02-30" in caught.value.zh
        assert "no such date" in caught.value.en

    @pytest.mark.parametrize("text", ["", "31/12/2023", "2023-12", "tomorrow"])
    def test_unreadable(self, text: str) -> None:
        with pytest.raises(ValidationError) as caught:
            parse_date(text)
        assert repr(text) in caught.value.en

    @given(st.dates(min_value=date(1000, 1, 1)))
    def test_iso_roundtrip(self, day: date) -> None:
        assert parse_date(day.isoformat()) == day
        assert parse_date(day.strftime("%Y%m%d")) == day
