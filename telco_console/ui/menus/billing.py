"""Billing: bill runs, bills, payments, adjustments, credits, reminders, statements and enquiries
(admin; a regional manager sees and acts within its region; customer care staff: enquiries)."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.timeutil import Period, parse_date
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _period(text):
    return str(Period.parse(text))


def _amount(console, negative=False):
    from telco_console.money import separator_of
    from telco_console.services.billing.payments import parse_amount

    minor = console.ctx.config.get("operator", "minor_unit")
    return lambda t: parse_amount(t, minor=minor, allow_negative=negative, separator=separator_of(console.ctx))


def _bill_number(console):
    from telco_console.services.billing import statements

    def parse(text):
        return statements.get_bill(console.ctx, text)["bill_number"]
    return parse


def bill_run(console) -> None:
    from telco_console.services.billing import billrun, delivery

    period = prompts.ask("Period (YYYY-MM):", _period)
    force = False
    if billrun.parse_period(period).first_day <= console.ctx.now().date() and \
            not billrun.has_ended(console.ctx, period):
        console.out.warning(f"{period} has not ended yet in {console.ctx.tz}: its bills would miss the rest "
                            "of the month's usage")
        if not prompts.confirm(f"Bill {period} anyway (a forced run)?"):
            return
        force = True
    preview = billrun.run(console.ctx, period, dry=True, force=force)
    console.show(preview.report())
    if not preview.bills:
        return
    skip = False
    if preview.unrated:
        skip = prompts.confirm(f"{len(preview.unrated)} calls have no rate in their plan's deck. Bill the rest"
                               " and leave those calls unbilled?")
        if not skip:
            console.out.warning("no bills created: add the missing rates, then run again")
            return
    if prompts.confirm(f"Create {preview.bills} bills for {period}?"):
        console.out.info("rating the period and creating the bills...")
        result = billrun.run(console.ctx, period, skip_unrated=skip, force=force)
        console.show(result.report())
        if result.bills and prompts.confirm("Deliver the new bills now (e-mail or outbox)?"):
            console.out.success(f"delivered {delivery.send_run_bills(console.ctx, result.run_id)} bills")


def list_bills(console) -> None:
    from telco_console.services.billing import statements

    period = prompts.ask("Period (YYYY-MM, optional):", _period, required=False)
    status = prompts.ask("Status (issued/partially_paid/paid/void/overdue, optional):",
                         lambda t: t.strip().lower() if t.strip().lower() in statements.STATUSES else
                         (_ for _ in ()).throw(ValidationError("issued, partially_paid, paid, void or overdue")),
                         required=False)
    customer = prompts.ask_customer(console, "Customer MSISDN (optional):", required=False)
    console.show(statements.list_bills(console.ctx, period, status, None, customer))


def show_bill(console) -> None:
    from telco_console.services.billing import statements

    number = prompts.ask("Bill number:", _bill_number(console))
    console.show(statements.invoice(console.ctx, number))


def record_payment(console) -> None:
    from telco_console.services.billing import payments, statements

    number = prompts.ask("Bill number:", _bill_number(console))
    bill = statements.get_bill(console.ctx, number)
    console.out.info(f"{bill['name']} ({bill['msisdn']}): amount due {bill['amount_due']}")
    amount = prompts.ask("Amount paid:", _amount(console))
    method = prompts.choose("Method", list(payments.METHODS))
    reference = prompts.ask("Reference:", lambda t: t.strip() if 0 < len(t.strip()) <= 80 else
                            (_ for _ in ()).throw(ValidationError("1 to 80 characters")))
    accept = False
    excess = payments.overpayment(console.ctx, number, amount)
    if excess > 0:
        accept = prompts.confirm(f"That is {excess} more than is due (this bill and any older unpaid ones). "
                                 f"Keep {excess} as a credit for the next bill?")
        if not accept:
            console.out.warning("payment not recorded")
            return
    r = payments.pay(console.ctx, number, amount, method, reference, accept_credit=accept)
    msg = f"recorded {r.amount} on {r.bill_number}: status {r.status}"
    msg += "".join(f"; {amount} settled older bill {number}" for number, amount in r.settled)
    console.out.success(msg + (f"; {r.credit} credited to the next bill" if r.credit else ""))


def adjust_bill(console) -> None:
    from telco_console.services.billing import payments

    number = prompts.ask("Bill number:", _bill_number(console))
    amount = prompts.ask("Adjustment (negative reduces the bill, tax included):", _amount(console, negative=True))
    reason = prompts.ask("Reason:")
    r = payments.adjust(console.ctx, number, amount, reason)
    console.out.success(f"added line {r['line_no']} to {r['bill_number']}: total {r['total']}")


def give_credit(console) -> None:
    from telco_console.services.billing import payments

    msisdn = prompts.ask_customer(console)
    amount = prompts.ask("Credit amount:", _amount(console))
    reason = prompts.ask("Reason:")
    r = payments.credit(console.ctx, msisdn, amount, reason)
    console.out.success(f"credited {r['amount']} to {r['msisdn']} (applied to the next bill)")


def send_reminders(console) -> None:
    from telco_console.services.billing import reminders

    as_of = prompts.ask("As of date (optional, default today):",
                        lambda t: reminders.as_of_date(console.ctx, parse_date(t, console.ctx.tz)), required=False)
    console.show(reminders.send_reminders(console.ctx, as_of))


def list_reminders(console) -> None:
    from telco_console.services.billing import reminders

    console.show(reminders.list_reminders(console.ctx))


def statement(console) -> None:
    from telco_console.services.billing import statements

    msisdn = prompts.ask_customer(console)
    console.show(statements.statement(console.ctx, msisdn))


def add_enquiry(console) -> None:
    from telco_console.services.billing import enquiries

    msisdn = prompts.ask_customer(console)
    subject = prompts.ask("Subject:")
    body = prompts.ask("Enquiry:")
    e = enquiries.add(console.ctx, msisdn, subject, body)
    console.out.success(f"logged enquiry #{e['id']}")


def open_enquiries(console) -> None:
    from telco_console.services.billing import enquiries

    console.show(enquiries.list_enquiries(console.ctx, "unclosed"))


def answer_enquiry(console) -> None:
    from telco_console.services.billing import enquiries

    eid = prompts.ask("Enquiry number:", enquiries.parse_id)
    text = prompts.ask("Answer:")
    e = enquiries.answer(console.ctx, eid, text)
    console.out.success(f"answered enquiry #{e['id']}")
    if prompts.confirm("Close it now?"):
        enquiries.close(console.ctx, eid)
        console.out.success(f"closed enquiry #{eid}")


def close_enquiry(console) -> None:
    from telco_console.services.billing import enquiries

    eid = prompts.ask("Enquiry number:", enquiries.parse_id)
    enquiries.close(console.ctx, eid)
    console.out.success(f"closed enquiry #{eid}")


def section() -> Section:
    # staff (customer care) see the enquiry items only
    return Section("Billing", ("admin", "regional", "staff"), [
        Item("Run the monthly bills", bill_run, action="bill.run"),
        Item("List bills", list_bills, action="bill.list"),
        Item("Show a bill (invoice)", show_bill, action="bill.show"),
        Item("Record a payment", record_payment, action="bill.pay"),
        Item("Adjust a bill", adjust_bill, action="bill.adjust"),
        Item("Give a credit", give_credit, action="bill.credit"),
        Item("Send reminders for overdue bills", send_reminders, action="bill.remind"),
        Item("List reminders", list_reminders, action="bill.reminders"),
        Item("Customer statement", statement, action="bill.statement"),
        Item("Log an enquiry", add_enquiry, action="enquiry.add"),
        Item("Open enquiries", open_enquiries, action="enquiry.list"),
        Item("Answer an enquiry", answer_enquiry, action="enquiry.answer"),
        Item("Close an enquiry", close_enquiry, action="enquiry.close"),
    ])
