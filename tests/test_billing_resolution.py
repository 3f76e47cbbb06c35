"""Numbers resolved at ingest (services.billing.resolution): the chains worked out in Python agree with
the set-based resolution in SQL on the same inputs, and an import leaves the bill run nothing to
resolve and the same bills."""
import random
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from test_billing_destinations import DECK, NUMBERS, _random_deck, _version_ids, deck_file

from helpers import make_customer, make_plan, make_user
from telco_console.repositories import rates as rates_repo
from telco_console.repositories.base import fetch_all, fetch_value
from telco_console.services.billing import decks, rates
from telco_console.services.billing.rating import rate_customers
from telco_console.services.billing.resolution import IngestResolver
from telco_console.services.collection import importer

PW = "correct-horse-9"


def _numbers(rng: random.Random) -> list[str]:
    """Called numbers of every kind: the random decks' own, numbers starting with each of their prefixes
    (with and without '+'), short codes, and numbers that are not digits (left to the SQL)."""
    out = set(NUMBERS) | {"", "+", "1", "44", "+44", "2001", "*100#", "anonymous", "0044 20", "+4479x"}
    for p in ("+44", "44", "447", "4479", "+4479", "33", "336", "+1", "1", "2001", "9"):
        for _ in range(6):
            tail = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 9)))
            out.add(p + tail)
            out.add("+" + p.lstrip("+") + tail)
    return sorted(out)


def _chains(conn, version_id: int) -> dict:
    """num -> (chain key, general, its prefixes with k, its slices) of one version."""
    rows = fetch_all(conn, "SELECT n.num, c.id, c.chain_key, n.general FROM rate_number_chains n"
                           " JOIN rate_chains c ON c.id = n.chain_id WHERE n.version_id = %s", (version_id,))
    out = {}
    for r in rows:
        pfx = sorted((p["prefix"], p["k"]) for p in fetch_all(
            conn, "SELECT prefix, k FROM rate_chain_prefixes WHERE chain_id = %s", (r["id"],)))
        slices = [tuple(s.values()) for s in fetch_all(
            conn, "SELECT weekday, t_from, t_to, entry_no, covered FROM rate_chain_slices WHERE chain_id = %s"
                  " ORDER BY weekday, t_from", (r["id"],))]
        out[r["num"]] = (r["chain_key"], r["general"], pfx, slices)
    return out


@pytest.mark.parametrize("seed", [16, 7, 2026, 5])
def test_chains_worked_out_at_ingest_agree_with_the_sql_resolution(ctx, tmp_path, seed):
    # the same random deck imported twice: one version's numbers resolved in SQL (the bill run's way),
    # the other's with the keys worked out in Python (the import's way)
    rng = random.Random(seed)
    text = _random_deck(rng)
    rates.import_csv(ctx, deck_file(tmp_path, text, "a.csv"), "A")
    rates.import_csv(ctx, deck_file(tmp_path, text, "b.csv"), "B")
    (va,), (vb,) = _version_ids(ctx, "A"), _version_ids(ctx, "B")
    numbers = _numbers(rng)

    def by_sql(conn):
        cur = conn.cursor()
        cur.execute("CREATE TEMPORARY TABLE rate_numbers_new (version_id INT NOT NULL, num VARCHAR(64) NOT NULL,"
                    " PRIMARY KEY (version_id, num))")
        cur.executemany("INSERT INTO rate_numbers_new VALUES (%s, %s)", [(va, n) for n in numbers])
        cur.close()
        return rates_repo.resolve_new(conn)

    assert ctx.db.run(by_sql) == len(numbers)
    resolver = IngestResolver(ctx.db)
    pairs = [(vb, n) for n in numbers]
    plain = [n for n in numbers if re.fullmatch(r"\+?[0-9]*", n)]
    assert ctx.db.run(resolver.resolve, pairs) == len(plain)
    assert ctx.db.run(resolver.resolve, pairs) == 0                  # resolved already: nothing to do
    sql, fast = ctx.db.run(_chains, va), ctx.db.run(_chains, vb)
    assert sorted(fast) == sorted(plain)
    for n in plain:
        assert fast[n] == sql[n], n
    # the numbers that are not digits are left to the bill run's resolution in SQL
    assert {"*100#", "anonymous", "0044 20", "+4479x"} <= set(sql) - set(fast)


