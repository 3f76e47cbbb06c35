"""Field parsers shared by the file parsers and the prompts: times, durations, counts, byte
volumes and phone numbers. Each raises ValidationError with a reason people can act on."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from telco_console.clock import zone
from telco_console.errors import ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.timeutil import parse_when, to_local

MAX_DURATION_S = 24 * 3600
MAX_NUMBER = 10 ** 15           # no number field of a record goes beyond this
# a number as written in a file or typed: at most 24 digits before the point, 12 after, and an
# exponent of at most two digits, checked BEFORE a Decimal or an int is made of it (so `1e5000`
# or a million digits cost microseconds, not minutes)
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,24}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})(?:[eE][+-]?[0-9]{1,2})?", re.ASCII)


def bounded_decimal(raw: str, what: str, limit: int = MAX_NUMBER) -> Decimal:
    """The Decimal of a plain number of bounded size; ValidationError for anything else."""
    if len(raw) > 40 or not _NUMBER.fullmatch(raw):
        shown = raw if len(raw) <= 30 else raw[:27] + "..."
        raise ValidationError(f"{what} '{shown}' is not a number")
    value = Decimal(raw)
    if abs(value) > limit:
        raise ValidationError(f"{what} {raw} is too large")
    return value
# 2026-10-03 14:05[:07[.123]], 2026/10/3 14:05 (Asterisk, FreeSWITCH, ISO and our CSV)
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
# 4/27/2019 1:15[:07] (TellCo: month first)
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$")


def record_time(text: str, tz: str, now: datetime | None = None) -> datetime:
    """A time from a file, in operator local time (naive, millisecond precision; a time skipped
    by a spring clock change shifted forward, a repeated autumn time its first occurrence unless
    an offset says otherwise: see clock.py). The usual CDR layouts are read directly; anything
    else goes through timeutil.parse_when (dateutil). A time in the future is refused."""
    return zone(tz).normalise(_record_time(text, tz, now))


def _record_time(text: str, tz: str, now: datetime | None) -> datetime:
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("the time is empty")
    if len(raw) == 19 and raw[4] == "-" and raw[10] == " ":
        try:                                    # the common CDR layout, read in C
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if (value is not None and value.tzinfo is None and value.year >= 1990
                and (now is None or value <= now + timedelta(minutes=1))):
            return value
    m = _YMD.match(raw)
    try:
        if m:
            y, mo, d, h, mi, s, frac = m.groups()
            value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                             int((frac or "0").ljust(6, "0")[:3]) * 1000)
        else:
            m = _MDY.match(raw)
            if m:
                mo, d, y, h, mi, s = m.groups()
                value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
            else:
                return parse_when(raw, tz, now=now)
    except ValueError:
        raise ValidationError(f"'{raw}' is not a date and time") from None
    if value.year < 1990:
        raise ValidationError(f"{value:%Y-%m-%d} is too far in the past")
    if now is not None and value > now + timedelta(minutes=1):
        raise ValidationError(f"{value:%Y-%m-%d %H:%M:%S} is in the future")
    return value


def typed_time(text: str, tz: str, now: datetime | None = None) -> datetime:
    """What a person types ('2026-10-03 14:05', '3 Oct 14:05', 'now'): python-dateutil through
    timeutil.parse_when; a time in the future is refused. Local time as record_time has it."""
    return zone(tz).normalise(to_local(parse_when(text, tz, now=now), tz))


_DUR = re.compile(r"^(?:([0-9]{1,9})\s*h)?\s*(?:([0-9]{1,9})\s*m(?:in)?)?\s*(?:([0-9]{1,9})\s*s)?$", re.I)


def duration_seconds(text: str, what: str = "the duration") -> int:
    """'90', '1:30', '01:02:03', '2m30s', '1h' -> seconds; refuses negative and over 24 hours."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise ValidationError(f"{what} is required (seconds, m:ss or h:mm:ss)")
    if raw.startswith("-"):
        raise ValidationError(f"{what} cannot be negative")
    secs: int | None = None
    if re.fullmatch(r"[0-9]{1,12}(\.0{1,12})?", raw):
        secs = int(Decimal(raw))
    elif re.fullmatch(r"[0-9]{1,12}(:[0-9]{1,2}){1,2}", raw):
        parts = [int(p) for p in raw.split(":")]
        if any(p >= 60 for p in parts[1:]):
            raise ValidationError(f"'{raw}' is not a duration: minutes and seconds go up to 59")
        secs = 0
        for p in parts:
            secs = secs * 60 + p
    else:
        m = _DUR.match(raw)
        if m and any(m.groups()):
            h, mi, s = (int(g or 0) for g in m.groups())
            secs = h * 3600 + mi * 60 + s
    if secs is None:
        raise ValidationError(f"'{raw}' is not a duration (try 90, 1:30 or 2m30s)")
    if secs > MAX_DURATION_S:
        raise ValidationError(f"{what} of {secs} s is over 24 hours")
    return secs


