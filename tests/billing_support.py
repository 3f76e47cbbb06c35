"""Helpers for the billing tests: usage rows written through repositories.usage."""
from __future__ import annotations

import itertools
from datetime import datetime

from telco_console.repositories import usage

_ref = itertools.count(1)


def add_calls(ctx, customer_id: int, calls: list[tuple], direction: str = "out", answered: int = 1) -> None:
    """calls: (started_at 'YYYY-MM-DD HH:MM:SS', billsec) pairs."""
    rows = []
    for when, billsec in calls:
        n = next(_ref)
        rows.append((customer_id, datetime.fromisoformat(when), direction, "+447700900000", billsec, billsec,
                     answered, "ANSWERED" if answered else "NO ANSWER", 0, "test", f"c{n}"))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=rows))


def add_sms(ctx, customer_id: int, count: int, when: str = "2026-10-05 10:00:00", direction: str = "out") -> None:
    rows = [(customer_id, datetime.fromisoformat(when), direction, "+447700900000", 20, 0, "test", f"s{next(_ref)}")
            for _ in range(count)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, sms=rows))


def add_data(ctx, customer_id: int, byte_counts: list[int], when: str = "2026-10-05 10:00:00") -> None:
    from telco_console.repositories.usage import DATA_COLS

    rows = []
    for b in byte_counts:
        row = dict.fromkeys(DATA_COLS)
        row.update(customer_id=customer_id, started_at=datetime.fromisoformat(when),
                   ended_at=datetime.fromisoformat(when), duration_ms=1000, bytes_dl=b, bytes_ul=0,
                   source="test", source_ref=f"d{next(_ref)}")
        rows.append(tuple(row[c] for c in DATA_COLS))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, data=rows))


def set_clock(ctx, when) -> None:
    """Make ctx.now() answer `when` (a datetime, or a date at noon): the services date bills,
    payments and reminders by the context's clock, and refuse dates ahead of it."""
    from datetime import date, time

    if not isinstance(when, datetime) and isinstance(when, date):
        when = datetime.combine(when, time(12))
    ctx.now = lambda: when
