"""The Data collection menu driven with scripted answers: bad answers are refused with their reason
and asked again, a confirmation table is shown before saving, Ctrl-C abandons the record."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from helpers import make_customer, make_plan
from telco_console.errors import TelcoError
from telco_console.reporting.output import Output
from telco_console.ui import prompts
from telco_console.ui.app import Console, run_action
from telco_console.ui.menus import collection, sections_for
from telco_console.ui.prompts import Cancelled


@pytest.fixture
def script(monkeypatch):
    """answers: typed texts in order; a bad answer is refused (its reason kept) and the same
    prompt takes the next answer, like prompts.ask. Cancelled as an answer is Ctrl-C."""
    answers: list = []
    refused: list = []
    asked: list = []

    def ask(message, parse=None, default="", required=True, **kw):
        asked.append(message)
        while True:
            text = answers.pop(0)
            if text is Cancelled:
                raise Cancelled()
            if not str(text).strip():
                if required:
                    refused.append("an answer is required")
                    continue
                return None
            try:
                return parse(text) if parse else text
            except TelcoError as exc:
                refused.append(str(exc))

    def choose(message, choices, default=None, **kw):
        asked.append(message)
        answer = answers.pop(0)
        assert answer in choices
        return answer

    monkeypatch.setattr(prompts, "ask", ask)
    monkeypatch.setattr(prompts, "choose", choose)
    monkeypatch.setattr(prompts, "confirm", lambda message, default=False, **kw: answers.pop(0))
    return answers, refused, asked


def _console(ctx):
    buf = io.StringIO()
    return Console(ctx, Output(buf, buf, colour=False)), buf


def _n(ctx, table):
    def do(conn):
        cur = conn.cursor()
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return cur.fetchone()[0]
    return ctx.db.run(do)


def test_section_for_staff_and_admin_only():
    for role in ("staff", "admin"):
        assert "Data collection" in [s.title for s in sections_for(role)]
    for role in ("analyst", "customer"):
        assert "Data collection" not in [s.title for s in sections_for(role)]
    labels = [i.label for i in collection.section().items]
    assert labels[:4] == ["Log a call", "Log an SMS", "Log a data session", "Import a file"]


def test_log_a_call_re_asks_until_valid(ctx, as_role, script):
    answers, refused, asked = script
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(as_role("staff"))
    start = ctx.now() - timedelta(hours=1)
    answers += ["07912345678", "07911123456",            # not a customer, then the customer
                "out", "call me", "07400123456",
                "2099-01-01 10:00", "soon", f"{start:%Y-%m-%d %H:%M}",
                "duration", "-5", "25:00:00", "2m30s",
                "maybe", "y", True]
    run_action(console, collection.log_call)
    assert any("is not a customer" in r for r in refused)
    assert any("not a phone number" in r for r in refused)
    assert any("in the future" in r for r in refused)
    assert any("not a date and time" in r for r in refused)
    assert any("negative" in r for r in refused)
    assert any("over 24 hours" in r for r in refused)
    assert any("yes or no" in r for r in refused)
    out = buf.getvalue()
    assert f"read as {start:%Y-%m-%d %H:%M}:00" in out
    assert "Call to save" in out and "150" in out and "saved call" in out
    assert "Customer MSISDN:" in asked and "Answered? (y/n):" in asked
    assert _n(ctx, "calls") == 1


def test_log_a_call_with_an_end_before_the_start(ctx, script):
    answers, refused, _ = script
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    start = ctx.now() - timedelta(hours=1)
    answers += ["07911123456", "in", "211", f"{start:%Y-%m-%d %H:%M}", "end time",
                f"{start - timedelta(minutes=5):%Y-%m-%d %H:%M}", f"{start + timedelta(minutes=5):%Y-%m-%d %H:%M}",
                "n", False]
    run_action(console, collection.log_call)
    assert any("before the start" in r for r in refused)
    assert "not saved" in buf.getvalue()
    assert _n(ctx, "calls") == 0


def test_ctrl_c_abandons_the_record(ctx, script):
    answers, _, _ = script
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    answers += ["07911123456", "out", "07400123456", Cancelled]
    run_action(console, collection.log_sms)
    assert "cancelled, back to the menu" in buf.getvalue()
    assert _n(ctx, "sms") == 0


def test_log_sms_and_data(ctx, script):
    answers, refused, _ = script
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    answers += ["07911123456", "in", "07400123456", "now", "-3", "160", True]
    run_action(console, collection.log_sms)
    assert any("negative" in r for r in refused)
    start = ctx.now() - timedelta(hours=3)
    answers += ["07911123456", f"{start:%Y-%m-%d %H:%M}", "duration", "1h", "-1", "2 GB", "3 MB", True]
    answers += [""] * 14 + ["31.5", "", "", "", "", "", "Pixel 7", True]
    run_action(console, collection.log_data)
    out = buf.getvalue()
    assert "Data session to save" in out and "2,000,000,000" in out and "rtt_dl_ms" in out
    assert _n(ctx, "sms") == 1 and _n(ctx, "data_sessions") == 1


def test_import_and_unmatched_from_the_menu(ctx, script, real_data):
    answers, refused, _ = script
    make_plan(ctx)
    console, buf = _console(ctx)
    path = str(real_data / "freeswitch" / "Master.csv")
    answers += ["freeswitch", "/no/such/file", path, "XX", ""]
    run_action(console, collection.import_file)
    assert any("no such file" in r for r in refused) and any("region code" in r for r in refused)
    assert console.last_report.title == "Import summary"
    assert console.last_report.rows[0][3:8] == [10, 0, 1, 9, 0]
    answers += ["chat", "call"]
    run_action(console, collection.list_unmatched)
    assert len(console.last_report.rows) == 9
    run_action(console, collection.reprocess)
    assert console.last_report.rows[0] == [9, 0, 0, 0, 9]
    run_action(console, collection.recent_imports)
    assert console.last_report.rows[0][4] == "done"