def test_chain_of_follows_the_rules_of_the_sql(ctx):
    table = {"": True, "+44": False, "44": True, "4420": False, "+4420": True, "+": False}
    lengths = sorted({len(p) for p in table})
    key, chain = decks.chain_of("+442071234567", table, lengths)
    # longest first (k: digits * 2, + 1 with a '+'), down to the longest complete prefix ('+4420')
    assert chain == [("+4420", 9)]
    key, chain = decks.chain_of("+4479", table, lengths)
    assert chain == [("+44", 5), ("44", 4)]           # '+' alone and '' lie below the complete '44'
    key, chain = decks.chain_of("2001", table, lengths)
    assert chain == [("", 0)]                          # a short code: only as written
    assert decks.chain_of("anonymous", table, lengths) is None
    import hashlib

    assert key == hashlib.md5(b"/").hexdigest()


def _csv(tmp_path, rows) -> str:
    p = tmp_path / "calls.csv"
    p.write_text("record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
                 + "".join(f"r{i},{a},{b},{t},{s},{s},{d}\n" for i, (a, b, t, s, d) in enumerate(rows)))
    return str(p)


def _bills(ctx):
    return {k: (v.deck_amount, v.unrated_n, v.subtotal) for k, v in
            ctx.db.run(lambda conn: rate_customers(conn, "2026-10")).items()}


def test_an_import_resolves_the_numbers_of_decked_calls_and_the_bills_do_not_change(ctx, tmp_path, run_cli):
    make_user(ctx, "boss", "admin", PW)
    rates.import_csv(ctx, deck_file(tmp_path), "D")
    make_plan(ctx, code="DECKED", deck="D")
    make_plan(ctx, code="PLAIN")
    ann = make_customer(ctx, msisdn="+447911123456", plan="DECKED")
    bob = make_customer(ctx, msisdn="+447911000002", plan="PLAIN")
    cat = make_customer(ctx, msisdn="+447911000003", plan="PLAIN")
    # Cat moves to the decked plan on 15 October; a second version applies from 20 October
    assert run_cli("customer", "edit", cat["msisdn"], "--plan", "DECKED", "--from", "2026-10-15", user="boss",
                   password=PW)[0] == 0
    rows = [
        ("07911123456", "+33612345678", "2026-10-02 09:00:00", 90, "ANSWERED"),    # Ann, v1
        ("07911123456", "+33612345678", "2026-10-03 09:00:00", 30, "ANSWERED"),    # the same number again
        ("07911123456", "02079460000", "2026-10-21 23:30:00", 61, "ANSWERED"),     # Ann, v2
        ("07911123456", "+12125550100", "2026-10-04 09:00:00", 0, "NO ANSWER"),    # not rated: no number
        ("+33611111111", "07911123456", "2026-10-05 09:00:00", 60, "ANSWERED"),    # received: no number
        ("07911000002", "+33622222222", "2026-10-06 09:00:00", 60, "ANSWERED"),    # Bob: no deck
        ("07911000003", "+33633333333", "2026-10-10 09:00:00", 60, "ANSWERED"),    # Cat before her change
        ("07911000003", "+33644444444", "2026-10-16 09:00:00", 60, "ANSWERED"),    # Cat after it, v1
        ("07911000003", "*100#", "2026-10-16 10:00:00", 5, "ANSWERED"),            # not digits: the bill run's
    ]
    rates.import_csv(ctx, deck_file(tmp_path, DECK + "4420,London,National,0,0,0.01,60,60,ALWAYS,,,,yes\n", "v2.csv"),
                     "D", effective_from="2026-10-20")
    v1, v2 = _version_ids(ctx, "D")
    code, out, err = run_cli("import", "csv", _csv(tmp_path, rows), "--region", "GB", user="boss", password=PW)
    assert code == 0, err
    assert "3 called number(s) of calls.csv resolved for their rate deck" in " ".join(out.split())
    r = importer.import_file(ctx, "csv", _csv(tmp_path, rows), region="GB")      # again: all duplicates
    assert r.duplicates == len(rows) and r.resolved == 0
    got = ctx.db.run(lambda conn: sorted((x["version_id"], x["num"]) for x in fetch_all(
        conn, "SELECT version_id, num FROM rate_number_chains")))
    assert got == sorted([(v1, "+33612345678"), (v2, "+442079460000"), (v1, "+33644444444")])
    # the bill run finds only the number that is not digits left to resolve
    assert ctx.db.run(rates_repo.resolve_numbers, datetime(2026, 10, 1), datetime(2026, 11, 1)) == 1
    with_ingest = _bills(ctx)
    assert with_ingest[ann["id"]][1] == 0 and with_ingest[cat["id"]][1] == 1     # *100#: no entry covers it
    assert with_ingest[ann["id"]][0] > 0 and with_ingest[cat["id"]][0] > 0
    # the calls' stored ratings (Ann's and Cat's decked calls, each of its version) set aside: the same
    assert ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM calls WHERE rate_version IS NOT NULL")) == 4
    assert _bills_without_stored_ratings(ctx) == with_ingest
    # the derived tables emptied: the bill run resolves everything itself, with the same result
    ctx.db.run(lambda conn: [conn.cursor().execute(f"DELETE FROM {t}") for t in
                             ("rate_number_chains", "rate_chain_slices", "rate_chain_prefixes", "rate_chains")])
    assert _bills(ctx) == with_ingest
    assert with_ingest[bob["id"]][0] == Decimal(0)


