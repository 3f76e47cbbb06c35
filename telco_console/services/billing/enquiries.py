"""Customer enquiries: logged by care staff or by the customer, listed, answered and closed,
each step with who and when. Customers see and raise only their own; regional managers their region."""
from __future__ import annotations

from telco_console.errors import NotFoundError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import enquiries as repo
from telco_console.services.billing.statements import resolve_customer

STATUSES = ("open", "answered", "closed", "unclosed")


def _text(value: str | None, what: str, maximum: int) -> str:
    t = (value or "").strip()
    if not t:
        raise ValidationError(f"{what} is required")
    if len(t) > maximum:
        raise ValidationError(f"{what} is longer than {maximum} characters")
    if "\x00" in t:
        raise ValidationError(f"{what} must not contain a NUL character")
    return t


def parse_id(enquiry_id) -> int:
    """An enquiry number as typed ("12" or "#12"), for prompts and subcommands."""
    try:
        v = int(str(enquiry_id).strip().lstrip("#"))
    except ValueError:
        raise ValidationError(f"'{enquiry_id}' is not an enquiry number") from None
    if v < 1:
        raise ValidationError(f"'{enquiry_id}' is not an enquiry number")
    return v


def _check(ctx, e: dict | None, enquiry_id: int) -> dict:
    if not e:
        raise NotFoundError(f"no enquiry #{enquiry_id}")
    ctx.check_customer({"id": e["customer_id"], "region": e["region"]})
    return e


def add(ctx, msisdn: str | None, subject: str, body: str) -> dict:
    ctx.check("enquiry.add")
    subject = _text(subject, "the subject", 200)
    body = _text(body, "the enquiry", 5000)

    def do(conn):
        cust = resolve_customer(ctx, conn, msisdn)
        if cust is None:
            raise ValidationError("the customer's MSISDN is required")
        eid = repo.add(conn, cust["id"], subject, body, ctx.now(), ctx.user.username)
        ctx.audit(conn, "enquiry.add", cust["msisdn"], subject)
        return repo.by_id(conn, eid)

    return ctx.db.run(do)


def list_enquiries(ctx, status: str | None = "unclosed", msisdn: str | None = None) -> Report:
    ctx.check("enquiry.list")
    if status and status not in STATUSES:
        raise ValidationError(f"unknown status '{status}': use one of {', '.join(STATUSES)}")
    region = ctx.narrow_region(None)

    def do(conn):
        cust = resolve_customer(ctx, conn, msisdn)
        return repo.find(conn, status, region, cust["id"] if cust else None)

    rows = ctx.db.run(do)
    r = Report("Enquiries", [Column("No", "int"), Column("Opened", "datetime"), Column("MSISDN"),
                             Column("Customer"), Column("Subject"), Column("Status"), Column("By"),
                             Column("Answer"), Column("Answered", "datetime"), Column("Answered by"),
                             Column("Closed", "datetime"), Column("Closed by")],
               filters={"status": status, "customer": msisdn}, empty_message="no enquiries")
    for e in rows:
        r.rows.append([e["id"], e["created_at"], e["msisdn"], e["name"], e["subject"], e["status"], e["created_by"],
                       e["answer"] or "", e["answered_at"], e["answered_by"] or "", e["closed_at"],
                       e["closed_by"] or ""])
    return r


def answer(ctx, enquiry_id, text: str) -> dict:
    ctx.check("enquiry.answer")
    eid = parse_id(enquiry_id)
    text = _text(text, "the answer", 5000)

    def do(conn):
        e = _check(ctx, repo.by_id(conn, eid, for_update=True), eid)
        if e["status"] == "closed":
            raise ValidationError(f"enquiry #{eid} is closed")
        repo.answer(conn, eid, text, ctx.now(), ctx.user.username)
        ctx.audit(conn, "enquiry.answer", f"#{eid}")
        return repo.by_id(conn, eid)

    return ctx.db.run(do)


def close(ctx, enquiry_id) -> dict:
    ctx.check("enquiry.close")
    eid = parse_id(enquiry_id)

    def do(conn):
        e = _check(ctx, repo.by_id(conn, eid, for_update=True), eid)
        if e["status"] == "closed":
            raise ValidationError(f"enquiry #{eid} is already closed (by {e['closed_by']} at {e['closed_at']})")
        repo.close(conn, eid, ctx.now(), ctx.user.username)
        ctx.audit(conn, "enquiry.close", f"#{eid}")
        return repo.by_id(conn, eid)

    return ctx.db.run(do)
