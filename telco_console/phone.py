"""Phone numbers: validation and E.164 normalisation with the `phonenumbers` library."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers

from telco_console.errors import ValidationError


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
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        num = phonenumbers.parse(raw, region)
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


def is_international(e164: str, home_region: str) -> bool:
    """True when a number belongs to another country than the operator's."""
    try:
        num = phonenumbers.parse(e164, home_region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(num) not in (home_region, None)
