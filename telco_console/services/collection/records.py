"""Records logged one at a time, by their short record number: show one, list today's, and undo
one the same day (staff their own, admins any), audited, with the rollups corrected in the same
transaction as the delete."""
from __future__ import annotations

from dataclasses import dataclass

from telco_console import permissions
from telco_console.context import AppContext
from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.errors import digits as _digits
from telco_console.reporting.report import Column, Report
from telco_console.repositories import manual_records

KIND_NAMES = {"call": "call", "sms": "SMS", "data": "data session"}
SHOWN = {  # per kind: (column, label) of the record shown by `log show`
    "call": [("direction", "Direction"), ("other_party", "Other party"), ("duration_s", "Duration (s)"),
             ("billsec", "Billable seconds"), ("disposition", "Disposition")],
    "sms": [("direction", "Direction"), ("other_party", "Other party"), ("length", "Length (characters)")],
    "data": [("ended_at", "End"), ("bytes_dl", "Downloaded (bytes)"), ("bytes_ul", "Uploaded (bytes)"),
             ("handset_type", "Handset")],
}


@dataclass(frozen=True)
class Undone:
    number: int
    kind: str
    msisdn: str
    started_at: object


def parse_number(text) -> int:
    t = str(text).strip().lstrip("#")
    if not _digits(t) or int(t) < 1:
        raise ValidationError(f"'{text}' is not a record number (a whole number such as 12)")
    return int(t)


def _entry(ctx: AppContext, conn, number: int, lock: bool = False) -> dict:
    entry = manual_records.get(conn, number, lock)
    if entry is None:
        raise NotFoundError(f"no logged record {number}")
    permissions.check_region(ctx.user, entry["region"])        # an account with a region: its own only
    return entry


def show(ctx: AppContext, number) -> Report:
    ctx.check("log.show")
    n = parse_number(number)

    def do(conn):
        entry = _entry(ctx, conn, n)
        return entry, manual_records.record(conn, entry)

    entry, rec = ctx.db.run(do)
    status = (f"undone by {entry['undone_by']} at {entry['undone_at']:%Y-%m-%d %H:%M}" if entry["undone_at"]
              else "stored")
    rows = [["Record number", str(n)], ["Kind", KIND_NAMES[entry["kind"]]],
            ["Customer", f"{entry['msisdn']} ({entry['name']})"],
            ["Start", f"{entry['started_at']:%Y-%m-%d %H:%M:%S}"]]
    if rec:
        rows += [[label, "" if rec[col] is None else f"{rec[col]:,}" if isinstance(rec[col], int)
                  and col not in ("duration_s", "billsec", "length") else str(rec[col])]
                 for col, label in SHOWN[entry["kind"]]]
    rows += [["Logged by", entry["logged_by"]], ["Logged at", f"{entry['logged_at']:%Y-%m-%d %H:%M:%S}"],
             ["Status", status]]
    return Report(f"Logged record {n}", [Column("Field"), Column("Value")], rows)


def todays(ctx: AppContext) -> Report:
    """The records logged today (a staff member's own; an admin's: everyone's)."""
    ctx.check("log.today")
    start = ctx.now().replace(hour=0, minute=0, second=0, microsecond=0)
    mine = ctx.user.username if ctx.user.role == "staff" else None
    rows = ctx.db.run(manual_records.recent, start, mine, region=ctx.narrow_region(None))
    return Report("Records logged today", [Column("Number", "int"), Column("Kind"), Column("MSISDN"), Column("Name"),
                                           Column("Start", "datetime"), Column("Logged by"), Column("Status")],
                  [[r["id"], KIND_NAMES[r["kind"]], r["msisdn"], r["name"], r["started_at"], r["logged_by"],
                    "undone" if r["undone_at"] else "stored"] for r in rows],
                  empty_message="no records logged today")


def undo(ctx: AppContext, number) -> Undone:
    """Remove a record logged today: staff may undo their own, admins anyone's; not once the
    customer's bill for that month exists. The delete, the rollup recount, the mark and the audit
    line are one transaction."""
    ctx.check("log.undo")
    n = parse_number(number)

    def do(conn):
        entry = _entry(ctx, conn, n, lock=True)
        now = ctx.now()
        if entry["undone_at"]:
            raise ValidationError(f"record {n} was already undone by {entry['undone_by']} "
                                  f"at {entry['undone_at']:%H:%M}")
        if entry["logged_at"].date() != now.date():
            raise ValidationError(f"record {n} was logged on {entry['logged_at']:%Y-%m-%d}: only records "
                                  "logged today can be undone")
        if ctx.user.role == "staff" and entry["logged_by"] != ctx.user.username:
            raise PermissionDenied(f"record {n} was logged by {entry['logged_by']}: staff undo their own "
                                   "records (an administrator can undo anyone's)")
        period = f"{entry['started_at']:%Y-%m}"
        if manual_records.billed_period(conn, entry["customer_id"], period):
            raise ValidationError(f"record {n} is on {entry['msisdn']}'s bill for {period}: "
                                  "adjust the bill instead")
        if manual_records.remove(conn, entry, ctx.user.username, now) != 1:
            raise NotFoundError(f"record {n} is no longer stored (its month may be archived)")
        ctx.audit(conn, "log.undo", entry["msisdn"],
                  f"record {n}: {entry['kind']} at {entry['started_at']:%Y-%m-%d %H:%M:%S}")
        return Undone(n, entry["kind"], entry["msisdn"], entry["started_at"])

    return ctx.db.run(do)
