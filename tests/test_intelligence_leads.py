"""Leads and listings: CSV imports and the three reports on hand-made data."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories import usage
from telco_console.services.intelligence import leads
from tests.helpers import make_customer, make_plan

A, B = "+447911123456", "+447911123457"
L1, L2, L3 = "+919876543210", "+919876543211", "+919876543212"


def _call(cid, ref, other, billsec, direction="out", day=1):
    return (cid, datetime(2026, 10, day, 10, 0, 0), direction, other, billsec + 5, billsec, 1 if billsec else 0,
            "ANSWERED" if billsec else "NO ANSWER", 1, "test", ref)


def _sms(cid, ref, other, direction="out", day=1):
    return (cid, datetime(2026, 10, day, 11, 0, 0), direction, other, 20, 1, "test", ref)


@pytest.fixture
def world(ctx, tmp_path):
    make_plan(ctx)
    a = make_customer(ctx, A, "Ann")
    b = make_customer(ctx, B, "Bob")
    c3 = make_customer(ctx, L3, "Cat the customer lead")   # a lead who is also our customer
    calls = [_call(a["id"], "c1", L1, 60), _call(a["id"], "c2", L1, 120), _call(b["id"], "c3", L1, 0),
             _call(b["id"], "c4", L2, 30), _call(c3["id"], "c5", "+441234567890", 90)]
    sms = [_sms(a["id"], "s1", L2), _sms(a["id"], "s2", L2, "in"), _sms(b["id"], "s3", L2, "in"),
           _sms(b["id"], "s4", L1), _sms(a["id"], "s5", "+447000000000")]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=calls, sms=sms))
    (tmp_path / "listings.csv").write_text(
        "Listing ID,Title,Location,Price\nLS1,Flat in Leeds,Leeds,120000.00\nLS2,House in York,York,250000\n"
        "LS3,Loft,Hull,\n")
    (tmp_path / "leads.csv").write_text(
        "Lead ID,Name,Phone,Listing ID,Created\n"
        "LD1,Lina,+91 98765 43210,LS1,2026-09-01 10:00\n"
        "LD2,Ravi,0091 9876543211,LS2,2026-09-02\n"
        "LD3,Cat,+919876543212,LS1,\n"
        "LD4,Nobody,+919876543213,LS9,\n")
    return dict(ctx=ctx, a=a, b=b, tmp=tmp_path)


def _import(world):
    ctx = world["ctx"]
    r1 = leads.import_listings(ctx, world["tmp"] / "listings.csv")
    r2 = leads.import_leads(ctx, world["tmp"] / "leads.csv")
    return r1, r2


def test_imports_normalise_phones_and_reimport_updates(world):
    r1, r2 = _import(world)
    assert (r1.rows, r1.new, r1.updated) == (3, 3, 0)
    assert (r2.rows, r2.new, r2.updated) == (4, 4, 0)
    assert "LS9" in r2.notes[0]
    r2b = leads.import_leads(world["ctx"], world["tmp"] / "leads.csv")
    assert (r2b.new, r2b.updated) == (0, 4)
    rows = world["ctx"].db.run(lambda c: __import__("telco_console.repositories.base", fromlist=["x"]).fetch_all(
        c, "SELECT lead_id, phone FROM leads ORDER BY lead_id"))
    assert [r["phone"] for r in rows][:2] == [L1, L2]


def test_bad_rows_import_nothing(world):
    bad = world["tmp"] / "bad.csv"
    bad.write_text("lead id,name,phone\nX1,Al,+919876543210\nX2,,not-a-number\nX1,Dup,+919876543211\n")
    with pytest.raises(ValidationError) as err:
        leads.import_leads(world["ctx"], bad)
    msg = str(err.value)
    assert "nothing imported" in msg and "line 3" in msg and "appears twice" in msg
    assert leads.top_leads_report(world["ctx"], 5).rows == []
    missing = world["tmp"] / "nocol.csv"
    missing.write_text("id,name\n1,x\n")
    with pytest.raises(ValidationError, match="missing column"):
        leads.import_leads(world["ctx"], missing)


def test_top_leads_by_call_volume(world):
    _import(world)
    rep = leads.top_leads_report(world["ctx"], 5)
    got = [(r[0], r[5], r[6], r[7]) for r in rep.rows]
    # LD1: 3 calls (2 answered, 180 s); LD3 is our customer with 1 call of 90 s; LD2: 1 call of 30 s
    assert got == [("LD1", 3, 2, Decimal("3.0")), ("LD3", 1, 1, Decimal("1.5")), ("LD2", 1, 1, Decimal("0.5"))]
    assert len(leads.top_leads_report(world["ctx"], 1).rows) == 1


def test_listings_with_most_sms_inquiries(world):
    _import(world)
    rep = leads.listings_sms_report(world["ctx"], 10)
    got = [(r[0], r[5], r[6]) for r in rep.rows]
    # LS2 (lead LD2): 3 SMS, 2 of them from the lead; LS1 (LD1): 1 SMS to the lead
    assert got == [("LS2", 3, 2), ("LS1", 1, 0)]


def test_activity_summary_for_a_number(world):
    _import(world)
    rep = leads.activity_report(world["ctx"], A)
    values = dict(rep.rows)
    assert values["Calls"] == 2 and values["SMS"] == 3 and values["Leads contacted"] == 2
    assert values["Listings inquired"] == 2 and values["Call minutes"] == "3.0"
    lead_view = dict(leads.activity_report(world["ctx"], "+91 98765 43210").rows)
    assert lead_view["Customer"] == "not our customer"
    assert lead_view["Calls"] == 3 and lead_view["Calls received"] == 3 and lead_view["SMS"] == 1
    assert lead_view["Is a lead"] == "LD1" and lead_view["Listings inquired"] == 1
    with pytest.raises(ValidationError):
        leads.activity_report(world["ctx"], "12")


def test_roles(world, as_role):
    with pytest.raises(PermissionDenied):
        leads.top_leads_report(as_role("staff"), 5)
    assert leads.top_leads_report(as_role("analyst"), 5).rows == []


def test_run_command_and_cli(world, run_cli):
    from tests.helpers import make_user

    _import(world)
    rep = leads.run_command(world["ctx"], "show top 2 leads by call volume")
    assert [r[0] for r in rep.rows] == ["LD1", "LD3"]
    assert leads.run_command(world["ctx"], "help").rows[0][0] == "show top 5 leads by call volume"
    assert leads.run_command(world["ctx"], "quit") is None
    make_user(world["ctx"], "boss", "admin")
    code, out, err = run_cli("ask", "show listings with most sms inquiries", "--format", "csv",
                             user="boss", password="correct-horse-9")
    assert code == 0, err
    assert out.splitlines()[1].startswith("LS2,")
    code, out, err = run_cli("ask", "show", "me", "everything", user="boss", password="correct-horse-9")
    assert code == 1 and "unknown command" in err
    code, out, err = run_cli("leads", "import-listings", str(world["tmp"] / "listings.csv"),
                             user="boss", password="correct-horse-9")
    assert code == 0 and "0 new, 3 updated" in out


def test_menu_prompt_loop(world):
    import io

    from telco_console.reporting.output import Output
    from telco_console.ui.app import Console
    from telco_console.ui.menus import intelligence

    _import(world)
    out, err = io.StringIO(), io.StringIO()
    console = Console(world["ctx"], Output(out, err, colour=False))
    lines = iter(["help", "show top 5 leads by call volume", "frobnicate", "", "quit", "help"])
    intelligence.command_loop(console, read=lambda prompt: next(lines, None))
    text = out.getvalue()
    assert "Top 5 leads by call volume" in text and "LD1" in text
    assert "unknown command 'frobnicate'" in err.getvalue()
    assert next(lines) == "help"      # stopped at quit
    titles = [s.title for s in __import__("telco_console.ui.menus", fromlist=["x"]).sections_for("analyst")]
    assert "Customer intelligence" in titles
