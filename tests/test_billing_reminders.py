"""Reminder levels on given dates, one per bill per level, outbox files, SMTP delivery, deliveries."""
from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from billing_support import set_clock
from helpers import make_customer, make_plan
from telco_console.errors import ValidationError
from telco_console.repositories.base import fetch_all, fetch_one
from telco_console.services.billing import billrun, delivery, payments, reminders


@pytest.fixture
def due(ctx):
    make_plan(ctx)
    make_customer(ctx, email="ann@example.com")
    make_customer(ctx, "+447911000002", name="Bob")
    set_clock(ctx, datetime(2026, 11, 2, 9, 0))
    billrun.run(ctx, "2026-10")
    return ctx.db.run(fetch_one, "SELECT due_date FROM bills LIMIT 1")["due_date"]


def _remind(ctx, day):
    """The reminder run of that day, run on that day."""
    set_clock(ctx, day)
    return reminders.send_reminders(ctx, day)


def _levels(ctx):
    """(bill number's sequence, level) of each reminder in the order sent (by number, not by id:
    ids step by more than one on a Galera cluster)."""
    return [(int(r["bill_number"][-6:]), r["level"]) for r in ctx.db.run(
        fetch_all, "SELECT b.bill_number, r.level FROM reminders r JOIN bills b ON b.id = r.bill_id ORDER BY r.id")]


def test_levels_on_given_dates_never_twice(ctx, due):
    # reminder_days = 1, 7, 14 past the due date
    assert _remind(ctx, due).rows == []                       # on the due date: not late
    assert len(_remind(ctx, due + timedelta(days=1)).rows) == 2
    assert _remind(ctx, due + timedelta(days=1)).rows == []   # never twice
    assert _remind(ctx, due + timedelta(days=6)).rows == []
    rep = _remind(ctx, due + timedelta(days=7))
    assert [r[3] for r in rep.rows] == [2, 2]
    payments.pay(ctx, "2026-10-000002", "5.00", "card", "P1")                 # partially paid: still reminded
    payments.pay(ctx, "2026-10-000001", "12.00", "card", "P2")                # paid: no more reminders
    rep = _remind(ctx, due + timedelta(days=30))
    assert [(r[0], r[3], r[5]) for r in rep.rows] == [("2026-10-000002", 3, Decimal("7.00"))]
    assert _levels(ctx) == [(1, 1), (2, 1), (1, 2), (2, 2), (2, 3)]
    assert _remind(ctx, due + timedelta(days=60)).rows == []
    assert len(reminders.list_reminders(ctx).rows) == 5


def test_a_late_first_run_sends_only_the_highest_level(ctx, due):
    rep = _remind(ctx, due + timedelta(days=20))
    assert [r[3] for r in rep.rows] == [3, 3]
    assert _remind(ctx, due + timedelta(days=21)).rows == []


def test_outbox_files_and_deliveries_recorded(ctx, due):
    _remind(ctx, due + timedelta(days=1))
    rows = ctx.db.run(fetch_all, "SELECT * FROM reminders ORDER BY id")
    text = Path(rows[0]["outbox_path"]).read_text()
    assert "2026-10-000001" in text and "12.00 GBP is still unpaid" in text and "To: ann@example.com" in text
    d = ctx.db.run(fetch_all, "SELECT * FROM deliveries ORDER BY id")
    assert [(x["kind"], x["channel"], x["recipient"]) for x in d] == [
        ("reminder", "outbox", "ann@example.com"), ("reminder", "outbox", "+447911000002")]


def test_one_run_at_a_time_by_a_lease_that_a_dead_run_frees_when_it_expires(ctx, due, monkeypatch):
    from telco_console.errors import DatabaseUnavailable
    from telco_console.repositories import leases

    ctx.db.run(leases.take, "reminders", "another run", 60)                   # another run holds it
    monkeypatch.setattr(reminders, "LEASE_WAIT_S", 0.5)
    with pytest.raises(DatabaseUnavailable, match="another reminder run holds its lease"):
        _remind(ctx, due + timedelta(days=1))
    assert ctx.db.run(fetch_all, "SELECT * FROM reminders") == []               # nothing written
    ctx.db.run(leases.take, "reminders", "another run", -1)                    # it died: the lease expired
    assert len(_remind(ctx, due + timedelta(days=1)).rows) == 2
    assert ctx.db.run(fetch_all, "SELECT * FROM run_leases") == []              # released


