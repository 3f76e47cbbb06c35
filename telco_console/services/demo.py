"""Demo data: plans, customers and their calls, SMS and data sessions, deterministic for a seed.

What makes it look real: a daily curve (quiet at night, an evening peak), weekdays that differ from
weekends, heavy-tailed volumes per customer (lognormal activity, Pareto data appetite), a handset
mix, regions, some international calls, per-application bytes with the xDR measures (RTT,
throughput, TCP retransmission), customers who joined during the period and a few who left (their
usage fades before they close: material for churn models). Records go through repositories.usage
in batches of CHUNK customers (load_batch, LOAD DATA; write_batch when the server refuses it), so
the rollups stay current.
numpy is imported inside the functions (the menu starts without it)."""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telco_console.applications import APPS
from telco_console.context import AppContext
from telco_console.errors import ValidationError

SOURCE = "demo"
MAX_CUSTOMERS = 200_000
MAX_DAYS = 366
LOCAL_INFILE_REFUSED = (1148, 2068, 3948)   # LOAD DATA LOCAL disabled on the server or the client
CHUNK = 100                   # customers per write batch (one transaction each)

PLANS = [
    dict(code="PAYG", name="Pay as you go", monthly_fee="0.00", included_minutes=0, included_sms=0,
         included_mb=0, peak_rate="0.1500", offpeak_rate="0.0800", sms_rate="0.1000", mb_rate="0.0300",
         increment_seconds=60),
    dict(code="STARTER", name="Starter 5 GB", monthly_fee="8.00", included_minutes=150, included_sms=150,
         included_mb=5000, peak_rate="0.1000", offpeak_rate="0.0500", sms_rate="0.0600", mb_rate="0.0200",
         increment_seconds=60),
    dict(code="SMART", name="Smart 20 GB", monthly_fee="15.00", included_minutes=600, included_sms=1000,
         included_mb=20000, peak_rate="0.0800", offpeak_rate="0.0400", sms_rate="0.0500", mb_rate="0.0100",
         increment_seconds=30),
    dict(code="MAX", name="Max 100 GB", monthly_fee="30.00", included_minutes=3000, included_sms=5000,
         included_mb=100000, peak_rate="0.0500", offpeak_rate="0.0300", sms_rate="0.0300", mb_rate="0.0050",
         increment_seconds=1),
]
PLAN_SHARE = (0.15, 0.40, 0.33, 0.12)

REGIONS = ("London", "South East", "North West", "Midlands", "Scotland", "Wales", "Yorkshire", "South West")
REGION_SHARE = (0.24, 0.16, 0.13, 0.13, 0.10, 0.07, 0.10, 0.07)
REGION_RTT = (38, 42, 45, 47, 60, 66, 50, 55)          # median downlink RTT (ms) per region

HANDSETS = [  # manufacturer, model, share, quality (1 = best radio / fastest)
    ("Apple", "iPhone 15", 0.08, 1.0), ("Apple", "iPhone 14", 0.10, 0.95), ("Apple", "iPhone 13", 0.09, 0.9),
    ("Apple", "iPhone SE (2022)", 0.05, 0.8), ("Samsung", "Galaxy S23", 0.07, 0.95),
    ("Samsung", "Galaxy A54", 0.09, 0.8), ("Samsung", "Galaxy A14", 0.08, 0.65),
    ("Huawei", "P30 Lite", 0.06, 0.6), ("Huawei", "Mate 20", 0.04, 0.7),
    ("Xiaomi", "Redmi Note 12", 0.08, 0.7), ("Google", "Pixel 7", 0.05, 0.9),
    ("Oppo", "A78", 0.05, 0.65), ("Motorola", "Moto G54", 0.05, 0.6), ("Nokia", "G21", 0.04, 0.5),
    ("Sony", "Xperia 10 V", 0.03, 0.75), ("OnePlus", "Nord CE 3", 0.04, 0.8),
]

