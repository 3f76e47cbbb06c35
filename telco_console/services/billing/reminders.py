"""Reminders for overdue bills: levels from [billing] reminder_days (days past the due date),
one reminder per bill per level and never twice. A bill judged on a date reaches the highest
level whose day has come; only that level is sent (lower levels it skipped are not sent later).
Each reminder's text goes to a file in the outbox, and by e-mail too when [mail] is configured."""
from __future__ import annotations

from datetime import date, datetime

from telco_console.errors import DatabaseUnavailable, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import reminders as reminders_repo
from telco_console.services.billing import delivery
from telco_console.services.lease import Lease
from telco_console.timeutil import parse_date

LEASE_S = 120          # a run renews its lease while it delivers; a run that died frees it after this
LEASE_WAIT_S = 600     # how long a run waits for another one to finish
LEVEL_NAMES = {1: "first reminder", 2: "second reminder", 3: "final reminder"}


def level_name(level: int, levels: int) -> str:
    return "final reminder" if level == levels and levels > 1 else LEVEL_NAMES.get(level, f"reminder {level}")


def reminder_text(ctx, r: dict, levels: int) -> tuple[str, str]:
    cur = ctx.config.get("operator", "currency")
    subject = f"{level_name(r['level'], levels).capitalize()}: bill {r['bill_number']} is overdue"
    body = (f"Dear {r['name']},\n\nBill {r['bill_number']} for {r['period']} was due on {r['due_date']}. "
            f"As of {r['as_of']}, {r['amount_due']} {cur} is still unpaid.\n"
            f"Please pay it as soon as possible, quoting the bill number.\n\nThis is your "
            f"{level_name(r['level'], levels)}.\n")
    return subject, body


def as_of_date(ctx, as_of: str | date | None) -> date:
    """The day reminders are judged on: today by default, an earlier day (a run that was missed),
    never a later one: a reminder is never dated ahead of the clock."""
    today = ctx.now().date()
    day = as_of if isinstance(as_of, date) else (parse_date(as_of, ctx.tz) if as_of else today)
    if isinstance(day, datetime):
        day = day.date()
    if day > today:
        raise ValidationError(f"the as-of date {day} is in the future (today is {today} in {ctx.tz}): "
                              "reminders are never dated ahead of the clock")
    return day


def send_reminders(ctx, as_of: str | date | None = None) -> Report:
    """Create and deliver the reminders due on a date (today, or a day before); returns what was sent."""
    ctx.check("bill.remind")
    day = as_of_date(ctx, as_of)
    levels = ctx.config.get("billing", "reminder_days")
    # one reminder run at a time over the whole database (every node of a cluster), so that two at
    # once never write or mail the same reminder twice
    lease = Lease(ctx, "reminders", LEASE_S)
    lease.acquire(LEASE_WAIT_S, "reminder run")
    try:
        todo = _create_and_deliver(ctx, day, levels, lease)
    finally:
        try:
            lease.release()
        except DatabaseUnavailable:
            pass                   # the database went away: the lease expires by itself
    report = Report(f"Reminders sent as of {day}", [Column("Bill"), Column("MSISDN"), Column("Customer"),
                                                    Column("Level", "int"), Column("Due", "date"),
                                                    Column("Amount due", "money"), Column("Sent by"),
                                                    Column("File")],
                    empty_message="no reminders are due")
    for r in todo:
        report.rows.append([r["bill_number"], r["msisdn"], r["name"], r["level"], r["due_date"], r["amount_due"],
                            r["channel"], r["outbox_path"]])
    return report


def _create_and_deliver(ctx, day: date, levels: list[int], lease: Lease) -> list[dict]:
    ctx.db.run(reminders_repo.create_due, day, levels, ctx.now())
    todo = ctx.db.run(reminders_repo.unwritten)
    paths, deliveries, done, lost = [], [], [], False
    for r in todo:
        if not lease.keep():       # expired while delivering and taken by another run: stop here
            lost = True
            break
        subject, body = reminder_text(ctx, r, len(levels))
        row, path = delivery.deliver(ctx, "reminder", r["id"], r["email"], r["msisdn"], subject, body,
                                     f"reminder-{r['bill_number']}-level{r['level']}.txt", always_outbox=True)
        paths.append((str(path), r["id"]))
        deliveries.append(row)
        r["channel"] = row[2] if row[5] != "failed" else "outbox (mail failed)"
        r["outbox_path"] = str(path)
        done.append(r)

    def save(conn):
        reminders_repo.set_paths(conn, paths)
        reminders_repo.record_deliveries(conn, deliveries)
        if done:
            ctx.audit(conn, "bill.remind", str(day), f"{len(done)} reminders")

    ctx.db.run(save)
    if lost:
        raise DatabaseUnavailable(f"the reminder run lost its lease after {len(done)} of {len(todo)} reminders "
                                  "(those are recorded): run it again to send the rest")
    return done


def list_reminders(ctx, bill_number: str | None = None) -> Report:
    ctx.check("bill.reminders")
    region = ctx.narrow_region(None)
    if bill_number:
        from telco_console.services.billing.statements import get_bill

        get_bill(ctx, bill_number)              # refuses a bill of another region or number
    cid = ctx.user.customer_id if ctx.user.role == "customer" else None
    rows = ctx.db.run(reminders_repo.find, bill_number, region, cid)
    report = Report("Reminders", [Column("Sent", "datetime"), Column("Bill"), Column("MSISDN"), Column("Customer"),
                                  Column("Level", "int"), Column("As of", "date"), Column("Amount due", "money"),
                                  Column("File")], empty_message="no reminders")
    for r in rows:
        report.rows.append([r["created_at"], r["bill_number"], r["msisdn"], r["name"], r["level"], r["as_of"],
                            r["amount_due"], r["outbox_path"] or ""])
    return report
