"""Unmatched records: kept with the reason, listed, re-processed once the customer exists."""
from __future__ import annotations

import pytest

from helpers import make_customer, make_plan
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories import rollups
from telco_console.services.collection import importer, unmatched


def test_reprocess_after_the_customers_are_added(ctx, real_data, as_role):
    make_plan(ctx)
    path = str(real_data / "asterisk" / "Master.csv")
    r = importer.import_file(ctx, "asterisk", path, region="RU")
    assert r.unmatched == 84 and r.inserted == 0
    report = unmatched.list_unmatched(ctx, kind="call", limit=10)
    assert len(report.rows) == 10 and "84 record(s)" in report.notes[0]
    assert "is a customer" in report.rows[0][6] and report.rows[0][4] == "+79265955154"
    first = unmatched.reprocess(as_role("staff"))
    assert (first.examined, first.matched, first.still_unmatched) == (84, 0, 84)
    make_customer(ctx, "+79265955154", name="Caller", region="Moscow", since="2010-01-01")
    done = unmatched.reprocess(ctx, chunk=10)
    assert done.examined == 84 and done.inserted == done.matched > 0
    assert done.matched + done.still_unmatched == 84
    assert ctx.db.run(rollups.differences) == []
    assert unmatched.reprocess(ctx).examined == done.still_unmatched
    processed = unmatched.list_unmatched(ctx, status="processed", limit=100)
    assert len(processed.rows) == done.matched
    # importing the file again now adds nothing: the matched calls are already there
    again = importer.import_file(ctx, "asterisk", path, region="RU")
    assert again.inserted == 0 and again.unmatched == 0


def test_checks_and_roles(ctx, as_role):
    with pytest.raises(ValidationError):
        unmatched.list_unmatched(ctx, status="lost")
    with pytest.raises(ValidationError):
        unmatched.list_unmatched(ctx, kind="fax")
    with pytest.raises(PermissionDenied):
        unmatched.list_unmatched(as_role("analyst"))
    with pytest.raises(PermissionDenied):
        unmatched.reprocess(as_role("customer"))
    assert unmatched.list_unmatched(ctx).rows == []
