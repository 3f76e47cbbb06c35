"""The one parser of money typed or read anywhere (prompts, `bill pay|credit|adjust`, plan fees and
rates, imports). The text is checked by shape and length BEFORE any Decimal is made, so `1e30`,
`1e1000000`, `NaN` or 400 digits are refused in microseconds. A comma is never dropped: with the
operator's decimal separator a point (the default), `12,50` and `1,250` are ambiguous and refused;
with `[operator] decimal_separator = comma`, `12,50` is 12.50 and a point is refused instead."""
from __future__ import annotations

import re
from decimal import Decimal

from telco_console.errors import ValidationError

SEPARATORS = {"point": ".", "comma": ","}
MAX_INTEGER_DIGITS = 12          # up to 999,999,999,999: any bound a caller sets is below this
_SHAPE = {sep: re.compile(rf"([+-]?)([0-9]{{1,{MAX_INTEGER_DIGITS}}})(?:{re.escape(sep)}([0-9]{{1,8}}))?",
                          re.ASCII)
          for sep in SEPARATORS.values()}


def separator_of(ctx_or_config) -> str:
    """'point' or 'comma' from a context or a config ([operator] decimal_separator)."""
    config = getattr(ctx_or_config, "config", ctx_or_config)
    try:
        return config.get("operator", "decimal_separator")
    except Exception:
        return "point"


def parse_money(text, what: str = "the amount", places: int = 2, *, allow_zero: bool = True,
                allow_negative: bool = False, maximum: Decimal = Decimal(10) ** 8,
                separator: str = "point", quantize: bool = True) -> Decimal:
    """A Decimal with `places` decimals, 0 <= |value| < maximum (sign and zero as allowed);
    with quantize=False, as written (a rate of a deck: 0.05 stays 0.05, at most `places` decimals)."""
    sep = SEPARATORS.get(separator, ".")
    other = "," if sep == "." else "."
    example = f"12{sep}50"
    if isinstance(text, (Decimal, int, float)) and not isinstance(text, bool):
        raw = format(text, "f") if isinstance(text, Decimal) and text.is_finite() and \
            abs(text.adjusted()) <= MAX_INTEGER_DIGITS else str(text)     # a value parsed already
        raw = raw.replace(".", sep)
    else:
        raw = str(text if text is not None else "").strip()
    shown = raw if len(raw) <= 30 else raw[:27] + "..."
    if not raw:
        raise ValidationError(f"{what} is required (e.g. {example})")
    if len(raw) > 40:
        raise ValidationError(f"{what} '{shown}' is not an amount (e.g. {example})")
    if other in raw:
        raise ValidationError(f"{what} '{shown}' is ambiguous: write it with a {separator_name(sep)} for the "
                              f"decimals and no thousands separators (e.g. {example})")
    m = _SHAPE[sep].fullmatch(raw)
    if not m:
        if re.search(r"[eE]", raw) and re.search(r"[0-9]", raw):
            raise ValidationError(f"{what} '{shown}' is not an amount: write it in plain digits (e.g. {example})")
        if raw.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise ValidationError(f"{what} must be a finite number (e.g. {example})")
        raise ValidationError(f"{what} '{shown}' is not a number (e.g. {example})")
    sign, whole, frac = m.groups()
    if frac and len(frac.rstrip("0")) > places:
        raise ValidationError(f"{what} has more than {places} decimal places")
    value = Decimal(f"{sign}{whole}.{frac or '0'}")
    if quantize:
        value = value.quantize(Decimal(1).scaleb(-places))
    else:
        value = Decimal(f"{sign}{whole}" + (f".{frac}" if frac else ""))
    if value < 0 and not allow_negative:
        raise ValidationError(f"{what} must be {'zero or ' if allow_zero else ''}positive")
    if value == 0 and not allow_zero:
        raise ValidationError(f"{what} must be {'non-zero' if allow_negative else 'positive'}, not {shown}")
    if abs(value) >= maximum:
        raise ValidationError(f"{what} is too large (under {maximum:,})")
    return value


def separator_name(sep: str) -> str:
    return "point" if sep == "." else "comma"
