"""Logging calls, SMS and data sessions one at a time: checks, confirmation, rollups, roles."""
from __future__ import annotations

from datetime import timedelta

import pytest

from helpers import make_customer, make_plan
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories import rollups
from telco_console.services.collection import manual


@pytest.fixture
def cust(ctx):
    make_plan(ctx)
    return make_customer(ctx, "07911123456")


def _count(ctx, table):
    return ctx.db.run(lambda c: (lambda cur: (cur.execute(f"SELECT COUNT(*) FROM {table}"), cur.fetchone()[0])[1])(
        c.cursor()))


def test_log_call_with_duration_and_end(ctx, cust):
    start = ctx.now() - timedelta(hours=2)
    logged = manual.log_call(ctx, "07911123456", "07400123456", "out", f"{start:%Y-%m-%d %H:%M}", "1:30")
    assert logged.record["duration_s"] == 90 and logged.record["billsec"] == 90
    assert logged.record["other_party"] == "+447400123456"
    assert ["Duration (s)", "90"] in logged.report.rows
    end = start + timedelta(minutes=5)
    logged = manual.log_call(ctx, "+447911123456", "211", "in", f"{start:%Y-%m-%d %H:%M}",
                             ended=f"{end:%Y-%m-%d %H:%M}", answered_=False)
    assert logged.record["duration_s"] == 300 and logged.record["billsec"] == 0
    assert _count(ctx, "calls") == 2
    assert ctx.db.run(rollups.differences) == []


@pytest.mark.parametrize("kwargs, reason", [
    (dict(msisdn="07912345678"), "not a customer"),
    (dict(msisdn="12"), "not"),
    (dict(started="2099-01-01 10:00"), "future"),
    (dict(started="gibberish"), "not a date and time"),
    (dict(duration="-5"), "negative"),
    (dict(duration="25:00:00"), "over 24 hours"),
    (dict(duration=None, ended="2020-01-01 09:00"), "before the start"),
    (dict(direction_="sideways"), "direction"),
    (dict(other="call me"), "not a phone number"),
])
def test_log_call_refusals(ctx, cust, kwargs, reason):
    args = dict(msisdn="07911123456", other="07400123456", direction_="out", started="2026-01-05 10:00",
                duration="60")
    args.update(kwargs)
    with pytest.raises(ValidationError, match=reason):
        manual.log_call(ctx, **args)
    assert _count(ctx, "calls") == 0


def test_log_sms_and_data(ctx, cust):
    logged = manual.log_sms(ctx, "07911123456", "07400123456", "out", "now", "42")
    assert logged.record["length"] == 42
    with pytest.raises(ValidationError, match="negative"):
        manual.log_sms(ctx, "07911123456", "07400123456", "out", "now", "-1")
    logged = manual.log_data(ctx, "07911123456", "2026-01-05 10:00", "1h", dl="1.5 MB", ul="2000",
                             apps={"youtube_dl": "1 MB"}, measures={"rtt_dl_ms": "31.5"}, handset="Pixel 7")
    assert logged.record["bytes_dl"] == 1_500_000 and logged.record["youtube_dl"] == 1_000_000
    assert logged.record["duration_ms"] == 3_600_000
    for bad, reason in ((dict(dl="-1"), "negative"), (dict(duration="30:00:00"), "over 24 hours"),
                        (dict(apps={"tiktok_dl": "1"}), "unknown application")):
        args = dict(msisdn="07911123456", started="2026-01-05 10:00", duration="10m", dl="1", ul="1")
        args.update(bad)
        with pytest.raises(ValidationError, match=reason):
            manual.log_data(ctx, **args)
    assert _count(ctx, "sms") == 1 and _count(ctx, "data_sessions") == 1
    assert ctx.db.run(rollups.differences) == []


def test_roles(ctx, cust, as_role):
    manual.log_sms(as_role("staff"), "07911123456", "07400123456", "in", "now", "5")
    for role in ("analyst", "customer", "regional"):
        with pytest.raises(PermissionDenied):
            manual.log_sms(as_role(role), "07911123456", "07400123456", "in", "now", "5")


def test_closed_customer_is_refused_after_closing_only(ctx, cust):
    """A closed customer's usage up to the closing day can still be logged; after it, not."""
    from datetime import timedelta

    from telco_console.services import customers

    customers.edit_customer(ctx, "07911123456", since=str(ctx.now().date() - timedelta(days=30)))
    closed = ctx.now().date() - timedelta(days=2)
    customers.close_customer(ctx, "07911123456", closed)
    c = manual.customer(ctx, "07911123456")
    with pytest.raises(ValidationError, match=f"was not a customer on .* \\(closed on {closed}\\)"):
        manual.call_preview(ctx, c, "07400123456", "out", "now", duration="60")
    rec, _ = manual.call_preview(ctx, c, "07400123456", "out", f"{closed} 12:00", duration="60")
    assert rec["started_at"].date() == closed
