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
from telco_console.errors import DatabaseError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import bills as bills_repo
from telco_console.services.billing.rating import money
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
    unrated: list | None = None       # calls left unbilled for want of a rate (--skip-unrated)

    def report(self) -> Report:
        title = f"Bill run {self.period}" + (" (dry run: nothing written)" if self.dry_run else "")
        r = Report(title, [Column("Bills", "int"), Column("First number"), Column("Last number"),
                           Column("Subtotal", "money"), Column("Tax", "money"), Column("Total", "money")])
        r.rows.append([self.bills, self.first_number, self.last_number, self.subtotal, self.tax, self.total])
        if not self.bills:
            r.notes.append("every billable customer already has a bill for this period" if not self.dry_run
                           else "no customer is waiting for a bill for this period")
        if self.unrated:
            from telco_console.services.billing import rates

            r.notes.append(f"{len(self.unrated)} calls have no rate in their plan's deck and "
                           + ("would stop the run (or stay unbilled with --skip-unrated)" if self.dry_run
                              else "stay unbilled until a rate exists"))
            r.sections.append(rates.unrated_report_from(self.unrated, f"Unrated calls {self.period}"))
        return r


def parse_period(text) -> Period:
    return text if isinstance(text, Period) else Period.parse(str(text))


def has_ended(ctx, period) -> bool:
    """Whether the period has ended in the operator's time zone."""
    return ctx.now() >= parse_period(period).end


def check_period(ctx, p: Period, force: bool = False) -> None:
    """Refuse a period that has not started, and one that has not ended in the operator's time
    zone unless forced (its bills would miss the rest of the month's usage)."""
    now = ctx.now()
    if p.first_day > now.date():
        raise ValidationError(f"period {p} has not started yet")
    if now < p.end and not force:
        raise ValidationError(f"period {p} has not ended yet ({ctx.tz} time {now:%Y-%m-%d %H:%M}): "
                              "bill it after it ends, or give --force")


def dry_run(ctx, period, force: bool = False) -> RunResult:
    """What a run would create now (customers not yet billed, with their late usage), without writing."""
    ctx.check("bill.run")
    p = parse_period(period)
    check_period(ctx, p, force)
    from telco_console.repositories import rates as rates_repo

    minor = ctx.config.get("operator", "minor_unit")
    tax_rate = ctx.config.get("billing", "tax_rate")

    def read(conn):
        bills_repo.set_work_memory(conn, ctx.config.get("billing", "work_memory_mb"))
        rows = rates_repo.rated_resolving(conn, lambda: bills_repo.rate(conn, p, minor, tax_rate, None, None, True),
                                          p.start, p.end)
        return rows, bills_repo.late_usage(conn, p, minor)
    rows, late = ctx.db.run(read)
    extra: dict[int, Decimal] = {}
    for r in late:
        extra[r["customer_id"]] = extra.get(r["customer_id"], Decimal(0)) + r["late_amount"]
    z = Decimal("0.00")
    subtotal = tax = total = z
    for r in rows:
        if extra.get(r["customer_id"]):
            sub = r["subtotal"] + extra[r["customer_id"]]
            t = money(sub * Decimal(str(tax_rate)), minor)
        else:
            sub, t = r["subtotal"], r["tax"]
        subtotal, tax, total = subtotal + sub, tax + t, total + sub + t
    unrated = _unrated(ctx, p) if any(r.get("unrated_n") for r in rows) else None
    return RunResult(str(p), True, len(rows), subtotal, tax, total, unrated=unrated)


def _unrated(ctx, p: Period, unbilled_only: bool = True) -> list[dict]:
    from telco_console.repositories import rates as rates_repo

    return ctx.db.run(rates_repo.unrated_calls, p.start, p.end, None, str(p) if unbilled_only else None)


def run(ctx, period, dry: bool = False, skip_unrated: bool = False, force: bool = False) -> RunResult:
    """Create the period's bills for every billable customer that has none (see docs/billing.md).
    A period that has not ended in the operator's time zone is refused unless `force`."""
    ctx.check("bill.run")
    p = parse_period(period)
    if dry:
        return dry_run(ctx, p, force)
    check_period(ctx, p, force)
    from telco_console.repositories import rates as rates_repo
    from telco_console.services.billing.rates import UnratedCalls

    attempt, resolved = 0, False
    while True:
        try:
            s, run_id, unrated_n = _run_once(ctx, p, skip_unrated, resolved)
            break
        except _Unresolved:
            # calls counted unrated may only lack their number's resolution (numbers not resolved
            # at ingest, a new deck version, a plan change): resolve the period's new numbers in a
            # transaction of their own (derived data), then rate again; what is still unrated is
            ctx.db.run(rates_repo.resolve_numbers, p.start, p.end)
            resolved = True
        except UnratedCalls as exc:
            calls = _unrated(ctx, p)
            raise UnratedCalls(f"bill run {p} stopped: {len(calls)} calls have no rate in their plan's deck"
                               f" (nothing written; add the rates, or run with --skip-unrated)", calls, str(p)) from exc
        except DatabaseError as exc:
            # a deadlock on the period row, a lock wait timeout, or a Galera certification conflict:
            # the other run has committed or will; run again (it then creates only what is missing)
            if exc.errno in RETRYABLE and attempt < 5:
                attempt += 1
                time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
                continue
            raise
    return RunResult(str(p), False, int(s["bills"]), s["subtotal"], s["tax"], s["total"], run_id,
                     s["first_number"], s["last_number"], _unrated(ctx, p, False) if unrated_n else None)


class _Unresolved(Exception):
    """The rating has calls counted unrated before the period's numbers were resolved."""


def _run_once(ctx, p: Period, skip_unrated: bool = False, resolved: bool = True) -> tuple[dict, int, int]:
    """One transaction: lock the period's row, rate and insert, commit. Unless `resolved`, calls counted
    unrated raise _Unresolved (nothing written) so that the caller resolves the numbers first."""
    minor = ctx.config.get("operator", "minor_unit")
    tax_rate = ctx.config.get("billing", "tax_rate")
    due_days = ctx.config.get("billing", "due_days")
    with ctx.db.connection() as conn:
        try:
            conn.rollback()
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.close()
            bills_repo.set_work_memory(conn, ctx.config.get("billing", "work_memory_mb"))
            now = ctx.now()
            bills_repo.lock_period(conn, str(p), now, LOCK_WAIT_S)
            run_id = bills_repo.start_run(conn, str(p), now, ctx.user.username)
            unrated = []

            def check(conn):
                from telco_console.services.billing.rates import UnratedCalls

                unrated.append(bills_repo.unrated_in_rating(conn))
                if unrated[0] and not resolved:
                    raise _Unresolved()
                if unrated[0] and not skip_unrated:
                    raise UnratedCalls("unrated calls", [], str(p))

            bills_repo.create_bills(conn, p, run_id, now, now.date() + timedelta(days=due_days), minor,
                                    tax_rate, ctx.user.username, check=check)
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
    return s, run_id, unrated[0] if unrated else 0
