"""Hostile input: property-based tests on every prompt validator and on customer add.
Whatever comes in (SQL metacharacters, any Unicode, long lines, NUL bytes, huge numbers), the
only exceptions are ValidationError/TelcoError, and nothing is written from a rejected input."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from telco_console.errors import TelcoError, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.services import auth, customers, plans
from telco_console.timeutil import Period, parse_date, parse_when

HOSTILE = [
    "", " ", "\x00", "abc\x00def", "'; DROP TABLE customers; --", "\" OR 1=1 --", "1' OR '1'='1",
    "%s", "%(x)s", "{0}", "\\", "\\x00", "`", "/*", "*/", "--", ";", "NULL", "null", "None",
    "=1+1", "+447911123456\x00", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "-1", "-0", "1e999999999",
    "9" * 400, "-" + "9" * 400, "NaN", "Infinity", "-Infinity", "sNaN", "1e-999999999", "0x10",
    "\u202e\u0661\u0662", "\U0001F4A9" * 50, "\ud7ff", "\u0000\u0001\u001f", "x" * 100_000,
    "2026-13-45", "9999-12-31 23:59", "0000-00-00", "2026-10", "Mon-Sun 00:00-24:00", "\n\r\t",
    "١٢٣٤", "０７９１１ １２３４５６", "+" * 40, "00" + "4" * 30,
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.lists(st.sampled_from(HOSTILE[:25]), max_size=6).map("".join),
)
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 11, 21, 12, 0)


def _only_validation(fn, *args):
    """Call fn; a ValidationError/TelcoError is a fine answer, anything else fails the test."""
    try:
        return fn(*args)
    except TelcoError:
        return None


@FAST
@given(hostile_text)
def test_normalise_msisdn(text):
    result = _only_validation(normalise_msisdn, text, "GB")
    if result is not None:
        assert result.startswith("+") and result[1:].isdigit() and len(result) <= 16


@FAST
@given(hostile_text)
@example("Mon-Sun 00:00-24:00")      # read as a -24:00 offset: once a raw ValueError
def test_parse_when(text):
    result = _only_validation(parse_when, text, "Europe/London", NOW)
    if result is not None:
        assert result.tzinfo is None and result.year >= 1990 and result <= datetime(2026, 11, 21, 12, 1)


@FAST
@given(hostile_text)
@example("9" * 40)
@example("32 Jan")
def test_parse_date(text):
    _only_validation(parse_date, text, "Europe/London")


@FAST
@given(hostile_text)
@example("٢٠٢٦-١٠")
def test_period_parse(text):
    p = _only_validation(Period.parse, text)
    if p is not None:
        assert 1 <= p.month <= 12 and p.year >= 1990


@FAST
@given(hostile_text)
def test_parse_money(text):
    value = _only_validation(plans.parse_money, text, "the fee")
    if value is not None:
        assert isinstance(value, Decimal) and Decimal(0) <= value < Decimal(10) ** 8
        assert value == value.quantize(Decimal("0.01"))


@FAST
@given(st.one_of(hostile_text, st.integers(), st.decimals(allow_nan=True), st.floats(), st.none()))
def test_parse_money_any_type(value):
    _only_validation(plans.parse_money, value, "the rate", 4)


@FAST
@given(hostile_text)
def test_parse_peak_window(text):
    result = _only_validation(plans.parse_peak_window, text)
    if result is not None:
        days, start, end = result
        assert start < end and set(days.split(",")) <= set("0123456")


@FAST
@given(st.dictionaries(st.sampled_from(["code", "name", "monthly_fee", "included_minutes", "included_sms",
                                        "included_mb", "peak_rate", "offpeak_rate", "sms_rate", "mb_rate",
                                        "increment_seconds", "peak_window", "active"]),
                       st.one_of(hostile_text, st.integers(), st.none()), max_size=13),
       st.booleans())
@example({"peak_window": 1}, True)           # a number where text is expected (found by this test)
def test_validate_plan(values, partial):
    _only_validation(plans.validate_plan, values, partial)


@FAST
@given(hostile_text)
def test_validate_username(text):
    name = _only_validation(auth.validate_username, text)
    if name is not None:
        assert set(name) <= auth.USERNAME_CHARS and 2 <= len(name) <= 64


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(msisdn=hostile_text, name=hostile_text, plan=st.one_of(st.just("BASIC"), hostile_text),
       region=st.one_of(st.none(), hostile_text), since=st.one_of(st.none(), hostile_text),
       email=st.one_of(st.none(), hostile_text))
def test_customer_add_writes_only_what_it_accepts(ctx, msisdn, name, plan, region, since, email):
    from helpers import make_plan

    if not ctx.db.run(lambda conn: _count(conn, "plans")):
        make_plan(ctx)
    before = ctx.db.run(lambda conn: (_count(conn, "customers"), _count(conn, "audit_log")))
    try:
        c = customers.add_customer(ctx, msisdn, name, plan, region, None, since, email)
    except TelcoError:
        assert ctx.db.run(lambda conn: (_count(conn, "customers"), _count(conn, "audit_log"))) == before
        return
    # accepted: stored exactly as validated (no SQL injection, no truncation surprise)
    assert "\x00" not in c["name"] and c["name"] == name.strip()
    assert ctx.db.run(lambda conn: _count(conn, "customers")) == before[0] + 1
    ctx.db.run(lambda conn: [conn.cursor().execute(f"DELETE FROM {t} WHERE {k} = %s", (c["id"],))
                             for t, k in (("customer_plans", "customer_id"), ("customers", "id"))])


def _count(conn, table):
    cur = conn.cursor()
    cur.execute(f"SELECT COUNT(*) FROM {table}")
    return cur.fetchone()[0]


def test_sql_metacharacters_are_stored_literally(ctx):
    from helpers import make_customer, make_plan

    make_plan(ctx)
    values = ["'; DROP TABLE customers; --", "Robert'); DROP TABLE plans;--", "\u4e2d\u6587 \U0001F600",
              "O'Brien \"Jr\" \\ %s"]
    for i, value in enumerate(values):
        c = make_customer(ctx, msisdn=f"+4479111234{i:02d}", name=value)
        assert customers.get_customer(ctx, c["msisdn"])["name"] == value
        assert customers.list_customers(ctx, search=value).total == 1


def test_the_cli_turns_hostile_arguments_into_one_line(ctx, run_cli):
    from helpers import make_plan, make_user

    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    for bad in ("'; DROP TABLE customers; --", "x" * 5000, "\u202e"):
        code, out, err = run_cli("customer", "add", "--msisdn", bad, "--name", bad, "--plan", "BASIC",
                                 user="boss", password="correct-horse-9")
        assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    # a NUL never survives into what is stored
    assert normalise_msisdn("+44 7911 123456\x00", "GB") == "+447911123456"
    with pytest.raises(ValidationError, match="NUL"):
        customers.add_customer(ctx, "+447911123456", "Ann\x00", "BASIC")
