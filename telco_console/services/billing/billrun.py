"""The monthly bill run: one bill per billable customer per period, numbered without gaps.

Set-based: the whole period is rated by one SQL statement into a temporary table, and bills and
lines are inserted from it with INSERT ... SELECT. Two runs of the same period are serialised by the
period's row in `bill_periods`, locked first and held until the transaction commits, so a run started
at the same moment waits, then finds every customer billed and creates nothing (on a Galera cluster the
loser's commit fails certification and it is run again)."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from telco_console.db.pool import RETRYABLE
from telco_console.errors import DatabaseError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import bills as bills_repo
from telco_console.timeutil import Period

LOCK_WAIT_S = 600


@dataclass
class RunResult:
    period: str
    dry_run: bool
    bills: int
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    run_id: int | None = None
    first_number: str = ""
    last_number: str = ""

    def report(self) -> Report:
        title = f"Bill run {self.period}" + (" (dry run: nothing written)" if self.dry_run else "")
        r = Report(title, [Column("Bills", "int"), Column("First number"), Column("Last number"),
                           Column("Subtotal", "money"), Column("Tax", "money"), Column("Total", "money")])
        r.rows.append([self.bills, self.first_number, self.last_number, self.subtotal, self.tax, self.total])
        if not self.bills:
            r.notes.append("every billable customer already has a bill for this period" if not self.dry_run
                           else "no customer is waiting for a bill for this period")
        return r


def parse_period(text) -> Period:
    return text if isinstance(text, Period) else Period.parse(str(text))


def dry_run(ctx, period) -> RunResult:
    """What a run would create now (customers not yet billed), without writing."""
    ctx.require("admin", action="run bills")
    p = parse_period(period)
    rows = ctx.db.run(bills_repo.rate, p, ctx.config.get("operator", "minor_unit"),
                      ctx.config.get("billing", "tax_rate"), None, None, True)
    z = Decimal("0.00")
    return RunResult(str(p), True, len(rows), sum((r["subtotal"] for r in rows), z),
                     sum((r["tax"] for r in rows), z), sum((r["total"] for r in rows), z))


def run(ctx, period, dry: bool = False) -> RunResult:
    """Create the period's bills for every billable customer that has none (see docs/billing.md)."""
    ctx.require("admin", action="run bills")
    p = parse_period(period)
    if dry:
        return dry_run(ctx, p)
    today = ctx.now().date()
    if p.first_day > today:
        from telco_console.errors import ValidationError

        raise ValidationError(f"period {p} has not started yet")
    attempt = 0
    while True:
        try:
            s, run_id = _run_once(ctx, p)
            break
        except DatabaseError as exc:
            # a deadlock on the period row, a lock wait timeout, or a Galera certification conflict:
            # the other run has committed or will; run again (it then creates only what is missing)
            if exc.errno in RETRYABLE and attempt < 5:
                attempt += 1
                time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
                continue
            raise
    return RunResult(str(p), False, int(s["bills"]), s["subtotal"], s["tax"], s["total"], run_id,
                     s["first_number"], s["last_number"])


def _run_once(ctx, p: Period) -> tuple[dict, int]:
    """One transaction: lock the period's row, rate and insert, commit."""
    minor = ctx.config.get("operator", "minor_unit")
    tax_rate = ctx.config.get("billing", "tax_rate")
    due_days = ctx.config.get("billing", "due_days")
    with ctx.db.connection() as conn:
        try:
            conn.rollback()
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.close()
            now = ctx.now()
            bills_repo.lock_period(conn, str(p), now, LOCK_WAIT_S)
            run_id = bills_repo.start_run(conn, str(p), now, ctx.user.username)
            bills_repo.create_bills(conn, p, run_id, now, now.date() + timedelta(days=due_days), minor,
                                    tax_rate, ctx.user.username)
            bills_repo.apply_open_credits(conn, run_id, now)
            bills_repo.finish_run(conn, run_id, ctx.now())
            s = bills_repo.run_summary(conn, run_id)
            ctx.audit(conn, "bill.run", str(p), f"{s['bills']} bills, total {s['total']}")
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            except Exception:
                pass
            raise
    return s, run_id
