"""Rate decks: imports (our CSV, a CGRateS tariff plan folder) as new versions, quotes of one call,
look-ups and paged listings. The rules are in services/billing/decks.py (pure); this module reads and
writes through repositories/rates.py and returns Reports."""
from __future__ import annotations

import re
import time as _time
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.errors import digits as _digits
from telco_console.phone import try_normalise
from telco_console.reporting.report import Column, Report
from telco_console.repositories import plans as plans_repo
from telco_console.repositories import rates as rates_repo
from telco_console.services.billing import decks as D
from telco_console.services.report_registry import ReportSpec

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class UnratedCalls(ValidationError):
    """Calls no entry of their plan's deck covers: a bill run stops (exit 1) and lists them."""

    def __init__(self, message: str, calls: list[dict], period: str = ""):
        super().__init__(message)
        self.calls = calls
        self.period = period

    def report(self) -> Report:
        return unrated_report_from(self.calls, f"Unrated calls {self.period}".strip())


def unrated_report_from(calls: list[dict], title: str = "Unrated calls") -> Report:
    r = Report(title, [Column("Customer"), Column("Name"), Column("Plan"), Column("Deck"),
                       Column("Started", "datetime"), Column("Number"), Column("Seconds", "int")],
               [[c["msisdn"], c["name"], c["plan_code"], c["deck"], c["started_at"], c["number"], c["billsec"]]
                for c in calls])
    r.empty_message = "every call of a decked plan has a rate"
    return r


@dataclass
class ImportResult:
    deck: str
    version: int
    entries: int
    groups: int
    effective_from: datetime
    seconds: float
    resolved: int = 0            # numbers priced before by the deck, resolved for the new version
    resolve_seconds: float = 0.0
    rerated: int = 0             # calls already imported in the version's time, re-rated by it

    def report(self) -> Report:
        eff = ("the beginning" if self.effective_from == rates_repo.BEGINNING
               else f"{self.effective_from:%Y-%m-%d %H:%M:%S}")
        return Report(f"Rate deck {self.deck}: version {self.version} imported", [Column("Field"), Column("Value")],
                      [["Deck", self.deck], ["Version", str(self.version)], ["Entries", f"{self.entries:,}"],
                       ["Rate groups", f"{self.groups:,}"], ["In force from", eff],
                       ["Time", f"{self.seconds:.2f} s"],
                       ["Numbers resolved for it", f"{self.resolved:,} ({self.resolve_seconds:.2f} s)"],
                       ["Calls re-rated by it", f"{self.rerated:,}"]])


def check_deck_name(name: str) -> str:
    n = (name or "").strip()
    if not NAME_RE.match(n):
        raise ValidationError("a deck name is 1-40 of letters, digits, '_', '.' or '-' (e.g. RETAIL-2026)")
    return n


def parse_effective(text: str | None) -> datetime | None:
    """'YYYY-MM-DD' (local midnight) or 'YYYY-MM-DD HH:MM[:SS]' (local wall clock)."""
    if text is None or not str(text).strip():
        return None
    t = str(text).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(t, fmt)
        except ValueError:
            continue
    raise ValidationError(f"bad date '{text}' (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")


