"""Delivery of bills and reminders: e-mail through SMTP when [mail] host is set (and the customer
has an e-mail address), the outbox directory ([billing] outbox) otherwise. Every attempt is
recorded in `deliveries` (what, channel, to whom, when, status)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from telco_console.repositories import bills as bills_repo
from telco_console.repositories import reminders as reminders_repo


def outbox_dir(ctx) -> Path:
    d = Path(ctx.config.get("billing", "outbox"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_outbox(ctx, name: str, recipient: str, subject: str, body: str) -> Path:
    path = outbox_dir(ctx) / name
    path.write_text(f"To: {recipient}\nSubject: {subject}\n\n{body}\n", encoding="utf-8")
    return path


def mail_configured(ctx) -> bool:
    return bool(ctx.config.get("mail", "host"))


def send_mail(ctx, recipient: str, subject: str, body: str) -> None:
    c = ctx.config
    msg = EmailMessage()
    msg["From"] = c.get("mail", "sender")
    msg["To"] = recipient
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(c.get("mail", "host"), c.get("mail", "port"), timeout=15) as smtp:
        if c.get("mail", "starttls"):
            smtp.starttls()
        if c.get("mail", "user"):
            smtp.login(c.get("mail", "user"), c.get("mail", "password"))
        smtp.send_message(msg)


def deliver(ctx, kind: str, ref_id: int, email: str | None, msisdn: str, subject: str, body: str,
            file_name: str, always_outbox: bool = False) -> tuple[tuple, Path | None]:
    """Send one document; returns (delivery row, outbox path or None)."""
    now = ctx.now()
    path = None
    if always_outbox:
        path = write_outbox(ctx, file_name, email or msisdn, subject, body)
    if mail_configured(ctx) and email:
        try:
            send_mail(ctx, email, subject, body)
            return (kind, ref_id, "mail", email, now, "sent", subject[:500]), path
        except (OSError, smtplib.SMTPException) as exc:
            failed = (kind, ref_id, "mail", email, now, "failed", str(exc)[:500])
            path = path or write_outbox(ctx, file_name, email, subject, body)
            return failed, path
    path = path or write_outbox(ctx, file_name, email or msisdn, subject, body)
    return (kind, ref_id, "outbox", email or msisdn, now, "written", str(path)[:500]), path


def bill_text(ctx, bill: dict, lines: list[dict]) -> str:
    cur = ctx.config.get("operator", "currency")
    out = [f"Bill {bill['bill_number']} for {bill['name']} ({bill['msisdn']}), period {bill['period']}",
           f"Issued {bill['issued_at']:%Y-%m-%d}, due {bill['due_date']}", ""]
    for ln in lines:
        out.append(f"{ln['line_no']:>2}. {ln['description']:<45} {ln['amount']:>10} {cur}")
    out += ["", f"Total {bill['total']} {cur}; credit applied {bill['credit_applied']}; "
                f"amount due {bill['amount_due']} {cur}"]
    return "\n".join(out)


def send_run_bills(ctx, run_id: int) -> int:
    """Deliver every bill of a run; returns how many."""
    ctx.check("bill.run")
    bills = ctx.db.run(bills_repo.bills_of_run, run_id)
    lines = ctx.db.run(bills_repo.lines_of_run, run_id)
    rows = []
    for b in bills:
        row, _ = deliver(ctx, "bill", b["id"], b["email"], b["msisdn"], f"Your bill {b['bill_number']}",
                         bill_text(ctx, b, lines.get(b["id"], [])), f"bill-{b['bill_number']}.txt")
        rows.append(row)
    ctx.db.run(reminders_repo.record_deliveries, rows)
    return len(rows)


def send_bill(ctx, number: str) -> dict:
    from telco_console.services.billing.statements import get_bill

    ctx.check("bill.send")
    b = get_bill(ctx, number)
    lines = ctx.db.run(bills_repo.lines, b["id"])
    row, _ = deliver(ctx, "bill", b["id"], b["email"], b["msisdn"], f"Your bill {b['bill_number']}",
                     bill_text(ctx, b, lines), f"bill-{b['bill_number']}.txt")
    ctx.db.run(reminders_repo.record_deliveries, [row])
    return dict(zip(("kind", "ref_id", "channel", "recipient", "sent_at", "status", "detail"), row))
