"""Money as integer fen (分): exact arithmetic, exact splitting, and 元/万元/亿元 display.

Every amount in yuanqu is a whole number of fen. Floats never enter: they cannot hold 0.10 exactly,
and SQLite has no exact decimal column, so a ``NUMERIC`` would silently become a float there. Code
handles amounts through :class:`Money`; the database stores ``fen`` in a ``BigInteger`` column, so
an amount must fit a signed 64-bit integer before it is written (:meth:`Money.check_storable`).
Python ints are unbounded, so arithmetic itself never overflows.

Display follows the reader's habit: Chinese readers expect 元, 万元 (10⁴ yuan) or 亿元 (10⁸ yuan);
English readers expect thousands separators and millions / billions. There is no English word for
万 or 亿, so in English ``unit="wan"`` is shown in millions and ``unit="yi"`` in billions: the
magnitudes an English report uses for the same tables (firm-level figures and zone totals), and
the ones an English reader can picture without converting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Literal

from yuanqu.core.errors import ValidationError

__all__ = ["INT64_MAX", "INT64_MIN", "Lang", "Money", "Unit", "format_yuan"]

Lang = Literal["zh", "en"]
Unit = Literal["auto", "yuan", "wan", "yi"]

#: Bounds of the ``BigInteger`` column that stores fen.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

#: Shown in templates where an amount is missing (an em dash, as Chinese statistical tables do).
MISSING = "—"

_WAN = 10**4
_YI = 10**8
_MILLION = 10**6
_BILLION = 10**9
_CENT = Decimal("0.01")


def _reject_float(value: object, what: str) -> None:
    # bool is an int subclass, and True yuan is never what the caller meant.
    if isinstance(value, float | bool):
        raise TypeError(
            f"{what} must not be a {type(value).__name__}: use Decimal, int or str "
            "so that amounts stay exact"
        )


def _exact_context_precision(*values: Decimal) -> int:
    """Enough significant digits that multiplying or quantizing these values never rounds."""
    digits = sum(max(len(v.as_tuple().digits), v.adjusted() + 1) for v in values)
    return max(28, digits + 4)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of Chinese yuan, held exactly as an integer number of fen (分, 0.01 yuan)."""

    fen: int

    def __post_init__(self) -> None:
        if type(self.fen) is not int:
            # Catches floats and Decimals early, where the mistake is made, not when it is stored.
            raise TypeError(f"Money.fen must be an int, got {type(self.fen).__name__}")

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def zero(cls) -> Money:
        """Nothing: 0 fen."""
        return cls(0)

    @classmethod
    def from_yuan(cls, value: Decimal | int | str, *, rounding: str | None = None) -> Money:
        """Build from an amount in yuan, exactly.

        A value with more than two decimal places is rejected with a ValidationError, because
        silently dropping fractions of a fen hides a data error. Pass ``rounding`` (a ``decimal``
        rounding mode; ``decimal.ROUND_HALF_UP`` is the usual 四舍五入) to round to the fen
        instead. Strings may carry surrounding spaces and thousands separators (``"1,234.50"``).
        Floats are refused with TypeError.
        """
        _reject_float(value, "an amount in yuan")
        if isinstance(value, int):
            return cls(value * 100)
        amount = _to_decimal(value)
        with localcontext() as ctx:
            ctx.prec = _exact_context_precision(amount)
            fen_amount = amount.quantize(_CENT, rounding=rounding or ROUND_HALF_UP)
            if rounding is None and fen_amount != amount:
                raise ValidationError(
                    f"金额 {value} 超过两位小数（最小单位为分）",
                    f"the amount {value} has more than two decimal places (the smallest unit is "
                    "the fen, 0.01 yuan)",
                    details={"value": str(value)},
                )
            return cls(int(fen_amount.scaleb(2)))

    # -- views ---------------------------------------------------------------------------------

    @property
    def yuan(self) -> Decimal:
        """The amount in yuan as an exact Decimal with two places (``Decimal("12.30")``)."""
        # Built from a string so that no context precision can round a very large amount.
        return Decimal(f"{self.fen}e-2")

    def check_storable(self) -> Money:
        """Return self if ``fen`` fits the database's signed 64-bit column, else raise."""
        if not INT64_MIN <= self.fen <= INT64_MAX:
            raise ValidationError(
                f"金额过大，无法保存：{self.fen} 分超出 64 位整数范围",
                f"the amount is too large to store: {self.fen} fen is outside the 64-bit "
                "integer range",
                details={"fen": str(self.fen)},
            )
        return self

    # -- arithmetic ----------------------------------------------------------------------------

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __radd__(self, other: int) -> Money:
        # Lets the builtin sum() start from its default 0; any other int would mix units.
        if type(other) is int and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            # Decimal and float factors need a rounding decision: that is what scale() is for.
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __abs__(self) -> Money:
        return Money(abs(self.fen))

    def __bool__(self) -> bool:
        return self.fen != 0

    def scale(self, ratio: Decimal | int, rounding: str = ROUND_HALF_UP) -> Money:
        """Multiply by an exact ratio (a rate, a share) and round to the fen."""
        _reject_float(ratio, "a ratio")
        if not isinstance(ratio, Decimal | int):
            raise TypeError(f"a ratio must be a Decimal or an int, got {type(ratio).__name__}")
        factor = Decimal(ratio)
        if not factor.is_finite():
            raise ValidationError(
                f"比例无效：{ratio}", f"invalid ratio: {ratio}", details={"ratio": str(ratio)}
            )
        amount = Decimal(self.fen)
        with localcontext() as ctx:
            ctx.prec = _exact_context_precision(amount, factor)
            return Money(int((amount * factor).quantize(Decimal(1), rounding=rounding)))

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up exactly to this amount.

        Largest-remainder method: each part gets the floor of its exact share, then the fen left
        over go one each to the parts with the largest remainders (earlier parts win ties). So
        every part is within one fen of its exact share, and a zero weight gets nothing. A
        negative amount is split as its absolute value and negated, so that splitting commutes
        with negation.
        """
        if not weights:
            raise ValidationError("分配权重不能为空", "allocation weights must not be empty")
        for weight in weights:
            _reject_float(weight, "an allocation weight")
            if type(weight) is not int or weight < 0:
                raise ValidationError(
                    f"分配权重必须为非负整数：{weight!r}",
                    f"allocation weights must be non-negative integers: {weight!r}",
                    details={"weights": [str(w) for w in weights]},
                )
        total = sum(weights)
        if total == 0:
            raise ValidationError("分配权重之和不能为零", "allocation weights must not all be zero")
        whole = abs(self.fen)
        floors = [whole * weight // total for weight in weights]
        remainders = [whole * weight % total for weight in weights]
        left_over = whole - sum(floors)
        by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in by_remainder[:left_over]:
            floors[i] += 1
        sign = -1 if self.fen < 0 else 1
        return [Money(sign * part) for part in floors]

    # -- display -------------------------------------------------------------------------------

    def format(self, lang: Lang = "zh", unit: Unit = "auto", digits: int | None = None) -> str:
        """Render for a reader: ``"3,200元"``, ``"123.45万元"``, ``"5,200.0亿元"`` in Chinese;
        ``"CNY 3,200"``, ``"CNY 1.23 m"``, ``"CNY 520.0 bn"`` in English.

        ``unit="auto"`` picks 亿元 from 1亿 and 万元 from 1万 (English: billions from 1 bn,
        millions from 1 m). In English ``"wan"`` shows millions and ``"yi"`` billions (see the
        module docstring). ``digits`` defaults to 2 for 万元 and millions, 1 for 亿元 and
        billions, and for plain yuan to 0 when the amount is whole and 2 otherwise. Rounding is
        half-up. A negative amount carries a minus sign before the number.
        """
        if lang not in ("zh", "en"):
            raise ValidationError(
                f"不支持的语言：{lang!r}", f"unsupported language: {lang!r}", details={"lang": lang}
            )
        if unit not in ("auto", "yuan", "wan", "yi"):
            raise ValidationError(
                f"不支持的金额单位：{unit!r}（可选 auto、yuan、wan、yi）",
                f"unsupported money unit: {unit!r} (choose auto, yuan, wan or yi)",
                details={"unit": unit},
            )
        if lang == "zh":
            return self._format_zh(unit, digits)
        return self._format_en(unit, digits)

    def _format_zh(self, unit: Unit, digits: int | None) -> str:
        magnitude = abs(self.fen) // 100
        if unit == "auto":
            unit = "yi" if magnitude >= _YI else "wan" if magnitude >= _WAN else "yuan"
        if unit == "yi":
            return _number(_in_units(self.fen, _YI), _or(digits, 1)) + "亿元"
        if unit == "wan":
            return _number(_in_units(self.fen, _WAN), _or(digits, 2)) + "万元"
        return _number(self.yuan, self._yuan_digits(digits)) + "元"

    def _format_en(self, unit: Unit, digits: int | None) -> str:
        magnitude = abs(self.fen) // 100
        if unit == "auto":
            unit = "yi" if magnitude >= _BILLION else "wan" if magnitude >= _MILLION else "yuan"
        if unit == "yi":
            return f"CNY {_number(_in_units(self.fen, _BILLION), _or(digits, 1))} bn"
        if unit == "wan":
            return f"CNY {_number(_in_units(self.fen, _MILLION), _or(digits, 2))} m"
        return f"CNY {_number(self.yuan, self._yuan_digits(digits))}"

    def _yuan_digits(self, digits: int | None) -> int:
        if digits is not None:
            return digits
        return 0 if self.fen % 100 == 0 else 2


def _to_decimal(value: Decimal | str) -> Decimal:
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                f"无法识别的金额：{value!r}",
                f"not an amount: {value!r}",
                details={"value": value},
            ) from None
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise TypeError(
            f"an amount in yuan must be a Decimal, int or str, got {type(value).__name__}"
        )
    if not amount.is_finite():
        raise ValidationError(
            f"金额必须是有限数：{value!r}",
            f"an amount must be a finite number: {value!r}",
            details={"value": str(value)},
        )
    return amount


def _or(digits: int | None, default: int) -> int:
    return default if digits is None else digits


def _in_units(fen: int, unit: int) -> Decimal:
    """Exactly ``fen`` expressed in units of ``unit`` yuan (a power of ten)."""
    # A string keeps it exact: Decimal division would round to the context precision.
    return Decimal(f"{fen}e-{len(str(unit)) - 1 + 2}")


def _number(amount: Decimal, digits: int) -> str:
    """Thousands separators, ``digits`` places half-up, and no "-0" for what rounds to zero."""
    if digits < 0:
        raise ValidationError(
            f"小数位数不能为负：{digits}", f"digits must not be negative: {digits}"
        )
    with localcontext() as ctx:
        ctx.prec = _exact_context_precision(amount) + digits
        rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:,.{digits}f}"


def format_yuan(
    fen: int | Money | None, lang: Lang = "zh", unit: Unit = "auto", digits: int | None = None
) -> str:
    """Template helper: format an amount stored in fen, or "—" when it is missing."""
    if fen is None:
        return MISSING
    money = fen if isinstance(fen, Money) else Money(fen)
    return money.format(lang=lang, unit=unit, digits=digits)