def test_an_import_without_decked_plans_reads_no_deck(ctx, tmp_path):
    make_plan(ctx, code="PLAIN")
    make_customer(ctx, msisdn="+447911123456", plan="PLAIN")
    resolver = IngestResolver(ctx.db)
    assert not resolver.active
    rows = [(1, datetime(2026, 10, 1), "out", "+33612345678", 60, 60, 1)]
    assert resolver.prepare(None, rows) == (rows, [])          # the rows as given, without a rating
    r = importer.import_file(ctx, "csv", _csv(tmp_path, [("07911123456", "+33612345678", "2026-10-02 09:00:00", 90,
                                                           "ANSWERED")]), region="GB")
    assert r.inserted == 1 and r.resolved == 0


TIMES = ["00:00:00", "01:30:00", "07:59:59", "08:00:00", "12:34:56.789", "18:59:59", "19:00:00", "23:59:59"]


def _stored(conn) -> list[tuple]:
    return [tuple(r.values()) for r in fetch_all(
        conn, "SELECT id, started_at, rate_version, rate_ec, rate_line, rate_cost FROM calls"
              " WHERE rate_version IS NOT NULL")]


def _bills_without_stored_ratings(ctx, bills=None) -> dict:
    """bills() (default: _bills(ctx)) when the calls' stored ratings are set aside (every call rated
    from its number's chain), then the ratings put back."""
    saved = ctx.db.run(_stored)
    ctx.db.run(lambda conn: conn.cursor().execute("UPDATE calls SET rate_version = NULL, rate_ec = NULL,"
                                                  " rate_line = NULL, rate_cost = NULL"))
    try:
        return bills() if bills is not None else _bills(ctx)
    finally:
        def put_back(conn):
            conn.cursor().executemany("UPDATE calls SET rate_version = %s, rate_ec = %s, rate_line = %s,"
                                      " rate_cost = %s WHERE id = %s AND started_at = %s",
                                      [(v, e, ln, c, i, at) for i, at, v, e, ln, c in saved])
        ctx.db.run(put_back)


