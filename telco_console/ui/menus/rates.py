"""Rate decks (admin; quotes and look-ups also for analysts and customer care): import a deck CSV or a
CGRateS tariff plan folder, quote a call, look up a number, page through a deck, set a plan's deck."""
from __future__ import annotations

from pathlib import Path

from telco_console.errors import ValidationError
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _file(text):
    p = Path(text.strip()).expanduser()
    if not p.is_file():
        raise ValidationError(f"no file {p}")
    return str(p)


def _folder(text):
    p = Path(text.strip()).expanduser()
    if not p.is_dir():
        raise ValidationError(f"no folder {p}")
    return str(p)


def _deck_name(text):
    from telco_console.services.billing import rates

    return rates.check_deck_name(text)


def _effective(text):
    from telco_console.services.billing import rates

    return text.strip() if rates.parse_effective(text) else None


def import_csv(console) -> None:
    from telco_console.services.billing import rates

    path = prompts.ask("Deck CSV file:", _file)
    deck = prompts.ask("Deck name:", _deck_name)
    eff = prompts.ask("In force from (YYYY-MM-DD, optional):", _effective, required=False)
    console.out.info("importing...")
    console.show(rates.import_csv(console.ctx, path, deck, eff).report())


def import_cgrates(console) -> None:
    from telco_console.services.billing import rates

    folder = prompts.ask("CGRateS tariff plan folder:", _folder)
    deck = prompts.ask("Deck name:", _deck_name)
    plan = prompts.ask("Rating plan id (e.g. RP_RETAIL1):")
    allowance = prompts.ask("Destinations covered by the allowance (DEST_ID,..., optional):", required=False)
    eff = prompts.ask("In force from (YYYY-MM-DD, optional):", _effective, required=False)
    allow = [x for x in (allowance or "").split(",") if x.strip()]
    console.show(rates.import_cgrates(console.ctx, folder, deck, plan, allow, eff).report())


def quote(console) -> None:
    from telco_console.services.billing import rates

    plan = prompts.ask("Plan code:")
    number = prompts.ask("Number called:")
    at = prompts.ask("Call start (YYYY-MM-DD HH:MM:SS, local):", rates.parse_at)
    seconds = prompts.ask("Duration (seconds):", rates.parse_seconds)
    console.show(rates.quote(console.ctx, plan, number, at, seconds))


def lookup(console) -> None:
    from telco_console.services.billing import rates

    deck = prompts.ask("Deck name:", _deck_name)
    number = prompts.ask("Number:")
    at = prompts.ask("At (YYYY-MM-DD HH:MM:SS, optional, default now):", rates.parse_at, required=False)
    console.show(rates.lookup(console.ctx, number, deck, at))


def list_deck(console) -> None:
    from telco_console.services.billing import rates

    deck = prompts.ask("Deck name:", _deck_name)
    prefix = prompts.ask("Prefixes starting with (optional):", required=False)
    page = 1
    while True:
        report = rates.list_entries(console.ctx, deck, page, console.ctx.config.get("ui", "page_size"), prefix)
        console.show(report)
        current, pages = (int(x) for x in report.filters["page"].split(" of "))
        if current >= pages or not prompts.confirm("Next page?", default=True):
            return
        page += 1


def list_decks(console) -> None:
    from telco_console.services.billing import rates

    console.show(rates.list_decks(console.ctx))


def set_plan_deck(console) -> None:
    from telco_console.services import plans

    code = prompts.ask("Plan code:")
    deck = prompts.ask("Rate deck (a deck name, or 'none' for the plan's own peak/off-peak rates):")
    p = plans.edit_plan(console.ctx, code, deck=deck)
    console.show(plans.plan_report(console.ctx, p["code"]))


def section() -> Section:
    return Section("Rate decks", ("admin", "analyst", "staff"), [
        Item("Quote a call", quote, action="rates.quote"),
        Item("Look up a number", lookup, action="rates.lookup"),
        Item("Page through a deck", list_deck, action="rates.list"),
        Item("List decks and versions", list_decks, action="rates.decks"),
        Item("Import a deck CSV", import_csv, action="rates.import"),
        Item("Import a CGRateS tariff plan", import_cgrates, action="rates.import-cgrates"),
        Item("Set a plan's rate deck", set_plan_deck, action="plan.edit"),
    ])