FIRST = ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy", "Leo", "Lily",
         "Arthur", "Freya", "Muhammad", "Grace", "Oscar", "Sophia", "Charlie", "Emily", "Jacob", "Ella",
         "Thomas", "Poppy", "Aisha", "Ravi", "Chen", "Priya", "Tomasz", "Zofia", "Kwame", "Fatima", "Liam",
         "Niamh", "Ewan", "Seren", "Rhys", "Morag", "Callum", "Eilidh")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
        "Clarke", "Khan", "Singh", "Ali", "Lewis", "Hughes", "Edwards", "Campbell", "Murray", "Kowalski",
        "Nowak", "Mensah", "Okafor", "Chen", "Wang", "Begum", "Macdonald", "Reid", "Price", "Morgan")

APP_SHARE = (0.22, 0.10, 0.04, 0.24, 0.18, 0.07, 0.15)   # of downlink bytes, on average
APP_UL_RATIO = (0.35, 0.15, 0.60, 0.03, 0.02, 0.25, 0.12)  # uplink / downlink per application

# share of the day's activity by local hour (quiet at night, evening peak)
HOURLY_WEEKDAY = (0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 1.0, 2.5, 4.0, 4.6, 4.8, 5.0, 5.4, 5.2, 5.0, 5.1, 5.4,
                  6.0, 6.8, 7.4, 7.8, 7.0, 5.0, 2.4)
HOURLY_WEEKEND = (1.4, 0.8, 0.5, 0.3, 0.2, 0.2, 0.4, 0.9, 1.8, 3.2, 4.6, 5.4, 5.8, 5.8, 5.6, 5.6, 5.8,
                  6.2, 6.8, 7.4, 7.8, 7.4, 5.8, 3.4)
# per record kind: mean events per active customer-day, weekday and weekend factors
RATES = {"call": (2.8, 1.0, 0.75), "sms": (2.2, 1.0, 0.9), "data": (3.6, 1.0, 1.2)}
INTERNATIONAL_PREFIXES = ("+33", "+49", "+34", "+39", "+48", "+353", "+1", "+91", "+92", "+234", "+86")


@dataclass
class DemoResult:
    customers: int = 0
    closed: int = 0
    joined_in_period: int = 0
    plans_added: int = 0
    calls: int = 0
    sms: int = 0
    data: int = 0
    first_day: date | None = None
    last_day: date | None = None
    accounts: dict[str, str] = field(default_factory=dict)   # new username -> password (shown once)
    leads: int = 0
    listings: int = 0

    @property
    def records(self) -> int:
        return self.calls + self.sms + self.data


def database_is_empty(ctx: AppContext) -> bool:
    """True when there are no customers yet (what `demo load --if-empty` checks)."""
    from telco_console.repositories import demo as demo_repo

    return ctx.db.run(demo_repo.customer_count) == 0


def _msisdn_pool(rng, region: str, n: int, taken: set[str]) -> list[str]:
    """n distinct valid mobile numbers for the region, none of them taken."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        example = phonenumbers.example_number_for_type("GB", phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    keep = max(1, len(national) - 6)
    head = national[:keep]
    out: list[str] = []
    seen = set(taken)
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > n * 50 + 1000:
            raise ValidationError(f"cannot find {n} free demo numbers for region {region}")
        width = len(national) - keep
        # vary the digits after the leading ones; widen the head's last digit for more room
        cand = head[:-1] + str(int(rng.integers(0, 10))) + f"{int(rng.integers(0, 10 ** width)):0{width}d}" \
            if len(head) > 1 else head + f"{int(rng.integers(0, 10 ** width)):0{width}d}"
        num = phonenumbers.parse(f"+{example.country_code}{cand}")
        if not phonenumbers.is_valid_number(num):
            continue
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        if e164 in seen:
            continue
        seen.add(e164)
        out.append(e164)
    return out


def _ensure_plans(ctx: AppContext, result: DemoResult) -> dict[str, int]:
    from telco_console.repositories import plans as plans_repo
    from telco_console.services import plans as plans_service

    ids = {}
    for spec in PLANS:
        existing = ctx.db.run(plans_repo.by_code, spec["code"])
        if existing is None:
            existing = plans_service.add_plan(ctx, **spec)
            result.plans_added += 1
        ids[spec["code"]] = existing["id"]
    return ids


def _ensure_accounts(ctx: AppContext, result: DemoResult) -> AppContext:
    """Accounts admin/analyst/staff with random passwords (only those missing). Returns a context
    signed in as an admin (the new one when the database had no accounts)."""
    from telco_console.repositories import users as users_repo
    from telco_console.services import auth

    if ctx.db.run(users_repo.count) == 0:
        pw = secrets.token_urlsafe(12)
        admin = auth.add_user(ctx, "admin", pw, "admin", bootstrap=True)
        result.accounts["admin"] = pw
        ctx = ctx.with_user(admin)
    for name, role in (("admin", "admin"), ("analyst", "analyst"), ("staff", "staff")):
        if name in result.accounts or ctx.db.run(users_repo.by_username, name):
            continue
        pw = secrets.token_urlsafe(12)
        auth.add_user(ctx, name, pw, role)
        result.accounts[name] = pw
    return ctx


@dataclass
class Population:
    """The demo customers' drawn traits, one array entry per customer (numpy arrays)."""
    n: int
    activity: object            # calls/SMS appetite, heavy-tailed
    data_appetite: object
    plan_idx: object
    region_idx: object
    handset_idx: object
    first_idx: object
    last_idx: object
    joined_in: object           # joined during the period
    start_offset: object        # day (from the first) the customer joined; negative: before the period
    close_offset: object        # day the customer left (days - 1 when not leaving)
    closes: object
    app_pref: object            # per-application share of the customer's data


