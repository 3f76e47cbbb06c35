"""Plan changes within a month (issue 16 section 6) through `customer edit --plan --from` and a bill, and
calls left unbilled by `bill run --skip-unrated` billed late once a rate exists (issue 16 section 4)."""
import json
from decimal import Decimal as D

from billing_support import add_calls, add_sms
from helpers import make_customer, make_plan, make_user
from telco_console.repositories.base import fetch_all
from telco_console.services.billing import rates

PW = "correct-horse-9"
CHEAP = dict(code="CHEAP", name="Cheap", monthly_fee="10.00", included_minutes=0, included_sms=10, included_mb=0,
             peak_rate="0.1000", offpeak_rate="0.1000", sms_rate="0.1000", mb_rate="0.0100", increment_seconds=60)
BIG = dict(CHEAP, code="BIG", name="Big", monthly_fee="31.00", peak_rate="1.0000", offpeak_rate="1.0000",
           included_sms=31)


def cli(run_cli, *argv):
    return run_cli(*argv, user="boss", password=PW)


def lines(ctx, period):
    return [(r["kind"], r["description"], r["quantity"].normalize(), r["amount"]) for r in ctx.db.run(
        fetch_all, "SELECT l.kind, l.description, l.quantity, l.amount FROM bill_lines l JOIN bills b"
                   " ON b.id = l.bill_id WHERE b.period = %s ORDER BY l.line_no", (period,))]


def test_a_change_mid_month_prorates_the_fee_and_rates_usage_by_the_plan_in_force(ctx, run_cli):
    make_user(ctx, "boss", "admin", PW)
    make_plan(ctx, **CHEAP)
    make_plan(ctx, **BIG)
    c = make_customer(ctx, plan="CHEAP", since="2026-01-01")
    add_calls(ctx, c["id"], [("2026-10-10 23:59:59", 60), ("2026-10-11 00:00:00", 60)])   # either side of the change
    add_sms(ctx, c["id"], 12, when="2026-10-05 10:00:00")      # on CHEAP: its allowance 10 x 10/31 -> 3, 9 over
    add_sms(ctx, c["id"], 20, when="2026-10-20 10:00:00")      # on BIG: 31 x 21/31 = 21 included, none over
    code, out, err = cli(run_cli, "customer", "edit", c["msisdn"], "--plan", "BIG", "--from", "2026-10-11",
                         "--format", "json")
    assert (code, err) == (0, "")
    rows = {r["Field"]: r["Value"] for r in json.loads(out)["rows"] if r["Field"] != "Plan history"}
    assert rows["Plan"] == "BIG"
    code, out, err = cli(run_cli, "customer", "show", c["msisdn"])
    assert "CHEAP (Cheap) from 2026-01-01, until 2026-10-10" in out and "BIG (Big) from 2026-10-11, current" in out
    code, out, err = cli(run_cli, "bill", "run", "--period", "2026-10")
    assert code == 0, err
    # fee: (10.00 x 10 + 31.00 x 21) / 31 = 24.2258 -> 24.23; calls 1 min at 0.10 and 1 min at 1.00
    assert lines(ctx, "2026-10") == [
        ("subscription", "Monthly fee, CHEAP 10 days, BIG 21 days of 31", D(31), D("24.23")),
        ("offpeak_calls", "Off-peak calls beyond the allowance", D(2), D("1.10")),   # a weekend
        ("sms", "SMS beyond the allowance", D(9), D("0.90")),
        ("tax", "Tax at 20%", D("26.23"), D("5.25")),
    ]
    # November: a whole month on BIG
    code, out, err = cli(run_cli, "bill", "run", "--period", "2026-11", "--force")
    assert code == 0, err
    assert lines(ctx, "2026-11")[0] == ("subscription", "Monthly fee", D(30), D("31.00"))


def test_a_change_in_a_billed_month_or_in_the_future_is_refused(ctx, run_cli):
    make_user(ctx, "boss", "admin", PW)
    make_plan(ctx, **CHEAP)
    make_plan(ctx, **BIG)
    c = make_customer(ctx, plan="CHEAP", since="2026-01-01")
    assert cli(run_cli, "bill", "run", "--period", "2026-09")[0] == 0
    code, out, err = cli(run_cli, "customer", "edit", c["msisdn"], "--plan", "BIG", "--from", "2026-09-30")
    assert code == 1
    assert err == (f"error: 2026-09 is billed already for {c['msisdn']} (last bill 2026-09): a plan change can"
                   " start on 2026-10-01 at the earliest\n")
    code, out, err = cli(run_cli, "customer", "edit", c["msisdn"], "--plan", "BIG", "--from", "2099-01-01")
    assert code == 1 and "in the future" in err
    code, out, err = cli(run_cli, "customer", "edit", c["msisdn"], "--from", "2026-10-05")
    assert code == 1 and "--from needs --plan" in err
    # --plan alone: from the first day not billed yet (the whole unbilled time, as before histories)
    assert cli(run_cli, "customer", "edit", c["msisdn"], "--plan", "BIG")[0] == 0
    code, out, err = cli(run_cli, "customer", "show", c["msisdn"])
    assert "CHEAP (Cheap) from 2026-01-01, until 2026-09-30" in out and "BIG (Big) from 2026-10-01, current" in out
    assert cli(run_cli, "bill", "run", "--period", "2026-10")[0] == 0
    assert lines(ctx, "2026-10")[0] == ("subscription", "Monthly fee", D(31), D("31.00"))


