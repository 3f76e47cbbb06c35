"""The demo data's rate decks: one per demo plan, pricing national and mobile calls at the plan's own
peak and off-peak rates (covered by its included minutes) and international calls by zone of the
country code, with connection fees and stepped increments; `*any` is the rest of the world."""
from __future__ import annotations

from datetime import time
from decimal import Decimal

from telco_console.services.billing.decks import Entry, RateGroup

# zone -> (connection fee, peak rate, off-peak rate or None, first increment, next increment) per minute
ZONES = {
    "Europe": ("0.10", "0.2500", "0.1500", 30, 6),
    "North America": ("0.05", "0.1500", None, 60, 1),
    "Asia": ("0.15", "0.4500", None, 60, 1),
    "Africa": ("0.20", "0.6000", None, 60, 60),
    "Rest of world": ("0.25", "0.9000", None, 60, 60),
}
COUNTRY_ZONES = {"+33": "Europe", "+49": "Europe", "+34": "Europe", "+39": "Europe", "+48": "Europe",
                 "+353": "Europe", "+1": "North America", "+91": "Asia", "+92": "Asia", "+86": "Asia",
                 "+234": "Africa"}
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
WEEKEND = frozenset({6, 7})


def _groups(first: int, nxt: int, rate: Decimal) -> tuple:
    if first == nxt:
        return (RateGroup(0, rate, 60, first),)
    return (RateGroup(0, rate, 60, first), RateGroup(first, rate, 60, nxt))


def national_prefixes(region: str) -> tuple[str, str]:
    """('+44', '+447'): the region's country code, and its mobile numbers' leading digit after it."""
    import phonenumbers

    ex = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE) \
        or phonenumbers.example_number_for_type("GB", phonenumbers.PhoneNumberType.MOBILE)
    return f"+{ex.country_code}", f"+{ex.country_code}{str(ex.national_number)[0]}"


def demo_entries(plan: dict, region: str) -> list[Entry]:
    national, mobile = national_prefixes(region)
    inc = max(int(plan.get("increment_seconds", 60)), 1)
    peak, off = Decimal(str(plan["peak_rate"])), Decimal(str(plan["offpeak_rate"]))
    out = []
    for prefix, dest in ((national, "National"), (mobile, "Mobile")):
        for timing, days, start, rate in (("PEAK", WEEKDAYS, time(8), peak), ("EVENING", WEEKDAYS, time(20), off),
                                          ("NIGHT", WEEKDAYS, time(0), off), ("WEEKEND", WEEKEND, time(0), off)):
            out.append(Entry(prefix, dest, dest, dest, timing, weekdays=days, start=start,
                             groups=(RateGroup(0, rate, 60, inc),), covered=True))
    for prefix, zone in list(COUNTRY_ZONES.items()) + [("", "Rest of world")]:
        if prefix == national:
            continue
        fee, p, o, first, nxt = ZONES[zone]
        name = zone if prefix == "" else f"{zone} {prefix}"
        if o is None:
            out.append(Entry(prefix, name, zone, name, "ALWAYS", connect_fee=Decimal(fee),
                             groups=_groups(first, nxt, Decimal(p))))
        else:
            out.append(Entry(prefix, name, zone, name, "PEAK", weekdays=WEEKDAYS, start=time(8),
                             connect_fee=Decimal(fee), groups=_groups(first, nxt, Decimal(p))))
            for timing, days, start in (("EVENING", WEEKDAYS, time(20)), ("NIGHT", WEEKDAYS, time(0)),
                                        ("WEEKEND", WEEKEND, time(0))):
                out.append(Entry(prefix, name, zone, name, timing, weekdays=days, start=start,
                                 connect_fee=Decimal(fee), groups=_groups(first, nxt, Decimal(o))))
    return out


def ensure_demo_decks(ctx, plan_codes: list[str]) -> int:
    """A deck DEMO-<CODE> for each demo plan that has none, and the plan pointed at it. Returns the
    number of decks added."""
    from telco_console.repositories import plans as plans_repo
    from telco_console.repositories import rates as rates_repo
    from telco_console.services import plans as plans_service
    from telco_console.services.billing import rates

    added = 0
    for code in plan_codes:
        plan = ctx.db.run(plans_repo.by_code, code)
        if plan is None or plan.get("deck_id"):
            continue
        name = f"DEMO-{code}"
        if ctx.db.run(rates_repo.deck_by_name, name) is None:
            rates.import_entries(ctx, demo_entries(plan, ctx.region), name, "demo data")
            added += 1
        plans_service.edit_plan(ctx, code, deck=name)
    return added
