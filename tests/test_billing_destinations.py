"""Bills of plans with a rate deck: one line per destination group, allowance by coverage, unrated
calls never billed at 0, deck versions by call start; the SQL bill run against the pure reference."""
import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.repositories import usage
from telco_console.repositories.base import fetch_all, fetch_value
from telco_console.services.billing import rates, statements
from telco_console.services.billing.rating import Call, rate_customers, rate_usage

PW = "correct-horse-9"
DECK = ("prefix,destination,group,connect_fee,start,rate,unit,increment,timing,weekdays,time,max_cost,covered\n"
        "44,UK,National,0,0,0.05,60,60,ALWAYS,,,,yes\n"
        "447,UK mobile,Mobile,0.02,0,0.10,60,30,ALWAYS,,,,yes\n"
        "33,France,International,0.10,0,0.30,60,60,PEAK,1;2;3;4;5,08:00:00,1.00,no\n"
        "33,France,International,0.10,60,0.20,60,1,PEAK,1;2;3;4;5,08:00:00,1.00,no\n"
        "33,France,International,0.05,0,0.20,60,60,OFFPEAK,,00:00:00,,no\n"
        "1,North America,International,0,0,0.07,60,6,ALWAYS,,,,no\n")
_ref = iter(range(1, 10_000_000))


def add_calls(ctx, customer_id, calls, rated: bool = False):
    """calls: (started_at text, billsec, number). rated: with their rating worked out as an import
    works it out (stored with each call), and their numbers resolved afterwards as an import does."""
    rows = [(customer_id, datetime.fromisoformat(w), "out", num, s, s, 1, "ANSWERED", 0, "test", f"dc{next(_ref)}")
            for w, s, num in calls]
    if not rated:
        ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=rows))
        return 0
    from telco_console.services.billing.resolution import IngestResolver

    resolver = IngestResolver(ctx.db)
    rows, wanted = ctx.db.run(lambda conn: resolver.prepare(conn, rows))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=rows))
    ctx.db.run(resolver.resolve, wanted)
    return resolver.rated


