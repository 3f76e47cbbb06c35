"""What every report shares: who may see what (regional -> own region, customer -> own number),
the filters shown in the title block, units and small conversions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from telco_console.errors import NotFoundError, PermissionDenied, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.repositories import reports as repo

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MB = Decimal(1_000_000)


@dataclass
class Scope:
    """The filters a report runs with, after the signed-in user's limits are applied."""

    day_from: date | None
    day_to: date | None
    region: str | None
    customer: dict | None       # {'id', 'msisdn', 'name', 'region'} or None
    top: int | None

    @property
    def customer_id(self) -> int | None:
        return self.customer["id"] if self.customer else None

    @property
    def filters(self) -> dict:
        f = {}
        if self.day_from or self.day_to:
            f["from"] = self.day_from.isoformat() if self.day_from else "start"
            f["to"] = self.day_to.isoformat() if self.day_to else "now"
        if self.region is not None:
            f["region"] = self.region or "(none)"
        if self.customer:
            f["customer"] = f"{self.customer['msisdn']} ({self.customer['name']})"
        return f


def scope(ctx, params, need_customer: bool = False, conn=None) -> Scope:
    """Apply the user's limits: a regional manager sees their own region only; a customer sees
    their own number only (whatever was asked for). With conn, the customer is looked up on it
    (inside the report's own read), otherwise in a read of its own."""
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise ValidationError(f"the start date {params.date_from} is after the end date {params.date_to}")
    if params.top is not None and params.top < 1:
        raise ValidationError("--top must be 1 or more")

    def lookup(fn, *args):
        return fn(conn, *args) if conn is not None else ctx.db.read(fn, *args)

    role = ctx.user.role
    region = ctx.narrow_region(params.region)
    customer = None
    if role == "customer":
        if ctx.user.customer_id is None:
            raise PermissionDenied("this customer account is not linked to a number")
        customer = lookup(repo.customer_by_id, ctx.user.customer_id)
        if params.customer:
            asked = normalise_msisdn(params.customer, ctx.region)
            if customer is None or asked != customer["msisdn"]:
                raise PermissionDenied("a customer account sees its own number only")
    elif params.customer:
        number = normalise_msisdn(params.customer, ctx.region)
        customer = lookup(repo.customer_by_msisdn, number)
        if customer is None:
            raise NotFoundError(f"no customer with number {number}")
        ctx.check_customer(customer)
    if need_customer and customer is None:
        raise ValidationError("this report is about one customer: give --customer MSISDN")
    return Scope(params.date_from, params.date_to, region, customer, params.top)


def read_scoped(ctx, params, work, need_customer: bool = False):
    """(scope, work(conn, scope)) in one read: the customer lookup and the report's own queries
    share a connection and a transaction."""
    def run(conn):
        s = scope(ctx, params, need_customer, conn)
        return s, work(conn, s)
    return ctx.db.read(run)


# display rounding is half up, as the SQL of the reports rounds (repositories/reports.py)
def mb(value) -> Decimal:
    """Bytes to megabytes (1 MB = 1,000,000 bytes), 2 places."""
    return (Decimal(int(value or 0)) / MB).quantize(Decimal("0.01"), ROUND_HALF_UP)


def minutes(seconds) -> Decimal:
    return (Decimal(int(seconds or 0)) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def hours_from_ms(ms) -> Decimal:
    return (Decimal(int(ms or 0)) / 3_600_000).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP)


def currency(ctx) -> str:
    try:
        return ctx.config.get("operator", "currency") or ""
    except Exception:   # a config without the key
        return ""


def sum_columns(rows: list, columns, label_index: int = 0, label: str = "Total") -> list:
    """A totals row: sums of the numeric columns, the label in one text column, blanks elsewhere."""
    from operator import itemgetter

    out = []
    for i, col in enumerate(columns):
        if i == label_index:
            out.append(label)
        elif col.numeric and col.kind != "percent":
            cell = itemgetter(i)
            first = next((v for v in map(cell, rows) if v is not None), None)
            if first is None:
                out.append(None)
                continue
            start = Decimal(0) if isinstance(first, Decimal) else 0
            try:                        # (a scan for None first costs more than the sum itself)
                out.append(sum(map(cell, rows), start))
            except TypeError:           # an empty cell
                out.append(sum((v for v in map(cell, rows) if v is not None), start))
        else:
            out.append(None)
    return out
