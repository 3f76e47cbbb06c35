"""Enquiries: log, list open, answer, close with who and when; customers and regions scoped."""
from __future__ import annotations

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.repositories.base import fetch_value
from telco_console.services.billing import enquiries


def test_log_list_answer_close(ctx, as_role):
    make_plan(ctx)
    c = make_customer(ctx)
    e = enquiries.add(as_role("staff", username="care1"), c["msisdn"], "Roaming", "Why was I charged?")
    assert (e["status"], e["created_by"]) == ("open", "care1")
    assert len(enquiries.list_enquiries(ctx, "open").rows) == 1
    a = enquiries.answer(as_role("staff", username="care2"), e["id"], "It was a premium number.")
    assert (a["status"], a["answered_by"]) == ("answered", "care2") and a["answered_at"] is not None
    closed = enquiries.close(ctx, e["id"])
    assert (closed["status"], closed["closed_by"]) == ("closed", "system") and closed["closed_at"] is not None
    assert enquiries.list_enquiries(ctx).rows == []
    assert len(enquiries.list_enquiries(ctx, "closed").rows) == 1
    with pytest.raises(ValidationError, match="already closed"):
        enquiries.close(ctx, e["id"])
    with pytest.raises(ValidationError, match="is closed"):
        enquiries.answer(ctx, e["id"], "again")


def test_bad_input_and_scoping(ctx, as_role):
    make_plan(ctx)
    ann = make_customer(ctx)
    bob = make_customer(ctx, "+447911000002", name="Bob", region="South")
    with pytest.raises(ValidationError, match="subject is required"):
        enquiries.add(ctx, ann["msisdn"], " ", "x")
    with pytest.raises(ValidationError, match="not an enquiry number"):
        enquiries.answer(ctx, "abc", "x")
    with pytest.raises(NotFoundError):
        enquiries.close(ctx, 99)
    me = as_role("customer", customer_id=ann["id"])
    mine = enquiries.add(me, None, "Bill", "Too high")
    assert mine["customer_id"] == ann["id"]
    with pytest.raises(PermissionDenied):
        enquiries.add(me, bob["msisdn"], "x", "y")
    theirs = enquiries.add(ctx, bob["msisdn"], "Signal", "None at home")
    assert [r[0] for r in enquiries.list_enquiries(me).rows] == [mine["id"]]
    with pytest.raises(PermissionDenied):               # another number: refused (exit 4)
        enquiries.close(me, theirs["id"])
    with pytest.raises(PermissionDenied):
        enquiries.answer(me, mine["id"], "self answer")
    north = as_role("regional", region="North")
    assert [r[0] for r in enquiries.list_enquiries(north).rows] == [mine["id"]]
    with pytest.raises(PermissionDenied):
        enquiries.answer(north, theirs["id"], "x")


def test_cli(ctx, run_cli):
    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    c = make_customer(ctx)
    auth = dict(user="boss", password="correct-horse-9")
    code, out, err = run_cli("enquiry", "add", c["msisdn"], "--subject", "Data", "--body", "Slow", **auth)
    assert code == 0 and "logged enquiry #" in out, err
    eid = ctx.db.run(fetch_value, "SELECT id FROM enquiries")      # not always 1: ids step by 3 on Galera
    assert f"logged enquiry #{eid} " in out
    code, out, err = run_cli("enquiry", "list", **auth)
    assert code == 0 and "Slow" not in out and "Data" in out
    code, out, err = run_cli("enquiry", "answer", str(eid), "--text", "Mast repaired", **auth)
    assert code == 0 and f"answered enquiry #{eid} (boss" in out
    code, out, err = run_cli("enquiry", "close", str(eid), **auth)
    assert code == 0 and f"closed enquiry #{eid} (boss" in out
    code, out, err = run_cli("enquiry", "close", str(eid), **auth)
    assert code == 1 and "already closed" in err