def deck_file(tmp_path, text=DECK, name="deck.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def reference(ctx, plan, customer_id, deck, period_days=31, days_active=31):
    calls = ctx.db.run(_calls, customer_id)
    return rate_usage(plan, [Call(c["started_at"], c["billsec"], c["id"], to=c["other_party"]) for c in calls],
                      days_active=days_active, days_in_period=period_days, deck=deck)


def _calls(conn, customer_id):
    from telco_console.repositories.base import fetch_all

    return fetch_all(conn, "SELECT id, started_at, billsec, other_party FROM calls WHERE customer_id = %s",
                     (customer_id,))


def _version_decks(ctx, name):
    from telco_console.repositories import rates as rates_repo

    def do(conn):
        d = rates_repo.deck_by_name(conn, name)
        return [(v["effective_from"], rates.load_version(conn, v["id"])) for v in rates_repo.versions(conn, d["id"])]
    return ctx.db.run(do)


# called numbers of the random decks' tests: E.164 in several countries, an extension and a short code
NUMBERS = ["+442071234567", "+447911123456", "+447811123456", "+33612345678", "+12125550100", "2001", "12345",
           "+4930123456"]


def _agree_with_reference(ctx, customers, sql, names: str, n: int):
    """Each customer's SQL rating against the reference's on the plan and deck of its turn (names:
    'PLAN{} DECK{}', numbered i % n): the deck amount and the unrated calls agree. Yields each
    (SQL rating, reference)."""
    from telco_console.services import plans as plans_svc

    plan_name, deck_name = names.split()
    for i, c in enumerate(customers):
        plan = plans_svc.get_plan(ctx, plan_name.format(i % n))
        ref = reference(ctx, dict(plan), c["id"], _version_decks(ctx, deck_name.format(i % n)))
        got = sql[c["id"]]
        want = sum((v for k, v in ref.lines.items() if k.startswith("destination:")), Decimal(0))
        assert got.deck_amount == want, (i, got.deck_lines, ref.lines)
        assert got.unrated_n == len(ref.unrated)
        yield got, ref


def test_bill_lines_per_destination_group(ctx, tmp_path):
    rates.import_csv(ctx, deck_file(tmp_path), "RETAIL")
    plan = make_plan(ctx, code="DECK", deck="RETAIL", included_minutes=3)
    c = make_customer(ctx, plan="DECK")
    add_calls(ctx, c["id"], [
        ("2026-10-05 09:00:00", 90, "+442071234567"),     # National, covered: 120 s of the 180 s allowance
        ("2026-10-05 10:00:00", 61, "+447911123456"),     # Mobile, covered: 60 s left of 120 s rounded: 60 s priced
        ("2026-10-05 11:00:00", 30, "+447911123456"),     # Mobile, beyond the allowance: 0.02 + 30 s at 0.10
        ("2026-10-05 07:59:59", 61, "+33612345678"),      # International OFFPEAK: 0.05 + 120 s at 0.20 = 0.45
        ("2026-10-05 08:00:00", 61, "+33612345678"),      # International PEAK: 0.10 + 0.30 + 1 s x 0.20/60
        ("2026-10-05 12:00:00", 600, "+33612345678"),     # PEAK, capped at 1.00
        ("2026-10-06 12:00:00", 7, "+12125550100"),       # International, 12 s at 0.07
        ("2026-10-06 12:00:00", 0, "+12125550100"),       # not answered long enough: not rated
    ])
    from telco_console.services.billing import billrun

    res = billrun.run(ctx, "2026-10")
    assert res.bills == 1 and not res.unrated
    bill = statements.list_bills(ctx, "2026-10").rows[0][0]
    inv = statements.invoice(ctx, bill)
    lines = {row[1].split(" (")[0]: row for row in inv.rows}
    # International: 0.45 + 0.40333.. -> 0.4034 + 1.0000 + 0.014 = 1.8674 -> 1.87 (one rounding per line)
    assert lines["International"][5] == Decimal("1.87")
    assert lines["International"][1] == "International (min: ALWAYS 0.12, OFFPEAK 1.02, PEAK 11.02)"
    assert lines["International"][2] == Decimal("12.150")            # minutes of the group's calls
    assert lines["International"][4] is None
    # Mobile: the excess 60 s of the first call (0.02 + 60 s at 0.10 = 0.12) + the second (0.07): 0.19
    assert lines["Mobile"][5] == Decimal("0.19")
    assert lines["National"][5] == Decimal("0.00")
    assert lines["Monthly fee"][5] == Decimal("10.00")
    ref = reference(ctx, dict(plan), c["id"], _version_decks(ctx, "RETAIL"))
    assert ref.lines["destination:International"] == Decimal("1.87")
    assert ref.lines["destination:Mobile"] == Decimal("0.19")
    assert sum(row[5] for row in inv.rows) == ref.total
    text = statements.invoice(ctx, bill)
    from telco_console.reporting.render import render

    doc = json.loads(render(text, "json"))
    assert any(row["Item"].startswith("International (min:") and row["Amount"] == "1.87" for row in doc["rows"])
    assert "Mobile" in render(text, "csv") and "International" in render(text, "html")


def test_a_decked_bill_numbers_its_lines_in_order_around_the_late_usage(ctx, tmp_path):
    from billing_support import add_data, add_sms, set_clock
    from telco_console.repositories.base import fetch_all
    from telco_console.services.billing import billrun

    rates.import_csv(ctx, deck_file(tmp_path), "RETAIL")
    make_plan(ctx, code="DECK", deck="RETAIL", included_sms=2, included_mb=1)
    ann = make_customer(ctx, plan="DECK", since="2026-08-01")
    bob = make_customer(ctx, msisdn="+447911000002", plan="DECK", since="2026-08-01")
    set_clock(ctx, datetime(2026, 11, 2, 9))
    add_calls(ctx, ann["id"], [("2026-09-10 12:00:00", 60, "+442071234567")])
    assert billrun.run(ctx, "2026-09").bills == 2
    add_calls(ctx, ann["id"], [("2026-09-20 12:00:00", 60, "+12125550100")])        # September's, received late
    add_calls(ctx, ann["id"], [("2026-10-05 09:00:00", 90, "+442071234567"),
                               ("2026-10-05 10:00:00", 61, "+447911123456"),
                               ("2026-10-06 09:00:00", 61, "+33612345678")], rated=True)
    add_calls(ctx, bob["id"], [("2026-10-07 09:00:00", 30, "+12125550100")])
    add_sms(ctx, ann["id"], 5)
    add_data(ctx, ann["id"], [3_000_000])
    assert billrun.run(ctx, "2026-10").bills == 2

    def lines(customer):
        return [(r["line_no"], r["kind"], r["description"].split(" (")[0]) for r in ctx.db.run(
            fetch_all, "SELECT l.line_no, l.kind, l.description FROM bill_lines l JOIN bills b ON b.id = l.bill_id"
                       " WHERE b.customer_id = %s AND b.period = '2026-10' ORDER BY l.line_no", (customer["id"],))]
    assert lines(ann) == [(1, "subscription", "Monthly fee"), (2, "sms", "SMS beyond the allowance"),
                          (3, "data", "Data beyond the allowance"), (4, "destination", "International"),
                          (5, "destination", "Mobile"), (6, "destination", "National"),
                          (7, "late_usage", "Usage of 2026-09 received late"), (8, "tax", "Tax at 20%")]
    assert lines(bob) == [(1, "subscription", "Monthly fee"), (2, "destination", "International"),
                          (3, "tax", "Tax at 20%")]


def test_unrated_calls_stop_the_run(ctx, run_cli, tmp_path):
    make_user(ctx, "boss", "admin", PW)
    rates.import_csv(ctx, deck_file(tmp_path), "RETAIL")
    make_plan(ctx, code="DECK", deck="RETAIL")
    c = make_customer(ctx, plan="DECK")
    add_calls(ctx, c["id"], [("2026-10-05 09:00:00", 60, "+4930123456"), ("2026-10-05 09:10:00", 60, "2001"),
                             ("2026-10-05 09:20:00", 60, "+33612345678")])
    code, out, err = run_cli("bill", "run", "--period", "2026-10", user="boss", password=PW)
    assert code == 1, err
    assert err == ("error: bill run 2026-10 stopped: 2 calls have no rate in their plan's deck (nothing written;"
                   " add the rates, or run with --skip-unrated)\n")
    assert "+4930123456" in out and "2001" in out
    assert statements.list_bills(ctx, "2026-10").rows == []
    code, out, err = run_cli("report", "unrated", "--period", "2026-10", "--format", "json", user="boss", password=PW)
    assert code == 0 and [r["Number"] for r in json.loads(out)["rows"]] == ["+4930123456", "2001"]
    code, out, err = run_cli("bill", "run", "--period", "2026-10", "--skip-unrated", user="boss", password=PW)
    assert code == 0 and "2 calls have no rate" in out and "+4930123456" in out
    inv = statements.invoice(ctx, statements.list_bills(ctx, "2026-10").rows[0][0])
    assert [r[5] for r in inv.rows if r[1].startswith("International")] == [Decimal("0.40")]


def test_versions_by_call_start(ctx, tmp_path):
    rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.30\n"), "V")
    rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.10\n"), "V",
                     effective_from="2026-10-15")
    plan = make_plan(ctx, code="DECK", deck="V")
    c = make_customer(ctx, plan="DECK")
    add_calls(ctx, c["id"], [("2026-10-14 23:59:59", 60, "+33612345678"), ("2026-10-15 00:00:00", 60, "+33612345678")])
    got = ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))[c["id"]]
    assert got.deck_amount == Decimal("0.40")
    ref = reference(ctx, dict(plan), c["id"], _version_decks(ctx, "V"))
    assert ref.lines["destination:Intl"] == Decimal("0.40")



