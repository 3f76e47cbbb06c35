"""The deck rules in plain Python (services/billing/decks.py), case by case, and against the CGRateS
tutorial tariff plan (tests/data/cgrates-tutorial, see its SOURCE.txt)."""
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from telco_console.services.billing import decks as D

TUTORIAL = Path(__file__).parent / "data" / "cgrates-tutorial"
MON, SAT = "2026-11-02", "2026-11-07"     # a Monday and a Saturday


def at(day, clock):
    return datetime.fromisoformat(f"{day} {clock}")


@pytest.fixture(scope="module")
def retail1():
    return D.as_deck(D.read_cgrates(TUTORIAL, "RP_RETAIL1"))


@pytest.fixture(scope="module")
def retail2():
    return D.as_deck(D.read_cgrates(TUTORIAL, "RP_RETAIL2"))


def cost(deck, number, when, seconds):
    return D.quote_call(deck, number, when, seconds).cost


def test_timing_boundary_at_peak_start(retail1):
    # 07:59:59 is OFFPEAK_MORNING (RT_10CNT), 08:00:00 is PEAK (RT_40CNT); the whole call by its start
    q = D.quote_call(retail1, "1001", at(MON, "07:59:59"), 61)
    assert (q.entry.timing, q.entry.name) == ("OFFPEAK_MORNING", "DR_FS_10CNT")
    assert q.cost == Decimal("0.3009")            # 0.2 + 60 s at 0.1/min + 1 s at 0.05/min, *up to 4
    q = D.quote_call(retail1, "1001", at(MON, "08:00:00"), 61)
    assert (q.entry.timing, q.entry.name) == ("PEAK", "DR_FS_40CNT")
    assert q.before_rounding.quantize(Decimal("1e-12")) == Decimal("1.233333333333")
    assert q.cost == Decimal("1.2334")
    assert D.quote_call(retail1, "1001", at(MON, "18:59:59"), 61).entry.timing == "PEAK"
    assert D.quote_call(retail1, "1001", at(MON, "19:00:00"), 61).entry.timing == "OFFPEAK_EVENING"
    assert D.quote_call(retail1, "1001", at(SAT, "12:00:00"), 61).entry.timing == "OFFPEAK_WEEKEND"
    assert D.quote_call(retail1, "1001", at("2026-11-08", "09:00:00"), 61).entry.timing == "OFFPEAK_WEEKEND"


def test_exactly_one_increment_and_one_second_more(retail1):
    # PEAK: 30 s in 30 s up to 60 s, then 10 s steps
    assert cost(retail1, "1001", at(MON, "09:00:00"), 30) == Decimal("1.0000")    # 0.8 + 30 s x 0.4/60
    assert cost(retail1, "1001", at(MON, "09:00:00"), 31) == Decimal("1.2000")    # 60 s charged
    assert cost(retail1, "1001", at(MON, "09:00:00"), 60) == Decimal("1.2000")
    assert cost(retail1, "1001", at(MON, "09:00:00"), 70) == Decimal("1.2334")    # + 10 s x 0.2/60
    assert cost(retail1, "1001", at(MON, "09:00:00"), 71) == Decimal("1.2667")    # + 20 s
    # OFF-PEAK: 60 s then 1 s
    assert cost(retail1, "1001", at(MON, "21:00:00"), 1) == Decimal("0.3000")
    assert cost(retail1, "1001", at(MON, "21:00:00"), 60) == Decimal("0.3000")
    assert cost(retail1, "1001", at(MON, "21:00:00"), 61) == Decimal("0.3009")


def test_max_cost_caps(retail1, retail2):
    # RT_1CNT_PER_SEC: 0.01 a second, capped at 0.62 (*disconnect in RETAIL1, *free in RETAIL2)
    assert cost(retail1, "1007", at(MON, "09:00:00"), 62) == Decimal("0.6200")
    q = D.quote_call(retail1, "1007", at(MON, "09:00:00"), 63)
    assert (q.before_rounding, q.capped, q.cost) == (Decimal("0.63"), True, Decimal("0.6200"))
    q = D.quote_call(retail2, "1007", at(SAT, "23:00:00"), 3600)
    assert (q.capped, q.cost, q.entry.max_cost_strategy) == (True, Decimal("0.6200"), "*free")


def test_fallback_to_a_shorter_prefix(retail1, retail2):
    # DST_1002 (prefix 1002) is not in RP_RETAIL1: the next-longest destination with an entry, DST_FS (10)
    q = D.quote_call(retail1, "1002", at(MON, "09:00:00"), 60)
    assert (q.matched_prefix, q.entry.destination) == ("10", "DST_FS")
    q = D.quote_call(retail2, "1002", at(MON, "09:00:00"), 60)
    assert (q.matched_prefix, q.entry.destination, q.entry.name) == ("1002", "DST_1002", "DR_1002_20CNT")
    assert q.cost == Decimal("0.6000")


