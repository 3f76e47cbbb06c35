"""Rate decks through the database and the `rates` / `plan --deck` subcommands."""
import json
from pathlib import Path

import pytest

from helpers import make_plan, make_user
from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.services.billing import rates

TUTORIAL = Path(__file__).parent / "data" / "cgrates-tutorial"
PW = "correct-horse-9"
DECK = ("prefix,destination,group,connect_fee,start,rate,unit,increment,timing,weekdays,time,max_cost,covered\n"
        "44,UK,National,0,0,0.05,60,60,ALWAYS,,,,yes\n"
        "447,UK mobile,Mobile,0,0,0.10,60,60,ALWAYS,,,,yes\n"
        "33,France,International,0.10,0,0.30,60,60,PEAK,1;2;3;4;5,08:00:00,2.00,no\n"
        "33,France,International,0.10,60,0.20,60,1,PEAK,1;2;3;4;5,08:00:00,2.00,no\n"
        "33,France,International,0.05,0,0.20,60,60,OFFPEAK,,00:00:00,,no\n")


@pytest.fixture
def admin(ctx):
    make_user(ctx, "boss", "admin", PW)
    make_plan(ctx)
    return ctx


def cli(run_cli, *argv):
    return run_cli(*argv, user="boss", password=PW)


def write(tmp_path, text, name="deck.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_import_quote_lookup_list(admin, run_cli, tmp_path):
    code, out, err = cli(run_cli, "rates", "import", write(tmp_path, DECK), "--deck", "RETAIL")
    assert (code, err) == (0, "")
    assert "version 1 imported" in out and "the beginning" in out
    code, out, err = cli(run_cli, "plan", "edit", "BASIC", "--deck", "RETAIL")
    assert code == 0 and "RETAIL" in out
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "BASIC", "--to", "+33612345678",
                         "--at", "2026-11-02 08:00:00", "--duration", "61", "--format", "json")
    assert (code, err) == (0, "")
    rows = json.loads(out)["rows"]
    assert "Cost" in rows[0]
    assert rows[-1]["Item"] == "Total" and rows[-1]["Cost"] == "0.4034"    # 0.10 + 60 s at 0.30 + 1 s at 0.20/60, *up
    assert rows[0]["Detail"].startswith("France (prefix 33), group International")
    assert rows[1]["Detail"].startswith("PEAK: Mon,Tue,Wed,Thu,Fri from 08:00:00")
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "BASIC", "--to", "+33612345678",
                         "--at", "2026-11-02 07:59:59", "--duration", "61", "--format", "json")
    assert json.loads(out)["rows"][-1]["Cost"] == "0.4500"      # OFFPEAK: 0.05 + 120 s at 0.20
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "BASIC", "--to", "07911 123456",
                         "--at", "2026-11-02 12:00:00", "--duration", "60")
    assert code == 0 and "UK mobile (prefix 447)" in out and "Total" in out.splitlines()[-3]
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "BASIC", "--to", "+4930123456",
                         "--at", "2026-11-02 12:00:00", "--duration", "60")
    assert (code, out) == (1, "")
    assert err == "error: no rate for +4930123456 at 2026-11-02 12:00:00 in deck RETAIL (plan BASIC)\n"
    code, out, err = cli(run_cli, "rates", "lookup", "+33612345678", "--deck", "RETAIL", "--at", "2026-11-07 10:00:00")
    assert code == 0 and "applies" in out and "OFFPEAK" in out
    code, out, err = cli(run_cli, "rates", "list", "--deck", "RETAIL", "--page-size", "2", "--page", "2",
                         "--format", "json")
    doc = json.loads(out)
    assert doc["filters"]["page"] == "2 of 2" and [r["Prefix"] for r in doc["rows"]] == ["44", "447"]
    code, out, err = cli(run_cli, "rates", "decks")
    assert code == 0 and "RETAIL" in out and "BASIC" in out


def test_import_error_is_one_line_and_nothing_is_written(admin, run_cli, tmp_path):
    bad = DECK + "49,Germany,International,0,0,0.1,60,60x,ALWAYS,,,,no\n"
    code, out, err = cli(run_cli, "rates", "import", write(tmp_path, bad), "--deck", "RETAIL")
    assert (code, err) == (1, "error: deck.csv line 7: bad increment '60x' (write e.g. 60s, 1m, 1m30s or 60)\n")
    code, out, err = cli(run_cli, "rates", "decks", "--format", "json")
    assert json.loads(out)["rows"] == []
    code, out, err = cli(run_cli, "rates", "import", str(tmp_path / "missing.csv"), "--deck", "RETAIL")
    assert code == 1 and err.startswith("error: missing.csv: cannot read the file")


def test_versions_and_effective_from(admin, tmp_path):
    rates.import_csv(admin, write(tmp_path, "prefix,destination,rate\n33,France,0.30\n"), "D")
    rates.import_csv(admin, write(tmp_path, "prefix,destination,rate\n33,France,0.10\n"), "D",
                     effective_from="2026-11-15")
    make_plan(admin, code="DECKED", deck="D")
    total = lambda when: rates.quote(admin, "DECKED", "+33612345678", when, 60).rows[-1][-1]  # noqa: E731
    assert total("2026-11-14 23:59:59") == "0.3000"
    assert total("2026-11-15 00:00:00") == "0.1000"
    res = rates.import_csv(admin, write(tmp_path, "prefix,destination,rate\n33,France,0.20\n"), "D")
    assert res.version == 3 and res.effective_from > res.effective_from.replace(year=2026, month=1, day=1)
    listing = rates.list_decks(admin)
    assert [r[2] for r in listing.rows] == [1, 2, 3] and listing.rows[0][3] == "the beginning"


