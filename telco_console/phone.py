"""Phone numbers: validation and E.164 normalisation with the `phonenumbers` library.

Numbers are read as people and switches write them: nationally in the operator's region (with
the trunk prefix, `07700 900123`, or without one where the region has none, `(415) 555-0101`,
`06 1234 5678`), internationally (`+44 7700 900123`, `+44 (0)7700 900123`), with the region's
international prefix (`011 44 ...` from North America, `00 44 ...`), as E.164, with spaces,
dots, dashes or brackets, or as a spreadsheet float (`447700900123.0`)."""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from telco_console.errors import ValidationError

# '(0)' written after a country code: the trunk prefix, not dialled from abroad
_PAREN_TRUNK = re.compile(r"^(\+\s*\d{1,3})[\s.-]*\(0\)")
_SEPARATORS = re.compile(r"[\s().\-/]")


def written(text: str) -> str:
    """The number as written, made ready for phonenumbers: quotes, a spreadsheet's '.0' and a
    '(0)' after the country code dropped."""
    raw = (text or "").strip().strip('"').strip()
    if raw.endswith(".0") and raw[:-2].lstrip("+").isdigit():
        raw = raw[:-2]
    if raw.startswith("+") and "(0)" in raw:
        raw = _PAREN_TRUNK.sub(r"\1 ", raw)
    return raw


def parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    """A number as written, read in a region: phonenumbers reads the region's own international
    prefix (011 in North America, 0011 in Australia, 00 in most of the world); a leading 00 is
    also read as '+' where the region's prefix is another one, when that gives a valid number and
    the region's reading does not. Raises phonenumbers.NumberParseException."""
    raw = written(text)
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        if not raw.startswith("00"):
            raise
        return phonenumbers.parse("+" + raw[2:], region)
    if raw.startswith("00") and not phonenumbers.is_valid_number(num):
        try:
            alt = phonenumbers.parse("+" + raw[2:], region)
        except phonenumbers.NumberParseException:
            return num
        if phonenumbers.is_valid_number(alt):
            return alt
    return num


@lru_cache(maxsize=8192)
def normalise_msisdn(text: str, region: str) -> str:
    """'07700 900123' (region GB) -> '+447700900123'. Raises ValidationError with the reason.
    Remembered per process (parsing and validating takes phonenumbers ~0.1-0.2 ms; a report
    or a lookup of the same number again, or an import meeting a number again, skips it)."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("a phone number is required")
    if len(raw) > 32:
        raise ValidationError("that is too long to be a phone number")
    if any(c.isalpha() for c in raw):     # phonenumbers would read keypad letters as digits
        raise ValidationError(f"'{text}' is not a phone number" +
                              (": letters are not allowed" if any(c.isdigit() for c in raw) else ""))
    try:
        num = parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"'{text}' is not a phone number") from None
    if not phonenumbers.is_valid_number(num):
        raise ValidationError(f"'{text}' is not a valid number for region "
                              f"{phonenumbers.region_code_for_number(num) or region}")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def try_normalise(text: str, region: str) -> str | None:
    """E.164 if the text is a valid number, else None (for CDR parties such as extensions)."""
    try:
        return normalise_msisdn(text, region)
    except ValidationError:
        return None


@lru_cache(maxsize=64)
def trunk_prefix(region: str) -> str:
    """The region's national (trunk) prefix ('0' in GB, '8' in RU, '1' in NANP; '' in IT, ES...)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta is not None else ""


@lru_cache(maxsize=64)
def _intl_prefix(region: str):
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return re.compile(meta.international_prefix) if meta is not None and meta.international_prefix else None


def search_digits(text: str, region: str) -> str | None:
    """The digits to look for in stored E.164 numbers when a search is a (part of a) number as
    written: separators dropped, and a leading international or trunk prefix ('07408...' ->
    '7408...', '(415) 555-0101' -> '4155550101'); None when the text is not number-like."""
    raw = written(text)
    bare = _SEPARATORS.sub("", raw)
    digits = bare.lstrip("+")
    if not digits.isdigit() or len(digits) < 3:
        return None
    if bare.startswith("+"):
        return digits
    intl = _intl_prefix(region)
    m = intl.match(digits) if intl is not None else None
    if m and m.end() and len(digits) > m.end() + 2:         # 011 44 ..., 0011 44 ...
        return digits[m.end():]
    if digits.startswith("00") and len(digits) > 4:
        return digits[2:]
    trunk = trunk_prefix(region)
    if trunk and digits.startswith(trunk) and len(digits) > len(trunk) + 2:
        digits = digits[len(trunk):]
    return digits


def is_international(e164: str, home_region: str) -> bool:
    """True when a number belongs to another country than the operator's."""
    try:
        num = phonenumbers.parse(e164, home_region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(num) not in (home_region, None)
