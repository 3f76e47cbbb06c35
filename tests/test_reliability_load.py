"""A short load test (the long one is bench/load.py): 8 sessions at once logging, importing,
reporting and running bills; every acknowledged write is stored exactly once, no deadlock or
lock timeout reaches a session, no bill is duplicated."""
from __future__ import annotations

import pytest

from bench.load import has_billing, problems, run_load


@pytest.mark.load       # runs for a fixed 4 s with 8 sessions busy on both cores: not in make test-fast
def test_eight_sessions_at_once_lose_nothing_and_duplicate_nothing(config, clean_db):
    res = run_load(config, sessions=8, seconds=4, customers=12, batch=50)
    assert problems(res) == []
    st, v = res["stats"], res["verify"]
    assert set(st.ops) >= {"log", "import", "report"}          # every kind of session did work
    assert v["call"]["acked"] > 0 and v["sms"]["acked"] > 0 and v["data"]["acked"] > 0
    if has_billing():
        assert st.bill_runs >= 1 and v["bills"] == 12       # a second run creates nothing new
        assert st.bills_created == 12
