"""The one money parser: bounded before any conversion, commas never dropped, the operator's
decimal separator honoured; used by `bill pay|credit|adjust`, plan fees and imports alike."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import make_customer, make_plan, make_user
from telco_console.errors import ValidationError
from telco_console.money import parse_money
from telco_console.repositories.base import fetch_value
from telco_console.services import plans
from telco_console.services.billing import billrun, payments

NO = "2026-10-000001"


@pytest.mark.parametrize("text", ["12,50", "1,250", "1,250.00", "12.50,", ",5"])
def test_a_comma_is_refused_never_dropped(text):
    with pytest.raises(ValidationError, match="ambiguous"):
        parse_money(text, "the amount")


@pytest.mark.parametrize("text", ["1e30", "1E5", "1e1000000", "-1e1000000", "9" * 400, "0x10", "1_000"])
def test_exponents_and_absurd_numbers_are_refused_at_once(text):
    started = time.process_time()
    with pytest.raises(ValidationError):
        parse_money(text, "the amount")
    assert time.process_time() - started < 0.5     # no Decimal of a million digits was made


def test_comma_as_the_operators_separator():
    assert parse_money("12,50", "the amount", separator="comma") == Decimal("12.50")
    with pytest.raises(ValidationError, match=r"ambiguous.*comma"):
        parse_money("12.50", "the amount", separator="comma")
    assert parse_money(Decimal("12.5"), "the amount", separator="comma") == Decimal("12.50")


def test_bounds_sign_and_places():
    assert parse_money("-5", "x", allow_negative=True) == Decimal("-5.00")
    with pytest.raises(ValidationError, match="positive"):
        parse_money("-5", "x")
    with pytest.raises(ValidationError, match="too large"):
        parse_money("100000000", "x")
    with pytest.raises(ValidationError, match="decimal places"):
        parse_money("1.005", "x")
    assert parse_money("1.50000", "x") == Decimal("1.50")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=50))
def test_any_text_is_an_amount_or_a_reason(text):
    try:
        value = parse_money(text, "x", allow_negative=True)
    except ValidationError:
        return
    assert value == value.quantize(Decimal("0.01")) and abs(value) < 10 ** 8
    assert "," not in text and "e" not in text.lower()


@pytest.fixture
def billed(ctx):
    make_plan(ctx)
    make_customer(ctx)
    billrun.run(ctx, "2026-10")
    make_user(ctx, "boss", "admin")


def test_bill_pay_with_a_comma_is_refused_and_records_nothing(ctx, billed, run_cli):
    """Issue 14 defect 6: `bill pay N 12,50` used to record 1250.00."""
    code, out, err = run_cli("bill", "pay", NO, "12,50", "--method", "card", "--reference", "R1",
                             "--accept-credit", user="boss", password="correct-horse-9")
    assert code == 1 and "ambiguous" in err and "Traceback" not in err
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM payments") == 0


@pytest.mark.parametrize("argv", [
    ("bill", "pay", NO, "1e30", "--method", "card", "--reference", "R1"),
    ("bill", "adjust", NO, "1e30", "--reason", "x"),
    ("bill", "credit", "+447911123456", "1e30", "--reason", "x"),
    ("bill", "credit", "+447911123456", "1,250", "--reason", "x"),
])
def test_bill_commands_refuse_absurd_amounts_in_one_line(ctx, billed, run_cli, argv):
    code, out, err = run_cli(*argv, user="boss", password="correct-horse-9")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM payments") == 0
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM customer_credits") == 0


def test_plan_fees_use_the_same_parser(ctx):
    with pytest.raises(ValidationError, match="ambiguous"):
        plans.validate_plan({"monthly_fee": "12,50"}, partial=True)
    with pytest.raises(ValidationError):
        plans.validate_plan({"peak_rate": "1e30"}, partial=True)


def test_payments_follow_the_configured_comma(ctx, billed, monkeypatch):
    real_get = ctx.config.get
    monkeypatch.setattr(ctx.config, "get", lambda s, k: "comma" if (s, k) == ("operator", "decimal_separator")
                        else real_get(s, k))
    r = payments.pay(ctx, NO, "5,25", "card", "R9")
    assert r.amount == Decimal("5.25")


def test_rate_decks_use_the_same_parser_and_keep_rates_as_written():
    from telco_console.services.billing import decks

    assert decks.parse_decimal("0.05", "rate") == Decimal("0.05") and str(decks.parse_decimal("0.05", "rate")) == "0.05"
    for bad in ("1e1000000", "0,05", "NaN", "-1"):
        with pytest.raises(ValidationError, match="bad rate"):
            decks.parse_decimal(bad, "rate")
    with pytest.raises(ValidationError):
        decks.parse_duration("9" * 5000, "rate unit")       # once a raw ValueError (int of 5,000 digits)