def test_a_run_that_loses_its_lease_stops_and_records_what_it_sent(ctx, due, monkeypatch):
    from telco_console.errors import DatabaseUnavailable
    from telco_console.repositories.base import execute

    monkeypatch.setattr(reminders, "LEASE_S", 0)        # renewed (and checked) before every reminder
    original, sent = delivery.deliver, []

    def deliver_then_lose(*a, **kw):                    # the lease expires and another run takes it
        sent.append(a[2])
        ctx.db.run(execute, "UPDATE run_leases SET holder = 'another run', expires_at = NOW(3) + INTERVAL 1 HOUR")
        return original(*a, **kw)
    monkeypatch.setattr(delivery, "deliver", deliver_then_lose)
    with pytest.raises(DatabaseUnavailable, match="lost its lease after 1 of 2"):
        _remind(ctx, due + timedelta(days=1))
    rows = ctx.db.run(fetch_all, "SELECT outbox_path FROM reminders ORDER BY id")
    assert len(sent) == 1 and [r["outbox_path"] is not None for r in rows] == [True, False]
    assert len(ctx.db.run(fetch_all, "SELECT * FROM deliveries")) == 1
    assert ctx.db.run(fetch_all, "SELECT holder FROM run_leases") == [{"holder": "another run"}]   # not ours


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Keep(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    handler = Keep()
    port = _free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, handler
    ctl.stop()


def test_mail_through_smtp_when_configured(ctx, due, smtp_server):
    port, handler = smtp_server
    mctx = ctx.with_user(ctx.user)
    mctx.config = ctx.config.with_overrides(mail__host="127.0.0.1", mail__port=port)
    assert delivery.mail_configured(mctx)
    _remind(mctx, due + timedelta(days=1))
    assert [m[0] for m in handler.messages] == [["ann@example.com"]]     # Bob has no e-mail: outbox only
    assert "Subject: First reminder: bill 2026-10-000001 is overdue" in handler.messages[0][1]
    d = ctx.db.run(fetch_all, "SELECT kind, channel, recipient, status FROM deliveries ORDER BY id")
    assert d == [{"kind": "reminder", "channel": "mail", "recipient": "ann@example.com", "status": "sent"},
                 {"kind": "reminder", "channel": "outbox", "recipient": "+447911000002", "status": "written"}]
    r = delivery.send_bill(mctx, "2026-10-000001")
    assert r["channel"] == "mail" and len(handler.messages) == 2 and "Monthly fee" in handler.messages[1][1]


def test_bills_go_to_outbox_without_mail(ctx, due):
    r = delivery.send_bill(ctx, "2026-10-000002")
    assert r["channel"] == "outbox" and Path(r["detail"]).read_text().startswith("To: +447911000002")


def test_cli_remind_and_list(ctx, due, run_cli):
    from helpers import make_user

    make_user(ctx, "boss", "admin")
    auth = dict(user="boss", password="correct-horse-9")
    day = due + timedelta(days=7)
    code, out, err = run_cli("bill", "remind", "--as-of", str(day), **auth)
    assert code == 0 and out.count("| 2026-10-00000") == 2, err
    code, out, err = run_cli("bill", "remind", "--as-of", str(day), **auth)
    assert code == 0 and "no reminders are due" in out
    code, out, err = run_cli("bill", "reminders", "--bill", "2026-10-000001", "--format", "csv", **auth)
    assert code == 0 and len(out.strip().splitlines()) == 2
    code, out, err = run_cli("bill", "remind", "--as-of", "not a date", **auth)
    assert code == 1 and "not a date" in err


def test_a_future_as_of_date_is_refused_and_nothing_is_sent(ctx, due, run_cli):
    """Issue 14, defect 7: `bill remind --as-of` a future date sent final reminders for bills not yet
    due and marked them sent."""
    from helpers import make_user

    make_user(ctx, "boss", "admin")
    set_clock(ctx, due + timedelta(days=1))
    with pytest.raises(ValidationError, match="in the future"):
        reminders.send_reminders(ctx, due + timedelta(days=20))
    tomorrow = date.today() + timedelta(days=1)
    code, out, err = run_cli("bill", "remind", "--as-of", str(tomorrow), user="boss", password="correct-horse-9")
    assert code == 1 and "is in the future" in err and len(err.strip().splitlines()) == 1
    assert ctx.db.run(fetch_all, "SELECT * FROM reminders") == []
    assert ctx.db.run(fetch_all, "SELECT * FROM deliveries") == []
    rep = reminders.send_reminders(ctx)                  # today by the clock: level 1 only, dated today
    assert [r[3] for r in rep.rows] == [1, 1]
    assert {r["as_of"] for r in ctx.db.run(fetch_all, "SELECT as_of FROM reminders")} == {due + timedelta(days=1)}


def test_bill_run_send_delivers_every_bill_of_the_run(ctx, run_cli):
    from helpers import make_user

    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    make_customer(ctx, email="ann@example.com")
    make_customer(ctx, "+447911000002", name="Bob")
    code, out, err = run_cli("bill", "run", "--period", "2026-10", "--send", user="boss", password="correct-horse-9")
    assert code == 0 and "delivered 2 bills" in out, err
    d = ctx.db.run(fetch_all, "SELECT kind, channel, recipient, detail FROM deliveries ORDER BY id")
    assert [(x["kind"], x["channel"], x["recipient"]) for x in d] == [("bill", "outbox", "ann@example.com"),
                                                                     ("bill", "outbox", "+447911000002")]
    text = Path(d[0]["detail"]).read_text()
    assert "Monthly fee" in text and "Tax at 20%" in text and "Total 12.00 GBP" in text
