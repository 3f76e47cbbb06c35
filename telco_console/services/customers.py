"""Customers: add, edit, find, list (paged, filterable), show and close subscribers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from telco_console.context import AppContext
from telco_console.errors import DuplicateError, NotFoundError, ValidationError
from telco_console.phone import normalise_msisdn, search_digits, try_normalise
from telco_console.reporting.report import Column, Report
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import plans as plans_repo
from telco_console.services.collection import fields as F
from telco_console.timeutil import parse_date

STATUSES = ("active", "suspended", "closed")


def scope_region(ctx: AppContext, region: str | None) -> str | None:
    """An account limited to a region sees that region only."""
    return ctx.narrow_region(region)


def add_customer(ctx: AppContext, msisdn: str, name: str, plan: str, region: str | None = None,
                 handset: str | None = None, since: str | date | None = None, email: str | None = None) -> dict:
    ctx.check("customer.add")
    number = F.msisdn(msisdn, ctx.region)
    name = F.customer_name(name)
    region = F.region_name(region)
    if ctx.user.scope_region is not None:               # an admin of a region adds to its region only
        region = ctx.narrow_region(region)
    handset = F.handset(handset)
    email = F.email(email)
    if isinstance(since, date):
        created_on = since
    elif since:
        created_on = parse_date(since, ctx.tz)
    else:
        created_on = ctx.now().date()
    if created_on > ctx.now().date():
        raise ValidationError("the start date is in the future")

    def do(conn):
        existing = customers_repo.by_msisdn(conn, number)
        if existing:
            raise DuplicateError(f"{number} is already customer #{existing['id']} ({existing['name']}, "
                                 f"{existing['status']})")
        p = plans_repo.by_code(conn, (plan or "").strip().upper())
        if not p:
            raise NotFoundError(f"no plan with code {plan}")
        if not p["active"]:
            raise ValidationError(f"plan {p['code']} is withdrawn and takes no new customers")
        cid = customers_repo.add(conn, number, name, p["id"], region, handset, created_on, email)
        customers_repo.start_history(conn, cid, p["id"], created_on, ctx.user.username)
        ctx.audit(conn, "customer.add", number)
        return customers_repo.by_id(conn, cid)

    return ctx.db.run(do)


def get_customer(ctx: AppContext, msisdn: str) -> dict:
    ctx.check("customer.show")
    number = normalise_msisdn(msisdn, ctx.region)
    cust = ctx.db.run(customers_repo.by_msisdn, number)
    if not cust:
        raise NotFoundError(f"no customer with number {number}")
    check_can_see(ctx, cust)
    return cust


def check_can_see(ctx: AppContext, cust: dict) -> None:
    ctx.check_customer(cust)


def edit_customer(ctx: AppContext, msisdn: str, **values) -> dict:
    ctx.check("customer.edit")
    number = normalise_msisdn(msisdn, ctx.region)
    clean: dict = {}
    if values.get("name") is not None:
        clean["name"] = F.customer_name(values["name"])
    if values.get("region") is not None:
        clean["region"] = F.region_name(values["region"])
    if values.get("handset") is not None:
        clean["handset"] = F.handset(values["handset"])
    if values.get("email") is not None:
        clean["email"] = F.email(values["email"])
    if values.get("status") is not None:
        if values["status"] not in ("active", "suspended"):
            raise ValidationError("status can be set to active or suspended (use close to close)")
        clean["status"] = values["status"]
    today = ctx.now().date()
    dates: dict = {}
    for key, col in (("since", "created_on"), ("closed_on", "closed_on")):
        if values.get(key) is not None:
            v = values[key]
            dates[col] = v if isinstance(v, date) else parse_date(v, ctx.tz)
            if dates[col] > today:
                raise ValidationError(f"the {'start' if key == 'since' else 'closing'} date "
                                      f"{dates[col]:%Y-%m-%d} is in the future")

    plan_from = values.get("plan_from")
    if plan_from is not None:
        if not values.get("plan"):
            raise ValidationError("--from needs --plan: the plan the customer moves to from that day")
        plan_from = plan_from if isinstance(plan_from, date) else parse_date(plan_from, ctx.tz)
        if plan_from > today:
            raise ValidationError(f"the plan change date {plan_from:%Y-%m-%d} is in the future: make the "
                                  "change on that day (or later) instead")

    def do(conn):
        cust = customers_repo.by_msisdn(conn, number)
        if not cust:
            raise NotFoundError(f"no customer with number {number}")
        ctx.check_customer(cust)
        if "region" in clean and ctx.user.scope_region is not None:
            clean["region"] = ctx.narrow_region(clean["region"])     # never moved out of the region
        if "closed_on" in dates and cust["status"] != "closed":
            raise ValidationError(f"{number} is not closed: use close to close it")
        if cust["status"] == "closed" and (set(clean) - {"created_on", "closed_on"} or values.get("plan")):
            raise ValidationError(f"{number} is closed: only its start and closing dates can be corrected")
        if dates:
            since = dates.get("created_on", cust["created_on"])
            closed = dates.get("closed_on", cust["closed_on"])
            if closed is not None and closed < since:
                raise ValidationError(f"the closing date {closed:%Y-%m-%d} is before the start date "
                                      f"{since:%Y-%m-%d}")
            clean.update(dates)
        history = customers_repo.plan_history(conn, cust["id"])
        if "created_on" in dates and len(history) > 1 and dates["created_on"] >= history[1]["valid_from"]:
            raise ValidationError(f"the start date {dates['created_on']:%Y-%m-%d} is after the plan change of "
                                  f"{history[1]['valid_from']:%Y-%m-%d}")
        change = None
        if values.get("plan"):
            p = plans_repo.by_code(conn, values["plan"].strip().upper())
            if not p:
                raise NotFoundError(f"no plan with code {values['plan']}")
            if plan_from is not None or p["id"] != cust["plan_id"]:      # the same plan again: no change
                change = _plan_change_day(conn, cust, dates.get("created_on", cust["created_on"]), plan_from)
        customers_repo.update(conn, cust["id"], clean)
        if "created_on" in dates:
            customers_repo.move_history_start(conn, cust["id"], dates["created_on"])
        if change is not None:
            customers_repo.set_plan_from(conn, cust["id"], p["id"], change, dates.get("created_on", cust["created_on"]),
                                         cust["plan_id"], ctx.user.username)
            clean["plan_id"] = p["id"]
        ctx.audit(conn, "customer.edit", number, ", ".join(sorted(clean)))
        return customers_repo.by_id(conn, cust["id"]), change

    customer, change = ctx.db.run(do)
    if change is not None:
        # the customer's calls from the change on, rated by the new plan's deck where it has one
        # (derived data, after the change is committed: what is not done here the bill run does)
        from telco_console.services.billing.rates import rerate

        rerate(ctx, datetime.combine(change, time()), customers=[customer["id"]])
    return customer


def _plan_change_day(conn, cust: dict, created_on: date, plan_from: date | None) -> date:
    """The day a plan change takes effect: plan_from, or else the first day not billed yet (the
    start of the month after the last bill, or the day the customer joined). A change dated in a
    month already billed is refused: its bill is issued and is never re-priced."""
    from telco_console.timeutil import Period

    last = customers_repo.last_billed_period(conn, cust["id"])
    first_open = created_on
    if last:
        first_open = max(created_on, Period.parse(last).next().first_day)
    if plan_from is None:
        return first_open
    if plan_from < created_on:
        raise ValidationError(f"the plan change date {plan_from:%Y-%m-%d} is before the customer joined "
                              f"({created_on:%Y-%m-%d})")
    if last and plan_from < first_open:
        raise ValidationError(f"{plan_from:%Y-%m} is billed already for {cust['msisdn']} (last bill {last}): "
                              f"a plan change can start on {first_open:%Y-%m-%d} at the earliest")
    return plan_from


def close_customer(ctx: AppContext, msisdn: str, on: str | date | None = None) -> dict:
    ctx.check("customer.close")
    number = normalise_msisdn(msisdn, ctx.region)
    today = ctx.now().date()
    closed_on = on if isinstance(on, date) else (parse_date(on, ctx.tz) if on else today)
    if closed_on > today:
        # a closure takes effect when it is made: one that only starts later would leave the
        # customer open and billable until then (decision 31)
        raise ValidationError(f"the closing date {closed_on:%Y-%m-%d} is in the future: close the "
                              "customer on that day (or later) instead")

    def do(conn):
        cust = customers_repo.by_msisdn(conn, number)
        if not cust:
            raise NotFoundError(f"no customer with number {number}")
        ctx.check_customer(cust)
        if cust["status"] == "closed":
            raise ValidationError(f"{number} was closed already on {cust['closed_on']}")
        if closed_on < cust["created_on"]:
            raise ValidationError("the closing date is before the customer joined")
        customers_repo.close(conn, cust["id"], closed_on)
        ctx.audit(conn, "customer.close", number)
        return customers_repo.by_id(conn, cust["id"])

    return ctx.db.run(do)


def _search_numbers(ctx: AppContext, search: str | None) -> tuple[str | None, str | None]:
    """(E.164, digits) of a search written as a (part of a) phone number in the operator's
    region ('07408 813668', '(415) 555-0101', '+44 (0)7408...'), else (None, None)."""
    if not search:
        return None, None
    return try_normalise(search, ctx.region), search_digits(search, ctx.region)


@dataclass
class CustomerPage:
    report: Report
    page: int
    pages: int
    total: int


def list_customers(ctx: AppContext, search: str | None = None, region: str | None = None,
                   status: str | None = None, plan: str | None = None, page: int = 1,
                   page_size: int | None = None) -> CustomerPage:
    ctx.check("customer.list")
    if status and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}")
    region = scope_region(ctx, region)
    size = page_size or ctx.config.get("ui", "page_size")
    if not 1 <= size <= 1_000 or not 1 <= page <= 1_000_000:
        raise ValidationError("the page runs from 1 to 1,000,000 and the page size from 1 to 1,000")
    plan_code = plan.strip().upper() if plan else None

    numbers = _search_numbers(ctx, search)

    def do(conn):
        total = customers_repo.count(conn, search, region, status, plan_code, numbers)
        rows = customers_repo.find(conn, search, region, status, plan_code, size, (max(page, 1) - 1) * size,
                                   numbers)
        return total, rows

    total, rows = ctx.db.run(do)
    pages = max(1, -(-total // size))
    report = Report("Customers", [Column("Id", "int"), Column("MSISDN"), Column("Name"), Column("Region"),
                                  Column("Plan"), Column("Handset"), Column("Status"), Column("Since", "date")],
                    filters={"search": search, "region": region, "status": status, "plan": plan_code})
    for r in rows:
        report.rows.append([r["id"], r["msisdn"], r["name"], r["region"], r["plan_code"], r["handset"] or "",
                            r["status"], r["created_on"]])
    report.notes.append(f"page {page} of {pages} ({total:,} customers)")
    report.empty_message = "no customers match"
    return CustomerPage(report, page, pages, total)


def _number_prefixes(text: str, region: str) -> list[str]:
    """What a typed (partial) number may start with in E.164: '+4479', '4479' and, in the national
    form of the operator's region, '0791' -> '+44791'."""
    import phonenumbers

    raw = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    digits = raw.lstrip("+")
    if not digits or (raw.count("+") > 1) or ("+" in raw and not raw.startswith("+")):
        return []
    if raw.startswith("+"):
        return [raw]
    if digits.startswith("00"):
        return ["+" + digits[2:]] if len(digits) > 2 else []
    prefixes = []
    country = phonenumbers.country_code_for_region(region)
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = meta.national_prefix if meta else None
    if country:
        national = digits[len(trunk):] if trunk and digits.startswith(trunk) else digits
        prefixes.append(f"+{country}{national}")
    prefixes.append("+" + digits)
    return [p for p in dict.fromkeys(prefixes) if not p.startswith("+0")]