def _version_ids(ctx, name):
    from telco_console.repositories import rates as rates_repo

    def do(conn):
        return [v["id"] for v in rates_repo.versions(conn, rates_repo.deck_by_name(conn, name)["id"])]
    return ctx.db.run(do)


def _resolved(ctx, version_id):
    from telco_console.repositories.base import fetch_all

    return ctx.db.run(lambda conn: sorted(r["num"] for r in fetch_all(
        conn, "SELECT num FROM rate_number_chains WHERE version_id = %s", (version_id,))))


def test_a_new_version_resolves_the_numbers_the_deck_priced_before(ctx, tmp_path):
    first = rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.30\n"
                                                      "44,UK,National,0.05\n"), "V")
    assert first.resolved == 0
    plan = make_plan(ctx, code="DECK", deck="V")
    c = make_customer(ctx, plan="DECK")
    add_calls(ctx, c["id"], [("2026-10-14 10:00:00", 60, "+33612345678"), ("2026-10-20 10:00:00", 60, "+33612345678"),
                             ("2026-10-20 11:00:00", 60, "+442079460000"), ("2026-10-21 11:00:00", 60, "2001")])
    ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))       # resolves the numbers for version 1
    assert _resolved(ctx, _version_ids(ctx, "V")[0]) == ["+33612345678", "+442079460000", "2001"]
    # the new version's entries change the destination of the UK number (a longer prefix) and give the
    # extension a rate: the numbers are resolved for it at import, set-based, not by the next rating
    second = rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.10\n"
                                                       "44,UK,National,0.05\n4420,London,National,0.01\n"
                                                       "2001,Desk,Internal,0\n"), "V", effective_from="2026-10-15")
    v1, v2 = _version_ids(ctx, "V")          # ids step by more than 1 on a cluster
    assert second.resolved == 3 and _resolved(ctx, v2) == _resolved(ctx, v1)
    assert "Numbers resolved for it" in [r[0] for r in second.report().rows]
    # the three calls from the 15th on, imported before the version, are rated by it with it (the
    # call of the 14th stays with version 1)
    assert second.rerated == 3 and ["Calls re-rated by it", "3"] in second.report().rows
    assert ctx.db.run(lambda conn: fetch_all(conn, "SELECT DATE(started_at) AS d, rate_version, rate_cost FROM calls"
                                                   " ORDER BY started_at")) == [
        {"d": date(2026, 10, 14), "rate_version": None, "rate_cost": None},
        {"d": date(2026, 10, 20), "rate_version": v2, "rate_cost": Decimal("0.10000000")},
        {"d": date(2026, 10, 20), "rate_version": v2, "rate_cost": Decimal("0.01000000")},
        {"d": date(2026, 10, 21), "rate_version": v2, "rate_cost": Decimal("0E-8")}]
    got = ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))[c["id"]]
    assert got.unrated_n == 0 and got.deck_amount == Decimal("0.41")     # 0.30 + 0.10 + 0.01 + 0
    ref = reference(ctx, dict(plan), c["id"], _version_decks(ctx, "V"))
    assert sum(v for k, v in ref.lines.items() if k.startswith("destination:")) == got.deck_amount