def count(text, what: str, maximum: int | None = None, required: bool = True) -> int | None:
    """A whole number >= 0 ('12', '12.0', '1.2e3' as written by spreadsheets)."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        if required:
            raise ValidationError(f"{what} is required")
        return None
    maximum = MAX_NUMBER if maximum is None else maximum
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:     # the usual case, without a Decimal
        if int(raw) > maximum:
            raise ValidationError(f"{what} {raw} is too large (at most {maximum})")
        return int(raw)
    value = bounded_decimal(raw, what)
    if value < 0:
        raise ValidationError(f"{what} cannot be negative ({raw})")
    if value != value.to_integral_value():
        raise ValidationError(f"{what} must be a whole number ({raw})")
    if maximum is not None and value > maximum:
        raise ValidationError(f"{what} {raw} is too large (at most {maximum})")
    return int(value)


def decimal(text, what: str, required: bool = False) -> Decimal | None:
    raw = str(text if text is not None else "").strip()
    if not raw:
        if required:
            raise ValidationError(f"{what} is required")
        return None
    value = bounded_decimal(raw, what)
    if value < 0:
        raise ValidationError(f"{what} must be a number of zero or more ({raw})")
    if value >= Decimal(10) ** 11:
        raise ValidationError(f"{what} {raw} is too large")
    return value.quantize(Decimal("0.001"))


MAX_BYTES = 10 ** 15
_UNITS = {"": 1, "b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12,
          "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30}


def byte_volume(text, what: str = "the volume", required: bool = True) -> int | None:
    """'2000', '1.5 MB', '3GB', '700 kB' -> bytes (1 MB = 1,000,000 bytes); refuses negatives."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        if required:
            raise ValidationError(f"{what} is required (bytes, or with a unit: 1.5 MB)")
        return None
    m = re.fullmatch(r"(-?[0-9.]{1,40}(?:e[+-]?[0-9]{1,3})?)\s*([a-z]{0,3})", raw, re.I | re.A) \
        if len(raw) <= 60 else None
    if not m or m.group(2).lower() not in _UNITS:
        shown = raw if len(raw) <= 30 else raw[:27] + "..."
        raise ValidationError(f"{what} '{shown}' is not a byte count (try 2000, 1.5 MB or 3 GB)")
    number = bounded_decimal(m.group(1), what)
    if number < 0:
        raise ValidationError(f"{what} cannot be negative ({raw})")
    value = number * _UNITS[m.group(2).lower()]
    if value > MAX_BYTES:
        raise ValidationError(f"{what} {raw} is absurdly large")
    return int(value.to_integral_value())


@lru_cache(maxsize=200_000)
def e164(raw: str, region: str) -> str | None:
    """E.164 for a number as written in a record (national, international, 00-prefixed,
    spreadsheet floats such as 33664962239.0); None for extensions and junk."""
    text = (raw or "").strip().strip('"')
    if not text:
        return None
    if text.endswith(".0") and text[:-2].lstrip("+").isdigit():
        text = text[:-2]
    try:
        return normalise_msisdn(text, region)
    except ValidationError:
        return None


def party(text: str) -> str:
    """The other party of a record as typed: a phone number (E.164 when valid) or a short
    code/extension; 1 to 32 visible characters."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("the other party is required (a number or an extension)")
    if len(raw) > 32 or not re.fullmatch(r"\+?[0-9*#][0-9 *#()-]*", raw):
        raise ValidationError(f"'{raw}' is not a phone number, short code or extension")
    return raw


# -- the customer's fields: one validator each, used by `customer add|edit`, the menu's prompts and
# the customers import alike ----------------------------------------------------------------
NAME_MAX, REGION_MAX, HANDSET_MAX, EMAIL_MAX = 120, 60, 120, 200
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def text_field(value, what: str, maximum: int, required: bool = False) -> str | None:
    """Trimmed text of at most `maximum` characters with no control characters (NUL, line breaks,
    escapes); None when empty and not required."""
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise ValidationError(f"{what} is required")
    if len(text) > maximum:
        raise ValidationError(f"{what} is longer than {maximum} characters")
    if "\x00" in text:
        raise ValidationError(f"{what} must not contain a NUL character")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValidationError(f"{what} must not contain control characters (tabs, line breaks, escapes)")
    return text or None


def customer_name(value) -> str:
    return text_field(value, "the customer's name", NAME_MAX, required=True)


def region_name(value) -> str:
    """A customer's region ('' when none): refused, never cut, when too long."""
    return text_field(value, "the region", REGION_MAX) or ""


def handset(value) -> str | None:
    return text_field(value, "the handset", HANDSET_MAX)


def email(value) -> str | None:
    text = text_field(value, "the e-mail address", EMAIL_MAX)
    if text and not _EMAIL.fullmatch(text):
        raise ValidationError(f"'{text}' is not an e-mail address (name@example.com)")
    return text


def msisdn(value, region: str) -> str:
    """A subscriber's number as E.164 (telco_console.phone.normalise_msisdn: letters refused)."""
    return normalise_msisdn(str(value if value is not None else ""), region)


def app_volumes(values: dict, dl: int | None, ul: int | None) -> None:
    """Per-application volumes ({'youtube_dl': bytes, ...}) of a data session: none may exceed the
    session's own downloaded (for *_dl) or uploaded (for *_ul) bytes."""
    for key, value in values.items():
        if value is None or not key.endswith(("_dl", "_ul")) or key in ("bytes_dl", "bytes_ul"):
            continue
        total = dl if key.endswith("_dl") else ul
        if total is not None and value > total:
            way = "downloaded" if key.endswith("_dl") else "uploaded"
            raise ValidationError(f"{key} of {value:,} bytes is more than the session's {total:,} bytes {way}")
