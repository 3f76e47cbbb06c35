"""Times: parsing what people type (python-dateutil), the operator's time zone, billing periods."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits

PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
# the dates a person may type (records before 1990 are refused; the end leaves room for date sums)
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2999, 12, 31)
# a date written with the day and the month as numbers, in either order: 03/10/2026, 3.10.26
NUMERIC_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")


def check_day_month(text: str) -> None:
    """Refuses a date whose day and month could be read either way ('03/10/2026': 3 October in
    most of the world, March 10 in North America): the console serves operators in any region,
    so it never guesses. Dates whose numbers can only be read one way (25/10/2026, 10/25/2026,
    04/04/2026) and ISO dates pass."""
    m = NUMERIC_DMY.match(text or "")
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a != b and 1 <= a <= 12 and 1 <= b <= 12:
            y = m.group(3)
            raise ValidationError(f"'{text.strip()}' could be {a} {calendar.month_abbr[b]} or {b} "
                                  f"{calendar.month_abbr[a]}: write the date as YYYY-MM-DD "
                                  f"(e.g. {'20' + y if len(y) == 2 else y}-{b:02d}-{a:02d})")


def _day_first(text: str) -> bool:
    """dateutil's order for a numeric date that can only be read one way (25/10/2026)."""
    m = NUMERIC_DMY.match(text or "")
    return bool(m and int(m.group(1)) > 12)


def next_month(d: date) -> date:
    """The first day of the month after d's."""
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def now_local(tz: str) -> datetime:
    """The operator's wall-clock time now, naive, to millisecond precision."""
    n = datetime.now(ZoneInfo(tz)).replace(tzinfo=None)
    return n.replace(microsecond=n.microsecond // 1000 * 1000)


def to_local(value: datetime, tz: str) -> datetime:
    """A datetime in operator local time (naive); an aware value is converted first."""
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def parse_when(text: str, tz: str, now: datetime | None = None, allow_future: bool = False) -> datetime:
    """'2026-10-03 14:05', '3 Oct 14:05', 'now', 'today 9:00', 'yesterday 18:30', ISO with an
    offset (converted to local time). Refuses a time in the future unless allowed."""
    if text is None or not str(text).strip():
        raise ValidationError("a date and time is required (e.g. 2026-10-03 14:05, 3 Oct 14:05, now)")
    raw = str(text).strip()
    if len(raw) > 64:
        raise ValidationError("that is too long to be a date and time")
    now = now or now_local(tz)
    low = raw.lower()
    base = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if low == "now":
        return now
    for word, shift in (("today", 0), ("yesterday", -1)):
        if low == word or low.startswith(word + " "):
            rest = raw[len(word):].strip()
            day = base + timedelta(days=shift)
            if not rest:
                return day
            raw = f"{day:%Y-%m-%d} {rest}"
            break
    check_day_month(raw)
    try:
        value = dateparser.parse(raw, default=base, dayfirst=_day_first(raw))
        if value.tzinfo is not None:
            value = to_local(value, tz)     # an offset of 24 h or more fails here
    except (ValueError, OverflowError, TypeError):
        raise ValidationError(f"'{text}' is not a date and time I can read "
                              "(try 2026-10-03 14:05, 3 Oct 14:05 or now)") from None
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    if value.year < 1990:
        raise ValidationError(f"{value:%Y-%m-%d} is too far in the past")
    if not allow_future and value > now + timedelta(minutes=1):
        raise ValidationError(f"{value:%Y-%m-%d %H:%M:%S} is in the future")
    return value


def parse_date(text: str, tz: str | None = None) -> date:
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("a date is required (e.g. 2026-10-03)")
    if raw.lower() in ("today", "yesterday") and tz:
        d = now_local(tz).date()
        return d if raw.lower() == "today" else d - timedelta(days=1)
    if len(raw) > 64:
        raise ValidationError("that is too long to be a date")
    check_day_month(raw)
    try:
        value = dateparser.parse(raw, dayfirst=_day_first(raw)).date()
    except (ValueError, OverflowError, TypeError):
        raise ValidationError(f"'{text}' is not a date I can read (try 2026-10-03)") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(f"{value.isoformat()} is out of range: dates run from {MIN_DATE:%Y-%m-%d} "
                              f"to {MAX_DATE:%Y-%m-%d}")
    return value


@dataclass(frozen=True)
class Period:
    """A billing month, 'YYYY-MM'."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = PERIOD_RE.match((text or "").strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or not 1990 <= int(m.group(1)) <= MAX_DATE.year:
            raise ValidationError(f"'{text}' is not a billing period: use YYYY-MM, e.g. 2026-10")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time())

    @property
    def end(self) -> datetime:
        """Exclusive end: midnight at the start of the next month."""
        return self.start + relativedelta(months=1)

    def next(self) -> Period:
        d = self.first_day + relativedelta(months=1)
        return Period(d.year, d.month)

    def previous(self) -> Period:
        d = self.first_day - relativedelta(months=1)
        return Period(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


PRESETS = ("today", "yesterday", "last-7-days", "this-month", "last-month")


def preset_range(name: str, tz: str, today: date | None = None) -> tuple[date, date]:
    """A date preset as an inclusive (from, to) pair of dates."""
    today = today or now_local(tz).date()
    key = name.strip().lower().replace(" ", "-").replace("_", "-")
    if key == "today":
        return today, today
    if key == "yesterday":
        y = today - timedelta(days=1)
        return y, y
    if key in ("last-7-days", "7d"):
        return today - timedelta(days=6), today
    if key == "this-month":
        return today.replace(day=1), today
    if key == "last-month":
        p = Period(today.year, today.month).previous()
        return p.first_day, p.last_day
    if len(key) == 7 and key[4] == "-" and _digits(key[:4]) and _digits(key[5:]):
        p = Period.parse(key)        # a billing month, YYYY-MM
        return p.first_day, p.last_day
    raise ValidationError(f"unknown period preset '{name}': use one of {', '.join(PRESETS)}")