def test_a_plan_given_a_deck_has_its_calls_not_billed_yet_rated_by_it(ctx, tmp_path):
    """plan edit --deck: the plan's calls of the periods not billed yet are re-rated by the deck at once
    (those of a billed period are left alone); the bill is the one the chains give."""
    from telco_console.services import plans

    rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.30\n"
                                              "44,UK,National,0.05\n"), "P")
    make_plan(ctx, code="LATER")
    c = make_customer(ctx, plan="LATER")
    add_calls(ctx, c["id"], [("2026-10-14 10:00:00", 60, "+33612345678"),
                             ("2026-10-20 11:00:00", 120, "+442079460000")])
    ctx.db.run(lambda conn: conn.cursor().execute(      # a bill run of September: October is not billed
        "INSERT INTO bill_runs (period, started_at, username) VALUES ('2026-09', '2026-10-01 06:00:00', 'test')"))
    plans.edit_plan(ctx, "LATER", deck="P")
    (v1,) = _version_ids(ctx, "P")
    assert ctx.db.run(lambda conn: fetch_all(conn, "SELECT rate_version, rate_cost FROM calls ORDER BY started_at")) \
        == [{"rate_version": v1, "rate_cost": Decimal("0.30000000")},
            {"rate_version": v1, "rate_cost": Decimal("0.10000000")}]
    got = ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))[c["id"]]
    assert got.unrated_n == 0 and got.deck_amount == Decimal("0.40")
    # a later bill run of October: a plan given another deck then leaves October's calls as they are
    ctx.db.run(lambda conn: conn.cursor().execute(
        "INSERT INTO bill_runs (period, started_at, username) VALUES ('2026-11', '2026-11-02 06:00:00', 'test')"))
    rates.import_csv(ctx, deck_file(tmp_path, "prefix,destination,group,rate\n33,France,Intl,0.50\n"), "Q")
    plans.edit_plan(ctx, "LATER", deck="Q")
    assert ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM calls WHERE rate_version = %s", (v1,))) == 2