@dataclass
class Calendar:
    """The period's days: their dates, which are weekends, and the hourly curves."""
    first_day: date
    days: int
    day_dates: object
    weekend: object
    p_weekday: object
    p_weekend: object


@dataclass
class Contacts:
    """The demo leads' phone numbers, and the chance that a call or SMS with a national number is
    with each (skewed, so that some leads are far busier than others)."""
    phones: list[str]
    weights: object


def check_arguments(customers: int, days: int, seed: int) -> None:
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValidationError(f"--customers must be between 1 and {MAX_CUSTOMERS:,}")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"--days must be between 1 and {MAX_DAYS}")
    if not 0 <= seed < 2 ** 32:
        raise ValidationError("--seed must be a whole number from 0 to 4294967295")


def _authorise(ctx: AppContext, bootstrap: bool) -> None:
    from telco_console.repositories import users as users_repo

    if bootstrap:
        if ctx.db.run(users_repo.count) > 0 or not database_is_empty(ctx):
            raise ValidationError("the database is not empty: sign in as an admin to load demo data")
    else:
        ctx.check("demo.load")


def load_demo(ctx: AppContext, customers: int = 1000, days: int = 30, seed: int = 42,
              bootstrap: bool = False, progress: Callable[[int], None] | None = None) -> DemoResult:
    """Load a demo data set. `bootstrap` (no sign-in) is allowed only on a database with no accounts
    and no customers; otherwise an admin must be signed in. `progress(n)` is called with the number
    of customers whose usage was just written."""
    import numpy as np

    check_arguments(customers, days, seed)
    _authorise(ctx, bootstrap)
    result = DemoResult()
    last_day = ctx.now().date() - timedelta(days=1)          # nothing in the future
    first_day = last_day - timedelta(days=days - 1)
    result.first_day, result.last_day = first_day, last_day

    admin_ctx = _ensure_accounts(ctx, result)
    plan_ids = _ensure_plans(admin_ctx, result)
    from telco_console.services.billing.demo_deck import ensure_demo_decks

    ensure_demo_decks(admin_ctx, [p["code"] for p in PLANS])      # calls priced by destination
    rng = np.random.default_rng(seed)
    people = draw_population(rng, customers, days)
    msisdns = _free_numbers(ctx, rng, customers)
    cust_ids = _add_customers(ctx, admin_ctx, people, msisdns, plan_ids, rng, first_day, seed, days)
    result.customers = customers
    result.closed = int(people.closes.sum())
    result.joined_in_period = int(people.joined_in.sum())
    contacts = _add_leads_and_listings(admin_ctx, result, rng, customers, set(msisdns), first_day, days, seed)
    _write_usage(ctx, result, seed, people, cust_ids, calendar(first_day, days), contacts, progress)
    return result


