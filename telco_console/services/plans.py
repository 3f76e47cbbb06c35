"""Plans: add, edit, list and show tariffs, with the fields the rating rules need."""
from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal

from telco_console import money
from telco_console.context import AppContext
from telco_console.errors import DuplicateError, NotFoundError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import plans as plans_repo

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_money(text, what: str, places: int = 2, allow_zero: bool = True, separator: str = "point") -> Decimal:
    """A fee or rate: the one money parser (telco_console.money), zero or more, under 100,000,000."""
    return money.parse_money(text, what, places, allow_zero=allow_zero, separator=separator)


def parse_count(text, what: str, maximum: int = 10_000_000) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValidationError(f"{what} must be a whole number, not '{text}'") from None
    if not 0 <= value <= maximum:
        raise ValidationError(f"{what} must be between 0 and {maximum:,}")
    return value


def parse_peak_window(text: str) -> tuple[str, str, str]:
    """'Mon-Fri 08:00-20:00' (end exclusive) -> ('0,1,2,3,4', 08:00, 20:00)."""
    m = re.match(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$",
                 text if isinstance(text, str) else "")
    names = [d.lower() for d in DAY_NAMES]
    if not m or m.group(1).lower() not in names or (m.group(2) and m.group(2).lower() not in names):
        raise ValidationError("a peak window looks like 'Mon-Fri 08:00-20:00' (the end is exclusive)")
    a = names.index(m.group(1).lower())
    b = names.index(m.group(2).lower()) if m.group(2) else a
    if b < a:
        raise ValidationError("the peak days must run forwards, e.g. Mon-Fri")
    h1, m1, h2, m2 = (int(m.group(i)) for i in (3, 4, 5, 6))
    if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and 0 <= h2 <= 24 and 0 <= m2 <= 59) or (h2 == 24 and m2):
        raise ValidationError("peak hours must be times between 00:00 and 24:00")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValidationError("the peak window must end after it starts")
    return ",".join(str(d) for d in range(a, b + 1)), f"{h1:02d}:{m1:02d}:00", f"{h2:02d}:{m2:02d}:00"


def hhmm(value) -> str:
    """A TIME value (timedelta from the connector, time, or text) as HH:MM."""
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    h, m = str(value).split(":")[:2]
    return f"{int(h):02d}:{int(m):02d}"


def describe_peak(plan: dict) -> str:
    days = [int(d) for d in str(plan["peak_days"]).split(",") if d != ""]
    span = DAY_NAMES[days[0]] + (f"-{DAY_NAMES[days[-1]]}" if len(days) > 1 else "") if days else "never"

    return f"{span} {hhmm(plan['peak_start'])}-{hhmm(plan['peak_end'])}"


def validate_plan(values: dict, partial: bool = False, separator: str = "point") -> dict:
    """Check and convert plan fields; `partial` for edits (only the given fields)."""
    out: dict = {}
    required = ("code", "name", "monthly_fee", "included_minutes", "included_sms", "included_mb",
                "peak_rate", "offpeak_rate", "sms_rate", "mb_rate")
    for key in required:
        if not partial and values.get(key) in (None, ""):
            raise ValidationError(f"the plan's {key.replace('_', ' ')} is required")
    if values.get("code") not in (None, ""):
        code = str(values["code"]).strip().upper()
        if not CODE_RE.match(code):
            raise ValidationError("a plan code is 1-20 of A-Z, 0-9, '_' or '-' (e.g. BASIC10)")
        out["code"] = code
    if values.get("name") not in (None, ""):
        name = str(values["name"]).strip()
        if not 1 <= len(name) <= 100:
            raise ValidationError("a plan name is 1-100 characters")
        out["name"] = name
    if values.get("monthly_fee") not in (None, ""):
        out["monthly_fee"] = parse_money(values["monthly_fee"], "the monthly fee", separator=separator)
    for key, what in (("included_minutes", "included minutes"), ("included_sms", "included SMS"),
                      ("included_mb", "included MB")):
        if values.get(key) not in (None, ""):
            out[key] = parse_count(values[key], what)
    for key, what in (("peak_rate", "the peak rate"), ("offpeak_rate", "the off-peak rate"),
                      ("sms_rate", "the SMS rate"), ("mb_rate", "the MB rate")):
        if values.get(key) not in (None, ""):
            out[key] = parse_money(values[key], what, places=4, separator=separator)
    if values.get("increment_seconds") not in (None, ""):
        inc = parse_count(values["increment_seconds"], "the billing increment", 3600)
        if inc < 1:
            raise ValidationError("the billing increment must be at least 1 second")
        out["increment_seconds"] = inc
    if values.get("peak_window") not in (None, ""):
        out["peak_days"], out["peak_start"], out["peak_end"] = parse_peak_window(values["peak_window"])
    if "active" in values and values["active"] is not None:
        out["active"] = 1 if values["active"] else 0
    if values.get("deck") not in (None, ""):
        out["deck"] = str(values["deck"]).strip()
    return out


