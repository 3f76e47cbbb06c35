from decimal import Decimal

import pytest

from helpers import DEFAULT_PLAN, make_plan
from telco_console.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from telco_console.services import plans
from telco_console.services.plans import parse_money, parse_peak_window, validate_plan


@pytest.mark.parametrize("code", ["basic", "BASIC10", "X", "A_B-C", "A" * 20])
def test_good_codes_are_upper_cased(code):
    assert validate_plan(dict(DEFAULT_PLAN, code=code))["code"] == code.upper()


@pytest.mark.parametrize("code", ["-BASIC", "BAD CODE", "A" * 21, "ÄB", "A.B"])
def test_bad_codes(code):
    with pytest.raises(ValidationError, match="a plan code is 1-20"):
        validate_plan(dict(DEFAULT_PLAN, code=code))


def test_required_fields():
    values = dict(DEFAULT_PLAN)
    del values["sms_rate"]
    with pytest.raises(ValidationError, match="the plan's sms rate is required"):
        validate_plan(values)
    assert validate_plan({"name": "New name"}, partial=True) == {"name": "New name"}


def test_money_places():
    assert parse_money("12.5", "the fee") == Decimal("12.50")
    assert parse_money("0.1234", "the rate", places=4) == Decimal("0.1234")
    with pytest.raises(ValidationError, match="the fee has more than 2 decimal places"):
        parse_money("1.005", "the fee")
    with pytest.raises(ValidationError, match="more than 4 decimal places"):
        parse_money("0.12345", "the rate", places=4)
    with pytest.raises(ValidationError, match="must be zero or positive"):
        parse_money("-1", "the fee")
    with pytest.raises(ValidationError, match="the fee 'ten' is not a number"):
        parse_money("ten", "the fee")
    for bad in ("NaN", "Infinity"):
        with pytest.raises(ValidationError):
            parse_money(bad, "the fee")
    with pytest.raises(ValidationError, match="too large"):
        parse_money("100000000", "the fee")


def test_counts_and_increment():
    with pytest.raises(ValidationError, match="included minutes must be a whole number"):
        validate_plan(dict(DEFAULT_PLAN, included_minutes="1.5"))
    with pytest.raises(ValidationError, match="included SMS must be between 0"):
        validate_plan(dict(DEFAULT_PLAN, included_sms=-1))
    with pytest.raises(ValidationError, match="at least 1 second"):
        validate_plan(dict(DEFAULT_PLAN, increment_seconds=0))


def test_peak_window_parsing():
    assert parse_peak_window("Mon-Fri 08:00-20:00") == ("0,1,2,3,4", "08:00:00", "20:00:00")
    assert parse_peak_window("sat 9:30-24:00") == ("5", "09:30:00", "24:00:00")
    assert parse_peak_window(" Mon-Sun 00:00-23:59 ") == ("0,1,2,3,4,5,6", "00:00:00", "23:59:00")
    for bad, why in (("weekdays", "looks like"), ("Fri-Mon 08:00-20:00", "forwards"),
                     ("Mon-Fri 20:00-08:00", "end after it starts"), ("Mon 25:00-26:00", "between 00:00"),
                     ("Mon 08:00-24:30", "between 00:00"), ("Mox 08:00-09:00", "looks like")):
        with pytest.raises(ValidationError, match=why):
            parse_peak_window(bad)


def test_add_show_list_and_duplicates(ctx):
    p = make_plan(ctx, peak_window="Mon-Sat 07:00-19:00")
    assert (p["code"], p["monthly_fee"], p["peak_days"]) == ("BASIC", Decimal("10.00"), "0,1,2,3,4,5")
    with pytest.raises(DuplicateError, match="a plan with code BASIC exists already \\(Basic\\)"):
        make_plan(ctx, code="basic", name="Other")
    report = plans.list_plans(ctx)
    assert [r[0] for r in report.rows] == ["BASIC"]
    shown = dict(plans.plan_report(ctx, "basic").rows)
    assert shown["Peak window"] == "Mon-Sat 07:00-19:00"
    with pytest.raises(NotFoundError, match="no plan with code GOLD"):
        plans.get_plan(ctx, "GOLD")


def test_edit_and_roles(ctx, as_role):
    make_plan(ctx)
    edited = plans.edit_plan(ctx, "BASIC", monthly_fee="12.00", active=False)
    assert edited["monthly_fee"] == Decimal("12.00") and edited["active"] == 0
    with pytest.raises(ValidationError):
        plans.edit_plan(ctx, "BASIC", monthly_fee="1.234")
    assert plans.get_plan(ctx, "BASIC")["monthly_fee"] == Decimal("12.00")     # nothing written
    with pytest.raises(PermissionDenied):
        make_plan(as_role("staff"), code="OTHER")
    with pytest.raises(PermissionDenied):
        plans.edit_plan(as_role("analyst"), "BASIC", name="x")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_money_with_two_places_round_trips(value):
    assert parse_money(str(value), "the fee") == value


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_window_or_a_validation_error(text):
    try:
        days, start, end = parse_peak_window(text)
    except ValidationError:
        return
    assert start < end or end == "24:00:00"
    assert all(0 <= int(d) <= 6 for d in days.split(","))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_money_or_a_validation_error(text):
    try:
        value = parse_money(text, "the fee")
    except ValidationError:
        return
    assert value >= 0 and value == value.quantize(Decimal("0.01"))