def parse_at(text: str) -> datetime:
    t = (text or "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(t, fmt)
        except ValueError:
            continue
    raise ValidationError(f"bad time '{text}' (YYYY-MM-DD HH:MM:SS, local wall clock)")


def parse_seconds(text) -> int:
    t = str(text if text is not None else "").strip()
    if not _digits(t) or not 1 <= int(t) <= 86400 * 2:
        raise ValidationError(f"bad duration '{text}' (whole seconds, 1 to 172800)")
    return int(t)


def _store(ctx: AppContext, name: str, kind: str, entries: list, source: str, rating_plan: str | None,
           effective_from: datetime | None, t0: float) -> ImportResult:
    name = check_deck_name(name)

    def do(conn):
        deck = rates_repo.deck_by_name(conn, name, for_update=True)
        if deck is None:
            rates_repo.add_deck(conn, name, kind)
            deck = rates_repo.deck_by_name(conn, name, for_update=True)
        elif deck["kind"] != kind:
            raise ValidationError(f"deck {name} holds {deck['kind'].upper()} imports; use another deck name for"
                                  f" a {'CGRateS folder' if kind == 'cgrates' else 'CSV file'}")
        deck_id = deck["id"]
        first = not rates_repo.versions(conn, deck_id)
        now = ctx.now().replace(tzinfo=None)
        eff = effective_from or (rates_repo.BEGINNING if first else now)
        vid, number = rates_repo.add_version(conn, deck_id, eff, source, rating_plan, len(entries), now,
                                             ctx.user.username if ctx.user else "")
        rates_repo.write_entries(conn, vid, entries)
        ctx.audit(conn, "rates.import", name, f"version {number}, {len(entries)} entries from {source}")
        return vid, number, eff, deck_id

    vid, number, eff, deck_id = ctx.db.run(do)
    took = _time.perf_counter() - t0
    # the numbers the deck priced before, resolved for the new version now (derived data, in a
    # transaction of its own: were it lost, the first rating that meets them resolves them)
    t1 = _time.perf_counter()
    resolved = ctx.db.run(rates_repo.resolve_known, vid)
    # calls already imported in the new version's time (a version dated back) re-rated by it
    rerated = rerate(ctx, eff, deck_id=deck_id)
    return ImportResult(name, number, len(entries), sum(len(e.groups) for e in entries), eff, took, resolved,
                        _time.perf_counter() - t1, rerated)


def rerate(ctx: AppContext, start: datetime, customers: list[int] | None = None, deck_id: int | None = None) -> int:
    """The stored ratings of the decked calls from `start` on (and from the first day of the latest
    period with a bill run) that are not of the version in force for their plan at their start,
    re-rated set-based (rates_repo.rerate_stored), a month a transaction: derived data, so that a bill
    run finds them rated (a month not done here is rated from the numbers' chains by the bill run, at
    the same prices). Returns how many calls were re-rated."""
    from telco_console.timeutil import next_month

    first, billed = ctx.db.read(rates_repo.rerate_floor)
    if first is None:
        return 0
    # months before the latest one with a bill run are billed: their calls are read again only as
    # late usage, which the bill run rates from the chains
    at = max(start, *(datetime.combine(d, time()) for d in (first, billed) if d is not None))
    end = ctx.now().replace(tzinfo=None) + timedelta(days=1)
    n = 0
    while at < end:
        month_end = datetime.combine(next_month(at.date()), time())
        n += ctx.db.run(rates_repo.rerate_stored, at, min(month_end, end), customers, deck_id)
        at = month_end
    return n


def import_csv(ctx: AppContext, path: str, deck: str, effective_from: str | None = None) -> ImportResult:
    """Our deck CSV as a new version of `deck` (one transaction)."""
    ctx.check("rates.import")
    t0 = _time.perf_counter()
    check_deck_name(deck)
    eff = parse_effective(effective_from)
    entries = D.read_csv_deck(path)
    return _store(ctx, deck, "csv", entries, Path(path).name, None, eff, t0)


def import_cgrates(ctx: AppContext, folder: str, deck: str, rating_plan: str, allowance: list[str] | None = None,
                   effective_from: str | None = None) -> ImportResult:
    """The entries of one rating plan of a CGRateS tariff plan folder as a new version of `deck`."""
    ctx.check("rates.import-cgrates")
    t0 = _time.perf_counter()
    check_deck_name(deck)
    eff = parse_effective(effective_from)
    if not (rating_plan or "").strip():
        raise ValidationError("give the rating plan to take (--rating-plan ID)")
    entries = D.read_cgrates(folder, rating_plan.strip(), allowance or [])
    return _store(ctx, deck, "cgrates", entries, Path(folder).name, rating_plan.strip(), eff, t0)


def import_entries(ctx: AppContext, entries: list, deck: str, source: str,
                   effective_from: str | None = None) -> ImportResult:
    """Entries built in code (the demo decks) as a new version of a CSV-kind deck."""
    ctx.check("rates.import")
    return _store(ctx, deck, "csv", entries, source, None, parse_effective(effective_from), _time.perf_counter())


# -- reading decks -----------------------------------------------------------------------------------

def entry_from_row(r: dict) -> D.Entry:
    def ints(text):
        return frozenset(int(x) for x in str(text).split(",") if x != "")
    return D.Entry(prefix=r["prefix"], destination=r["destination"], group=r["dest_group"], name=r["name"],
                   timing=r["timing"], years=ints(r["years"]), months=ints(r["months"]),
                   month_days=ints(r["month_days"]), weekdays=ints(r["weekdays"]), start=r["start_time"],
                   weight=Decimal(r["weight"]), connect_fee=Decimal(r["connect_fee"]),
                   groups=tuple(D.RateGroup(g["start_s"], Decimal(g["rate"]), g["unit_s"], g["increment_s"])
                                for g in r["groups"]),
                   max_cost=Decimal(r["max_cost"]) if r["max_cost"] is not None else None,
                   max_cost_strategy=r["max_cost_strategy"], rounding=r["rounding"], decimals=int(r["decimals"]),
                   covered=bool(r["covered"]))


def load_version(conn, version_id: int) -> dict[str, list[D.Entry]]:
    """A whole version as a deck mapping (for the reference rating and offers on small data)."""
    return D.as_deck(entry_from_row(r) for r in rates_repo.all_entries(conn, version_id))


def _deck(conn, name: str) -> dict:
    deck = rates_repo.deck_by_name(conn, (name or "").strip())
    if not deck:
        raise NotFoundError(f"no rate deck named {name}")
    return deck


def _number(ctx: AppContext, text: str) -> str:
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("a number is required")
    return try_normalise(raw, ctx.region) or raw.replace(" ", "")


def _deck_for_number(conn, deck_id: int, number: str, at: datetime) -> tuple[dict, dict]:
    version = rates_repo.version_at(conn, deck_id, at)
    if version is None:
        raise D.Unrated(f"no version of the deck is in force at {at:%Y-%m-%d %H:%M:%S}")
    rows = rates_repo.entries_for_prefixes(conn, version["id"], D.candidates(number))
    return version, D.as_deck(entry_from_row(r) for r in rows)


def describe_timing(e: D.Entry) -> str:
    if not (e.weekdays or e.months or e.month_days or e.years) and e.start == time(0):
        return f"{e.timing}: any time"
    parts = []
    if e.weekdays:
        parts.append(",".join(DAYS[d - 1] for d in sorted(e.weekdays)))
    if e.months:
        parts.append("months " + ",".join(str(m) for m in sorted(e.months)))
    if e.month_days:
        parts.append("days " + ",".join(str(m) for m in sorted(e.month_days)))
    if e.years:
        parts.append("years " + ",".join(str(m) for m in sorted(e.years)))
    parts.append(f"from {e.start:%H:%M:%S}")
    return f"{e.timing}: " + " ".join(parts)


def _plain(value: Decimal) -> str:
    """A Decimal without trailing zeros, at most 10 places."""
    v = value.quantize(Decimal("1e-10")) if value.as_tuple().exponent < -10 else value
    s = format(v, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def quote(ctx: AppContext, plan_code: str, number: str, at: str | datetime, seconds) -> Report:
    """The cost breakdown of one call on a plan, as if no allowance were left. Raises Unrated (exit 1)
    naming the number when nothing in the plan's deck covers it."""
    ctx.check("rates.quote")
    when = at if isinstance(at, datetime) else parse_at(at)
    secs = parse_seconds(seconds)
    num = _number(ctx, number)

    def do(conn):
        plan = plans_repo.by_code(conn, (plan_code or "").strip().upper())
        if not plan:
            raise NotFoundError(f"no plan with code {plan_code}")
        deck_id = rates_repo.deck_of_plan(conn, plan["id"])
        if deck_id is None:
            return plan, None, None, None
        deck = rates_repo.deck_by_id(conn, deck_id)
        version, entries = _deck_for_number(conn, deck_id, num, when)
        return plan, deck, version, entries

    plan, deck, version, entries = ctx.db.run(do)
    cols = [Column("Item"), Column("Detail"), Column("Seconds", "int"), Column("Cost")]
    title = f"Quote: {num} on {plan['code']} at {when:%Y-%m-%d %H:%M:%S} for {secs} s"
    if deck is None:
        return _quote_flat(ctx, plan, num, when, secs, title, cols)
    try:
        q = D.quote_call(entries, num, when, secs)
    except D.Unrated:
        raise D.Unrated(f"no rate for {num} at {when:%Y-%m-%d %H:%M:%S} in deck {deck['name']}"
                        f" (plan {plan['code']})") from None
    e = q.entry
    rows = [["Destination", f"{e.destination} (prefix {q.matched_prefix or '*any'}), group {e.group}", None, None],
            ["Timing", f"{describe_timing(e)}, weight {_plain(e.weight)}, entry {e.name}", None, None]]
    for p in q.parts:
        rows.append([p.what, p.detail, p.seconds, _plain(p.cost)])
    rows.append(["Before rounding", "", None, _plain(q.before_rounding)])
    if q.capped:
        rows.append(["Maximum cost", f"capped at {_plain(e.max_cost)} ({e.max_cost_strategy or 'cap'})", None,
                     _plain(e.max_cost)])
    rows.append(["Total", f"{e.rounding} to {e.decimals} decimals", secs,
                 format(q.cost, "f")])
    return Report(title, cols, rows, filters={"deck": f"{deck['name']} v{version['version']}"},
                  notes=["as if no allowance were left"])


def _quote_flat(ctx, plan, num, when, secs, title, cols) -> Report:
    """A plan without a deck: its peak/off-peak rate per minute, rounded up to its increment."""
    from telco_console.services.billing.rating import is_peak, money

    inc = max(int(plan["increment_seconds"]), 1)
    charged = -(-secs // inc) * inc
    peak = is_peak(plan, when)
    rate = Decimal(plan["peak_rate" if peak else "offpeak_rate"])
    cost = money(Decimal(charged) * rate / 60, ctx.config.get("operator", "minor_unit"))
    rows = [["Destination", "any (the plan has no rate deck)", None, None],
            ["Timing", "peak" if peak else "off-peak", None, None],
            ["Calls", f"{rate} per 60 s, by {inc} s", charged, _plain(Decimal(charged) * rate / 60)],
            ["Total", "half-up to the minor unit", secs, format(cost, "f")]]
    return Report(title, cols, rows, notes=["as if no allowance were left"])


def lookup(ctx: AppContext, number: str, deck: str, at: str | datetime | None = None) -> Report:
    """The entries of the longest matching prefix; the one that applies at `at` (default now) marked."""
    ctx.check("rates.lookup")
    when = parse_at(at) if isinstance(at, str) and at.strip() else (at or ctx.now().replace(tzinfo=None))
    num = _number(ctx, number)

    def do(conn):
        d = _deck(conn, deck)
        return d, *_deck_for_number(conn, d["id"], num, when)

    d, version, entries = ctx.db.run(do)
    try:
        chosen, prefix = D.find_entry(entries, num, when)
    except D.Unrated:
        raise D.Unrated(f"no rate for {num} at {when:%Y-%m-%d %H:%M:%S} in deck {d['name']}") from None
    report = Report(f"Rate for {num} in {d['name']} v{version['version']}", _entry_columns(True))
    for e in sorted(entries.get(prefix, []), key=D.rank_key):
        report.rows.append(["applies" if e is chosen else "", *_entry_row(e)])
    report.filters = {"at": f"{when:%Y-%m-%d %H:%M:%S}", "prefix": prefix or "*any"}
    return report


def _entry_columns(mark: bool = False) -> list[Column]:
    cols = [Column("Prefix"), Column("Destination"), Column("Group"), Column("Timing"), Column("Connection fee"),
            Column("Rate groups"), Column("Max cost"), Column("Rounding"), Column("Covered")]
    return ([Column("")] if mark else []) + cols


def _entry_row(e: D.Entry) -> list:
    return [e.prefix or "*any", e.destination, e.group, describe_timing(e), _plain(e.connect_fee),
            e.describe_groups(), _plain(e.max_cost) + (f" {e.max_cost_strategy}" if e.max_cost_strategy else "")
            if e.max_cost is not None else "", f"{e.rounding} {e.decimals}", "yes" if e.covered else "no"]


def list_entries(ctx: AppContext, deck: str, page: int = 1, page_size: int = 50, prefix: str | None = None,
                 version: int | None = None) -> Report:
    """One page of a deck version's entries (the latest version unless `version`)."""
    ctx.check("rates.list")
    if page < 1 or not 1 <= page_size <= 10000:
        raise ValidationError("the page is 1 or more and the page size 1 to 10,000")

    def do(conn):
        d = _deck(conn, deck)
        vs = rates_repo.versions(conn, d["id"])
        if not vs:
            raise NotFoundError(f"deck {d['name']} has no version yet")
        v = vs[-1] if version is None else next((x for x in vs if x["version"] == version), None)
        if v is None:
            raise NotFoundError(f"deck {d['name']} has no version {version}")
        total = rates_repo.count_entries(conn, v["id"], prefix)
        rows = rates_repo.page_entries(conn, v["id"], (page - 1) * page_size, page_size, prefix)
        return d, v, total, rows

    d, v, total, rows = ctx.db.run(do)
    pages = max(1, -(-total // page_size))
    report = Report(f"Rate deck {d['name']} v{v['version']}", _entry_columns(),
                    [_entry_row(entry_from_row(r)) for r in rows])
    eff = "the beginning" if v["effective_from"] <= rates_repo.BEGINNING else f"{v['effective_from']:%Y-%m-%d %H:%M:%S}"
    report.filters = {"page": f"{page} of {pages}", "entries": f"{total:,}", "in force from": eff,
                      "prefix": prefix or ""}
    report.empty_message = "no entries on this page"
    return report


def list_decks(ctx: AppContext) -> Report:
    ctx.check("rates.decks")

    def do(conn):
        out = []
        for d in rates_repo.list_decks(conn):
            for v in rates_repo.versions(conn, d["id"]):
                out.append((d, v))
            if not d["versions"]:
                out.append((d, None))
        return out

    rows = []
    for d, v in ctx.db.run(do):
        if v is None:
            rows.append([d["name"], d["kind"], None, "", None, "", d["plans"] or ""])
            continue
        eff = ("the beginning" if v["effective_from"] <= rates_repo.BEGINNING
               else f"{v['effective_from']:%Y-%m-%d %H:%M:%S}")
        rows.append([d["name"], d["kind"], v["version"], eff, v["entries"],
                     v["source"] + (f" ({v['rating_plan']})" if v["rating_plan"] else ""), d["plans"] or ""])
    report = Report("Rate decks", [Column("Deck"), Column("Kind"), Column("Version", "int"), Column("In force from"),
                                   Column("Entries", "int"), Column("Source"), Column("Plans")], rows)
    report.empty_message = "no rate decks yet: import one with `telco-console rates import FILE --deck NAME`"
    return report



def unrated_report(ctx: AppContext, params) -> Report:
    """Calls of decked plans that no deck entry covers (never billed at 0), in a date range (default:
    every date), within the user's region."""
    from datetime import timedelta

    from telco_console.repositories import rates as rates_repo
    from telco_console.services.reports.common import scope

    sc = scope(ctx, params)
    start = datetime.combine(sc.day_from, time(0)) if sc.day_from else rates_repo.BEGINNING
    end = datetime.combine(sc.day_to + timedelta(days=1), time(0)) if sc.day_to else datetime(9999, 12, 31)
    calls = ctx.db.run(rates_repo.unrated_calls, start, end, sc.region)   # resolves new numbers first
    r = unrated_report_from(calls)
    r.filters = {"from": sc.day_from, "to": sc.day_to, "region": sc.region}
    r.notes.append("these calls stay unbilled until their deck has a rate for them")
    return r


REPORTS = [ReportSpec("unrated", "Unrated calls", "Billing", unrated_report, roles=("admin", "analyst", "regional"),
                      params=("from", "to", "period", "region"),
                      description="calls of plans with a rate deck that no entry covers (--period YYYY-MM)")]