def draw_population(rng, n: int, days: int) -> Population:
    """The customers' traits: appetites, plans, regions, handsets, names, who joins and who leaves."""
    import numpy as np

    activity = rng.lognormal(0.0, 0.75, n)
    data_appetite = (rng.pareto(2.2, n) + 1.0) * rng.lognormal(0.0, 0.5, n)
    plan_idx = rng.choice(len(PLANS), n, p=PLAN_SHARE)
    # heavier users sit on bigger plans more often
    heavy = data_appetite > np.quantile(data_appetite, 0.8)
    plan_idx = np.where(heavy & (rng.random(n) < 0.5), np.minimum(plan_idx + 1, len(PLANS) - 1), plan_idx)
    region_idx = rng.choice(len(REGIONS), n, p=REGION_SHARE)
    hs_share = np.array([h[2] for h in HANDSETS])
    handset_idx = rng.choice(len(HANDSETS), n, p=hs_share / hs_share.sum())
    first_idx = rng.integers(0, len(FIRST), n)
    last_idx = rng.integers(0, len(LAST), n)
    # most joined long before the period; ~15% during it; ~6% leave during it
    joined_in = rng.random(n) < 0.15
    start_offset = np.where(joined_in, rng.integers(0, max(days, 1), n), -rng.integers(30, 3 * 365, n))
    closes = (rng.random(n) < 0.06) & (start_offset < days - 2)
    close_offset = np.where(closes, np.maximum(start_offset + 1, rng.integers(days // 3, days, n)), days + 1)
    close_offset = np.minimum(close_offset, days - 1)
    closes &= close_offset > start_offset
    app_pref = rng.dirichlet(np.array(APP_SHARE) * 12.0, n)
    return Population(n, activity, data_appetite, plan_idx, region_idx, handset_idx, first_idx, last_idx,
                      joined_in, start_offset, close_offset, closes, app_pref)


def calendar(first_day: date, days: int) -> Calendar:
    import numpy as np

    return Calendar(first_day, days,
                    np.array([np.datetime64(first_day + timedelta(days=d), "ms") for d in range(days)]),
                    np.array([(first_day + timedelta(days=d)).weekday() >= 5 for d in range(days)]),
                    np.array(HOURLY_WEEKDAY) / sum(HOURLY_WEEKDAY), np.array(HOURLY_WEEKEND) / sum(HOURLY_WEEKEND))


def _free_numbers(ctx: AppContext, rng, n: int) -> list[str]:
    """n numbers of the operator's region that are not customers yet."""
    from telco_console.repositories import customers as customers_repo

    msisdns = _msisdn_pool(rng, ctx.region, n, set())
    known = ctx.db.run(customers_repo.ids_by_msisdn, msisdns)
    if known:     # numbers already on the books: draw replacements
        keep = [m for m in msisdns if m not in known]
        extra = _msisdn_pool(rng, ctx.region, n - len(keep), set(msisdns) | set(known))
        msisdns = keep + extra
    return msisdns


def customer_rows(people: Population, msisdns: list[str], plan_ids: dict[str, int], rng,
                  first_day: date) -> list[tuple]:
    """The customers table's rows (repositories.demo.CUSTOMER_COLS order)."""
    code_list = [p["code"] for p in PLANS]
    rows = []
    for i in range(people.n):
        first, last = FIRST[people.first_idx[i]], LAST[people.last_idx[i]]
        email = f"{first.lower()}.{last.lower()}{i % 97}@example.net" if rng.random() < 0.7 else None
        created = first_day + timedelta(days=int(people.start_offset[i]))
        closed_on = first_day + timedelta(days=int(people.close_offset[i])) if people.closes[i] else None
        mf, model = HANDSETS[people.handset_idx[i]][:2]
        rows.append((msisdns[i], f"{first} {last}", email, REGIONS[people.region_idx[i]],
                     plan_ids[code_list[people.plan_idx[i]]], f"{mf} {model}",
                     "closed" if people.closes[i] else "active", created, closed_on))
    return rows


def _add_customers(ctx: AppContext, admin_ctx: AppContext, people: Population, msisdns: list[str],
                   plan_ids: dict[str, int], rng, first_day: date, seed: int, days: int):
    """Insert the customers in one transaction (audited); returns their ids in msisdns order."""
    import numpy as np

    from telco_console.repositories import customers as customers_repo
    from telco_console.repositories import demo as demo_repo

    rows = customer_rows(people, msisdns, plan_ids, rng, first_day)
    last_day = first_day + timedelta(days=days - 1)

    def add(conn):
        demo_repo.insert_customers(conn, rows)
        ids = customers_repo.ids_by_msisdn(conn, msisdns)
        admin_ctx.audit(conn, "demo.load", f"{people.n} customers",
                        f"seed {seed}, {days} days {first_day}..{last_day}")
        return [ids[m][0] for m in msisdns]

    return np.array(ctx.db.run(add), dtype=np.int64)


LISTING_KINDS = ("Studio flat", "1-bed flat", "2-bed flat", "3-bed house", "4-bed house", "Office unit",
                 "Shop lease", "Parking space")
LISTING_PRICE = (850, 1100, 1450, 1800, 2600, 3200, 2400, 120)        # a month, before the region's factor
REGION_PRICE = (1.6, 1.2, 0.9, 0.85, 0.9, 0.8, 0.8, 0.95)
LEAD_CONTACT_SHARE = 0.08     # of calls and SMS with a national number: with one of the leads


def leads_and_listings(rng, customers: int, region: str, taken: set[str], first_day: date, days: int,
                       seed: int) -> tuple[list[tuple], list[tuple], Contacts]:
    """Listings (adverts) and the leads who answered them, whose numbers then call and message the
    demo customers: about one lead per 20 customers (5 to 300), one listing per 4 leads."""
    import numpy as np

    n_leads = int(min(300, max(5, customers // 20)))
    n_listings = max(2, n_leads // 4)
    listings = []
    for i in range(n_listings):
        k, r = int(rng.integers(0, len(LISTING_KINDS))), int(rng.choice(len(REGIONS), p=REGION_SHARE))
        price = round(LISTING_PRICE[k] * REGION_PRICE[r] * float(rng.uniform(0.85, 1.2)) / 5) * 5
        listings.append((f"D{seed}-LST{i + 1:03d}", f"{LISTING_KINDS[k]} to let, {REGIONS[r]}", REGIONS[r],
                         f"{price}.00"))
    phones = _msisdn_pool(rng, region, n_leads, taken)
    popular = rng.pareto(1.2, n_listings) + 1.0                   # some listings draw most leads
    listing_of = rng.choice(n_listings, n_leads, p=popular / popular.sum())
    created = rng.integers(0, max(days, 1) * 24 * 60, n_leads)
    leads = [(f"D{seed}-LEAD{i + 1:04d}",
              f"{FIRST[int(rng.integers(0, len(FIRST)))]} {LAST[int(rng.integers(0, len(LAST)))]}",
              phones[i], listings[int(listing_of[i])][0],
              datetime.combine(first_day, datetime.min.time()) + timedelta(minutes=int(created[i])))
             for i in range(n_leads)]
    busy = 1.0 / np.arange(1, n_leads + 1) ** 0.9                 # Zipf-like: a few leads call a lot
    rng.shuffle(busy)
    return listings, leads, Contacts(phones, busy / busy.sum())


def _add_leads_and_listings(ctx: AppContext, result: DemoResult, rng, customers: int, taken: set[str],
                            first_day: date, days: int, seed: int) -> Contacts:
    from telco_console.repositories import leads as leads_repo

    listings, leads, contacts = leads_and_listings(rng, customers, ctx.region, taken, first_day, days, seed)

    def add(conn):
        leads_repo.upsert_listings(conn, listings)
        leads_repo.upsert_leads(conn, leads)
        ctx.audit(conn, "demo.leads", f"{len(leads)} leads", f"{len(listings)} listings, seed {seed}")

    ctx.db.run(add)
    result.leads, result.listings = len(leads), len(listings)
    return contacts


def _write_usage(ctx, result: DemoResult, seed: int, people: Population, cust_ids, cal: Calendar,
                 contacts: Contacts | None, progress) -> None:
    """Generate and write the usage, CHUNK customers per batch: the next chunk is generated in a
    thread while the database takes the current one (LOAD DATA LOCAL through a scratch file; plain
    INSERT when the server refuses it)."""
    from telco_console.repositories import usage

    fast_load = getattr(usage, "load_batch", None)
    with tempfile.TemporaryDirectory(prefix="telco-demo-") as tmpdir:
        scratch = os.path.join(tmpdir, "batch.tsv")
        starts = list(range(0, people.n, CHUNK))
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(usage_chunk, ctx.region, seed, people, cust_ids, cal, contacts, starts[0])
            for i in range(len(starts)):
                calls, sms, data, size = pending.result()
                if i + 1 < len(starts):
                    pending = pool.submit(usage_chunk, ctx.region, seed, people, cust_ids, cal, contacts,
                                          starts[i + 1])
                counts, fast_load = _write_chunk(ctx, fast_load, scratch, calls, sms, data)
                result.calls += counts["call"]
                result.sms += counts["sms"]
                result.data += counts["data"]
                if progress:
                    progress(size)


def _write_chunk(ctx, fast_load, scratch: str, calls, sms, data):
    """(counts, the fast loader or None once the server refused LOAD DATA LOCAL)."""
    from telco_console.errors import DatabaseError
    from telco_console.repositories import usage

    if fast_load is not None:
        try:
            return ctx.db.run(fast_load, SOURCE, None, scratch, calls, sms, data, ctx.tz), fast_load
        except DatabaseError as exc:
            if exc.errno not in LOCAL_INFILE_REFUSED:
                raise
            ctx.notify("the server refuses LOAD DATA LOCAL (local_infile=0): using INSERT, slower")
    return ctx.db.run(usage.write_batch, SOURCE, None, calls, sms, data, ctx.tz), None


def usage_chunk(region: str, seed: int, people: Population, cust_ids, cal: Calendar, contacts: Contacts | None,
                start: int):
    """The records of customers start..start+CHUNK (its own random stream: deterministic)."""
    import numpy as np

    sl = slice(start, min(people.n, start + CHUNK))
    crng = np.random.default_rng([seed, start])
    d_index = np.arange(cal.days)
    active = (d_index[None, :] >= people.start_offset[sl, None]) & (d_index[None, :] <= people.close_offset[sl, None])
    to_close = (people.close_offset[sl, None] - d_index[None, :]).astype(float)
    fade = np.where(people.closes[sl, None], np.clip(to_close / 21.0, 0.15, 1.0), 1.0)   # churners fade out
    base = active * fade
    batch = {}
    for kind, (mean, wd, we) in RATES.items():
        appetite = people.activity[sl] if kind != "data" else np.sqrt(people.data_appetite[sl])
        lam = base * mean * appetite[:, None] * np.where(cal.weekend, we, wd)[None, :]
        counts = crng.poisson(lam)
        ci, di = np.nonzero(counts)
        reps = counts[ci, di]
        ci, di = np.repeat(ci, reps), np.repeat(di, reps)
        k = len(ci)
        hours = np.where(cal.weekend[di], crng.choice(24, k, p=cal.p_weekend), crng.choice(24, k, p=cal.p_weekday))
        ms = hours * 3_600_000 + crng.integers(0, 3_600_000, k)
        started = cal.day_dates[di] + ms.astype("timedelta64[ms]")
        batch[kind] = (ci + start, started, crng, k)
    return (_calls(batch["call"], cust_ids, seed, region, contacts),
            _sms(batch["sms"], cust_ids, seed, region, contacts),
            _data(batch["data"], cust_ids, seed, people.data_appetite, people.app_pref, people.handset_idx,
                  people.region_idx),
            sl.stop - sl.start)


def _with_leads(rng, parties: list[str], intl, contacts: Contacts | None) -> None:
    """Make some of the national other parties the leads' numbers (in place)."""
    import numpy as np

    if not contacts or not contacts.phones:
        return
    k = len(parties)
    pick = (rng.random(k) < LEAD_CONTACT_SHARE) & ~intl
    who = rng.choice(len(contacts.phones), k, p=contacts.weights)
    for j in np.nonzero(pick)[0].tolist():
        parties[j] = contacts.phones[int(who[j])]


def _stamp(started) -> list[str]:
    import numpy as np

    return np.datetime_as_string(started, unit="ms").tolist()


def _refs(seed: int, kind: str, cids) -> list[str]:
    """Natural keys: a customer belongs to one batch, and j is unique within the batch."""
    return [f"{seed}{kind}{c}.{j}" for j, c in enumerate(cids.tolist())]


def _national_numbers(rng, k: int, region: str) -> list[str]:
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE) \
        or phonenumbers.example_number_for_type("GB", phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    head = national[:-6]
    tails = rng.integers(0, 1_000_000, k)
    return [f"+{example.country_code}{head}{t:06d}" for t in tails.tolist()]


def _calls(spec, cust_ids, seed: int, region: str, contacts: Contacts | None = None) -> list[tuple]:
    import numpy as np

    ci, started, rng, k = spec
    if k == 0:
        return []
    out_dir = rng.random(k) < 0.55
    answered = rng.random(k) < np.where(out_dir, 0.78, 0.84)
    talk = np.clip(rng.lognormal(4.4, 1.1, k), 3, 3 * 3600).astype(np.int64)      # median ~80 s
    ring = rng.integers(4, 35, k)
    billsec = np.where(answered, talk, 0)
    duration = billsec + ring
    intl = rng.random(k) < 0.05
    r = rng.random(k)
    disposition = np.where(answered, "ANSWERED", np.where(r < 0.7, "NO ANSWER", np.where(r < 0.92, "BUSY",
                                                                                           "FAILED")))
    parties = _national_numbers(rng, k, region)
    prefixes = rng.integers(0, len(INTERNATIONAL_PREFIXES), k)
    digits = rng.integers(10 ** 8, 10 ** 9, k)
    for j in np.nonzero(intl)[0].tolist():
        parties[j] = f"{INTERNATIONAL_PREFIXES[prefixes[j]]}{digits[j]}"
    _with_leads(rng, parties, intl, contacts)
    cids = cust_ids[ci]
    refs = _refs(seed, "c", cids)
    return list(zip(cids.tolist(), _stamp(started), np.where(out_dir, "out", "in").tolist(), parties,
                    duration.tolist(), billsec.tolist(), answered.astype(int).tolist(), disposition.tolist(),
                    intl.astype(int).tolist(), [SOURCE] * k, refs))


def _sms(spec, cust_ids, seed: int, region: str, contacts: Contacts | None = None) -> list[tuple]:
    import numpy as np

    ci, started, rng, k = spec
    if k == 0:
        return []
    out_dir = rng.random(k) < 0.5
    length = np.clip(rng.gamma(2.0, 30.0, k), 1, 160).astype(int)
    intl = rng.random(k) < 0.03
    parties = _national_numbers(rng, k, region)
    prefixes = rng.integers(0, len(INTERNATIONAL_PREFIXES), k)
    digits = rng.integers(10 ** 8, 10 ** 9, k)
    for j in np.nonzero(intl)[0].tolist():
        parties[j] = f"{INTERNATIONAL_PREFIXES[prefixes[j]]}{digits[j]}"
    _with_leads(rng, parties, intl, contacts)
    cids = cust_ids[ci]
    refs = _refs(seed, "s", cids)
    return list(zip(cids.tolist(), _stamp(started), np.where(out_dir, "out", "in").tolist(), parties,
                    length.tolist(), intl.astype(int).tolist(), [SOURCE] * k, refs))


# share of data sessions without the measure, as in the TellCo xDR file (RTT about a fifth, TCP
# retransmission volumes more than half, throughput and handset rarely)
MISSING = {"rtt": 0.19, "tcp_dl": 0.59, "tcp_ul": 0.65, "tp": 0.0005, "handset": 0.004}


def _missing(rng, values, share: float) -> list:
    """values as a list, each None with probability `share`."""
    drop = (rng.random(len(values)) < share).tolist()
    return [None if d else v for d, v in zip(drop, values.tolist())]


def _data(spec, cust_ids, seed: int, appetite, app_pref, handset_idx, region_idx) -> list[tuple]:
    import numpy as np

    ci, started, rng, k = spec
    if k == 0:
        return []
    duration_ms = np.clip(rng.lognormal(12.9, 1.2, k), 1_000, 24 * 3_600_000).astype(np.int64)  # ~7 min
    ended = started + duration_ms.astype("timedelta64[ms]")
    # downlink volume: per-customer appetite x per-session lognormal (median ~6 MB)
    dl = (rng.lognormal(15.6, 1.4, k) * np.sqrt(appetite[ci])).astype(np.int64) + 2_000
    shares = app_pref[ci] * rng.lognormal(0.0, 0.6, (k, len(APPS)))
    shares /= shares.sum(axis=1, keepdims=True)
    app_dl = (shares * dl[:, None]).astype(np.int64)
    app_ul = (app_dl * np.array(APP_UL_RATIO)[None, :] * rng.lognormal(0.0, 0.3, (k, len(APPS)))).astype(np.int64)
    bytes_dl = app_dl.sum(axis=1)
    bytes_ul = app_ul.sum(axis=1)
    quality = np.array([h[3] for h in HANDSETS])[handset_idx[ci]]
    rtt_base = np.array(REGION_RTT, dtype=float)[region_idx[ci]]
    rtt_dl = np.round(rtt_base * rng.lognormal(0.0, 0.45, k) / (0.6 + 0.4 * quality), 3)
    rtt_ul = np.round(rtt_dl * rng.uniform(0.6, 1.1, k), 3)
    secs = np.maximum(duration_ms / 1000.0, 1.0)
    tp_dl = np.round(np.minimum(bytes_dl * 8 / 1000.0 / secs * rng.uniform(3, 12, k), 300_000) * quality, 3)
    tp_ul = np.round(np.minimum(bytes_ul * 8 / 1000.0 / secs * rng.uniform(3, 12, k), 100_000) * quality, 3)
    retrans_rate = rng.beta(0.6, 80, k) * (1.6 - quality) * (rtt_dl / 45.0)
    retrans_dl = np.where(rng.random(k) < 0.25, 0, bytes_dl * np.minimum(retrans_rate, 0.3)).astype(np.int64)
    retrans_ul = np.where(rng.random(k) < 0.4, 0, bytes_ul * np.minimum(retrans_rate, 0.3) * 0.5).astype(np.int64)
    cids = cust_ids[ci]
    refs = _refs(seed, "d", cids)
    hs = handset_idx[ci].tolist()
    manufacturers = [HANDSETS[h][0] for h in hs]
    models = [f"{HANDSETS[h][0]} {HANDSETS[h][1]}" for h in hs]
    # measures missing at the real TellCo file's rates, so that the analyses' imputation is exercised
    rtt_dl, rtt_ul = _missing(rng, rtt_dl, MISSING["rtt"]), _missing(rng, rtt_ul, MISSING["rtt"])
    tp_dl, tp_ul = _missing(rng, tp_dl, MISSING["tp"]), _missing(rng, tp_ul, MISSING["tp"])
    retrans_dl = _missing(rng, retrans_dl, MISSING["tcp_dl"])
    retrans_ul = _missing(rng, retrans_ul, MISSING["tcp_ul"])
    unknown = rng.random(k) < MISSING["handset"]
    manufacturers = ["undefined" if u else m for u, m in zip(unknown.tolist(), manufacturers)]
    models = ["undefined" if u else m for u, m in zip(unknown.tolist(), models)]
    cid_list = cids.tolist()
    imsi = [f"23415{c:010d}" for c in cid_list]
    imei = [f"35{(c * 7919 + h * 104729) % 10 ** 13:013d}" for c, h in zip(cid_list, hs)]
    cells = rng.integers(1, 400, k)
    location = [f"{REGIONS[r][:3].upper()}-{c:04d}" for r, c in zip(region_idx[ci].tolist(), cells.tolist())]
    app_cols = []
    for a in range(len(APPS)):
        app_cols.append(app_dl[:, a].tolist())
        app_cols.append(app_ul[:, a].tolist())
    return list(zip(cid_list, _stamp(started), _stamp(ended), duration_ms.tolist(), bytes_dl.tolist(),
                    bytes_ul.tolist(), *app_cols, rtt_dl, rtt_ul, tp_dl, tp_ul, retrans_dl, retrans_ul,
                    manufacturers, models, imsi,
                    imei, location, [None] * k, [SOURCE] * k, refs))