def _random_deck(rng: random.Random) -> str:
    rows = ["prefix,destination,group,connect_fee,start,rate,unit,increment,timing,weekdays,time,weight,max_cost,"
            "rounding,decimals,covered"]
    prefixes = ["+44", "44", "447", "4479", "+4479", "33", "336", "+1", "1", "*any", "2001"]
    for p in rng.sample(prefixes, rng.randint(3, len(prefixes))):
        for t in rng.sample(["ALL", "PEAK", "EVE", "WKND"], rng.randint(1, 3)):
            wd, tm = {"ALL": ("", "00:00:00"), "PEAK": ("1;2;3;4;5", "08:00:00"), "EVE": ("1;2;3;4;5", "19:00:00"),
                      "WKND": ("6;7", "00:00:00")}[t]
            fee = rng.choice(["0", "0.05", "0.1234"])
            mc = rng.choice(["", "", "0.5", "2"])
            rnd = rng.choice(["*up", "*down", "*middle"])
            dec = rng.choice(["2", "4", "6"])
            cov = rng.choice(["yes", "no"])
            w = rng.choice(["0", "10"])
            grp = rng.choice(["A", "B", "C"])
            start = 0
            for _ in range(rng.randint(1, 3)):
                rows.append(f"{p},D{p},{grp},{fee},{start},{rng.choice(['0.1', '0.0333', '0.25', '1.5'])},"
                            f"{rng.choice([1, 60, 30])},{rng.choice([1, 6, 30, 60])},{t},{wd},{tm},{w},{mc},{rnd},"
                            f"{dec},{cov}")
                start += rng.choice([30, 60])
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("seed", [16, 7, 2026])
@pytest.mark.parametrize("drive", ["cust", "calls", "ingest"])
def test_sql_bill_run_agrees_with_the_reference_on_random_decks(ctx, tmp_path, seed, drive, monkeypatch):
    # both ways of reading the decked calls (each segment's calls by index; the period's calls in
    # their stored order, which a run takes from CALLS_DRIVE_MIN decked segments) on the same inputs;
    # and the calls rated at ingest (their entry and cost stored with them, as an import stores them)
    from telco_console.repositories import rates as rates_repo

    monkeypatch.setattr(rates_repo, "CALLS_DRIVE_MIN", 1 if drive == "calls" else 10 ** 9)
    rng = random.Random(seed)
    numbers = NUMBERS
    for d in range(3):
        rates.import_csv(ctx, deck_file(tmp_path, _random_deck(rng), f"d{d}.csv"), f"R{d}")
        make_plan(ctx, code=f"P{d}", deck=f"R{d}", included_minutes=rng.choice([0, 5, 30]),
                  increment_seconds=rng.choice([1, 30, 60]))
    customers, stored = [], 0
    for i in range(12):
        c = make_customer(ctx, msisdn=f"+4479111{i:05d}", plan=f"P{i % 3}")
        customers.append(c)
        start = datetime(2026, 10, 1)
        calls = [((start + timedelta(seconds=rng.randint(0, 30 * 86400))).isoformat(sep=" "),
                  rng.choice([1, 29, 30, 31, 59, 60, 61, 119, 600, 3601]), rng.choice(numbers)) for _ in range(25)]
        stored += add_calls(ctx, c["id"], calls, rated=drive == "ingest")
    assert (stored > 50) == (drive == "ingest"), stored
    assert ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM calls WHERE rate_cost IS NOT NULL")) \
        == stored
    sql = ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))
    for got, ref in _agree_with_reference(ctx, customers, sql, "P{} R{}", 3):
        assert got.subtotal == ref.subtotal
    assert sum(1 for c in customers if sql[c["id"]].unrated_n) >= 2
    assert sum(1 for c in customers if sql[c["id"]].deck_amount > 0) >= 6


def test_demo_decks_price_international_calls_and_offers_rerate_with_them(ctx):
    from telco_console.services import demo
    from telco_console.services.intelligence import offers
    from telco_console.timeutil import Period

    res = demo.load_demo(ctx, customers=60, days=20, seed=5)
    listing = rates.list_decks(ctx)
    assert {r[0] for r in listing.rows} == {"DEMO-PAYG", "DEMO-STARTER", "DEMO-SMART", "DEMO-MAX"}
    q = rates.quote(ctx, "PAYG", "+33612345678", "2026-11-02 09:00:00", 61)
    # 0.10 + 30 s + 36 s at 0.25
    assert q.rows[0][1].startswith("Europe +33 (prefix +33), group Europe") and q.rows[-1][-1] == "0.3750"
    p = Period(res.last_day.year, res.last_day.month)
    got = ctx.db.run(lambda conn: rate_customers(conn, p))
    assert sum(r.unrated_n for r in got.values()) == 0
    groups = {line["g"] for r in got.values() if r.deck_lines for line in json.loads(r.deck_lines)}
    assert "Mobile" in groups and groups & {"Europe", "North America", "Asia", "Africa"}
    report = offers.offers_report(ctx, months=1)
    assert report.rows


