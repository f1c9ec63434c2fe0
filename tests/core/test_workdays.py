"""Working days by China's official calendar, and the notices that extend it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yuanqu.core.errors import ValidationError
from yuanqu.core.workdays import LIBRARY_YEARS, WorkCalendar, YearNotice, parse_notice

# Made-up test data for 2027, NOT the real arrangement (that notice is not published yet):
# 2027-02-06 is a Saturday worked, 2027-02-08..12 (Mon-Fri) are off.
FICTIONAL_2027 = """\
# fictional test data, not the State Council's notice
date,kind,name
2027-01-01,holiday,元旦
2027-02-06,workday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
"""


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


class TestLibraryYears:
    def test_library_covers_2004_to_at_least_2026(self) -> None:
        assert LIBRARY_YEARS.start == 2004
        assert 2026 in LIBRARY_YEARS

    def test_spring_festival_2024(self, calendar: WorkCalendar) -> None:
        assert calendar.is_workday(date(2024, 2, 4))  # Sunday worked
        assert calendar.is_workday(date(2024, 2, 18))  # Sunday worked
        assert not any(calendar.is_workday(date(2024, 2, d)) for d in range(10, 18))
        # Friday 2024-02-09: the next working day is the make-up Sunday after the holiday.
        assert calendar.add_workdays(date(2024, 2, 9), 1) == date(2024, 2, 18)
        assert calendar.add_workdays(date(2024, 2, 3), 1) == date(2024, 2, 4)
        assert calendar.deadline(date(2024, 2, 8), 3) == date(2024, 2, 19)

    def test_national_day_2024(self, calendar: WorkCalendar) -> None:
        assert calendar.is_workday(date(2024, 9, 29))
        assert calendar.is_workday(date(2024, 10, 12))
        assert not any(calendar.is_workday(date(2024, 10, d)) for d in range(1, 8))
        assert calendar.add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)
        assert calendar.add_workdays(date(2024, 9, 29), 1) == date(2024, 9, 30)
        assert calendar.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
        # 10-08..10-11 are four, 10-12 (Saturday, worked) the fifth.
        assert calendar.add_workdays(date(2024, 10, 7), 5) == date(2024, 10, 12)
        assert calendar.workdays_between(date(2024, 9, 30), date(2024, 10, 12)) == 5

    def test_2025_spring_festival_and_national_day(self, calendar: WorkCalendar) -> None:
        assert calendar.is_workday(date(2025, 1, 26))  # Sunday worked
        assert calendar.add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)
        assert calendar.is_workday(date(2025, 9, 28))
        assert not calendar.is_workday(date(2025, 10, 8))
        assert calendar.add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)

    def test_2026_new_year(self, calendar: WorkCalendar) -> None:
        assert not calendar.is_workday(date(2026, 1, 2))
        assert calendar.is_workday(date(2026, 1, 4))  # Sunday worked
        assert calendar.add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)
        assert calendar.warnings == []

    def test_zero_and_negative(self, calendar: WorkCalendar) -> None:
        assert calendar.add_workdays(date(2024, 2, 10), 0) == date(2024, 2, 10)
        assert calendar.add_workdays(date(2024, 2, 18), -1) == date(2024, 2, 9)
        assert calendar.workdays_between(date(2024, 2, 18), date(2024, 2, 9)) == -1
        assert calendar.workdays_between(date(2024, 2, 9), date(2024, 2, 9)) == 0

    def test_library_years_are_known(self, calendar: WorkCalendar) -> None:
        assert calendar.known(2024)
        assert not calendar.known(2030)

    @settings(max_examples=50, deadline=None)
    @given(
        st.dates(min_value=date(2004, 1, 10), max_value=date(2026, 11, 30)),
        st.integers(min_value=-40, max_value=40),
    )
    def test_workdays_between_inverts_add_workdays(self, start: date, n: int) -> None:
        calendar = WorkCalendar()
        end = calendar.add_workdays(start, n)
        assert calendar.workdays_between(start, end) == n
        if n:
            assert calendar.is_workday(end)


class TestUnknownYears:
    def test_weekends_only_with_a_warning(self, calendar: WorkCalendar) -> None:
        friday = date(2030, 1, 4)
        assert calendar.add_workdays(friday, 1) == date(2030, 1, 7)
        assert not calendar.is_workday(date(2030, 1, 5))
        assert calendar.is_workday(date(2030, 1, 1))  # no holiday data, so a plain Tuesday
        [warning] = calendar.warnings
        assert warning.year == 2030
        assert warning.zh == "2030年法定节假日安排尚未导入，期限按仅排除周末计算"
        assert warning.message("en") == (
            "No official holiday notice is loaded for 2030; this deadline counts weekends only"
        )

    def test_span_warnings_name_the_unknown_years_of_a_stored_deadline(
        self, calendar: WorkCalendar
    ) -> None:
        assert calendar.span_warnings(date(2025, 11, 1), date(2026, 2, 1)) == []
        assert calendar.span_warnings(None, date(2030, 1, 1)) == []
        spanned = calendar.span_warnings(date(2026, 11, 20), date(2027, 2, 10))
        assert [w.year for w in spanned] == [2027]
        assert [w.year for w in calendar.warnings] == [2027]
        both = calendar.span_warnings(date(2028, 12, 1), date(2027, 12, 1))  # either order
        assert [w.year for w in both] == [2027, 2028]

    def test_warning_recorded_once_per_year(self, calendar: WorkCalendar) -> None:
        calendar.workdays_between(date(2029, 12, 1), date(2031, 1, 31))
        assert [w.year for w in calendar.warnings] == [2029, 2030, 2031]

    def test_years_before_the_library(self, calendar: WorkCalendar) -> None:
        assert calendar.is_workday(date(2003, 1, 2))
        assert [w.year for w in calendar.warnings] == [2003]

    def test_deadline_crossing_into_unknown_year(self, calendar: WorkCalendar) -> None:
        # 2026-12-31 is a Thursday; 2027 is unknown, so 2027-01-01 (Friday) counts as working.
        assert calendar.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 1)
        assert [w.year for w in calendar.warnings] == [2027]


class TestLoadedNotices:
    def test_loaded_2027_notice_overrides_weekends_only(self) -> None:
        notice = parse_notice(FICTIONAL_2027, year=2027, source="test data")
        calendar = WorkCalendar([notice])
        assert calendar.known(2027)
        assert not calendar.is_workday(date(2027, 1, 1))
        assert calendar.is_workday(date(2027, 2, 6))
        assert calendar.add_workdays(date(2027, 2, 5), 1) == date(2027, 2, 6)
        assert calendar.add_workdays(date(2027, 2, 6), 1) == date(2027, 2, 15)
        assert calendar.is_workday(date(2027, 3, 1))
        assert not calendar.is_workday(date(2027, 3, 6))
        assert calendar.warnings == []

    def test_loaded_notice_replaces_the_library_year(self) -> None:
        # As if a corrected 2026 notice said New Year is only 1 January and no Sunday is worked.
        notice = YearNotice(2026, {date(2026, 1, 1)}, set(), source="test correction")
        calendar = WorkCalendar([notice])
        assert calendar.is_workday(date(2026, 1, 2))
        assert not calendar.is_workday(date(2026, 1, 4))
        # Days the notice does not list follow the plain week, not the library.
        assert calendar.is_workday(date(2026, 2, 16))
        # Other library years are untouched.
        assert not calendar.is_workday(date(2025, 10, 8))

    def test_new_year_in_previous_december(self) -> None:
        # Like the 2019 notice: 2018-12-29 (Saturday) worked, 12-30..01-01 off.
        notice = YearNotice(
            2031,
            {date(2030, 12, 30), date(2030, 12, 31), date(2031, 1, 1)},
            {date(2030, 12, 28)},
            source="test data",
        )
        calendar = WorkCalendar([notice])
        assert calendar.is_workday(date(2030, 12, 28))
        assert not calendar.is_workday(date(2030, 12, 31))

    def test_notice_loaded_twice_is_rejected(self) -> None:
        notice = YearNotice(2027, {date(2027, 1, 1)}, set(), source="x")
        with pytest.raises(ValidationError):
            WorkCalendar([notice, notice])

    def test_notices_are_listed_by_year(self) -> None:
        later = YearNotice(2028, {date(2028, 1, 3)}, set(), source="x")
        earlier = YearNotice(2027, {date(2027, 1, 1)}, set(), source="x")
        assert [n.year for n in WorkCalendar([later, earlier]).notices] == [2027, 2028]


class TestParseNotice:
    def test_csv_with_chinese_kinds_and_date_spellings(self) -> None:
        notice = parse_notice(
            "date,kind\n2027年1月1日,放假\n20270206,上班\n", year=2027, source="test"
        )
        assert notice.holidays == {date(2027, 1, 1)}
        assert notice.makeup_workdays == {date(2027, 2, 6)}
        assert notice.source == "test"

    def test_rows_as_mappings_or_pairs(self) -> None:
        from_maps = parse_notice(
            [{"date": "2027-01-01", "kind": "holiday"}], year=2027, source="test"
        )
        from_pairs = parse_notice([("2027-01-01", "holiday")], year=2027, source="test")
        assert from_maps == from_pairs

    def test_every_bad_row_is_reported_with_its_line(self) -> None:
        text = (
            "date,kind\n"
            "2027-01-01,holiday\n"
            "2026-10-01,holiday\n"  # row 3: another year
            "2027-02-08,workday\n"  # row 4: a Monday cannot be a make-up day
            "2027-01-01,workday\n"  # row 5: already a holiday
            "2027-02-30,holiday\n"  # row 6: no such date
            "2027-03-01,vacation\n"  # row 7: unknown kind
        )
        with pytest.raises(ValidationError) as caught:
            parse_notice(text, year=2027, source="test")
        rows = [problem["row"] for problem in caught.value.details]
        assert rows == [3, 4, 5, 6, 7]
        assert "第3行" in caught.value.zh
        assert "row 4: the make-up working day 2027-02-08 is not a Saturday" in caught.value.en

    def test_missing_header(self) -> None:
        with pytest.raises(ValidationError) as caught:
            parse_notice("2027-01-01,holiday\n", year=2027, source="test")
        assert "date,kind" in caught.value.zh

    def test_empty_notice(self) -> None:
        with pytest.raises(ValidationError):
            parse_notice("date,kind\n", year=2027, source="test")
        with pytest.raises(ValidationError):
            parse_notice([], year=2027, source="test")

    def test_source_is_required(self) -> None:
        with pytest.raises(ValidationError) as caught:
            parse_notice("date,kind\n2027-01-01,holiday\n", year=2027, source=" ")
        assert "来源" in caught.value.zh

    def test_year_notice_checks_its_own_data(self) -> None:
        with pytest.raises(ValidationError) as caught:
            YearNotice(2027, {date(2027, 2, 6)}, {date(2027, 2, 6)}, source="x")
        assert "cannot be both" in caught.value.en

    def test_holidays_may_include_weekends(self) -> None:
        saturday = date(2027, 2, 13)
        assert saturday.weekday() == 5
        notice = parse_notice([(str(saturday), "holiday")], year=2027, source="x")
        assert notice.holidays == {saturday}

    def test_new_year_reach_is_limited_to_late_december(self) -> None:
        new_year = ("2027-01-01", "holiday")
        notice = parse_notice([("2026-12-26", "workday"), new_year], year=2027, source="x")
        assert notice.makeup_workdays == {date(2026, 12, 26)}
        with pytest.raises(ValidationError):
            parse_notice([("2026-12-20", "workday"), new_year], year=2027, source="x")


def test_weekdays_of_fictional_data_are_as_documented() -> None:
    # Guards the test data itself: the make-up day is a Saturday, the holidays weekdays.
    assert date(2027, 2, 6).weekday() == 5
    assert all((date(2027, 2, 8) + timedelta(days=i)).weekday() < 5 for i in range(5))
