"""The monthly bill run: one bill per billable customer per period, numbered without gaps.

Set-based: the whole period is rated by one SQL statement into a temporary table, and bills and
lines are inserted from it with INSERT ... SELECT. Two runs of the same period are serialised by a
named lock (GET_LOCK, per database and period) held until the transaction has committed, so a run
started at the same moment waits, then finds every customer billed and creates nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from telco_console.errors import DatabaseUnavailable
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
    minor = ctx.config.get("operator", "minor_unit")
    tax_rate = ctx.config.get("billing", "tax_rate")
    due_days = ctx.config.get("billing", "due_days")
    with ctx.db.connection() as conn:
        lock = f"telco-billrun:{bills_repo.database_name(conn)}:{p}"[:64]
        if not bills_repo.get_lock(conn, lock, LOCK_WAIT_S):
            raise DatabaseUnavailable(f"another bill run for {p} has held the lock for {LOCK_WAIT_S} s")
        try:
            conn.commit()
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.close()
            try:
                now = ctx.now()
                run_id = bills_repo.start_run(conn, str(p), now, ctx.user.username)
                bills_repo.create_bills(conn, p, run_id, now, now.date() + timedelta(days=due_days), minor,
                                        tax_rate, ctx.user.username)
                bills_repo.apply_open_credits(conn, run_id, now)
                bills_repo.finish_run(conn, run_id, ctx.now())
                s = bills_repo.run_summary(conn, run_id)
                ctx.audit(conn, "bill.run", str(p), f"{s['bills']} bills, total {s['total']}")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            try:
                bills_repo.release_lock(conn, lock)
            except Exception:
                pass
    return RunResult(str(p), False, int(s["bills"]), s["subtotal"], s["tax"], s["total"], run_id,
                     s["first_number"], s["last_number"])
