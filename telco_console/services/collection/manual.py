"""Records logged one at a time at the prompt (or by `log call|sms|data`): each value is checked
by a parser that the prompts reuse (so a bad answer is refused with its reason and asked again),
then the record is written through repositories/usage.write_batch (rollups kept current)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from telco_console.applications import APPS
from telco_console.clock import zone
from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.phone import is_international, normalise_msisdn, try_normalise
from telco_console.reporting.report import Column, Report
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import manual_records, usage
from telco_console.services.collection import fields as F

DIRECTIONS = ("out", "in")
MAX_SMS_LENGTH = 10_000


# -- parsers the prompts and the subcommands share -----------------------------------------
def customer(ctx: AppContext, text: str) -> dict:
    """The customer for a number as typed; refused when the number is not on our books."""
    number = normalise_msisdn(text, ctx.region)
    cust = ctx.db.run(customers_repo.by_msisdn, number)
    if not cust:
        raise ValidationError(f"{number} is not a customer")
    ctx.check_customer(cust)                 # an account limited to a region logs for its customers
    if cust["closed_on"] is not None and cust["closed_on"] < cust["created_on"]:
        raise ValidationError(f"{number} has no days as a customer")
    return cust


def within_tenure(cust: dict, at: datetime) -> None:
    """Refuses a record of a customer at a time outside their tenure (joined on .. closed on,
    both days included), as the imports do."""
    day = at.date()
    if day < cust["created_on"]:
        raise ValidationError(f"{cust['msisdn']} was not a customer on {day:%Y-%m-%d} "
                              f"(since {cust['created_on']:%Y-%m-%d})")
    if cust["closed_on"] is not None and day > cust["closed_on"]:
        raise ValidationError(f"{cust['msisdn']} was not a customer on {day:%Y-%m-%d} "
                              f"(closed on {cust['closed_on']:%Y-%m-%d})")


def direction(text: str) -> str:
    t = (text or "").strip().lower()
    aliases = {"out": "out", "outgoing": "out", "o": "out", "in": "in", "incoming": "in", "i": "in"}
    if t not in aliases:
        raise ValidationError("the direction is out (made by the customer) or in (received)")
    return aliases[t]


def when(ctx: AppContext, text: str) -> datetime:
    return F.typed_time(text, ctx.tz, now=ctx.now())


def start_for(ctx: AppContext, cust: dict, text: str) -> datetime:
    """A record's start as typed, refused outside the customer's tenure (for the prompts)."""
    start = when(ctx, text)
    within_tenure(cust, start)
    return start


def end_after(ctx: AppContext, start: datetime, text: str) -> datetime:
    """The end as typed, at or after the start in real time (a time repeated in autumn is the
    occurrence that comes after the start)."""
    end = when(ctx, text)
    z = zone(ctx.tz)
    _, end = z.span(start, end, fixed_start=True, what=f"the end {end:%Y-%m-%d %H:%M:%S} is before the start "
                                                       f"{start:%Y-%m-%d %H:%M:%S}")
    if z.elapsed(start, end) > timedelta(seconds=F.MAX_DURATION_S):
        raise ValidationError("the end is more than 24 hours after the start")
    return end


def sms_length(text: str) -> int:
    return F.count(text, "the length", maximum=MAX_SMS_LENGTH)


def other_party(ctx: AppContext, text: str) -> str:
    raw = F.party(text)
    return try_normalise(raw, ctx.region) or raw.replace(" ", "")


# -- writing -------------------------------------------------------------------------------
@dataclass
class Logged:
    kind: str
    record: dict
    report: Report
    number: int = 0          # the record number (`log show N`, `log undo N`)


def _confirmation(title: str, pairs: list[tuple[str, object]]) -> Report:
    report = Report(title, [Column("Field"), Column("Value")])
    report.rows = [[k, "" if v is None else str(v)] for k, v in pairs]
    return report


def _intl(ctx, number: str) -> bool:
    return number.startswith("+") and is_international(number, ctx.region)


def _write(ctx: AppContext, kind: str, rec: dict, ref: str, **rows) -> int:
    """Write one record, give it its record number and audit it, in one transaction; returns the number.
    A call of a decked plan is rated as an import rates it (written with its rating), and its number
    resolved for the deck afterwards, in a transaction of its own (services.billing.resolution)."""
    from telco_console.services.billing.resolution import IngestResolver

    resolver, wanted = None, []
    if rows.get("calls"):
        resolver = IngestResolver(ctx.db)
        if resolver.active:
            rows["calls"], wanted = ctx.db.run(resolver.prepare, rows["calls"])

    def do(conn):
        usage.write_batch(conn, "manual", None, tz=ctx.tz, **rows)
        number = manual_records.add(conn, kind, ref, rec["started_at"], rec["customer_id"], ctx.user.username,
                                    ctx.now())
        ctx.audit(conn, f"log.{kind}", rec["msisdn"], f"record {number}")
        return number
    number = ctx.db.run(do)
    if wanted:
        ctx.db.run(resolver.resolve, wanted)
    return number


def _resolve(ctx: AppContext, value, parse):
    return value if not isinstance(value, str) else parse(value)


def call_preview(ctx: AppContext, msisdn, other, direction_, started, duration=None, ended=None,
                 answered_: bool = True) -> tuple[dict, Report]:
    """Check a call and show it as it would be stored (nothing is written)."""
    ctx.check("log.call")
    cust = msisdn if isinstance(msisdn, dict) else customer(ctx, msisdn)
    other = other_party(ctx, other)
    d = direction(direction_)
    start = _resolve(ctx, started, lambda t: when(ctx, t))
    within_tenure(cust, start)
    if (duration is None) == (ended is None):
        raise ValidationError("give either the duration or the end time")
    if duration is not None:
        secs = duration if isinstance(duration, int) else F.duration_seconds(duration)
        if secs < 0 or secs > F.MAX_DURATION_S:
            raise ValidationError("the duration must be between 0 and 24 hours")
    else:
        end = _resolve(ctx, ended, lambda t: end_after(ctx, start, t))
        secs = int(zone(ctx.tz).elapsed(start, end).total_seconds())     # real time
        if secs < 0:
            raise ValidationError("the end is before the start")
        if secs > F.MAX_DURATION_S:
            raise ValidationError("the end is more than 24 hours after the start")
    if zone(ctx.tz).after(start, secs) > ctx.now() + timedelta(minutes=1):
        raise ValidationError("the call would end in the future")
    rec = dict(customer_id=cust["id"], msisdn=cust["msisdn"], started_at=start, direction=d, other_party=other,
               duration_s=secs, billsec=secs if answered_ else 0, answered=bool(answered_),
               disposition="ANSWERED" if answered_ else "NO ANSWER", international=_intl(ctx, other))
    return rec, _confirmation("Call to save", [
        ("Customer", f"{cust['msisdn']} ({cust['name']})"), ("Direction", d), ("Other party", other),
        ("Start", zone(ctx.tz).label(start)), ("Duration (s)", secs), ("Answered", "yes" if answered_ else "no"),
        ("Billable seconds", rec["billsec"]), ("International", "yes" if rec["international"] else "no")])


def save_call(ctx: AppContext, rec: dict) -> Logged:
    ctx.check("log.call")
    ref = uuid.uuid4().hex
    row = (rec["customer_id"], rec["started_at"], rec["direction"], rec["other_party"][:64], rec["duration_s"],
           rec["billsec"], rec["answered"], rec["disposition"], rec["international"], "manual", ref)
    number = _write(ctx, "call", rec, ref, calls=[row])
    return Logged("call", dict(rec, source_ref=ref), _confirmation("Call saved", [("Record number", number)]),
                  number)


def log_call(ctx: AppContext, msisdn, other, direction_, started, duration=None, ended=None,
             answered_: bool = True) -> Logged:
    rec, preview = call_preview(ctx, msisdn, other, direction_, started, duration, ended, answered_)
    logged = save_call(ctx, rec)
    preview.title = "Call saved"
    preview.rows.append(["Record number", str(logged.number)])
    return Logged("call", logged.record, preview, logged.number)


def sms_preview(ctx: AppContext, msisdn, other, direction_, at, length) -> tuple[dict, Report]:
    ctx.check("log.sms")
    cust = msisdn if isinstance(msisdn, dict) else customer(ctx, msisdn)
    other = other_party(ctx, other)
    d = direction(direction_)
    t = _resolve(ctx, at, lambda x: when(ctx, x))
    within_tenure(cust, t)
    n = length if isinstance(length, int) else sms_length(length)
    if n < 0 or n > MAX_SMS_LENGTH:
        raise ValidationError(f"the length must be between 0 and {MAX_SMS_LENGTH}")
    rec = dict(customer_id=cust["id"], msisdn=cust["msisdn"], started_at=t, direction=d, other_party=other,
               length=n, international=_intl(ctx, other))
    return rec, _confirmation("SMS to save", [
        ("Customer", f"{cust['msisdn']} ({cust['name']})"), ("Direction", d), ("Other party", other),
        ("Time", zone(ctx.tz).label(t)), ("Length (characters)", n),
        ("International", "yes" if rec["international"] else "no")])


def save_sms(ctx: AppContext, rec: dict) -> Logged:
    ctx.check("log.sms")
    ref = uuid.uuid4().hex
    row = (rec["customer_id"], rec["started_at"], rec["direction"], rec["other_party"][:64], rec["length"],
           rec["international"], "manual", ref)
    number = _write(ctx, "sms", rec, ref, sms=[row])
    return Logged("sms", dict(rec, source_ref=ref), _confirmation("SMS saved", [("Record number", number)]), number)


def log_sms(ctx: AppContext, msisdn, other, direction_, at, length) -> Logged:
    rec, preview = sms_preview(ctx, msisdn, other, direction_, at, length)
    logged = save_sms(ctx, rec)
    preview.title = "SMS saved"
    preview.rows.append(["Record number", str(logged.number)])
    return Logged("sms", logged.record, preview, logged.number)


MEASURES = ("rtt_dl_ms", "rtt_ul_ms", "tp_dl_kbps", "tp_ul_kbps")
RETRANS = ("tcp_retrans_dl_bytes", "tcp_retrans_ul_bytes")


def data_preview(ctx: AppContext, msisdn, started, duration=None, ended=None, dl=None, ul=None,
                 apps: dict | None = None, measures: dict | None = None, retrans: dict | None = None,
                 handset: str | None = None) -> tuple[dict, Report]:
    """apps: {'youtube_dl': bytes, ...}; measures: {'rtt_dl_ms': Decimal, ...}; retrans likewise."""
    ctx.check("log.data")
    cust = msisdn if isinstance(msisdn, dict) else customer(ctx, msisdn)
    start = _resolve(ctx, started, lambda t: when(ctx, t))
    within_tenure(cust, start)
    if (duration is None) == (ended is None):
        raise ValidationError("give either the duration or the end time")
    z = zone(ctx.tz)
    if duration is not None:
        secs = duration if isinstance(duration, int) else F.duration_seconds(duration)
        end = z.after(start, secs)          # the wall clock a real `secs` later
    else:
        end = _resolve(ctx, ended, lambda t: end_after(ctx, start, t))
        if z.elapsed(start, end) < timedelta(0):
            raise ValidationError("the end is before the start")
    real = z.elapsed(start, end)
    if real > timedelta(seconds=F.MAX_DURATION_S):
        raise ValidationError("a data session longer than 24 hours is not plausible")
    if end > ctx.now() + timedelta(minutes=1):
        raise ValidationError("the session would end in the future")
    dl = dl if isinstance(dl, int) else F.byte_volume(dl, "the downloaded volume")
    ul = ul if isinstance(ul, int) else F.byte_volume(ul, "the uploaded volume")
    if dl < 0 or ul < 0:
        raise ValidationError("volumes cannot be negative")
    values = dict.fromkeys(usage.DATA_COLS)
    for k, v in (apps or {}).items():
        if k not in [f"{a}_{d}" for a in APPS for d in ("dl", "ul")]:
            raise ValidationError(f"unknown application volume {k}: use {', '.join(APPS)} with _dl or _ul")
        values[k] = v if isinstance(v, int) else F.byte_volume(v, k)
    F.app_volumes({k: values[k] for k in (apps or {})}, dl, ul)
    for k, v in (measures or {}).items():
        if k not in MEASURES:
            raise ValidationError(f"unknown measure {k}")
        values[k] = F.decimal(v, k)
    for k, v in (retrans or {}).items():
        if k not in RETRANS:
            raise ValidationError(f"unknown measure {k}")
        values[k] = v if isinstance(v, int) or v is None else F.byte_volume(v, k, required=False)
    handset = F.handset(handset) or ""
    values.update(customer_id=cust["id"], started_at=start, ended_at=end,
                  duration_ms=int(real.total_seconds() * 1000), bytes_dl=dl, bytes_ul=ul,
                  handset_type=handset or None, source="manual")
    pairs = [("Customer", f"{cust['msisdn']} ({cust['name']})"), ("Start", z.label(start)),
             ("End", z.label(end)), ("Duration (s)", int(real.total_seconds())),
             ("Downloaded (bytes)", f"{dl:,}"), ("Uploaded (bytes)", f"{ul:,}")]
    pairs += [(k, f"{values[k]:,}" if isinstance(values[k], int) else values[k])
              for k in [f"{a}_{d}" for a in APPS for d in ("dl", "ul")] + list(MEASURES) + list(RETRANS)
              if values[k] is not None]
    if handset:
        pairs.append(("Handset", handset))
    return dict(values, msisdn=cust["msisdn"]), _confirmation("Data session to save", pairs)


def save_data(ctx: AppContext, rec: dict) -> Logged:
    ctx.check("log.data")
    ref = uuid.uuid4().hex
    row = tuple(ref if c == "source_ref" else rec.get(c) for c in usage.DATA_COLS)
    number = _write(ctx, "data", rec, ref, data=[row])
    return Logged("data", dict(rec, source_ref=ref), _confirmation("Data session saved", [("Record number", number)]),
                  number)


def log_data(ctx: AppContext, msisdn, started, duration=None, ended=None, dl=None, ul=None, apps=None,
             measures=None, retrans=None, handset=None) -> Logged:
    rec, preview = data_preview(ctx, msisdn, started, duration, ended, dl, ul, apps, measures, retrans, handset)
    logged = save_data(ctx, rec)
    preview.title = "Data session saved"
    preview.rows.append(["Record number", str(logged.number)])
    return Logged("data", logged.record, preview, logged.number)


def find_customer(ctx: AppContext, text: str) -> dict:
    """For callers that want NotFoundError rather than ValidationError."""
    try:
        return customer(ctx, text)
    except ValidationError as exc:
        raise NotFoundError(str(exc)) from None