def find_customers(ctx: AppContext, text: str, limit: int = 10) -> list[dict]:
    """Up to `limit` customers for a typed fragment: a number in any form (international, national,
    partial) matches the start of the MSISDN; other text matches part of the name. One indexed
    query, asked when the user wants it (Tab or a search answer), never per keystroke."""
    ctx.check("customer.list")
    fragment = (text or "").strip()
    if not fragment:
        return []
    prefixes = _number_prefixes(fragment, ctx.region)
    looks_like_number = bool(prefixes) and all(ch.isdigit() or ch in "+ -()" for ch in fragment)
    name = None if looks_like_number else F.text_field(fragment, "the search", 100)
    region = ctx.narrow_region(None)
    return ctx.db.run(customers_repo.suggest, prefixes if looks_like_number else [], name, region, limit)


def customer_report(ctx: AppContext, msisdn: str) -> Report:
    c = get_customer(ctx, msisdn)
    rows = [["Id", str(c["id"])], ["MSISDN", c["msisdn"]], ["Name", c["name"]], ["E-mail", c["email"] or ""],
            ["Region", c["region"]], ["Plan", c["plan_code"]], ["Handset", c["handset"] or ""],
            ["Status", c["status"]], ["Since", str(c["created_on"])], ["Closed on", str(c["closed_on"] or "")]]
    for h in ctx.db.run(customers_repo.plan_history, c["id"]):
        until = f"until {h['valid_to']}" if h["valid_to"] else "current"
        rows.append(["Plan history", f"{h['code']} ({h['name']}) from {h['valid_from']}, {until}"])
    return Report(f"Customer {c['msisdn']}", [Column("Field"), Column("Value")], rows)
