"""Property-based tests of the time, duration, volume and number parsers used by imports and prompts."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telco_console.errors import ValidationError
from telco_console.services.collection import fields as F

TZ = "Europe/London"
NOW = datetime(2026, 11, 21, 12, 0)
past = st.datetimes(min_value=datetime(1990, 1, 1), max_value=NOW - timedelta(minutes=2)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


@given(past)
def test_record_time_round_trips_the_cdr_layouts(d):
    assert F.record_time(f"{d:%Y-%m-%d %H:%M:%S}", TZ, NOW) == d.replace(microsecond=0)
    assert F.record_time(d.isoformat(sep=" ", timespec="milliseconds"), TZ, NOW) == d
    assert F.record_time(f"{d.year}/{d.month}/{d.day} {d.hour}:{d.minute:02d}", TZ, NOW) == \
        d.replace(second=0, microsecond=0)
    assert F.record_time(f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}", TZ, NOW) == \
        d.replace(second=0, microsecond=0)


@given(past)
def test_typed_time_reads_what_people_type(d):
    d = d.replace(second=0, microsecond=0)
    assert F.typed_time(f"{d:%Y-%m-%d %H:%M}", TZ, NOW) == d
    assert F.typed_time(f"{d.day} {d:%b %Y %H:%M}", TZ, NOW) == d


@given(st.datetimes(min_value=NOW + timedelta(minutes=2), max_value=datetime(2200, 1, 1)))
def test_future_times_are_refused(d):
    with pytest.raises(ValidationError, match="future"):
        F.record_time(f"{d:%Y-%m-%d %H:%M:%S}", TZ, NOW)
    with pytest.raises(ValidationError, match="future"):
        F.typed_time(f"{d:%Y-%m-%d %H:%M:%S}", TZ, NOW)


@given(st.text(max_size=40))
def test_time_parsers_raise_only_validation_errors(text):
    for parse in (F.record_time, F.typed_time):
        try:
            value = parse(text, TZ, NOW)
        except ValidationError:
            continue
        assert isinstance(value, datetime) and value <= NOW + timedelta(minutes=1)


@given(st.integers(min_value=0, max_value=86400))
def test_durations(secs):
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    assert F.duration_seconds(str(secs)) == secs
    assert F.duration_seconds(f"{h}:{m:02d}:{s:02d}") == secs
    assert F.duration_seconds(f"{h}h{m}m{s}s") == secs


@given(st.integers(min_value=86401, max_value=10 ** 9))
def test_durations_over_a_day_are_refused(secs):
    with pytest.raises(ValidationError, match="over 24 hours"):
        F.duration_seconds(str(secs))


@given(st.text(max_size=20))
def test_duration_and_volume_raise_only_validation_errors(text):
    for parse in (F.duration_seconds, F.byte_volume):
        try:
            value = parse(text)
        except ValidationError:
            continue
        assert isinstance(value, int) and value >= 0


@given(st.integers(min_value=0, max_value=10 ** 12))
def test_volumes(n):
    assert F.byte_volume(str(n)) == n
    assert F.byte_volume(f"{n}.0") == n
    assert F.byte_volume(f"{n / 10 ** 6} MB") == pytest.approx(n, abs=1)
    with pytest.raises(ValidationError, match="negative"):
        F.byte_volume(f"-{n + 1}")


@given(st.integers(min_value=7_400_000_000, max_value=7_999_999_999))
@settings(max_examples=60)
def test_numbers_national_international_and_float(n):
    national = f"0{n}"
    got = F.e164(national, "GB")
    if got is None:
        return
    assert got == f"+44{n}"
    assert F.e164(f"+44{n}", "RU") == got
    assert F.e164(f"0044{n}", "GB") == got
    assert F.e164(f"+44{n}.0", "FR") == got


@given(st.text(max_size=30))
def test_e164_never_raises(text):
    got = F.e164(text, "GB")
    assert got is None or (got.startswith("+") and got[1:].isdigit())


def test_russian_national_numbers():
    assert F.e164("89265955154", "RU") == "+79265955154"
    assert F.e164("211474", "RU") is None