def test_cgrates_tutorial_plan_through_a_bill_and_through_quotes(ctx):
    from pathlib import Path

    from telco_console.services.billing import billrun

    tutorial = Path(__file__).parent / "data" / "cgrates-tutorial"
    rates.import_cgrates(ctx, str(tutorial), "TUTORIAL", "RP_RETAIL1")
    make_plan(ctx, code="RETAIL1", deck="TUTORIAL", included_minutes=0)
    c = make_customer(ctx, plan="RETAIL1")
    calls = [("2026-10-05 07:59:59", 61, "1001"),     # OFFPEAK_MORNING: 0.3009
             ("2026-10-05 08:00:00", 61, "1001"),     # PEAK: 1.2334
             ("2026-10-05 09:00:00", 30, "1001"),     # one increment: 1.0000
             ("2026-10-05 09:10:00", 31, "1001"),     # one second more: 1.2000
             ("2026-10-05 09:20:00", 60, "1002"),     # DST_1002 not in the plan: DST_FS at peak, 1.2000
             ("2026-10-05 09:30:00", 63, "1007")]     # 0.63 capped at 0.62
    add_calls(ctx, c["id"], calls)
    quoted = [Decimal(rates.quote(ctx, "RETAIL1", n, w, s).rows[-1][-1]) for w, s, n in calls]
    assert quoted == [Decimal(x) for x in ("0.3009", "1.2334", "1.0000", "1.2000", "1.2000", "0.6200")]
    billrun.run(ctx, "2026-10")
    inv = statements.invoice(ctx, statements.list_bills(ctx, "2026-10").rows[0][0])
    lines = {row[1].split(" (")[0]: row[5] for row in inv.rows}
    assert lines["DST_FS"] == Decimal("4.93") == sum(quoted[:5]).quantize(Decimal("0.01"))
    assert lines["DST_1007"] == Decimal("0.62")


def _dated_deck(rng) -> str:
    """A random deck with entries restricted by month, day of month and year besides weekday and time: the
    numbers whose prefixes have one choose their entry call by call, the others by weekday and time slice."""
    lines = _random_deck(rng).splitlines()
    rows = [lines[0] + ",months,month_days,years"] + [ln + ",,," for ln in lines[1:]]
    for p in rng.sample(["44", "447", "+4479", "33", "1", "*any"], 3):
        for months, days, years, tm in [("10", "1;2;3;15;31", "", "00:00:00"), ("10", "", "2026", "12:00:00"),
                                        ("11", "", "", "00:00:00"), ("", "7;8", "2025;2026", "06:30:00")]:
            if rng.random() < 0.6:
                wd = rng.choice(["", "1;2;3;4;5", "6;7"])
                rows.append(f"{p},X{p},Dated,0.01,0,{rng.choice(['0.02', '0.9'])},60,{rng.choice([1, 60])},"
                            f"D{months}-{days}-{years}-{wd},{wd},{tm},{rng.choice(['0', '10', '20'])},,*up,4,"
                            f"{rng.choice(['yes', 'no'])},{months},{days},{years}")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("seed", [3, 44])
def test_sql_agrees_with_the_reference_on_decks_with_dated_timings(ctx, tmp_path, seed):
    rng = random.Random(seed)
    numbers = NUMBERS
    for d in range(2):
        rates.import_csv(ctx, deck_file(tmp_path, _dated_deck(rng), f"d{d}.csv"), f"T{d}")
        make_plan(ctx, code=f"Q{d}", deck=f"T{d}", included_minutes=rng.choice([0, 30]), increment_seconds=1)
    customers = []
    for i in range(8):
        c = make_customer(ctx, msisdn=f"+4479222{i:05d}", plan=f"Q{i % 2}")
        customers.append(c)
        add_calls(ctx, c["id"], [((datetime(2026, 10, 1) + timedelta(seconds=rng.randint(0, 31 * 86400 - 1)))
                                  .isoformat(sep=" "), rng.choice([1, 30, 61, 600]), rng.choice(numbers))
                                 for _ in range(40)])
    sql = ctx.db.run(lambda conn: rate_customers(conn, "2026-10"))
    dated = 0
    for _got, ref in _agree_with_reference(ctx, customers, sql, "Q{} T{}", 2):
        dated += "destination:Dated" in ref.lines
    assert dated >= 2
    general = ctx.db.run(_count_general)
    assert general[0] >= 1 and general[1] >= 1       # both ways of choosing the entry were taken


def _count_general(conn):
    from telco_console.repositories.base import fetch_value

    return (fetch_value(conn, "SELECT COUNT(*) FROM rate_number_chains WHERE general = 1"),
            fetch_value(conn, "SELECT COUNT(*) FROM rate_number_chains WHERE general = 0"))