@pytest.mark.parametrize("n_calls", [60, 400])          # written with INSERT, and with LOAD DATA
def test_calls_rated_at_ingest_are_billed_as_their_chains_price_them_and_not_once_stale(ctx, tmp_path, run_cli,
                                                                                          n_calls, monkeypatch):
    from test_billing_destinations import DECK as SMALL_DECK

    from telco_console.services.billing import resolution

    if n_calls > 100:       # the resolver's memories emptied again and again during the import
        monkeypatch.setattr(resolution, "SEEN_MAX", 8)
        monkeypatch.setattr(resolution, "COSTS_MAX", 3)

    make_user(ctx, "boss", "admin", PW)
    rng = random.Random(n_calls)
    rates.import_csv(ctx, deck_file(tmp_path, _random_deck(rng), "a.csv"), "A")
    rates.import_csv(ctx, deck_file(tmp_path, SMALL_DECK, "b.csv"), "B")
    make_plan(ctx, code="PA", deck="A", included_minutes=10, increment_seconds=30)
    make_plan(ctx, code="PB", deck="B", included_minutes=3)
    make_plan(ctx, code="PLAIN")
    people = [make_customer(ctx, msisdn=f"+44791100000{i}", plan=("PA", "PA", "PLAIN")[i % 3]) for i in range(3)]
    numbers = _numbers(rng)
    rows = [(f"0791100000{rng.randrange(3)}", rng.choice(numbers),
             f"2026-10-{rng.randint(1, 31):02d} {rng.choice(TIMES)}", rng.choice([1, 29, 30, 31, 60, 61, 119, 600]),
             rng.choice(["ANSWERED"] * 5 + ["NO ANSWER"])) for _ in range(n_calls)]
    code, out, err = run_cli("import", "csv", _csv(tmp_path, rows), "--region", "GB", user="boss", password=PW)
    assert code == 0, err
    stored = ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM calls WHERE rate_version IS NOT NULL"))
    decked = sum(1 for a, b, t, s, d in rows if d == "ANSWERED" and not a.endswith("2"))
    assert decked // 3 < stored <= decked
    # received, unanswered and plain-plan calls carry no rating
    assert ctx.db.run(lambda conn: fetch_value(
        conn, "SELECT COUNT(*) FROM calls WHERE rate_version IS NOT NULL AND (direction <> 'out' OR billsec = 0"
              " OR customer_id = %s)", (people[2]["id"],))) == 0
    before = _bills(ctx)
    assert before == _bills_without_stored_ratings(ctx)
    assert any(before[c["id"]][0] > 0 for c in people[:2])
    # then a new version of A in force from the 1st, and the second customer on plan PB from the 15th:
    # the calls they cover are re-rated by them as they arrive (the version import, the plan change),
    # and priced as their chains price them
    a1 = _version_ids(ctx, "A")[0]
    imported = rates.import_csv(ctx, deck_file(tmp_path, _random_deck(random.Random(n_calls + 1)), "a2.csv"),
                                "A", effective_from="2026-10-01")
    a2 = _version_ids(ctx, "A")[1]
    on_a1 = lambda: ctx.db.run(lambda conn: fetch_value(  # noqa: E731
        conn, "SELECT COUNT(*) FROM calls WHERE rate_version = %s", (a1,)))
    assert on_a1() == 0 and imported.rerated > 0
    assert imported.rerated == ctx.db.run(lambda conn: fetch_value(
        conn, "SELECT COUNT(*) FROM calls WHERE rate_version = %s", (a2,)))
    assert run_cli("customer", "edit", people[1]["msisdn"], "--plan", "PB", "--from", "2026-10-15", user="boss",
                   password=PW)[0] == 0
    b1 = _version_ids(ctx, "B")[0]
    moved = ctx.db.run(lambda conn: fetch_all(
        conn, "SELECT rate_version, COUNT(*) AS n FROM calls WHERE customer_id = %s AND started_at >= '2026-10-15'"
              " AND rate_version IS NOT NULL GROUP BY rate_version", (people[1]["id"],)))
    assert all(r["rate_version"] == b1 for r in moved)
    after = _bills(ctx)
    assert after == _bills_without_stored_ratings(ctx)
    assert after != before
    # nothing left to re-rate: every stored rating is of the version in force
    assert ctx.db.run(lambda conn: rates_repo.rerate_stored(conn, datetime(2026, 10, 1), datetime(2026, 11, 1))) == 0


