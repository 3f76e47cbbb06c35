"""My account (customer role): own plan, bills, payments, call details, usage, enquiries."""
from __future__ import annotations

from telco_console.timeutil import Period
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _period(text):
    return str(Period.parse(text))


def my_plan(console) -> None:
    from telco_console.services.billing import account

    console.show(account.my_plan(console.ctx))


def my_bills(console) -> None:
    from telco_console.services.billing import statements

    console.show(statements.list_bills(console.ctx))


def show_bill(console) -> None:
    from telco_console.services.billing import statements

    number = prompts.ask("Bill number:", lambda t: statements.get_bill(console.ctx, t)["bill_number"])
    console.show(statements.invoice(console.ctx, number))


def my_statement(console) -> None:
    from telco_console.services.billing import statements

    console.show(statements.statement(console.ctx))


def my_payments(console) -> None:
    from telco_console.services.billing import account

    console.show(account.my_payments(console.ctx))


def my_calls(console) -> None:
    from telco_console.services.billing import account

    period = prompts.ask("Period (YYYY-MM, Enter = this month):", _period, required=False)
    console.show(account.my_calls(console.ctx, period))


def my_usage(console) -> None:
    from telco_console.services.billing import account

    period = prompts.ask("Period (YYYY-MM, Enter = this month):", _period, required=False)
    console.show(account.my_usage(console.ctx, period))


def raise_enquiry(console) -> None:
    from telco_console.services.billing import enquiries

    subject = prompts.ask("Subject:")
    body = prompts.ask("Your question:")
    e = enquiries.add(console.ctx, None, subject, body)
    console.out.success(f"enquiry #{e['id']} sent; we will answer it here")


def my_enquiries(console) -> None:
    from telco_console.services.billing import enquiries

    console.show(enquiries.list_enquiries(console.ctx, None))


def section() -> Section:
    return Section("My account", ("customer",), [
        Item("My plan", my_plan, action="account.view"),
        Item("My bills", my_bills, action="bill.list"),
        Item("Show a bill", show_bill, action="bill.show"),
        Item("My statement (bills, payments, balance)", my_statement, action="bill.statement"),
        Item("My payments", my_payments, action="account.view"),
        Item("My calls", my_calls, action="account.view"),
        Item("My usage this period", my_usage, action="account.view"),
        Item("Raise an enquiry", raise_enquiry, action="enquiry.add"),
        Item("My enquiries", my_enquiries, action="enquiry.list"),
    ])
