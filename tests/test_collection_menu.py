"""The Data collection menu driven by keystrokes into its real prompts: bad answers are refused with
their reason and asked again, a confirmation table is shown before saving, Ctrl-C abandons the record."""
from __future__ import annotations

import io
from datetime import timedelta

from helpers import make_customer, make_plan
from telco_console.reporting.output import Output
from telco_console.ui.app import Console, run_action
from telco_console.ui.menus import collection, sections_for
from typed_input import CTRL_C, typing


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


def test_log_a_call_re_asks_until_valid(ctx, as_role):
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(as_role("staff"))
    start = ctx.now() - timedelta(hours=1)
    with typing("07912345678", "07911123456",            # not a customer, then the customer
                "out", "call me", "07400123456",
                "2099-01-01 10:00", "soon", f"{start:%Y-%m-%d %H:%M}",
                "3", "", "-5", "25:00:00", "2m30s",       # a bad choice, then Enter takes "duration"
                True, True) as keys:
        run_action(console, collection.log_call)
    refused, asked = keys.refused, keys.asked
    assert any("is not a customer" in r for r in refused)
    assert any("choose one of: 1) duration, 2) end time" in r for r in refused)
    assert any("not a phone number" in r for r in refused)
    assert any("in the future" in r for r in refused)
    assert any("not a date and time" in r for r in refused)
    assert any("negative" in r for r in refused)
    assert any("over 24 hours" in r for r in refused)
    out = buf.getvalue()
    assert f"read as {start:%Y-%m-%d %H:%M}:00" in out
    assert "Call to save" in out and "150" in out and "saved call" in out
    assert "Customer MSISDN:" in asked and "Answered?" in asked
    assert _n(ctx, "calls") == 1


def test_log_a_call_with_an_end_before_the_start(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    start = ctx.now() - timedelta(hours=1)
    with typing("07911123456", "2", "211", f"{start:%Y-%m-%d %H:%M}", "2",     # 2) in, 2) end time
                f"{start - timedelta(minutes=5):%Y-%m-%d %H:%M}", f"{start + timedelta(minutes=5):%Y-%m-%d %H:%M}",
                False, False) as keys:
        run_action(console, collection.log_call)
    assert any("before the start" in r for r in keys.refused)
    assert "not saved" in buf.getvalue()
    assert _n(ctx, "calls") == 0


def test_ctrl_c_abandons_the_record(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    with typing("07911123456", "out", "07400123456", CTRL_C):
        run_action(console, collection.log_sms)
    assert "cancelled, back to the menu" in buf.getvalue()
    assert _n(ctx, "sms") == 0


def test_log_sms_and_data(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911123456")
    console, buf = _console(ctx)
    with typing("07911123456", "in", "07400123456", "now", "-3", "160", True) as keys:
        run_action(console, collection.log_sms)
    assert any("negative" in r for r in keys.refused)
    start = ctx.now() - timedelta(hours=3)
    with typing("07911123456", f"{start:%Y-%m-%d %H:%M}", "duration", "1h", "-1", "2 GB", "3 MB", True,
                *[""] * 14, "31.5", "", "", "", "", "", "Pixel 7", True):
        run_action(console, collection.log_data)
    out = buf.getvalue()
    assert "Data session to save" in out and "2,000,000,000" in out and "rtt_dl_ms" in out
    assert _n(ctx, "sms") == 1 and _n(ctx, "data_sessions") == 1


def test_import_and_unmatched_from_the_menu(ctx, real_data):
    make_plan(ctx)
    console, buf = _console(ctx)
    path = str(real_data / "freeswitch" / "Master.csv")
    with typing("freeswitch", "/no/such/file", path, "XX", "") as keys:
        run_action(console, collection.import_file)
    assert any("no such file" in r for r in keys.refused) and any("region code" in r for r in keys.refused)
    assert console.last_report.title == "Import summary"
    assert console.last_report.rows[0][3:8] == [10, 0, 1, 9, 0]
    with typing("chat", "call"):
        run_action(console, collection.list_unmatched)
    assert len(console.last_report.rows) == 9
    run_action(console, collection.reprocess)
    assert console.last_report.rows[0] == [9, 0, 0, 0, 9]
    run_action(console, collection.recent_imports)
    assert console.last_report.rows[0][4] == "done"