def test_a_change_to_a_decked_plan_and_late_usage_by_the_plan_then(ctx, run_cli, tmp_path):
    """Calls before the change are priced by the old plan's rates, after it by the new plan's deck; a
    late call of a billed month is re-rated by the plan in force at its start, not the current one."""
    make_user(ctx, "boss", "admin", PW)
    deck = tmp_path / "deck.csv"
    deck.write_text("prefix,destination,group,rate,unit,increment\n33,France,International,0.60,60,60\n")
    rates.import_csv(ctx, str(deck), "D")
    make_plan(ctx, **CHEAP)
    make_plan(ctx, **dict(BIG, code="DECKED", deck="D"))
    c = make_customer(ctx, plan="CHEAP", since="2026-01-01")
    add_calls(ctx, c["id"], [("2026-09-14 12:00:00", 60, "+33612345678"), ("2026-09-15 12:00:00", 60, "+33612345678")])
    assert cli(run_cli, "customer", "edit", c["msisdn"], "--plan", "DECKED", "--from", "2026-09-15")[0] == 0
    assert cli(run_cli, "bill", "run", "--period", "2026-09")[0] == 0
    sept = lines(ctx, "2026-09")
    assert ("peak_calls", "Peak calls beyond the allowance", D(1), D("0.10")) in sept
    assert ("destination", "International", D(1), D("0.60")) in sept
    # a late call of 1 September (on CHEAP then) and one of 20 September (on DECKED)
    add_calls(ctx, c["id"], [("2026-09-01 12:00:00", 60, "+33612345678"), ("2026-09-20 12:00:00", 60, "+33612345678")])
    assert cli(run_cli, "bill", "run", "--period", "2026-10")[0] == 0
    late = [ln for ln in lines(ctx, "2026-10") if ln[0] == "late_usage"]
    assert late == [("late_usage", "Usage of 2026-09 received late", D(1), D("0.70"))]


def test_calls_left_unrated_are_billed_late_once_a_rate_exists(ctx, run_cli, tmp_path):
    make_user(ctx, "boss", "admin", PW)
    deck = tmp_path / "deck.csv"
    deck.write_text("prefix,destination,group,rate,unit,increment\n33,France,International,0.60,60,60\n")
    rates.import_csv(ctx, str(deck), "D")
    make_plan(ctx, **dict(CHEAP, code="DECKED", deck="D"))
    c = make_customer(ctx, plan="DECKED", since="2026-01-01")
    add_calls(ctx, c["id"], [("2026-09-10 12:00:00", 120, "+4930123456"), ("2026-09-11 12:00:00", 60, "+33612345678")])
    code, out, err = cli(run_cli, "bill", "run", "--period", "2026-09", "--skip-unrated")
    assert code == 0 and "+4930123456" in out
    assert [ln for ln in lines(ctx, "2026-09") if ln[0] == "destination"] == [
        ("destination", "International", D(1), D("0.60"))]
    # no rate yet: the next bill has no late line, and the call is still listed as unrated
    assert cli(run_cli, "bill", "run", "--period", "2026-10")[0] == 0
    assert [ln for ln in lines(ctx, "2026-10") if ln[0] == "late_usage"] == []
    # a version of the deck from September with Germany: the call is billed once, late, at its price
    deck.write_text("prefix,destination,group,rate,unit,increment\n33,France,International,0.60,60,60\n"
                    "49,Germany,International,0.25,60,60\n")
    rates.import_csv(ctx, str(deck), "D", effective_from="2026-09-01")
    assert cli(run_cli, "bill", "run", "--period", "2026-11", "--force")[0] == 0
    assert [ln for ln in lines(ctx, "2026-11") if ln[0] == "late_usage"] == [
        ("late_usage", "Usage of 2026-09 received late", D(1), D("0.50"))]
    code, out, err = cli(run_cli, "report", "unrated", "--period", "2026-09", "--format", "json")
    assert code == 0 and json.loads(out)["rows"] == []
    # billed once: nothing is left unrated for September
    assert ctx.db.run(fetch_all, "SELECT period, unrated_n FROM usage_billed ORDER BY period")[0] == \
        {"period": "2026-09", "unrated_n": 0}


def test_the_menu_edit_asks_from_when_the_plan_changes(ctx):
    import io

    from telco_console.reporting.output import Output
    from telco_console.services import customers
    from telco_console.ui.app import Console, run_action
    from telco_console.ui.menus import admin
    from typed_input import typing

    make_plan(ctx, **CHEAP)
    make_plan(ctx, **BIG)
    make_customer(ctx, "07911123456", plan="CHEAP", since="2026-01-01")
    buf = io.StringIO()
    console = Console(ctx, Output(buf, buf, colour=False))
    with typing("07911123456", "", "", "big", "2099-01-01", "2026-10-11", "", "", "", "") as keys:
        run_action(console, admin.edit_customer)
    assert keys.refused == ["2099-01-01 is in the future: change the plan on that day instead"], buf.getvalue()
    history = customers.customer_report(ctx, "+447911123456").rows
    assert [r[1] for r in history if r[0] == "Plan history"] == [
        "CHEAP (Cheap) from 2026-01-01, until 2026-10-10", "BIG (Big) from 2026-10-11, current"]