def test_a_choice_only_the_name_or_a_date_would_decide_is_left_to_the_bill_run(ctx, tmp_path):
    text = ("prefix,destination,group,start,rate,unit,increment,timing,weekdays,time,months,covered\n"
            "33,France B,International,0,0.30,60,60,X,,,,no\n"
            "33,France A,International,0,0.20,60,60,Y,,,,no\n"          # ties with X: the name decides
            "336,France mobile,International,0,0.40,60,60,ALWAYS,,,,no\n"
            "336,France mobile,International,0,0.50,60,60,SUMMER,,,6;7;8,no\n"   # a date: general chain
            "44,UK,National,0,0.05,60,60,ALWAYS,,,,yes\n")
    rates.import_csv(ctx, deck_file(tmp_path, text), "T")
    make_plan(ctx, code="T", deck="T")
    c = make_customer(ctx, msisdn="+447911123456", plan="T")
    calls = [(c["id"], datetime(2026, 10, 5, 9), "out", n, 60, 60, 1, "ANSWERED", 0, "test", f"t{i}")
             for i, n in enumerate(["+33123456789", "+33612345678", "+442071234567"])]
    resolver = IngestResolver(ctx.db)
    rated, wanted = ctx.db.run(lambda conn: resolver.prepare(conn, calls))
    assert [r[11:] for r in rated[:2]] == [(None, None, None, None)] * 2
    v, ec, line, cost = rated[2][11:]
    assert v == _version_ids(ctx, "T")[0] and ec % 2 == 1 and cost == "0.0500"
    # the UK entry's line: its group and timing
    assert ctx.db.run(lambda conn: fetch_all(conn, "SELECT dest_group, timing FROM rate_lines WHERE line_no = %s",
                                             (line,))) == [
        {"dest_group": "National", "timing": "ALWAYS"}]
    assert resolver.rated == 1 and len(wanted) == 3


def test_calls_logged_at_the_prompt_and_unmatched_calls_matched_later_are_rated_as_an_import_rates_them(
        ctx, tmp_path):
    from telco_console.services.collection import manual, unmatched

    rates.import_csv(ctx, deck_file(tmp_path), "D")
    make_plan(ctx, code="DECKED", deck="D")
    make_customer(ctx, msisdn="+447911123456", plan="DECKED")
    start = ctx.now() - timedelta(hours=2)
    manual.log_call(ctx, "07911123456", "+33612345678", "out", f"{start:%Y-%m-%d %H:%M}", "1:30")
    manual.log_call(ctx, "07911123456", "+33612345678", "in", f"{start:%Y-%m-%d %H:%M}", "1:30")
    # a call of a caller not on the books yet: unmatched until the customer exists
    r = importer.import_file(ctx, "csv", _csv(tmp_path, [("07911000002", "+12125550100", "2026-10-05 09:00:00", 60,
                                                           "ANSWERED")]), region="GB")
    assert r.unmatched == 1
    make_customer(ctx, msisdn="+447911000002", plan="DECKED", since="2026-01-01")
    assert unmatched.reprocess(ctx).inserted == 1

    def rows(conn):
        return fetch_all(conn, "SELECT k.other_party, k.direction, k.rate_version IS NOT NULL AS rated,"
                               " EXISTS (SELECT 1 FROM rate_number_chains n WHERE n.num = k.other_party) AS resolved"
                               " FROM calls k ORDER BY k.other_party, k.direction")
    got = [tuple(r.values()) for r in ctx.db.run(rows)]
    assert got == [("+12125550100", "out", 1, 1), ("+33612345678", "out", 1, 1), ("+33612345678", "in", 0, 1)]
    # each priced as its chain prices it
    p = f"{start:%Y-%m}"

    def bills():
        return {k: (v.deck_amount, v.unrated_n) for k, v in ctx.db.run(rate_customers, p).items()}
    before = bills()
    assert before == _bills_without_stored_ratings(ctx, bills)


