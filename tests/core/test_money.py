"""Money: exact fen, exact splitting, and the 元/万元/亿元 display readers expect."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuanqu.core.errors import ValidationError
from yuanqu.core.money import INT64_MAX, INT64_MIN, Money, format_yuan

any_fen = st.integers(min_value=-(2**80), max_value=2**80)


class TestFromYuan:
    def test_two_places_are_exact(self) -> None:
        assert Money.from_yuan("12.34").fen == 1234
        assert Money.from_yuan(Decimal("0.1")).fen == 10
        assert Money.from_yuan(7).fen == 700

    def test_strings_may_carry_spaces_and_thousands_separators(self) -> None:
        assert Money.from_yuan(" 1,234.50 ").fen == 123450

    def test_more_than_two_places_is_rejected_without_rounding(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Money.from_yuan("1.005")
        assert "两位小数" in caught.value.zh
        assert "decimal places" in caught.value.en

    def test_rounding_is_half_up_when_asked(self) -> None:
        assert Money.from_yuan("1.005", rounding=ROUND_HALF_UP).fen == 101
        assert Money.from_yuan("-1.005", rounding=ROUND_HALF_UP).fen == -101
        assert Money.from_yuan("1.009", rounding=ROUND_DOWN).fen == 100

    def test_trailing_zeros_beyond_two_places_are_exact(self) -> None:
        assert Money.from_yuan("1.2300").fen == 123

    @pytest.mark.parametrize("value", ["abc", "", "1.2.3", "NaN", "Infinity"])
    def test_not_an_amount_names_the_value(self, value: str) -> None:
        with pytest.raises(ValidationError) as caught:
            Money.from_yuan(value)
        assert repr(value) in caught.value.en

    @pytest.mark.parametrize("value", [0.1, 1.0, True])
    def test_floats_and_bools_are_refused(self, value: object) -> None:
        with pytest.raises(TypeError):
            Money.from_yuan(value)  # type: ignore[arg-type]

    def test_fen_must_be_an_int(self) -> None:
        with pytest.raises(TypeError):
            Money(1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Money(Decimal(1))  # type: ignore[arg-type]

    def test_huge_amounts_stay_exact(self) -> None:
        assert Money.from_yuan("1e30").fen == 10**32
        assert Money.from_yuan("123456789012345678901234567890.12").fen == (
            12345678901234567890123456789012
        )

    @given(any_fen)
    def test_yuan_roundtrip(self, fen: int) -> None:
        money = Money(fen)
        assert Money.from_yuan(money.yuan) == money
        assert Money.from_yuan(str(money.yuan)) == money
        assert money.yuan.as_tuple().exponent == -2

    @given(st.floats(allow_nan=True, allow_infinity=True))
    def test_no_float_is_ever_accepted(self, value: float) -> None:
        with pytest.raises(TypeError):
            Money.from_yuan(value)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Money(1).scale(value)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Money(1) * value  # type: ignore[operator]


class TestStorable:
    def test_int64_bounds_are_storable(self) -> None:
        assert Money(INT64_MAX).check_storable().fen == 2**63 - 1
        assert Money(INT64_MIN).check_storable().fen == -(2**63)
        assert Money(2**31 + 1).check_storable().fen == 2**31 + 1

    @pytest.mark.parametrize("fen", [2**63, -(2**63) - 1, 10**30])
    def test_beyond_int64_is_rejected(self, fen: int) -> None:
        with pytest.raises(ValidationError) as caught:
            Money(fen).check_storable()
        assert "64" in caught.value.zh

    def test_arithmetic_beyond_int64_does_not_overflow(self) -> None:
        total = Money(INT64_MAX) + Money(1)
        assert total.fen == 2**63
        assert (total - Money(1)).check_storable() == Money(INT64_MAX)


class TestArithmetic:
    def test_add_subtract_negate(self) -> None:
        assert Money(150) + Money(50) == Money(200)
        assert Money(150) - Money(200) == Money(-50)
        assert -Money(5) == Money(-5)
        assert abs(Money(-5)) == Money(5)

    def test_builtin_sum_works(self) -> None:
        assert sum([Money(1), Money(2), Money(3)]) == Money(6)
        assert sum([], Money.zero()) == Money.zero()

    def test_mixing_with_plain_numbers_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            Money(1) + 1  # type: ignore[operator]
        with pytest.raises(TypeError):
            5 + Money(1)  # type: ignore[operator]
        with pytest.raises(TypeError):
            Money(1) * Decimal("1.5")  # type: ignore[operator]

    def test_multiply_by_int(self) -> None:
        assert Money(25) * 4 == Money(100)
        assert 3 * Money(25) == Money(75)

    def test_comparisons_and_truth(self) -> None:
        assert Money(1) < Money(2) <= Money(2)
        assert max(Money(3), Money(-9)) == Money(3)
        assert not Money.zero()
        assert Money(-1)

    def test_hashable_and_equal_by_value(self) -> None:
        assert {Money(1), Money(1), Money(2)} == {Money(1), Money(2)}

    def test_scale_rounds_half_up_by_default(self) -> None:
        assert Money(1000).scale(Decimal("0.3335")) == Money(334)
        assert Money(-1000).scale(Decimal("0.3335")) == Money(-334)
        assert Money(1000).scale(Decimal("0.3335"), ROUND_DOWN) == Money(333)
        assert Money(7).scale(3) == Money(21)

    def test_scale_of_huge_amount_is_exact(self) -> None:
        assert Money(10**40 + 1).scale(Decimal("0.5")) == Money(5 * 10**39 + 1)


class TestAllocate:
    def test_splits_evenly_with_remainder_to_the_first(self) -> None:
        assert Money(100).allocate([1, 1, 1]) == [Money(34), Money(33), Money(33)]

    def test_largest_remainder_wins(self) -> None:
        # Shares 1.6, 3.4 fen of 5: floors 1 and 3, the spare fen goes to the larger remainder.
        assert Money(5).allocate([8, 17]) == [Money(2), Money(3)]

    def test_zero_weight_gets_nothing(self) -> None:
        assert Money(10).allocate([0, 1, 2]) == [Money(0), Money(3), Money(7)]

    def test_negative_amount_mirrors_positive(self) -> None:
        assert Money(-100).allocate([1, 1, 1]) == [Money(-34), Money(-33), Money(-33)]

    @pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [1.5]])
    def test_bad_weights_are_rejected(self, weights: list[int]) -> None:
        with pytest.raises((ValidationError, TypeError)):
            Money(100).allocate(weights)

    @given(
        any_fen,
        st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=20).filter(any),
    )
    def test_parts_sum_exactly_and_stay_within_a_fen(self, fen: int, weights: list[int]) -> None:
        parts = Money(fen).allocate(weights)
        assert len(parts) == len(weights)
        assert sum(parts, Money.zero()) == Money(fen)
        total = sum(weights)
        for part, weight in zip(parts, weights, strict=True):
            # |part - fen * weight / total| < 1, kept in integers to stay exact.
            assert abs(part.fen * total - fen * weight) < total


class TestFormat:
    @pytest.mark.parametrize(
        ("fen", "zh", "en"),
        [
            (520_000_000_000_00, "5,200.0亿元", "CNY 520.0 bn"),
            (1_234_500_00, "123.45万元", "CNY 1.23 m"),
            (3_200_00, "3,200元", "CNY 3,200"),
            (3_200_50, "3,200.50元", "CNY 3,200.50"),
            (-3_200_00, "-3,200元", "CNY -3,200"),
            (-1_234_500_00, "-123.45万元", "CNY -1.23 m"),
            (0, "0元", "CNY 0"),
            (12_345_00, "1.23万元", "CNY 12,345"),
        ],
    )
    def test_auto_unit(self, fen: int, zh: str, en: str) -> None:
        assert Money(fen).format() == zh
        assert Money(fen).format("en") == en

    def test_explicit_units_and_digits(self) -> None:
        money = Money(1_234_567_89)
        assert money.format(unit="yuan") == "1,234,567.89元"
        assert money.format(unit="wan", digits=0) == "123万元"
        assert money.format(unit="yi", digits=4) == "0.0123亿元"
        assert money.format("en", unit="wan") == "CNY 1.23 m"
        assert money.format("en", unit="yi", digits=3) == "CNY 0.001 bn"

    def test_rounding_to_display_is_half_up(self) -> None:
        assert Money(12_345_00).format(unit="wan", digits=3) == "1.235万元"

    def test_tiny_negative_shows_no_minus_zero(self) -> None:
        assert Money(-1).format(unit="wan") == "0.00万元"

    def test_huge_amounts_format_exactly(self) -> None:
        assert Money(INT64_MAX).format() == "922,337,203.7亿元"
        assert Money(INT64_MAX).format(unit="yuan") == "92,233,720,368,547,758.07元"

    def test_bad_unit_or_language_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            Money(1).format(unit="qian")  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            Money(1).format(lang="fr")  # type: ignore[arg-type]


class TestFormatYuan:
    def test_missing_is_a_dash(self) -> None:
        assert format_yuan(None) == "—"

    def test_fen_and_money(self) -> None:
        assert format_yuan(1_234_500_00, "zh") == "123.45万元"
        assert format_yuan(Money(3_200_00), "en", unit="yuan") == "CNY 3,200"
