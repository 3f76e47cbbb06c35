"""Administration: customers, plans, accounts, regions and the audit log (admins; regional managers
and admins of a region for their region; each item as the permission matrix allows)."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits
from telco_console.phone import normalise_msisdn
from telco_console.services.collection import fields as F
from telco_console.timeutil import parse_date
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _msisdn(console):
    region = console.ctx.region
    return lambda t: normalise_msisdn(t, region)


def add_customer(console) -> None:
    from telco_console.services import customers, plans

    ctx = console.ctx
    msisdn = prompts.ask("MSISDN (phone number):", _msisdn(console))
    name = prompts.ask("Name:", F.customer_name)
    codes = [r[0] for r in plans.list_plans(ctx).rows]
    if not codes:
        raise ValidationError("there are no plans yet: add one first")
    plan = prompts.choose("Plan", codes)
    region = prompts.ask("Region (optional):", F.region_name, required=False)
    handset = prompts.ask("Handset (optional):", F.handset, required=False)
    email = prompts.ask("E-mail (optional):", F.email, required=False)
    since = prompts.ask("Customer since (optional, default today):",
                        lambda t: parse_date(t, ctx.tz), required=False)
    c = customers.add_customer(ctx, msisdn, name, plan, region, handset, since, email)
    console.out.success(f"added customer #{c['id']} {c['msisdn']} ({c['name']}), customer since {c['created_on']}")


def list_customers(console) -> None:
    from telco_console.services import customers

    search = prompts.ask("Search name or number (optional):", required=False)
    status = prompts.ask("Status (active/suspended/closed, optional):",
                         lambda t: t.strip().lower() if t.strip().lower() in customers.STATUSES else
                         (_ for _ in ()).throw(ValidationError("active, suspended or closed")), required=False)
    region = None
    if console.user.scope_region is None:
        region = prompts.ask("Region (optional):", required=False)
    page = 1
    while True:
        result = customers.list_customers(console.ctx, search, region, status, page=page)
        console.show(result.report)
        if result.pages <= 1:
            return
        nav = prompts.ask("n = next page, p = previous, a page number, Enter = done:", required=False)
        if not nav:
            return
        if nav.lower() == "n":
            page = min(result.pages, page + 1)
        elif nav.lower() == "p":
            page = max(1, page - 1)
        elif _digits(nav) and 1 <= int(nav) <= result.pages:
            page = int(nav)
        else:
            console.out.warning(f"type n, p or a number from 1 to {result.pages}")


def show_customer(console) -> None:
    from telco_console.services import customers

    msisdn = prompts.ask_customer(console, "MSISDN:")
    console.show(customers.customer_report(console.ctx, msisdn))


def edit_customer(console) -> None:
    from telco_console.services import customers

    msisdn = prompts.ask_customer(console, "MSISDN:")
    current = customers.get_customer(console.ctx, msisdn)
    console.show(customers.customer_report(console.ctx, msisdn))
    if current["status"] == "closed":           # only its dates can be corrected
        since = prompts.ask("Customer since (YYYY-MM-DD):", lambda t: parse_date(t, console.ctx.tz),
                            default=str(current["created_on"]))
        closed = prompts.ask("Closed on (YYYY-MM-DD):", lambda t: _closing_date(console, t),
                             default=str(current["closed_on"]))
        c = customers.edit_customer(console.ctx, msisdn, since=since, closed_on=closed)
        console.out.success(f"saved {c['msisdn']}, customer from {c['created_on']} to {c['closed_on']}")
        return
    name = prompts.ask("Name:", F.customer_name, default=current["name"])
    region = prompts.ask("Region:", F.region_name, default=current["region"], required=False)
    plan = prompts.ask("Plan code:", default=current["plan_code"])
    plan_from = None
    if plan.strip().upper() != current["plan_code"]:
        plan_from = prompts.ask("New plan from (YYYY-MM-DD; empty = the first day not billed yet):",
                                lambda t: _plan_change_date(console, t), required=False) or None
    handset = prompts.ask("Handset (- for none):", lambda t: None if t.strip() == "-" else F.handset(t),
                          default=current["handset"] or "", required=False)
    email = prompts.ask("E-mail (- for none):", lambda t: None if t.strip() == "-" else F.email(t),
                        default=current.get("email") or "", required=False)
    status = prompts.choose("Status", ["active", "suspended"],
                            default=current["status"] if current["status"] != "closed" else "active")
    since = prompts.ask("Customer since (YYYY-MM-DD):", lambda t: parse_date(t, console.ctx.tz),
                        default=str(current["created_on"]))
    c = customers.edit_customer(console.ctx, msisdn, name=name, region=region or "", plan=plan,
                                handset=handset or "", email=email or "", status=status, since=since,
                                plan_from=plan_from)
    console.out.success(f"saved {c['msisdn']}, customer since {c['created_on']}, on plan {c['plan_code']}")


def _plan_change_date(console, text: str):
    d = parse_date(text, console.ctx.tz)
    if d > console.ctx.now().date():
        raise ValidationError(f"{d:%Y-%m-%d} is in the future: change the plan on that day instead")
    return d


def _closing_date(console, text: str):
    d = parse_date(text, console.ctx.tz)
    if d > console.ctx.now().date():
        raise ValidationError(f"{d:%Y-%m-%d} is in the future: close the customer on that day instead")
    return d


def close_customer(console) -> None:
    from telco_console.services import customers

    msisdn = prompts.ask_customer(console, "MSISDN:")
    cust = customers.get_customer(console.ctx, msisdn)
    on = prompts.ask("Closing date (today or earlier; default today):",
                     lambda t: _closing_date(console, t), required=False)
    when = f" on {on}" if on else " today"
    if prompts.confirm(f"Close {cust['msisdn']} ({cust['name']}){when}?"):
        c = customers.close_customer(console.ctx, msisdn, on)
        console.out.success(f"closed {c['msisdn']} on {c['closed_on']}")


def _plan_values(console, current: dict | None = None) -> dict:
    from telco_console.services import plans

    cur = current or {}

    def money(places):
        from telco_console.money import separator_of

        return lambda t: plans.parse_money(t, "the amount", places, separator=separator_of(console.ctx))

    def count(t):
        return plans.parse_count(t, "the number")

    d = lambda k, dv="": str(cur.get(k, dv))  # noqa: E731
    sep = "," if console.ctx.config.get("operator", "decimal_separator") == "comma" else "."
    dm = lambda k: d(k).replace(".", sep)  # noqa: E731  (a current amount as the operator types it)
    values = dict(
        name=prompts.ask("Name:", default=d("name")),
        monthly_fee=prompts.ask("Monthly fee:", money(2), default=dm("monthly_fee")),
        included_minutes=prompts.ask("Included minutes:", count, default=d("included_minutes", "0")),
        included_sms=prompts.ask("Included SMS:", count, default=d("included_sms", "0")),
        included_mb=prompts.ask("Included MB:", count, default=d("included_mb", "0")),
        peak_rate=prompts.ask("Peak rate per minute:", money(4), default=dm("peak_rate")),
        offpeak_rate=prompts.ask("Off-peak rate per minute:", money(4), default=dm("offpeak_rate")),
        sms_rate=prompts.ask("Rate per SMS:", money(4), default=dm("sms_rate")),
        mb_rate=prompts.ask("Rate per MB:", money(4), default=dm("mb_rate")),
        increment_seconds=prompts.ask("Billing increment (seconds):", count, default=d("increment_seconds", "60")),
        peak_window=prompts.ask("Peak window:", plans.parse_peak_window,
                                default=plans.describe_peak(cur) if cur else "Mon-Fri 08:00-20:00"),
    )
    if values["peak_window"]:
        days, start, end = values["peak_window"]
        names = plans.DAY_NAMES
        ds = [int(x) for x in days.split(",")]
        values["peak_window"] = f"{names[ds[0]]}-{names[ds[-1]]} {start[:5]}-{end[:5]}"
    return values


def add_plan(console) -> None:
    from telco_console.services import plans

    code = prompts.ask("Plan code (e.g. BASIC10):", lambda t: plans.validate_plan({"code": t}, partial=True)["code"])
    p = plans.add_plan(console.ctx, code=code, **_plan_values(console))
    console.show(plans.plan_report(console.ctx, p["code"]))
    console.out.success(f"added plan {p['code']}")


def edit_plan(console) -> None:
    from telco_console.services import plans

    code = prompts.ask("Plan code:")
    current = plans.get_plan(console.ctx, code)
    p = plans.edit_plan(console.ctx, code, **_plan_values(console, current))
    console.show(plans.plan_report(console.ctx, p["code"]))
    console.out.success(f"saved plan {p['code']}")


def list_plans(console) -> None:
    from telco_console.services import plans

    console.show(plans.list_plans(console.ctx))


def _manageable_roles(user) -> list[str]:
    from telco_console.permissions import MANAGES, Role

    if str(user.role) == Role.REGIONAL.value:
        kind = "regional manager"
    else:
        kind = "admin of a region" if user.scope_region else "operator-wide admin"
    return [r.value for r in MANAGES[kind]]


def add_user(console) -> None:
    from telco_console.services import auth

    name = prompts.ask("Username:", auth.validate_username)
    role = prompts.choose("Role", _manageable_roles(console.user))
    region = msisdn = None
    new_region = False
    own = console.user.scope_region
    if role == "customer":
        msisdn = prompts.ask_customer(console, "Customer's MSISDN:")
    elif own is not None:
        console.out.info(f"the account will be of region {own}")
    else:
        region = prompts.ask("Region (required for a regional manager; optional, Enter for operator-wide):",
                             required=role == "regional")
        if region and not auth.region_exists(console.ctx, region):
            new_region = prompts.confirm(f"There is no region '{region}' yet. Declare it?")
            if not new_region:
                raise ValidationError(f"there is no region '{region}': check the spelling")
    password = prompts.ask_new_password(name)
    u = auth.add_user(console.ctx, name, password, role, region, msisdn, new_region=new_region)
    console.out.success(f"added {u.role} account {u.username}" + (f" of region {u.region}" if u.region else ""))


def list_regions(console) -> None:
    from telco_console.services import auth

    console.show(auth.regions_report(console.ctx))


def add_region(console) -> None:
    from telco_console.services import auth

    name = prompts.ask("Region name:", lambda t: t.strip() if 1 <= len(t.strip()) <= 60 else
                       (_ for _ in ()).throw(ValidationError("a region is 1 to 60 characters")))
    console.out.success(f"declared the region {auth.add_region(console.ctx, name)}")


def list_users(console) -> None:
    from telco_console.reporting.report import Column, Report
    from telco_console.services import auth

    rows = auth.list_users(console.ctx)
    report = Report("Accounts", [Column("Username"), Column("Role"), Column("Region"), Column("MSISDN"),
                                 Column("Active"), Column("Failed logins", "int"), Column("Last login")])
    for r in rows:
        report.rows.append([r["username"], r["role"], r["region"] or "", r["msisdn"] or "",
                            "yes" if r["active"] else "no", r["failed_attempts"], str(r["last_login_at"] or "")])
    console.show(report)


def disable_user(console) -> None:
    from telco_console.services import auth

    name = prompts.ask("Username:", auth.validate_username)
    enable = prompts.choose("Action", ["disable", "enable"]) == "enable"
    auth.set_active(console.ctx, name, enable)
    console.out.success(f"{'enabled' if enable else 'disabled'} {name}")


def audit_log(console) -> None:
    from telco_console.services import audit

    console.show(audit.recent_report(console.ctx, limit=50))


def section() -> Section:
    return Section("Administration", ("admin", "regional"), [
        Item("Add a customer", add_customer, action="customer.add"),
        Item("Find / list customers", list_customers, action="customer.list"),
        Item("Show a customer", show_customer, action="customer.show"),
        Item("Edit a customer", edit_customer, action="customer.edit"),
        Item("Close a customer", close_customer, action="customer.close"),
        Item("List plans", list_plans, action="plan.list"),
        Item("Add a plan", add_plan, action="plan.add"),
        Item("Edit a plan", edit_plan, action="plan.edit"),
        Item("Add an account", add_user, action="user.add"),
        Item("List accounts", list_users, action="user.list"),
        Item("Disable or enable an account", disable_user, action="user.disable"),
        Item("List regions", list_regions, action="region.list"),
        Item("Declare a region", add_region, action="region.add"),
        Item("Audit log", audit_log, action="audit.read"),
    ])