# an operator's zone and region, its customer's number as written there, numbers called as written
# there, and the local times of its clock changes (a skipped time in spring, the repeated hour in autumn)
WORLDS = {
    "Europe/London": ("GB", "07911123456", ["02079460000", "07400123456", "+33612345678", "+12125550100"],
                      ["2026-03-29 01:30:00", "2026-10-25 01:20:00", "2026-10-25 01:59:59"]),
    "America/New_York": ("US", "(201) 555-0123", ["212-555-0199", "+442071234567", "+33612345678", "2001"],
                         ["2026-03-08 02:30:00", "2026-11-01 01:20:00", "2026-11-01 01:59:59"]),
    # no trunk prefix: the leading 0 is part of the national number
    "Europe/Rome": ("IT", "06 6982 1234", ["02 1234 5678", "+447911123456", "+12125550100", "+4930123456"],
                    ["2026-03-29 02:30:00", "2026-10-25 02:20:00", "2026-10-25 02:59:59"]),
}


@pytest.mark.parametrize("tz", sorted(WORLDS))
def test_calls_rated_at_ingest_in_every_month_and_at_the_clock_changes_of_each_world(ctx, tmp_path, tz):
    from test_numbering import operator_ctx

    region, mine, called, changes = WORLDS[tz]
    octx = operator_ctx(ctx, region, tz)
    rng = random.Random(tz)
    deck = _random_deck(rng) + "".join(
        f"{p},Z{p},{g},0.01,0,0.{rng.randrange(10, 99)},60,30,PEAK,1;2;3;4;5,08:00:00,,,*up,4,{c}\n"
        f"{p},Z{p},{g},0,0,0.05,60,60,OFF,,00:00:00,,,*down,2,{c}\n"
        for p, g, c in (("+39", "Italy", "yes"), ("+1201", "Home", "yes"), ("+4420", "London", "no")))
    rates.import_csv(octx, deck_file(tmp_path, deck), "W")
    make_plan(octx, code="W", deck="W", included_minutes=20, increment_seconds=60)
    c = make_customer(octx, mine, plan="W", since="2025-11-01")
    periods = [f"{2025 + (m > 0)}-{(m - 1) % 12 + 1:02d}" for m in range(12)]      # 2025-12 to 2026-11
    rows = []
    for p in periods:
        for _ in range(12):
            at = f"{p}-{rng.randint(1, 27):02d} {rng.choice(TIMES)[:8]}"
            rows.append((mine, rng.choice(called), at, rng.choice([1, 30, 31, 61, 600]), "ANSWERED"))
    rows += [(mine, n, at, 90, "ANSWERED") for at in changes for n in called]
    r = importer.import_file(octx, "csv", _csv(tmp_path, rows), region=region)
    assert r.inserted == len(rows) and r.unmatched == 0, r
    stored = ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM calls WHERE rate_version IS NOT NULL"))
    assert stored > len(rows) // 2
    # the stored start (the local wall-clock time kept, a skipped time moved on) is the one rated

    def bills():
        return {p: {k: (v.deck_amount, v.unrated_n)
                    for k, v in ctx.db.run(rate_customers, p).items()} for p in periods}
    with_stored = bills()
    assert sum(1 for p in periods if with_stored[p][c["id"]][0] > 0) >= 6
    assert _bills_without_stored_ratings(ctx, bills) == with_stored


def _statements(version: int) -> list[str]:
    from telco_console.db.migrations import available

    return next(m for m in available() if m.version == version).statements()