def test_cgrates_import_and_quote(admin, run_cli, tmp_path):
    code, out, err = cli(run_cli, "rates", "import-cgrates", str(TUTORIAL), "--deck", "TUTORIAL",
                         "--rating-plan", "RP_RETAIL2", "--allowance", "DST_1002")
    assert (code, err) == (0, "")
    make_plan(admin, code="RETAIL2", deck="TUTORIAL")
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "RETAIL2", "--to", "1003", "--at",
                         "2026-11-02 08:00:00", "--duration", "61", "--format", "json")
    rows = json.loads(out)["rows"]
    # DR_1003_20CNT names RT_40CNT in the tutorial: 0.8 + 60 s at 0.4 + 10 s at 0.2/60, *up to 4
    assert rows[-1]["Cost"] == "1.2334"
    assert rows[0]["Detail"].startswith("DST_1003 (prefix 1003), group DST_1003")
    code, out, err = cli(run_cli, "rates", "quote", "--plan", "RETAIL2", "--to", "1007", "--at",
                         "2026-11-02 08:00:00", "--duration", "600", "--format", "json")
    rows = json.loads(out)["rows"]
    assert rows[-2]["Item"] == "Maximum cost" and "*free" in rows[-2]["Detail"] and rows[-1]["Cost"] == "0.6200"
    code, out, err = cli(run_cli, "rates", "import", write(tmp_path, DECK), "--deck", "TUTORIAL")
    assert code == 1 and "holds CGRATES imports" in err
    code, out, err = cli(run_cli, "rates", "import-cgrates", str(TUTORIAL), "--deck", "T2", "--rating-plan", "RP_NO")
    assert code == 1 and err.startswith("error: RatingPlans.csv: no rating plan 'RP_NO'")


def test_plan_deck_options_and_roles(admin, as_role, tmp_path):
    with pytest.raises(NotFoundError, match="no rate deck named NOPE"):
        make_plan(admin, code="X1", deck="NOPE")
    rates.import_csv(admin, write(tmp_path, DECK), "RETAIL")
    p = make_plan(admin, code="X2", deck="RETAIL")
    assert p["deck"] == "RETAIL"
    from telco_console.services import plans

    assert plans.edit_plan(admin, "X2", deck="none")["deck"] is None
    with pytest.raises(PermissionDenied):
        rates.import_csv(as_role("analyst"), write(tmp_path, DECK), "RETAIL")
    assert rates.list_entries(as_role("staff"), "RETAIL").rows
    with pytest.raises(ValidationError, match="a deck name is 1-40"):
        rates.import_csv(admin, write(tmp_path, DECK), "bad name")


def test_plan_without_deck_quotes_its_own_rates(admin):
    r = rates.quote(admin, "BASIC", "+33612345678", "2026-11-02 09:00:00", 61)
    assert r.rows[-1][-1] == "0.20"         # 120 s at 0.10 a minute, peak


@pytest.mark.slow
def test_fifty_thousand_rows_in_one_transaction(admin, tmp_path):
    lines = ["prefix,destination,group,rate,unit,increment"]
    lines += [f"{1000000 + i},Zone {i % 50},Zone {i % 50},0.{i % 97:02d},60,1" for i in range(50_000)]
    res = rates.import_csv(admin, write(tmp_path, "\n".join(lines) + "\n"), "BIG")
    assert (res.entries, res.groups) == (50_000, 50_000)
    page = rates.list_entries(admin, "BIG", page=500, page_size=100)
    assert page.filters["page"] == "500 of 500" and len(page.rows) == 100


def test_menu_imports_quotes_and_sets_a_deck(admin, as_role, tmp_path, monkeypatch):
    import io

    from telco_console.reporting.output import Output
    from telco_console.ui import prompts
    from telco_console.ui.app import Console, run_action
    from telco_console.ui.menus import rates as menu
    from telco_console.ui.menus import sections_for

    answers: list = []

    def ask(message, parse=None, default="", required=True, **kw):
        text = answers.pop(0)
        if not str(text).strip():
            return None
        return parse(text) if parse else text

    monkeypatch.setattr(prompts, "ask", ask)
    monkeypatch.setattr(prompts, "confirm", lambda message, default=False, **kw: answers.pop(0))
    buf = io.StringIO()
    console = Console(admin, Output(buf, buf, colour=False))
    answers += [write(tmp_path, DECK), "RETAIL", ""]
    run_action(console, menu.import_csv)
    answers += ["BASIC", "RETAIL"]
    run_action(console, menu.set_plan_deck)
    answers += ["BASIC", "+33612345678", "2026-11-02 08:00:00", "61"]
    run_action(console, menu.quote)
    text = buf.getvalue()
    assert "version 1 imported" in text and "0.4034" in text and "France (prefix 33)" in text
    staff = next(s for s in sections_for("staff") if s.title == "Rate decks")
    assert [i.label for i in staff.visible_items("staff")] == ["Quote a call", "Look up a number",
                                                               "Page through a deck", "List decks and versions"]
    buf.truncate(0)
    answers += ["RETAIL", ""]               # 4 entries: one page, no "Next page?" question
    run_action(Console(as_role("staff"), Output(buf, buf, colour=False)), menu.list_deck)
    assert "page: 1 of 1" in buf.getvalue() and not answers