def _resolve_deck(conn, clean: dict) -> None:
    """clean['deck'] (a deck name, or 'none' to take a plan off its deck) -> clean['deck_id']."""
    from telco_console.repositories import rates as rates_repo

    if "deck" not in clean:
        return
    name = clean.pop("deck")
    if name.lower() == "none":
        clean["deck_id"] = None
        return
    deck = rates_repo.deck_by_name(conn, name)
    if not deck:
        raise NotFoundError(f"no rate deck named {name}")
    if not rates_repo.versions(conn, deck["id"]):
        raise ValidationError(f"deck {name} has no version yet: import one first")
    clean["deck_id"] = deck["id"]


def add_plan(ctx: AppContext, **values) -> dict:
    ctx.check("plan.add")
    clean = validate_plan(values, separator=money.separator_of(ctx))

    def do(conn):
        existing = plans_repo.by_code(conn, clean["code"])
        if existing:
            raise DuplicateError(f"a plan with code {clean['code']} exists already ({existing['name']})")
        _resolve_deck(conn, clean)
        pid = plans_repo.add(conn, clean)
        ctx.audit(conn, "plan.add", clean["code"])
        return plans_repo.by_id(conn, pid)

    return ctx.db.run(do)


def edit_plan(ctx: AppContext, code: str, **values) -> dict:
    ctx.check("plan.edit")
    values.pop("code", None)
    clean = validate_plan(values, partial=True, separator=money.separator_of(ctx))

    def do(conn):
        plan = plans_repo.by_code(conn, (code or "").strip().upper())
        if not plan:
            raise NotFoundError(f"no plan with code {code}")
        changed = ", ".join(sorted(clean))
        _resolve_deck(conn, clean)
        plans_repo.update(conn, plan["id"], clean)
        ctx.audit(conn, "plan.edit", plan["code"], changed)
        return plans_repo.by_id(conn, plan["id"]), plan["deck_id"]

    edited, deck_before = ctx.db.run(do)
    if edited["deck_id"] is not None and edited["deck_id"] != deck_before:
        # the calls of the periods not billed yet, on this plan, rated by its new deck (derived data,
        # after the change is committed: what is not done here the bill run does)
        from telco_console.repositories.rates import BEGINNING
        from telco_console.services.billing.rates import rerate

        rerate(ctx, BEGINNING, deck_id=edited["deck_id"])
    return edited


def get_plan(ctx: AppContext, code: str) -> dict:
    plan = ctx.db.run(plans_repo.by_code, (code or "").strip().upper())
    if not plan:
        raise NotFoundError(f"no plan with code {code}")
    return plan


def list_plans(ctx: AppContext) -> Report:
    ctx.check("plan.list")
    rows = ctx.db.run(plans_repo.list_plans)
    cur = ctx.config.get("operator", "currency")
    report = Report("Plans", [
        Column("Code"), Column("Name"), Column(f"Monthly fee ({cur})", "money"), Column("Minutes", "int"),
        Column("SMS", "int"), Column("MB", "int"), Column(f"Peak ({cur}/min)", "decimal", 4),
        Column(f"Off-peak ({cur}/min)", "decimal", 4), Column(f"SMS ({cur})", "decimal", 4),
        Column(f"MB ({cur})", "decimal", 4), Column("Increment (s)", "int"), Column("Peak window"),
        Column("Active"), Column("Customers", "int")])
    for p in rows:
        report.rows.append([p["code"], p["name"], p["monthly_fee"], p["included_minutes"], p["included_sms"],
                            p["included_mb"], p["peak_rate"], p["offpeak_rate"], p["sms_rate"], p["mb_rate"],
                            p["increment_seconds"], describe_peak(p), "yes" if p["active"] else "no",
                            p["customers"]])
    report.empty_message = "no plans yet: add one with `telco-console plan add`"
    return report


def plan_report(ctx: AppContext, code: str) -> Report:
    ctx.check("plan.show")
    p = get_plan(ctx, code)
    cur = ctx.config.get("operator", "currency")
    rows = [["Code", p["code"]], ["Name", p["name"]], [f"Monthly fee ({cur})", f"{p['monthly_fee']:,.2f}"],
            ["Included minutes", f"{p['included_minutes']:,}"], ["Included SMS", f"{p['included_sms']:,}"],
            ["Included MB", f"{p['included_mb']:,}"], [f"Peak rate ({cur}/min)", str(p["peak_rate"])],
            [f"Off-peak rate ({cur}/min)", str(p["offpeak_rate"])], [f"SMS rate ({cur})", str(p["sms_rate"])],
            [f"MB rate ({cur})", str(p["mb_rate"])], ["Billing increment (s)", str(p["increment_seconds"])],
            ["Peak window", describe_peak(p)], ["Rate deck", p.get("deck") or "none (peak/off-peak rates)"],
            ["Active", "yes" if p["active"] else "no"]]
    return Report(f"Plan {p['code']}", [Column("Field"), Column("Value")], rows)