def test_migration_133_puts_the_lines_numbered_per_version_on_lines_shared_by_every_deck(ctx, tmp_path, _owner_db):
    from test_billing_destinations import DECK as SMALL_DECK

    make_user(ctx, "boss", "admin", PW)
    rng = random.Random(133)
    rates.import_csv(ctx, deck_file(tmp_path, _random_deck(rng), "a.csv"), "A")
    rates.import_csv(ctx, deck_file(tmp_path, SMALL_DECK, "b.csv"), "B")
    rates.import_csv(ctx, deck_file(tmp_path, SMALL_DECK, "b2.csv"), "B", effective_from="2026-10-20")
    make_plan(ctx, code="PA", deck="A", included_minutes=10)
    make_plan(ctx, code="PB", deck="B", included_minutes=3)
    for i in range(3):
        make_customer(ctx, msisdn=f"+44791100000{i}", plan=("PA", "PB", "PB")[i])
    numbers = _numbers(rng)
    rows = [(f"0791100000{rng.randrange(3)}", rng.choice(numbers),
             f"2026-10-{rng.randint(1, 31):02d} {rng.choice(TIMES)}", rng.choice([1, 30, 61, 600]), "ANSWERED")
            for _ in range(150)]
    assert importer.import_file(ctx, "csv", _csv(tmp_path, rows), region="GB").inserted == len(rows)

    def by_name(conn):      # each entry's and each stored call's line, by its group and timing
        return (fetch_all(conn, "SELECT e.version_id, e.entry_no, l.dest_group, l.timing FROM rate_entries e"
                                " LEFT JOIN rate_lines l ON l.line_no = e.line_no" + ver + " ORDER BY 1, 2"),
                fetch_all(conn, "SELECT k.id, l.dest_group, l.timing FROM calls k LEFT JOIN rate_lines l"
                                " ON l.line_no = k.rate_line" + ver.replace("e.version_id", "k.rate_version")
                                + " WHERE k.rate_line IS NOT NULL ORDER BY 1"))
    ver = ""
    shared, bills = ctx.db.run(by_name), _bills(ctx)
    assert len(shared[1]) > 50 and all(r["dest_group"] for r in shared[0] + shared[1])
    # the same lines as one row per group and timing, every deck and version alike
    lines = ctx.db.run(lambda conn: fetch_all(conn, "SELECT dest_group, timing FROM rate_lines"))
    assert len(lines) == len({(r["dest_group"].lower(), r["timing"].lower()) for r in shared[0]})

    def execute(statements):
        with _owner_db.connection() as conn:
            cur = conn.cursor()
            for s in statements:
                cur.execute(s)
            conn.commit()
    try:
        # the database as migration 132 left it: lines numbered per version, each entry's and call's
        # number of its own version's line
        m132 = [s for s in _statements(132) if "rate_lines" in s and not s.startswith("ALTER")]
        execute(["DROP TABLE rate_lines", *m132,
                 "UPDATE calls k JOIN rate_entries e ON e.version_id = k.rate_version"
                 " AND e.entry_no = k.rate_ec DIV 2 SET k.rate_line = e.line_no"])
        ver = " AND l.version_id = e.version_id"
        assert ctx.db.run(by_name) == shared
        assert ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(DISTINCT line_no) FROM rate_lines")) < \
            ctx.db.run(lambda conn: fetch_value(conn, "SELECT COUNT(*) FROM rate_lines"))     # numbers repeat
        execute(_statements(133))
    finally:
        with _owner_db.connection() as conn:      # whatever happened, the schema as migrated
            if fetch_value(conn, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                                 " AND table_name = 'rate_lines' AND column_name = 'version_id'"):
                execute(["DROP TABLE IF EXISTS rate_lines_132", "DROP TABLE rate_lines",
                         next(s for s in _statements(133) if s.startswith("CREATE TABLE rate_lines"))])
    ver = ""
    assert ctx.db.run(by_name) == shared
    assert _bills(ctx) == bills
