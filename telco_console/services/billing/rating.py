"""Rating: what a customer's usage in a period costs on a plan (DESIGN.md "Rating rules").

Two faces of the same rules:
- rate_customers(conn, period, plan_override, customer_ids): the set-based SQL used by the bill run,
  returning per-customer quantities and line amounts without writing anything. Another plan can be
  put in place of each customer's own (plan_override: a plan dict as returned by
  repositories.plans, or any dict with the PLAN_FIELDS), e.g. to re-rate past months on every plan.
- rate_usage(plan, calls, sms_sent, bytes_used, ...): a pure Python reference of the same rules,
  used by the property-based tests and handy for what-if sums on a few records.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from telco_console.repositories import bills as bills_repo
from telco_console.timeutil import Period

AMOUNT_KEYS = ("fee_amount", "peak_amount", "offpeak_amount", "sms_amount", "data_amount")
MB = 1_000_000


def _period(period) -> Period:
    return period if isinstance(period, Period) else Period.parse(str(period))


@dataclass(frozen=True)
class Rating:
    """One customer's charges for a period, as the rating query computes them: seconds and units
    as ints, amounts as Decimal (rounded to the minor unit)."""
    customer_id: int
    plan_id: int
    status: str
    days_active: int
    call_s: int          # all calls, rounded seconds
    sms_sent: int
    bytes_used: int
    peak_s: int          # rounded seconds charged beyond the allowance
    offpeak_s: int
    sms_n: int           # charged units
    mb_n: int
    fee_amount: Decimal
    peak_amount: Decimal
    offpeak_amount: Decimal
    sms_amount: Decimal
    data_amount: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    deck_amount: Decimal = Decimal(0)      # calls of a decked plan: the sum of its destination lines
    deck_lines: str | None = None          # JSON: [{g: group, min: minutes, amt: amount, by: minutes by timing}]
    unrated_n: int = 0                     # calls of a decked plan that no entry covers (not billed)

    @classmethod
    def from_row(cls, r: dict) -> Rating:
        counts = ("days_active", "call_s", "sms_sent", "bytes_used", "peak_s", "offpeak_s", "sms_n", "mb_n",
                  "unrated_n")
        return cls(**{f.name: int(r[f.name] or 0) if f.name in counts else r[f.name] for f in fields(cls)})


def rate_customers(conn, period, plan_override: dict | None = None, customer_ids: list[int] | None = None, *,
                   tax_rate: Decimal | str = Decimal("0.20"), minor: int = 2,
                   work_memory_mb: int | None = None) -> dict[int, Rating]:
    """{customer_id: Rating} for every customer billable in the period (or those of customer_ids).
    One query whatever the number of customers (two when some numbers were not resolved for their
    deck yet); it writes nothing but those numbers' resolution (rate_number_chains, derived data)."""
    from telco_console.repositories import rates as rates_repo

    p = _period(period)
    if work_memory_mb:
        bills_repo.set_work_memory(conn, work_memory_mb)
    # numbers not resolved yet for their deck version are resolved (derived data, written once per
    # number and version) when the rating shows unrated calls, and the period is rated again
    rows = rates_repo.rated_resolving(
        conn, lambda: bills_repo.rate(conn, p, minor, Decimal(str(tax_rate)), plan_override, customer_ids),
        p.start, p.end, plan_override.get("deck_id") if plan_override else None)
    return {r["customer_id"]: Rating.from_row(r) for r in rows}


def rate_for(ctx, period, plan_override: dict | None = None, customer_ids: list[int] | None = None
             ) -> dict[int, Rating]:
    """rate_customers with the tax rate and minor unit from the context's config."""
    ctx.check("billing.rate")
    return ctx.db.run(lambda conn: rate_customers(conn, period, plan_override, customer_ids,
                                                  tax_rate=ctx.config.get("billing", "tax_rate"),
                                                  minor=ctx.config.get("operator", "minor_unit"),
                                                  work_memory_mb=ctx.config.get("billing", "work_memory_mb")))


# -- the pure reference ----------------------------------------------------------------------------

@dataclass
class Call:
    started_at: datetime
    billsec: int
    id: int = 0
    direction: str = "out"
    answered: bool = True
    to: str = ""            # the other party (E.164 or as written), for plans with a rate deck
    started_utc: datetime | None = None   # the real instant; allowances are used in its order

    @property
    def instant(self) -> datetime:
        return self.started_utc or self.started_at


