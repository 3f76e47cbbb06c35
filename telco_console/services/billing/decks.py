"""Rate decks in plain Python: entries, their parsers (our CSV, a CGRateS tariff plan folder) and the
quote function (which entry prices a call, and what the call costs). No SQL, no I/O beyond reading the
files given; the bill run's SQL implements the same rules set-based, and its pure reference
(services.billing.rating.rate_usage) calls quote_call() from here. See docs/billing.md
"Destination rating".
"""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits

ROUNDINGS = {"*up": ROUND_CEILING, "*down": ROUND_FLOOR, "*middle": ROUND_HALF_UP}
ANY = "*any"
MAX_PREFIX = 32
PREFIX_RE = re.compile(r"^\+?[0-9]{1,30}$")
DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$")


class DeckError(ValidationError):
    """A deck file problem: one line naming the file and the line."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class RateGroup:
    start_s: int
    rate: Decimal
    unit_s: int
    increment_s: int


@dataclass
class Entry:
    prefix: str                  # '' matches any number
    destination: str
    group: str
    name: str
    timing: str = "ALWAYS"
    years: frozenset = frozenset()        # empty = any
    months: frozenset = frozenset()
    month_days: frozenset = frozenset()
    weekdays: frozenset = frozenset()     # 1 = Monday .. 7 = Sunday
    start: time = time(0)
    weight: Decimal = Decimal(0)
    connect_fee: Decimal = Decimal(0)
    groups: tuple = ()
    max_cost: Decimal | None = None
    max_cost_strategy: str = ""
    rounding: str = "*up"
    decimals: int = 4
    covered: bool = False

    def matches(self, at: datetime) -> bool:
        """The timing matches the call's local start (day, then start time not after the call's)."""
        return ((not self.years or at.year in self.years) and (not self.months or at.month in self.months)
                and (not self.month_days or at.day in self.month_days)
                and (not self.weekdays or at.isoweekday() in self.weekdays) and self.start <= at.time())

    def describe_groups(self) -> str:
        """'60/60 then 1/1 from 60 s' style: increment/unit per group."""
        parts = []
        for g in self.groups:
            part = f"{g.rate}/{g.unit_s}s by {g.increment_s}s"
            parts.append(part if g.start_s == 0 else f"from {g.start_s}s {part}")
        return "; ".join(parts)


@dataclass
class Part:
    what: str
    detail: str
    seconds: int | None
    cost: Decimal


@dataclass
class Quote:
    number: str
    at: datetime
    seconds: int
    entry: Entry
    matched_prefix: str
    parts: list[Part] = field(default_factory=list)
    before_rounding: Decimal = Decimal(0)
    capped: bool = False
    cost: Decimal = Decimal(0)


class Unrated(ValidationError):
    """No entry of the deck covers the number at that time."""


# -- matching ---------------------------------------------------------------------------------------

def candidate_forms(number: str) -> list[str]:
    """The forms a number is tried in: E.164 with and without its '+', or as written."""
    n = (number or "").strip()
    return [n, n[1:]] if n.startswith("+") and n[1:].isdigit() else [n]


_PLAIN_NUMBER = re.compile(r"\+?[0-9]*")


def chain_of(number: str, prefixes: Mapping[str, bool], lengths: list[int]) -> tuple[str, list] | None:
    """A number's chain as repositories.rates.resolve_new() works it out in SQL, for a version whose
    prefixes are `prefixes` (prefix -> complete) of `lengths` (their lengths, ascending): every
    prefix of the number's forms (with '' only as written), k = digits * 2 + 1 with a '+', kept
    down to the longest complete one; returns (chain key: MD5 of 'prefix/' longest first, [(prefix,
    k)]). None for a number that is not digits with an optional '+' (resolved in SQL instead, where
    the column's collation decides what matches)."""
    if not _PLAIN_NUMBER.fullmatch(number):
        return None
    forms = (number, number[1:]) if number.startswith("+") and len(number) > 1 else (number,)
    found = []
    for i, s in enumerate(forms):
        size = len(s)
        for n in lengths:
            if n > size:
                break
            if n == 0 and i:
                continue
            p = s[:n]
            complete = prefixes.get(p)
            if complete is not None:
                found.append(((n - 1) * 2 + 1 if p.startswith("+") else n * 2, p, complete))
    floor = max((k for k, _, c in found if c), default=None)
    chain = sorted(((p, k) for k, p, _ in found if floor is None or k >= floor), key=lambda x: -x[1])
    return hashlib.md5("".join(p + "/" for p, _ in chain).encode()).hexdigest(), chain


def candidates(number: str, prefixes: Iterable[str] | None = None) -> list[str]:
    """Every prefix of the number's forms, longest first (by digits; with '+' before without);
    '' (any number) last. Restricted to `prefixes` when given."""
    seen = []
    for form in candidate_forms(number):
        for n in range(1, min(len(form), MAX_PREFIX) + 1):
            p = form[:n]
            if p != "+":
                seen.append(p)
    seen.sort(key=lambda p: (-len(p.lstrip("+")), not p.startswith("+")))
    seen.append("")
    if prefixes is not None:
        allowed = set(prefixes)
        seen = [p for p in seen if p in allowed]
    return seen


def rank_key(e: Entry):
    """Among entries of one prefix whose timing matches: latest start, then higher weight, then name."""
    return (-(e.start.hour * 3600 + e.start.minute * 60 + e.start.second), -e.weight, e.name, e.timing)


def find_entry(deck: Mapping[str, list[Entry]], number: str, at: datetime) -> tuple[Entry, str]:
    """(entry, matched prefix): the longest prefix with an entry in force at `at`; raises Unrated."""
    for p in candidates(number):
        live = [e for e in deck.get(p, ()) if e.matches(at)]
        if live:
            return min(live, key=rank_key), p
    raise Unrated(f"no rate for {number} at {at:%Y-%m-%d %H:%M:%S} in this deck")


# -- cost -------------------------------------------------------------------------------------------

def charge_groups(entry: Entry, seconds: int) -> list[tuple[RateGroup, int, Decimal]]:
    """(group, seconds charged, amount) per group: the call's seconds inside the group rounded up to
    its increment, at rate / unit."""
    out = []
    groups = sorted(entry.groups, key=lambda g: g.start_s)
    for i, g in enumerate(groups):
        end = groups[i + 1].start_s if i + 1 < len(groups) else None
        inside = max(0, (seconds if end is None else min(seconds, end)) - g.start_s)
        if inside <= 0:
            continue
        charged = -(-inside // g.increment_s) * g.increment_s
        out.append((g, charged, Decimal(charged) * g.rate / g.unit_s))
    return out


def call_cost(entry: Entry, seconds: int) -> tuple[Decimal, Decimal, bool]:
    """(before rounding, cost, capped) of a call of `seconds` on an entry: connection fee plus the rate
    groups, capped by the maximum cost, then rounded once to the entry's decimals."""
    with localcontext() as c:
        c.prec = 50
        before = entry.connect_fee + sum((a for _, _, a in charge_groups(entry, seconds)), Decimal(0))
        capped = entry.max_cost is not None and entry.max_cost > 0 and before > entry.max_cost
        value = entry.max_cost if capped else before
        cost = value.quantize(Decimal(1).scaleb(-entry.decimals), rounding=ROUNDINGS[entry.rounding])
    return before, cost, capped


def quote_call(deck: Mapping[str, list[Entry]], number: str, at: datetime, seconds: int) -> Quote:
    """The cost breakdown of one call (as if no allowance were left). Raises Unrated."""
    entry, prefix = find_entry(deck, number, at)
    q = Quote(number, at, seconds, entry, prefix)
    q.parts.append(Part("Connection fee", "", None, entry.connect_fee))
    for g, charged, amount in charge_groups(entry, seconds):
        q.parts.append(Part(f"Rate group from {g.start_s} s",
                            f"{g.rate} per {g.unit_s} s, by {g.increment_s} s", charged, amount))
    q.before_rounding, q.cost, q.capped = call_cost(entry, seconds)
    return q


def as_deck(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    deck: dict[str, list[Entry]] = {}
    for e in entries:
        deck.setdefault(e.prefix, []).append(e)
    return deck


# -- field parsers ----------------------------------------------------------------------------------

@lru_cache(maxsize=4096)   # values repeat down a deck: parse each text once
def parse_duration(text: str, what: str = "a duration") -> int:
    """'60s', '1m', '1m30s', '2h', or bare seconds '60' -> whole seconds."""
    t = (text or "").strip()
    if t.isascii() and t.isdigit() and len(t) <= 9:
        return int(t)
    m = DURATION_RE.match(t) if len(t) <= 40 else None
    if not t or not m or not any(m.groups()):
        raise ValidationError(f"bad {what} '{text}' (write e.g. 60s, 1m, 1m30s or 60)")
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 3600 + mi * 60 + s


@lru_cache(maxsize=4096)
def parse_decimal(text: str, what: str, allow_empty: bool = False) -> Decimal | None:
    t = (text or "").strip()
    if not t and allow_empty:
        return None
    from telco_console.money import parse_money  # the one bounded money parser (a point in files)

    try:
        return parse_money(t, what, places=8, maximum=Decimal(10) ** 9, quantize=False)
    except ValidationError:
        shown = t if len(t) <= 30 else t[:27] + "..."
        raise ValidationError(f"bad {what} '{shown}' (a plain number like 0.05: zero or more, at most 8 "
                              "decimals, under 1,000,000,000)") from None


def parse_prefix(text: str) -> str:
    t = (text or "").strip()
    if t in (ANY, "*"):
        return ""
    if not PREFIX_RE.match(t):
        raise ValidationError(f"bad prefix '{text}' (digits, optionally after +, or *any)")
    return t


@lru_cache(maxsize=4096)
def parse_set(text: str, what: str, low: int, high: int) -> frozenset:
    """'*any' or '' -> any; '1;2;3' (or commas) -> {1, 2, 3}."""
    t = (text or "").strip()
    if t in ("", ANY):
        return frozenset()
    out = set()
    for part in re.split(r"[;,]", t):
        part = part.strip()
        if not _digits(part) or not low <= int(part) <= high:
            raise ValidationError(f"bad {what} '{text}' ({low}-{high} separated by ';', or *any)")
        out.add(int(part))
    return frozenset(out)


@lru_cache(maxsize=4096)
def parse_time(text: str) -> time:
    t = (text or "").strip()
    if t in ("", ANY):
        return time(0)
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", t)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59 or int(m.group(3) or 0) > 59:
        raise ValidationError(f"bad time '{text}' (HH:MM:SS, or *any)")
    return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


@lru_cache(maxsize=4096)
def parse_rounding(text: str) -> str:
    t = (text or "").strip().lower() or "*up"
    if t not in ROUNDINGS:
        raise ValidationError(f"bad rounding method '{text}' (*up, *down or *middle)")
    return t


@lru_cache(maxsize=4096)
def parse_decimals(text: str) -> int:
    t = (text or "").strip() or "4"
    if not _digits(t) or int(t) > 8:
        raise ValidationError(f"bad rounding decimals '{text}' (0-8)")
    return int(t)


@lru_cache(maxsize=4096)
def parse_yes_no(text: str, what: str) -> bool:
    t = (text or "").strip().lower()
    if t in ("", "no", "n", "0", "false"):
        return False
    if t in ("yes", "y", "1", "true"):
        return True
    raise ValidationError(f"bad {what} '{text}' (yes or no)")


def check_groups(groups: list[RateGroup]) -> tuple:
    groups = sorted(groups, key=lambda g: g.start_s)
    if not groups or groups[0].start_s != 0:
        raise ValidationError("the first rate group must start at 0 s")
    if len({g.start_s for g in groups}) != len(groups):
        raise ValidationError("two rate groups start at the same second")
    return tuple(groups)


@lru_cache(maxsize=4096)
def make_group(start: str, rate: str, unit: str, increment: str) -> RateGroup:
    g = RateGroup(parse_duration(start, "group start"), parse_decimal(rate, "rate"),
                  parse_duration(unit, "rate unit"), parse_duration(increment, "increment"))
    if g.unit_s < 1:
        raise ValidationError(f"bad rate unit '{unit}' (at least 1 s)")
    if g.increment_s < 1:
        raise ValidationError(f"bad increment '{increment}' (at least 1 s)")
    return g


# -- our CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = ("prefix", "destination", "group", "connect_fee", "start", "rate", "unit", "increment", "timing",
               "weekdays", "time", "months", "month_days", "years", "weight", "max_cost", "rounding", "decimals",
               "covered")
CSV_REQUIRED = ("prefix", "destination", "rate")
ENTRY_FIELDS = ("destination", "group", "connect_fee", "weekdays", "time", "months", "month_days", "years",
                "weight", "max_cost", "rounding", "decimals", "covered")


def read_csv_deck(path: str | Path) -> list[Entry]:
    """Our deck CSV (docs/billing.md): a header row, then one rate group per row; the rows of one
    prefix and timing make one entry. Raises DeckError naming the file and line."""
    path = Path(path)
    name = path.name
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DeckError(name, f"cannot read the file ({exc.strerror or exc})") from None
    entries: dict[tuple, Entry] = {}
    first: dict[tuple, tuple] = {}
    groups: dict[tuple, list] = {}
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise DeckError(name, "the file is empty (expected a header line)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DeckError(f"{name} line 1", f"unreadable ({exc})") from None
        cols = [h.strip().lower() for h in header]
        unknown = [c for c in cols if c not in CSV_COLUMNS]
        if unknown:
            raise DeckError(f"{name} line 1", f"unknown column '{unknown[0]}' (columns: {', '.join(CSV_COLUMNS)})")
        missing = [c for c in CSV_REQUIRED if c not in cols]
        if missing:
            raise DeckError(f"{name} line 1", f"missing column '{missing[0]}'")
        idx = {c: i for i, c in enumerate(cols)}
        lineno = 1
        try:
            for row in reader:
                lineno = reader.line_num
                if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                    continue
                if len(row) != len(cols):
                    raise DeckError(f"{name} line {lineno}", f"{len(row)} fields, expected {len(cols)}")
                v = {c: row[i].strip() for c, i in idx.items()}
                try:
                    prefix = parse_prefix(v["prefix"])
                    if not v["destination"]:
                        raise ValidationError("the destination is empty")
                    g = make_group(v.get("start") or "0", v["rate"], v.get("unit") or "60",
                                   v.get("increment") or "60")
                    timing = v.get("timing") or "ALWAYS"
                    key = (prefix, timing)
                    fields = tuple(v.get(f, "") for f in ENTRY_FIELDS)
                    if key not in entries:
                        entries[key] = Entry(
                            prefix=prefix, destination=v["destination"][:64],
                            group=(v.get("group") or v["destination"])[:64], name=v["destination"][:64],
                            timing=timing[:64], years=parse_set(v.get("years", ""), "years", 1970, 2999),
                            months=parse_set(v.get("months", ""), "months", 1, 12),
                            month_days=parse_set(v.get("month_days", ""), "month days", 1, 31),
                            weekdays=parse_set(v.get("weekdays", ""), "weekdays", 1, 7),
                            start=parse_time(v.get("time", "")),
                            weight=parse_decimal(v.get("weight") or "0", "weight"),
                            connect_fee=parse_decimal(v.get("connect_fee") or "0", "connection fee"),
                            max_cost=parse_decimal(v.get("max_cost", ""), "maximum cost", allow_empty=True),
                            rounding=parse_rounding(v.get("rounding", "")),
                            decimals=parse_decimals(v.get("decimals", "")),
                            covered=parse_yes_no(v.get("covered", ""), "covered"))
                        first[key] = (fields, lineno)
                        groups[key] = []
                    elif fields != first[key][0]:
                        diff = next(f for f, a, b in zip(ENTRY_FIELDS, fields, first[key][0]) if a != b)
                        raise ValidationError(f"{diff} differs from line {first[key][1]} of the same prefix"
                                              f" and timing")
                    if any(x.start_s == g.start_s for x, _ in groups[key]):
                        raise ValidationError(f"a second rate group starting at {g.start_s} s for prefix"
                                              f" '{v['prefix']}' timing {timing}")
                    groups[key].append((g, lineno))
                except DeckError:
                    raise
                except ValidationError as exc:
                    raise DeckError(f"{name} line {lineno}", str(exc)) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DeckError(f"{name} line {lineno + 1}", f"unreadable ({exc})") from None
    if not entries:
        raise DeckError(name, "no rate rows after the header")
    out = []
    for key, e in entries.items():
        try:
            e.groups = check_groups([g for g, _ in groups[key]])
        except ValidationError as exc:
            raise DeckError(f"{name} line {groups[key][0][1]}", str(exc)) from None
        out.append(e)
    return out


# -- a CGRateS tariff plan folder -----------------------------------------------------------------

CGRATES_FILES = {
    "Destinations.csv": 2, "Rates.csv": 6, "DestinationRates.csv": 7, "Timings.csv": 6, "RatingPlans.csv": 4,
}
BUILTIN_TIMINGS = {"ALWAYS", ANY}


def _cg_rows(folder: Path, fname: str) -> list[tuple[int, list[str]]]:
    path = folder / fname
    if not path.is_file():
        raise DeckError(fname, f"missing file (expected in {folder})")
    out = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < CGRATES_FILES[fname] - (1 if fname == "DestinationRates.csv" else 0):
                    raise DeckError(f"{fname} line {reader.line_num}",
                                    f"{len(row)} fields, expected {CGRATES_FILES[fname]}")
                out.append((reader.line_num, [c.strip() for c in row] + [""] * (CGRATES_FILES[fname] - len(row))))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DeckError(fname, f"unreadable ({exc})") from None
    return out


def read_cgrates(folder: str | Path, rating_plan: str, allowance: Iterable[str] = ()) -> list[Entry]:
    """The entries of one rating plan of a CGRateS tariff plan folder: one per destination prefix and
    timing. `ALWAYS` and `*any` are built-in timings (any time); `*any` as a destination matches any
    number. Destinations named in `allowance` are covered by the plan's included minutes."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DeckError(str(folder), "not a folder")
    tables = {f: _cg_rows(folder, f) for f in CGRATES_FILES}

    def fail(fname, line, msg):
        raise DeckError(f"{fname} line {line}", msg)

    dests: dict[str, list[str]] = {}
    for line, (did, prefix, *_) in tables["Destinations.csv"]:
        try:
            dests.setdefault(did, []).append(parse_prefix(prefix))
        except ValidationError as exc:
            fail("Destinations.csv", line, str(exc))
    rates: dict[str, list[tuple[int, Decimal, RateGroup]]] = {}
    for line, (rid, fee, rate, unit, inc, start) in tables["Rates.csv"]:
        try:
            rates.setdefault(rid, []).append(
                (line, parse_decimal(fee or "0", "connect fee"), make_group(start or "0", rate, unit, inc)))
        except ValidationError as exc:
            fail("Rates.csv", line, str(exc))
    drates: dict[str, list[tuple[int, list[str]]]] = {}
    for line, row in tables["DestinationRates.csv"]:
        drates.setdefault(row[0], []).append((line, row))
    timings: dict[str, tuple[int, list[str]]] = {}
    for line, row in tables["Timings.csv"]:
        timings[row[0]] = (line, row)
    plan_rows = [(line, row) for line, row in tables["RatingPlans.csv"] if row[0] == rating_plan]
    if not plan_rows:
        known = sorted({row[0] for _, row in tables["RatingPlans.csv"]})
        raise DeckError("RatingPlans.csv", f"no rating plan '{rating_plan}' (there are: {', '.join(known)})")
    allow = {a.strip() for a in allowance if a.strip()}
    used_dests: set[str] = set()
    out: list[Entry] = []
    for line, (_, drid, tag, weight) in plan_rows:
        if drid not in drates:
            fail("RatingPlans.csv", line, f"unknown DestinationRates tag '{drid}'")
        if tag in BUILTIN_TIMINGS:
            t = dict(years=frozenset(), months=frozenset(), month_days=frozenset(), weekdays=frozenset(),
                     start=time(0))
        elif tag in timings:
            tline, (_, years, months, mdays, wdays, tm) = timings[tag]
            try:
                t = dict(years=parse_set(years, "years", 1970, 2999), months=parse_set(months, "months", 1, 12),
                         month_days=parse_set(mdays, "month days", 1, 31),
                         weekdays=parse_set(wdays, "weekdays", 1, 7), start=parse_time(tm))
            except ValidationError as exc:
                fail("Timings.csv", tline, str(exc))
        else:
            fail("RatingPlans.csv", line, f"unknown timing tag '{tag}'")
        try:
            w = parse_decimal(weight or "0", "weight")
        except ValidationError as exc:
            fail("RatingPlans.csv", line, str(exc))
        for dline, (_, dest, rtag, rmethod, rdec, maxcost, strategy) in drates[drid]:
            if dest != ANY and dest not in dests:
                fail("DestinationRates.csv", dline, f"unknown destination '{dest}'")
            if rtag not in rates:
                fail("DestinationRates.csv", dline, f"unknown rates tag '{rtag}'")
            try:
                rounding, decimals = parse_rounding(rmethod), parse_decimals(rdec)
                mc = parse_decimal(maxcost or "0", "max cost")
                if strategy not in ("", "*free", "*disconnect"):
                    raise ValidationError(f"bad max cost strategy '{strategy}' (*free or *disconnect)")
            except ValidationError as exc:
                fail("DestinationRates.csv", dline, str(exc))
            rate_rows = rates[rtag]
            try:
                groups = check_groups([g for _, _, g in rate_rows])
            except ValidationError as exc:
                fail("Rates.csv", rate_rows[0][0], f"{rtag}: {exc}")
            fee = next(f for _, f, g in rate_rows if g.start_s == 0)
            used_dests.add(dest)
            for prefix in ([""] if dest == ANY else dests[dest]):
                out.append(Entry(prefix=prefix, destination=dest, group=dest, name=drid, timing=tag, weight=w,
                                 connect_fee=fee, groups=groups, max_cost=mc if mc else None,
                                 max_cost_strategy=strategy, rounding=rounding, decimals=decimals,
                                 covered=dest in allow, **t))
    unknown = sorted(allow - used_dests)
    if unknown:
        raise DeckError("--allowance", f"destination '{unknown[0]}' is not rated by {rating_plan}")
    return out
