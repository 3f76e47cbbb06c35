"""Record numbers of records logged one at a time: `log show N`, `log today`, and `log undo N`
(same day; staff their own, admins anyone's; audited; rollups corrected in the same transaction)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.repositories import rollups
from telco_console.repositories.base import execute, fetch_all, fetch_value
from telco_console.services.collection import manual, records

PW = "correct-horse-9"


def _rollups(ctx) -> dict:
    def read(conn):
        return {t: fetch_all(conn, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in
                ("usage_daily", "usage_hourly", "usage_monthly")}
    return ctx.db.run(read)


@pytest.fixture
def cust(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911000002", name="Bob", region="North")
    return make_customer(ctx, "07911123456", region="North")


def test_undo_removes_the_record_and_restores_the_rollups(ctx, as_role, cust):
    stan = as_role("staff", username="stan")
    start = ctx.now().replace(minute=5, second=0, microsecond=0) - timedelta(hours=2)
    # records already there on the same day and hour, of this customer and of another in the region
    manual.log_call(stan, "07911123456", "07400123456", "in", f"{start:%Y-%m-%d %H:%M}", "40")
    manual.log_sms(stan, "07911000002", "07400123456", "out", f"{start:%Y-%m-%d %H:%M}", "12")
    manual.log_data(stan, "07911123456", f"{start:%Y-%m-%d %H:%M}", "10m", None, "3 MB", "1 MB",
                    apps={"youtube_dl": 2_000_000, "youtube_ul": 0})
    before = _rollups(ctx)
    call = manual.log_call(stan, "07911123456", "07400123456", "out", f"{start:%Y-%m-%d %H:%M}", "2m30s")
    data = manual.log_data(stan, "07911123456", f"{start:%Y-%m-%d %H:%M}", "5m", None, "2 MB", "1 MB",
                           apps={"social_dl": 1_000_000, "social_ul": 5})
    assert call.number > 0 and data.number > call.number
    assert ["Record number", str(call.number)] in call.report.rows
    assert _rollups(ctx) != before

    shown = records.show(stan, call.number)
    assert shown.title == f"Logged record {call.number}"
    assert ["Customer", "+447911123456 (Ann Smith)"] in shown.rows and ["Duration (s)", "150"] in shown.rows
    assert ["Status", "stored"] in shown.rows

    assert records.undo(stan, call.number).kind == "call"
    assert records.undo(stan, f"#{data.number}").kind == "data"
    assert _rollups(ctx) == before                      # every rollup row as it was, the NULL app columns too
    assert ctx.db.run(rollups.differences) == []        # and equal to a full recount
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM calls") == 1
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM data_sessions") == 1
    assert any(r[0].startswith("undone by stan") for r in [[row[1]] for row in records.show(stan, call.number).rows
                                                          if row[0] == "Status"])
    audit = ctx.db.run(fetch_all, "SELECT username, action, detail FROM audit_log WHERE action = 'log.undo'"
                                  " ORDER BY id")
    assert [(a["username"], a["detail"].split(":")[0]) for a in audit] == [
        ("stan", f"record {call.number}"), ("stan", f"record {data.number}")]
    with pytest.raises(ValidationError, match="already undone by stan"):
        records.undo(stan, call.number)
    assert [r[0] for r in records.todays(stan).rows][:2] == [data.number, call.number]


def test_who_may_undo_and_when(ctx, as_role, cust):
    stan, sue = as_role("staff", username="stan"), as_role("staff", username="sue")
    start = ctx.now() - timedelta(hours=1)
    n = manual.log_sms(stan, "07911123456", "07400123456", "out", f"{start:%Y-%m-%d %H:%M}", "20").number
    with pytest.raises(PermissionDenied, match="logged by stan"):
        records.undo(sue, n)
    with pytest.raises(PermissionDenied):
        records.undo(as_role("analyst"), n)
    with pytest.raises(NotFoundError, match="no logged record 999999"):
        records.undo(stan, 999999)
    with pytest.raises(ValidationError, match="not a record number"):
        records.undo(stan, "a0769180c8fb")
    ctx.db.run(execute, "UPDATE manual_records SET logged_at = logged_at - INTERVAL 1 DAY WHERE id = %s", (n,))
    with pytest.raises(ValidationError, match="only records logged today can be undone"):
        records.undo(stan, n)
    ctx.db.run(execute, "UPDATE manual_records SET logged_at = logged_at + INTERVAL 1 DAY WHERE id = %s", (n,))
    assert records.undo(as_role("admin", username="boss"), n).number == n     # an admin undoes anyone's
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM sms") == 0


def test_log_show_undo_and_today_from_the_command_line(ctx, run_cli, cust):
    make_user(ctx, "clerk", "staff")
    code, out, err = run_cli("log", "call", "--msisdn", "07911123456", "--other", "07400123456", "--direction",
                             "out", "--start", "today 00:01", "--duration", "2m", user="clerk", password=PW)
    assert code == 0, err
    number = next(line.split("|")[2].strip() for line in out.splitlines() if "Record number" in line)
    code, out, err = run_cli("log", "show", number, user="clerk", password=PW)
    assert code == 0 and f"Logged record {number}" in out and "stored" in out
    code, out, err = run_cli("log", "today", "--format", "csv", user="clerk", password=PW)
    assert code == 0 and out.splitlines()[1].startswith(f"{number},call,") and ",Ann Smith," in out
    code, out, err = run_cli("log", "undo", number, user="clerk", password=PW)
    assert code == 0 and f"undid record {number}: the call of +447911123456" in out + err
    code, out, err = run_cli("log", "undo", number, user="clerk", password=PW)
    assert code == 1 and "already undone" in err
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM calls") == 0


def test_undo_is_one_transaction_and_refused_once_billed(ctx, as_role, cust, monkeypatch):
    from telco_console.context import AppContext
    from telco_console.services.billing import billrun

    stan = as_role("staff", username="stan")
    first_of_month = ctx.now().date().replace(day=1)
    last_month = first_of_month - timedelta(days=1)
    number = manual.log_call(stan, "07911123456", "07400123456", "out", f"{last_month:%Y-%m-%d} 10:00", "60").number
    before = _rollups(ctx)

    def broken_audit(self, conn, action, target="", detail=None):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(AppContext, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        records.undo(stan, number)
    monkeypatch.undo()
    assert _rollups(ctx) == before and ctx.db.run(fetch_value, "SELECT COUNT(*) FROM calls") == 1
    assert ["Status", "stored"] in records.show(stan, number).rows          # nothing of the undo stayed

    billrun.run(ctx, f"{last_month:%Y-%m}")
    with pytest.raises(ValidationError, match=f"on \\+447911123456's bill for {last_month:%Y-%m}"):
        records.undo(stan, number)
    assert ctx.db.run(fetch_value, "SELECT COUNT(*) FROM calls") == 1
