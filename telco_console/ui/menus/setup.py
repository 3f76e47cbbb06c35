"""Set-up (admin): the settings in use and the demo data set."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def show_settings(console) -> None:
    from telco_console.services.settings import settings_report

    console.ctx.check("settings.show")
    console.show(settings_report(console.ctx.config))


def _whole(lo: int, hi: int, what: str):
    def parse(text: str) -> int:
        t = text.strip().replace(",", "").replace("_", "")
        if not _digits(t) or not lo <= int(t) <= hi:
            raise ValidationError(f"{what} is a whole number from {lo:,} to {hi:,}")
        return int(t)
    return parse


def load_demo(console) -> None:
    from telco_console.services import demo

    customers = prompts.ask("Customers:", _whole(1, demo.MAX_CUSTOMERS, "the number of customers"), default="1000")
    days = prompts.ask("Days of usage (ending yesterday):", _whole(1, demo.MAX_DAYS, "the number of days"),
                       default="30")
    seed = prompts.ask("Random seed (the same seed gives the same data):", _whole(0, 2 ** 32 - 1, "the seed"),
                       default="42")
    if not demo.database_is_empty(console.ctx):
        console.out.warning("customers exist already: the demo customers are added beside them")
    if not prompts.confirm(f"Load {customers:,} demo customers with {days} days of usage?", default=True):
        console.out.info("nothing loaded")
        return
    bar = None
    if console.ctx.progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=customers, unit="customer", desc="demo load", file=sys.stderr, leave=False)
    try:
        result = demo.load_demo(console.ctx, customers, days, seed, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    console.out.success(f"loaded {result.customers:,} customers, {result.calls:,} calls, {result.sms:,} SMS and "
                        f"{result.data:,} data sessions from {result.first_day} to {result.last_day}; "
                        f"{result.leads:,} leads on {result.listings:,} listings")
    if result.accounts:
        console.out.info("New accounts (the passwords are shown only this once: note them now):")
        for name, pw in result.accounts.items():
            console.out.info(f"  {name:<8} {pw}")


def section() -> Section:
    return Section("Set-up", ("admin",), [
        Item("Show the settings", show_settings, action="settings.show"),
        Item("Load demo data", load_demo, action="demo.load"),
    ])
