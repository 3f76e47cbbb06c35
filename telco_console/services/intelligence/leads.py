"""Leads and listings: CSV imports, the three reports (top leads by call volume, listings with the
most SMS inquiries, one number's activity summary) and the typed command prompt's executor.

Phone numbers are normalised to E.164 (with the operator's default region for national numbers)
so that they join with calls.other_party, sms.other_party and customers.msisdn."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.money import parse_money
from telco_console.phone import normalise_msisdn
from telco_console.reporting.report import Column, Report
from telco_console.repositories import leads as repo
from telco_console.services.intelligence import command_prompt
from telco_console.timeutil import parse_when

ROLES = ("analyst", "admin")
MAX_ERRORS_SHOWN = 5

LEAD_FIELDS = {"lead_id": ("lead_id", "leadid", "lead", "id"), "name": ("name", "lead_name", "full_name"),
               "phone": ("phone", "phone_number", "msisdn", "mobile", "number"),
               "listing_id": ("listing_id", "listingid", "listing"),
               "created": ("created", "created_at", "created_on", "date")}
LISTING_FIELDS = {"listing_id": ("listing_id", "listingid", "listing", "id"), "title": ("title", "name"),
                  "location": ("location", "city", "area"), "price": ("price", "amount")}


@dataclass
class ImportResult:
    kind: str
    rows: int
    new: int
    updated: int
    notes: list[str]

    def summary(self) -> str:
        text = f"{self.kind}: {self.rows} rows read, {self.new} new, {self.updated} updated"
        return text + ("; " + "; ".join(self.notes) if self.notes else "")


def _key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").replace(".", " ").split())


def _read_csv(path: str | Path, fields: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> list[dict]:
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"no such file: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{p} is not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    headers = reader.fieldnames or []
    if not headers:
        raise ValidationError(f"{p} is empty (expected a header row)")
    mapping: dict[str, str] = {}
    for field_name, aliases in fields.items():
        for h in headers:
            if _key(h) in aliases:
                mapping[field_name] = h
                break
    missing = [f for f in required if f not in mapping]
    if missing:
        raise ValidationError(f"{p.name}: missing column(s) {', '.join(missing)} "
                              f"(found: {', '.join(headers)})")
    return [{f: (row.get(h) or "").strip() for f, h in mapping.items()} for row in reader]


def _raise_errors(name: str, errors: list[str]) -> None:
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise ValidationError(f"{name}: nothing imported; " + "; ".join(errors[:MAX_ERRORS_SHOWN]) + more)


def _text(value: str, what: str, maximum: int, line: int, errors: list[str], required: bool = True) -> str:
    """The field checked by the one text validator (fields.text_field); a refusal is noted with
    its line."""
    from telco_console.services.collection.fields import text_field

    if required and not value:
        errors.append(f"line {line}: {what} is empty")
        return value
    try:
        text_field(value, what, maximum)
    except ValidationError as exc:
        errors.append(f"line {line}: {exc}")
    return value


def import_listings(ctx: AppContext, path: str | Path) -> ImportResult:
    """Listings CSV: listing id, title, location, price. All rows or none; re-importing updates."""
    ctx.check("leads.import-listings")
    rows = _read_csv(path, LISTING_FIELDS, ("listing_id", "title"))
    errors: list[str] = []
    values, seen = [], set()
    for i, r in enumerate(rows, start=2):
        lid = _text(r["listing_id"], "the listing id", 64, i, errors)
        title = _text(r["title"], "the title", 200, i, errors)
        location = _text(r.get("location", ""), "the location", 120, i, errors, required=False)
        price = None
        raw_price = r.get("price", "").strip()
        if raw_price:
            try:
                price = parse_money(raw_price, "the price", maximum=Decimal(10) ** 12)
            except ValidationError as exc:
                errors.append(f"line {i}: {exc}")
        if lid in seen:
            errors.append(f"line {i}: listing id {lid} appears twice")
        seen.add(lid)
        values.append((lid, title, location, price))
    _raise_errors(Path(path).name, errors)

    def do(conn):
        new, updated = repo.upsert_listings(conn, values)
        ctx.audit(conn, "listings.import", str(path)[:200], f"{new} new, {updated} updated")
        return new, updated

    new, updated = ctx.db.run(do)
    return ImportResult("listings", len(values), new, updated, [])


def import_leads(ctx: AppContext, path: str | Path) -> ImportResult:
    """Leads CSV: lead id, name, phone, listing id, created. Phones are normalised to E.164."""
    ctx.check("leads.import-leads")
    rows = _read_csv(path, LEAD_FIELDS, ("lead_id", "name", "phone"))
    errors: list[str] = []
    values, seen = [], set()
    now = ctx.now()
    for i, r in enumerate(rows, start=2):
        lid = _text(r["lead_id"], "the lead id", 64, i, errors)
        name = _text(r["name"], "the name", 120, i, errors)
        phone = None
        try:
            phone = normalise_msisdn(r["phone"], ctx.region)
        except ValidationError as exc:
            errors.append(f"line {i}: {exc}")
        listing = _text(r.get("listing_id", ""), "the listing id", 64, i, errors, required=False) or None
        created = None
        if r.get("created"):
            try:
                created = parse_when(r["created"], ctx.tz, now=now)
            except ValidationError as exc:
                errors.append(f"line {i}: created: {exc}")
        if lid in seen:
            errors.append(f"line {i}: lead id {lid} appears twice")
        seen.add(lid)
        values.append((lid, name, phone, listing, created))
    _raise_errors(Path(path).name, errors)

    def do(conn):
        new, updated = repo.upsert_leads(conn, values)
        known = repo.listing_ids(conn)
        ctx.audit(conn, "leads.import", str(path)[:200], f"{new} new, {updated} updated")
        return new, updated, known

    new, updated, known = ctx.db.run(do)
    notes = []
    unknown = {v[3] for v in values if v[3] and v[3] not in known}
    if unknown:
        notes.append(f"{len(unknown)} listing id(s) not imported yet: {', '.join(sorted(unknown)[:5])}")
    return ImportResult("leads", len(values), new, updated, notes)


def top_leads_report(ctx: AppContext, top: int = 10) -> Report:
    ctx.check("leads.read")
    rows = ctx.db.run(repo.top_leads_by_calls, int(top))
    report = Report(f"Top {top} leads by call volume",
                    [Column("Lead"), Column("Name"), Column("Phone"), Column("Listing"), Column("Title"),
                     Column("Calls", "int"), Column("Answered", "int"), Column("Minutes", "decimal", 1)],
                    filters={"top": top},
                    empty_message="no calls with any lead's phone number (import leads, then calls)")
    for r in rows:
        report.rows.append([r["lead_id"], r["name"], r["phone"], r["listing_id"] or "", r["title"] or "",
                            int(r["calls"]), int(r["answered"]),
                            (Decimal(int(r["seconds"])) / 60).quantize(Decimal("0.1"))])
    report.notes.append("a lead's calls: calls of our customers with the lead's number, and the calls of the "
                        "lead's own number when it is our customer")
    return report


def listings_sms_report(ctx: AppContext, top: int = 10) -> Report:
    ctx.check("leads.read")
    rows = ctx.db.run(repo.listings_by_sms, int(top))
    report = Report("Listings with the most SMS inquiries",
                    [Column("Listing"), Column("Title"), Column("Location"), Column("Price", "money"),
                     Column("Leads", "int"), Column("SMS", "int"), Column("SMS from leads", "int")],
                    filters={"top": top},
                    empty_message="no SMS with the phone number of any listing's lead")
    for r in rows:
        report.rows.append([r["listing_id"], r["title"], r["location"], r["price"], int(r["leads"]),
                            int(r["sms"]), int(r["sms_from_leads"])])
    report.notes.append("an SMS inquiry: an SMS to or from the phone number of one of the listing's leads")
    return report


def activity_report(ctx: AppContext, phone: str) -> Report:
    ctx.check("leads.read")
    number = normalise_msisdn(phone, ctx.region)
    a = ctx.db.run(repo.phone_activity, number)
    cust = a["customer"]
    calls, sms = a["calls"], a["sms"]
    listings = {}
    for row in a["contacted"] + a["own_leads"]:
        if row["listing_id"]:
            listings[row["listing_id"]] = row["title"] or ""
    report = Report(f"Activity summary for {number}", [Column("Measure"), Column("Value")],
                    filters={"phone": number})
    report.rows = [
        ["Customer", f"#{cust['id']} {cust['name']} ({cust['status']})" if cust else "not our customer"],
        ["Calls", int(calls["n"])], ["Calls made", int(calls["n_out"])], ["Calls received", int(calls["n_in"])],
        ["Calls answered", int(calls["answered"])],
        ["Call minutes", str((Decimal(int(calls["seconds"])) / 60).quantize(Decimal("0.1")))],
        ["SMS", int(sms["n"])], ["SMS sent", int(sms["n_out"])], ["SMS received", int(sms["n_in"])],
        ["Leads contacted", len(a["contacted"])],
        ["Is a lead", ", ".join(r["lead_id"] for r in a["own_leads"]) or "no"],
        ["Listings inquired", len(listings)],
    ]
    if a["contacted"]:
        sub = Report("Leads contacted", [Column("Lead"), Column("Name"), Column("Phone"), Column("Listing"),
                                         Column("Title")])
        sub.rows = [[r["lead_id"], r["name"], r["phone"], r["listing_id"] or "", r["title"] or ""]
                    for r in a["contacted"]]
        report.sections.append(sub)
    if listings:
        sub = Report("Listings inquired", [Column("Listing"), Column("Title")])
        sub.rows = [[k, v] for k, v in sorted(listings.items())]
        report.sections.append(sub)
    return report


def help_report() -> Report:
    return Report("Commands", [Column("Command"), Column("What it shows")],
                  [list(r) for r in command_prompt.help_lines()])


def run_command(ctx: AppContext, text: str) -> Report | None:
    """Execute one typed command; None for quit. Unknown commands raise ValidationError."""
    cmd = command_prompt.parse(text)
    if cmd.name == "quit":
        return None
    if cmd.name == "help":
        return help_report()
    if cmd.name == "top-leads":
        return top_leads_report(ctx, cmd.top)
    if cmd.name == "listings-sms":
        return listings_sms_report(ctx, cmd.top)
    return activity_report(ctx, cmd.phone)