def test_unrated_names_the_number(retail1):
    with pytest.raises(D.Unrated, match="no rate for 2001 at 2026-11-02 09:00:00"):
        D.quote_call(retail1, "2001", at(MON, "09:00:00"), 60)


def test_any_destination_and_always_timing():
    entries = D.read_cgrates(TUTORIAL, "RP_SPECIAL_1002")
    assert [(e.prefix, e.timing, e.weekdays) for e in entries] == [("1002", "ALWAYS", frozenset())]
    e = entries[0]
    assert D.call_cost(e, 61)[1] == Decimal("0.0200")       # RT_1CNT: 0.01 a minute by 60 s


def deck_csv(tmp_path, text, name="deck.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_e164_with_and_without_plus_and_extensions_as_written(tmp_path):
    deck = D.as_deck(D.read_csv_deck(deck_csv(tmp_path, (
        "prefix,destination,rate\n"
        "44,UK,0.10\n"
        "+447,UK mobile,0.20\n"
        "4479,UK mobile 9,0.30\n"
        "+1,North America,0.05\n"))))
    t = at(MON, "09:00:00")
    assert D.find_entry(deck, "+447911123456", t)[0].destination == "UK mobile 9"   # without the +
    assert D.find_entry(deck, "+447811123456", t)[0].destination == "UK mobile"     # with the +
    assert D.find_entry(deck, "+442071234567", t)[0].destination == "UK"
    assert D.find_entry(deck, "+12125550100", t)[0].destination == "North America"
    with pytest.raises(D.Unrated):
        D.find_entry(deck, "12125550100", t)      # not E.164: tried only as written, and no '1' entry
    # with the same digits, the prefix written with + is preferred
    assert D.candidates("+4479")[:3] == ["+4479", "4479", "+447"]


def test_ties_by_weight_then_name_and_latest_start(tmp_path):
    deck = D.as_deck(D.read_csv_deck(deck_csv(tmp_path, (
        "prefix,destination,timing,weekdays,time,weight,rate\n"
        "33,France B,ANY,*any,08:00:00,5,0.30\n"
        "33,France A,WEEKDAY,1;2;3;4;5,08:00:00,5,0.20\n"
        "33,France C,EARLY,*any,00:00:00,50,0.10\n"
        "33,France D,HEAVY,6;7,08:00:00,9,0.40\n"))))
    assert D.find_entry(deck, "+33612345678", at(MON, "09:00:00"))[0].destination == "France A"   # name
    assert D.find_entry(deck, "+33612345678", at(SAT, "09:00:00"))[0].destination == "France D"   # weight
    assert D.find_entry(deck, "+33612345678", at(MON, "07:59:59"))[0].destination == "France C"   # start


def test_rounding_methods(tmp_path):
    base = "prefix,destination,rate,unit,increment,rounding,decimals\n"
    for method, expected in (("*up", "0.0017"), ("*down", "0.0016"), ("*middle", "0.0017")):
        e = D.read_csv_deck(deck_csv(tmp_path, base + f"1,X,0.10,60,1,{method},4\n"))[0]
        assert D.call_cost(e, 1)[1] == Decimal(expected), method       # 0.1/60 = 0.001666...
    e = D.read_csv_deck(deck_csv(tmp_path, base + "1,X,0.03,60,1,*middle,2\n"))[0]
    assert D.call_cost(e, 10)[1] == Decimal("0.01")     # 0.005 -> half up


def test_csv_groups_make_one_entry(tmp_path):
    entries = D.read_csv_deck(deck_csv(tmp_path, (
        "prefix,destination,group,connect_fee,start,rate,unit,increment,covered\n"
        "447,UK mobile,National,0.05,0,0.12,60,30,yes\n"
        "447,UK mobile,National,0.05,30s,0.06,1m,6,yes\n")))
    assert len(entries) == 1
    e = entries[0]
    assert (e.group, e.covered, e.connect_fee) == ("National", True, Decimal("0.05"))
    assert [(g.start_s, g.unit_s, g.increment_s) for g in e.groups] == [(0, 60, 30), (30, 60, 6)]
    # 31 s: 30 s of the first group + 1 s -> 6 s of the second
    assert D.call_cost(e, 31)[0] == Decimal("0.05") + Decimal("0.06") + Decimal("0.006")


@pytest.mark.parametrize("text, message", [
    ("prefix,destination,rate\n44,UK,0.1\n4x,Bad,0.1\n", "deck.csv line 3: bad prefix '4x'"),
    ("prefix,destination,rate,increment\n44,UK,0.1,60x\n", "deck.csv line 2: bad increment '60x'"),
    ("prefix,destination,rate\n44,UK,ten\n", "deck.csv line 2: bad rate 'ten'"),
    ("prefix,destination,rate,colour\n", "deck.csv line 1: unknown column 'colour'"),
    ("prefix,rate\n", "deck.csv line 1: missing column 'destination'"),
    ("prefix,destination,rate\n44,UK\n", "deck.csv line 2: 2 fields, expected 3"),
    ("prefix,destination,rate,start\n44,UK,0.1,30\n", "deck.csv line 2: the first rate group must start at 0 s"),
    ("prefix,destination,connect_fee,rate,start\n44,UK,0.1,0.1,0\n44,UK,0.2,0.1,60\n",
     "deck.csv line 3: connect_fee differs from line 2"),
    ("prefix,destination,rate\n", "deck.csv: no rate rows after the header"),
    ("prefix,destination,rate,weekdays\n44,UK,0.1,8\n", "deck.csv line 2: bad weekdays '8'"),
])
def test_csv_errors_name_file_and_line(tmp_path, text, message):
    with pytest.raises(D.DeckError) as exc:
        D.read_csv_deck(deck_csv(tmp_path, text))
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_cgrates_errors_name_file_and_line(tmp_path):
    import shutil

    folder = tmp_path / "tp"
    shutil.copytree(TUTORIAL, folder)
    with pytest.raises(D.DeckError, match=r"^RatingPlans.csv: no rating plan 'RP_NONE' \(there are: RP_RETAIL1"):
        D.read_cgrates(folder, "RP_NONE")
    rates = folder / "Rates.csv"
    rates.write_text(rates.read_text().replace("RT_40CNT,0.8,0.4,60s,30s,0s", "RT_40CNT,0.8,0.4,60x,30s,0s"))
    with pytest.raises(D.DeckError, match=r"^Rates.csv line 6: bad rate unit '60x'"):
        D.read_cgrates(folder, "RP_RETAIL1")
    shutil.copy(TUTORIAL / "Rates.csv", rates)
    plans = folder / "RatingPlans.csv"
    plans.write_text(plans.read_text() + "RP_X,DR_FS_40CNT,NIGHTS,10\n")
    with pytest.raises(D.DeckError, match=r"^RatingPlans.csv line 21: unknown timing tag 'NIGHTS'"):
        D.read_cgrates(folder, "RP_X")
    plans.write_text(plans.read_text() + "RP_Y,DR_NOPE,ALWAYS,10\n")
    with pytest.raises(D.DeckError, match=r"^RatingPlans.csv line 22: unknown DestinationRates tag 'DR_NOPE'"):
        D.read_cgrates(folder, "RP_Y")
    (folder / "Timings.csv").unlink()
    with pytest.raises(D.DeckError, match=r"^Timings.csv: missing file"):
        D.read_cgrates(folder, "RP_RETAIL1")


def test_cgrates_allowance(tmp_path):
    entries = D.read_cgrates(TUTORIAL, "RP_RETAIL2", ["DST_1002"])
    assert {e.destination for e in entries if e.covered} == {"DST_1002"}
    assert not any(e.covered for e in D.read_cgrates(TUTORIAL, "RP_RETAIL2"))
    with pytest.raises(D.DeckError, match="destination 'DST_DE_MOBILE' is not rated by RP_RETAIL2"):
        D.read_cgrates(TUTORIAL, "RP_RETAIL2", ["DST_DE_MOBILE"])


@pytest.mark.parametrize("text, seconds", [("60s", 60), ("1m", 60), ("1m30s", 90), ("2h", 7200), ("0s", 0),
                                           ("45", 45)])
def test_durations(text, seconds):
    assert D.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["60x", "", "s", "1.5s", "-1s", "m"])
def test_bad_durations(text):
    with pytest.raises(Exception, match=r"bad a duration|bad"):
        D.parse_duration(text)


def test_timing_by_month_day_and_year(tmp_path):
    deck = D.as_deck(D.read_csv_deck(deck_csv(tmp_path, (
        "prefix,destination,timing,months,month_days,years,weight,rate\n"
        "1,Base,ALWAYS,,,,0,0.10\n"
        "1,Christmas,XMAS,12,25,2026,10,0.01\n"))))
    assert D.find_entry(deck, "1234", at("2026-12-25", "10:00:00"))[0].destination == "Christmas"
    assert D.find_entry(deck, "1234", at("2027-12-25", "10:00:00"))[0].destination == "Base"
    assert D.find_entry(deck, "1234", at("2026-12-24", "10:00:00"))[0].destination == "Base"
    assert D.Entry("1", "x", "x", "x", start=time(8)).matches(at(MON, "08:00:00"))