@dataclass
class Rated:
    lines: dict = field(default_factory=dict)   # kind -> amount (Decimal)
    peak_s: int = 0
    offpeak_s: int = 0
    sms_n: int = 0
    mb_n: int = 0
    groups: dict = field(default_factory=dict)     # destination group -> [seconds, cost at deck precision]
    unrated: list = field(default_factory=list)    # calls no deck entry covers (left unbilled)

    @property
    def subtotal(self) -> Decimal:
        return sum((v for k, v in self.lines.items() if k != "tax"), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum(self.lines.values(), Decimal(0))


def money(value: Decimal, minor: int = 2) -> Decimal:
    """Half-up to the minor unit."""
    return Decimal(value).quantize(Decimal(1).scaleb(-minor), rounding=ROUND_HALF_UP)


def _as_time(v) -> time:
    if isinstance(v, time):
        return v
    if hasattr(v, "total_seconds"):       # the connector returns TIME as timedelta
        s = int(v.total_seconds())
        return time(s // 3600 % 24, s // 60 % 60, s % 60) if s < 86400 else time(23, 59, 59, 999999)
    h, m, *rest = str(v).split(":")
    return time(int(h), int(m), int(float(rest[0])) if rest else 0)


def is_peak(plan: dict, when: datetime) -> bool:
    days = {int(x) for x in str(plan.get("peak_days", "0,1,2,3,4")).replace(" ", "").split(",") if x}
    start, end = _as_time(plan.get("peak_start", time(8))), _as_time(plan.get("peak_end", time(20)))
    return when.weekday() in days and start <= when.time() < end


def _deck_at(deck, when: datetime):
    """A deck mapping, or the version in force at `when` of [(effective_from, mapping), ...]."""
    if isinstance(deck, dict):
        return deck
    live = [m for eff, m in sorted(deck, key=lambda v: v[0]) if eff <= when]
    return live[-1] if live else {}


@dataclass
class PlanSpan:
    """A stretch of a customer's period on one plan (docs/billing.md "Plan changes within a month"):
    the plan (and its deck), the customer's days on it in the period, and the records that started
    while it was in force."""
    plan: dict
    days: int
    calls: list = field(default_factory=list)
    sms_sent: int = 0
    bytes_used: int = 0
    deck: object = None


def rate_usage(plan: dict, calls: list[Call], sms_sent: int = 0, bytes_used: int = 0, days_active: int = 30,
               days_in_period: int = 30, tax_rate: Decimal | str = Decimal("0.20"), minor: int = 2,
               deck=None) -> Rated:
    """The rating rules in plain Python, for one customer's period on one plan (see docs/billing.md).
    With `deck` (a mapping prefix -> decks.Entry, or versions [(effective_from, mapping)]) calls are
    priced by destination with decks.find_entry / decks.call_cost, one line per destination group."""
    return rate_spans([PlanSpan(plan, days_active, calls, sms_sent, bytes_used, deck)], days_active,
                      days_in_period, tax_rate, minor)


def rate_spans(spans: list[PlanSpan], days_active: int = 30, days_in_period: int = 30,
               tax_rate: Decimal | str = Decimal("0.20"), minor: int = 2) -> Rated:
    """A period on one or more plans: the fee prorated by the days on each plan, each record rated by
    the plan in force at its start, each plan's allowances prorated by its share of the customer's
    days in the period (a customer on one plan keeps them whole), each line rounded once."""
    from telco_console.services.billing import decks as D

    out = Rated()
    x = dict.fromkeys(("subscription", "peak_calls", "offpeak_calls", "sms", "data"), Decimal(0))
    for sp in spans:
        plan = sp.plan
        share = (lambda v, sp=sp: v * sp.days // days_active) if days_active > 0 else (lambda v: v)
        inc = max(int(plan.get("increment_seconds", 60)), 1)
        allow = share(int(plan.get("included_minutes", 0)) * 60)
        used = 0
        peak_s = offpeak_s = 0
        for c in sorted(sp.calls, key=lambda c: (c.instant, c.id)):
            if c.direction != "out" or not c.answered or c.billsec <= 0:
                continue
            r = -(-c.billsec // inc) * inc
            if sp.deck is not None:
                try:
                    entry, _ = D.find_entry(_deck_at(sp.deck, c.started_at), c.to, c.started_at)
                except D.Unrated:
                    out.unrated.append(c)
                    continue
                secs = c.billsec
                if entry.covered:
                    secs = min(c.billsec, max(0, used + r - max(used, allow)))
                    used += r
                g = out.groups.setdefault(entry.group, [0, Decimal(0)])
                g[0] += c.billsec
                if secs > 0:
                    g[1] += D.call_cost(entry, secs)[1]
                continue
            charged = max(0, used + r - max(used, allow))
            used += r
            if is_peak(plan, c.started_at):
                peak_s += charged
            else:
                offpeak_s += charged
        sms_n = max(0, int(sp.sms_sent) - share(int(plan.get("included_sms", 0))))
        over = max(0, int(sp.bytes_used) - share(int(plan.get("included_mb", 0)) * MB))
        mb_n = -(-over // MB)
        d = lambda k, plan=plan: Decimal(str(plan[k]))  # noqa: E731
        x["subscription"] += d("monthly_fee") * sp.days
        x["peak_calls"] += peak_s * d("peak_rate")
        x["offpeak_calls"] += offpeak_s * d("offpeak_rate")
        x["sms"] += sms_n * d("sms_rate")
        x["data"] += mb_n * d("mb_rate")
        out.peak_s += peak_s
        out.offpeak_s += offpeak_s
        out.sms_n += sms_n
        out.mb_n += mb_n
    out.lines["subscription"] = money(x["subscription"] / days_in_period, minor)
    out.lines["peak_calls"] = money(x["peak_calls"] / 60, minor)
    out.lines["offpeak_calls"] = money(x["offpeak_calls"] / 60, minor)
    out.lines["sms"] = money(x["sms"], minor)
    out.lines["data"] = money(x["data"], minor)
    for name, (_, cost) in sorted(out.groups.items()):
        out.lines[f"destination:{name}"] = money(cost, minor)
    out.lines["tax"] = money(out.subtotal * Decimal(str(tax_rate)), minor)
    return out
