"""calls, sms, data_sessions: batched, idempotent inserts (INSERT IGNORE on the natural key)
and per-customer reads. Every insert belongs to an ingest batch whose rows are added to the
rollups in the same transaction (see rollups.apply_batch)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from telco_console.applications import APPS
from telco_console.clock import zone
from telco_console.repositories import rollups

CALL_COLS = ("customer_id", "started_at", "direction", "other_party", "duration_s", "billsec", "answered",
             "disposition", "international", "source", "source_ref")
SMS_COLS = ("customer_id", "started_at", "direction", "other_party", "length", "international", "source",
            "source_ref")
DATA_COLS = ("customer_id", "started_at", "ended_at", "duration_ms", "bytes_dl", "bytes_ul",
             *[f"{a}_{d}" for a in APPS for d in ("dl", "ul")],
             "rtt_dl_ms", "rtt_ul_ms", "tp_dl_kbps", "tp_ul_kbps", "tcp_retrans_dl_bytes", "tcp_retrans_ul_bytes",
             "handset_manufacturer", "handset_type", "imsi", "imei", "location", "extra", "source", "source_ref")
TABLES = {"call": ("calls", CALL_COLS), "sms": ("sms", SMS_COLS), "data": ("data_sessions", DATA_COLS)}
# a call row may carry its rating worked out at ingest after its CALL_COLS (services.billing.resolution;
# None where there is none): every row of one write has the same width
CALL_RATING_COLS = ("rate_version", "rate_ec", "rate_line", "rate_cost")
UTC_COL = "started_utc"         # written beside every row: its start in UTC (the real instant)


def utc_times(rows: Sequence[Sequence], tz: str) -> list:
    """The start of each row (its started_at: the local time in zone tz, fold honoured, as a
    datetime or ISO text) as the naive UTC instant."""
    from datetime import datetime

    z = zone(tz)
    utc = z.utc
    out = []
    for r in rows:
        at = r[1]
        if type(at) is not datetime:
            try:                        # ISO text; anything else is the server's to refuse
                at = datetime.fromisoformat(at) if isinstance(at, str) else None
            except ValueError:
                at = None
            if at is None or at.tzinfo is not None:
                out.append(None)
                continue
        out.append(utc(at))
    return out


def fill_started_utc(conn, tz: str, first=None, end=None) -> int:
    """Fill started_utc where it is NULL (rows stored before migration 085, or restored from an
    archive made before it), from started_at read in zone tz: UPDATEs over stretches of one UTC
    offset (a time repeated in autumn as its first occurrence), a month at most each and each
    committed (a cluster's write sets stay small). first/end: only started_at in [first, end).
    Returns the rows filled."""
    from datetime import datetime

    from telco_console.repositories.base import execute, fetch_all

    n = 0
    for table, _ in TABLES.values():
        row = fetch_all(conn, f"SELECT MIN(started_at) AS lo, MAX(started_at) AS hi FROM {table}")[0]
        lo, hi = row["lo"], row["hi"]
        if lo is None:
            continue
        lo, hi = max(lo, first) if first else lo, min(hi, end) if end else hi
        for a, b, off in zone(tz).offset_stretches(lo, hi):
            a, b = max(a, first, lo) if first else max(a, lo), min(b, end) if end else b
            while a < b and a <= hi:
                month_end = datetime(a.year + (a.month == 12), a.month % 12 + 1, 1)
                upto = min(b, month_end)
                n += execute(conn, f"UPDATE {table} SET started_utc = started_at - INTERVAL %s SECOND"
                                   " WHERE started_utc IS NULL AND started_at >= %s AND started_at < %s",
                             (off, a.isoformat(sep=" "), upto.isoformat(sep=" ")))
                conn.commit()
                a = upto
    return n


def _columns(kind: str, rows: Sequence[Sequence]) -> tuple[str, tuple]:
    """(table, columns) of rows of a kind: calls with their rating when the rows are that wide."""
    table, cols = TABLES[kind]
    if kind == "call" and len(rows[0]) == len(CALL_COLS) + len(CALL_RATING_COLS):
        return table, cols + CALL_RATING_COLS
    return table, cols


def insert_rows(conn, kind: str, batch_id: int, rows: Sequence[Sequence], tz: str = "UTC") -> int:
    """Insert rows (tuples in the kind's column order; started_at the local time in zone tz)
    under a batch, with their start in UTC; duplicates of the natural key are skipped. Returns
    how many were inserted. Does not touch the rollups."""
    if not rows:
        return 0
    table, cols = _columns(kind, rows)
    sql = (f"INSERT IGNORE INTO {table} ({', '.join(cols)}, batch_id, {UTC_COL}) "
           f"VALUES ({', '.join(['%s'] * (len(cols) + 2))})")
    cur = conn.cursor()
    cur.executemany(sql, [tuple(r) + (batch_id, u) for r, u in zip(rows, utc_times(rows, tz))])
    n = cur.rowcount
    cur.close()
    return max(n, 0)


def write_batch(conn, source: str, import_id: int | None, calls=(), sms=(), data=(),
                tz: str = "UTC") -> dict[str, int]:
    """One batch: a batch id, the inserts, and the rollup update, in the caller's transaction.
    tz: the zone of the rows' local start times (the operator's). Returns {'call': inserted,
    'sms': inserted, 'data': inserted}."""
    batch_id = rollups.new_batch(conn, source, import_id)
    counts = {"call": insert_rows(conn, "call", batch_id, calls, tz),
              "sms": insert_rows(conn, "sms", batch_id, sms, tz),
              "data": insert_rows(conn, "data", batch_id, data, tz)}
    if any(counts.values()):
        rollups.apply_batch(conn, batch_id)
    return counts


# -- LOAD DATA LOCAL INFILE fast path ---------------------------------------------------------
def _tsv_value(v) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "1"
    if v is False:
        return "0"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _tsv_line(r, utc) -> str:
    return "\t".join([_tsv_value(v) for v in r]) + "\t" + _tsv_value(utc) + "\n"


class _Days(dict):
    """'YYYY-MM-DD ' of a date's proleptic ordinal, made once per day met."""

    def __missing__(self, ordinal: int) -> str:
        if len(self) > 100_000:
            self.clear()
        text = self[ordinal] = date.fromordinal(ordinal).isoformat() + " "
        return text


_DAYS = _Days()
_HOURS = [f"{h:02d}:" for h in range(24)]
_MINUTES_SECONDS = [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]


def _stamps(values) -> list[str]:
    """str() of each value: a naive datetime of whole seconds from its day's text and tables of the
    hours, minutes and seconds (a third of the time str() takes), anything else by str()."""
    days, hours, ms = _DAYS, _HOURS, _MINUTES_SECONDS
    return [days[v.toordinal()] + hours[v.hour] + ms[v.minute * 60 + v.second]
            if type(v) is datetime and not v.microsecond and v.tzinfo is None else str(v) for v in values]


# each value as str() gives it (what _tsv_value gives, but for None, booleans and what needs
# escaping: tsv_text checks the text for those), the boolean columns as 1/0 ('d' refuses None),
# and the start in UTC last; ats and utcs: the rows' starts and starts in UTC as _stamps gives them
def _call_lines(rows, ats, utcs) -> list[str]:
    return [f"{c}\t{at}\t{d}\t{o}\t{du}\t{bs}\t{an:d}\t{di}\t{it:d}\t{so}\t{rf}\t{u}\n"
            for (c, _, d, o, du, bs, an, di, it, so, rf), at, u in zip(rows, ats, utcs)]


# a call's rating columns: all four NULL (no rating), or all four values (what IngestResolver gives;
# a row with some of them NULL shows 'None' and takes the long way)
_NO_RATING = "\\N\t\\N\t\\N\t\\N"
_T = "\t"


def _rated_call_lines(rows, ats, utcs) -> list[str]:
    return [f"{c}\t{at}\t{d}\t{o}\t{du}\t{bs}\t{an:d}\t{di}\t{it:d}\t{so}\t{rf}\t"
            f"{_NO_RATING if rv is ec is ln is co is None else f'{rv}{_T}{ec}{_T}{ln}{_T}{co}'}\t{u}\n"
            for (c, _, d, o, du, bs, an, di, it, so, rf, rv, ec, ln, co), at, u in zip(rows, ats, utcs)]


def _sms_lines(rows, ats, utcs) -> list[str]:
    return [f"{c}\t{at}\t{d}\t{o}\t{ln}\t{it:d}\t{so}\t{rf}\t{u}\n"
            for (c, _, d, o, ln, it, so, rf), at, u in zip(rows, ats, utcs)]


_LINES = {"call": _call_lines, "sms": _sms_lines}


def tsv_text(kind: str, rows: Sequence[Sequence], tz: str = "UTC") -> str:
    """The rows as load_rows' scratch file holds them: tab-separated, NULL as \\N, booleans as
    1/0, tabs, line ends and backslashes escaped, each row's start in UTC (zone tz) last. Call
    and SMS rows are formatted whole; the text is then checked for anything that would need
    escaping or a NULL or boolean written as a word (then every value goes through _tsv_value)."""
    utcs = utc_times(rows, tz)
    lines = _LINES.get(kind)
    width = len(_columns(kind, rows)[1]) if rows else 0
    nulls = 0                   # the \N the rating's columns are written with (the only backslashes)
    if lines is not None and rows and width > len(TABLES[kind][1]):
        lines = _rated_call_lines
        nulls = 4 * sum(1 for r in rows if r[len(CALL_COLS)] is None)
    if lines is not None and rows:
        try:
            text = "".join(lines(rows, _stamps([r[1] for r in rows]), _stamps(utcs)))
        except (TypeError, ValueError, IndexError):     # a value of another type, a row of another width
            text = None
        # a None or a boolean outside the boolean columns shows as 'None'/'True'/'False' (a
        # string holding one of these words just takes the long way)
        if (text is not None and text.count("\t") == width * len(rows)
                and text.count("\n") == len(rows) and text.count("\\") == nulls and "\r" not in text
                and "None" not in text and "True" not in text and "False" not in text):
            return text
    return "".join([_tsv_line(r, u) for r, u in zip(rows, utcs)])


def load_rows(conn, kind: str, batch_id: int, rows: Sequence[Sequence], path: str, text: str | None = None,
              tz: str = "UTC") -> int:
    """Like insert_rows, through LOAD DATA LOCAL INFILE ... IGNORE from a scratch file at path
    (tab-separated, written here; text: the rows' tsv_text when already made). Returns how many
    were inserted (duplicates are skipped)."""
    if not rows:
        return 0
    table, cols = _columns(kind, rows)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text if text is not None else tsv_text(kind, rows, tz))
    cur = conn.cursor()
    cur.execute(f"LOAD DATA LOCAL INFILE %s IGNORE INTO TABLE {table} CHARACTER SET utf8mb4"
                f" FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'"
                f" ({', '.join(cols)}, {UTC_COL}) SET batch_id = %s", (path, batch_id))
    n = cur.rowcount
    cur.close()
    return max(n, 0)


LOAD_MIN = 100                  # fewer rows than this are inserted with INSERT IGNORE


@dataclass(slots=True)
class Prepared:
    """Rows of one kind made ready for load_batch before its transaction (so that the work can
    be done while the previous batch is being written): their scratch-file text (None below
    LOAD_MIN rows) and their rollup sums (None when they cannot be summed exactly)."""
    rows: list
    text: str | None
    sums: RollupSums | None

    def __len__(self) -> int:
        return len(self.rows)


def prepare(kind: str, rows: list, regions_for: Callable[[list[int]], dict[int, str]], tz: str = "UTC") -> Prepared:
    """Prepared rows; regions_for(customer ids) gives the customers' regions for the hourly sums
    (load_batch checks them again in its transaction); tz the zone of their local times."""
    sums = rollup_sums(kind, rows, regions_for) if rows else None
    if sums is not None:
        sums.statements()
    return Prepared(rows, tsv_text(kind, rows, tz) if len(rows) >= LOAD_MIN else None, sums)


def load_batch(conn, source: str, import_id: int | None, path: str, calls=(), sms=(), data=(),
               tz: str = "UTC") -> dict[str, int]:
    """write_batch through LOAD DATA LOCAL INFILE (scratch file at path): a batch id, the loads
    and the rollup update, in the caller's transaction. Small batches use INSERT IGNORE. calls,
    sms and data are rows or Prepared rows."""
    batch_id = rollups.new_batch(conn, source, import_id)
    counts, tables = {}, []
    for kind, rows in (("call", calls), ("sms", sms), ("data", data)):
        prep = rows if isinstance(rows, Prepared) else None
        if prep is not None:
            rows = prep.rows
        counts[kind] = n = (load_rows(conn, kind, batch_id, rows, path, prep.text if prep else None, tz)
                            if len(rows) >= LOAD_MIN else insert_rows(conn, kind, batch_id, rows, tz))
        # every row went in (none was a duplicate): the batch's rows are exactly these, so their
        # rollups are summed here rather than read back; otherwise read back by batch id
        if n and not (n == len(rows) and add_rollups(conn, kind, rows, prep.sums if prep else None)):
            tables.append(TABLES[kind][0])
    if tables:
        apply_batch_tables(conn, batch_id, tables)
    return counts


_INT_MAX = 2 ** 31 - 1
_BIGINT_MAX = 2 ** 63 - 1


_ISO_MS = None


def _plain(rows, direction_at: int | None, ints: Sequence[int], flags: Sequence[int],
           bigints: Sequence[int] = (), nullable_bigints: Sequence[int] = ()) -> list | None:
    """The rows' start times (datetimes) when the rows hold exactly what the table will store in
    the columns the rollups read (so a sum of them equals a sum of the stored rows); else None.
    A start time may be a naive datetime or text 'YYYY-MM-DD[T ]HH:MM:SS[.mmm]'."""
    import re
    from datetime import datetime

    global _ISO_MS
    if _ISO_MS is None:
        _ISO_MS = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,3})?")
    times = []
    for r in rows:
        cid, at = r[0], r[1]
        if type(at) is str:
            if not _ISO_MS.fullmatch(at):
                return None
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                return None
        if (type(cid) is not int or not 0 < cid <= _INT_MAX or type(at) is not datetime
                or at.tzinfo is not None or at.microsecond % 1000
                or (direction_at is not None and r[direction_at] not in ("out", "in"))):
            return None
        for i in ints:
            v = r[i]
            if type(v) is not int or not 0 <= v <= _INT_MAX:
                return None
        for i in bigints:
            v = r[i]
            if type(v) is not int or not 0 <= v <= _BIGINT_MAX:
                return None
        for i in nullable_bigints:
            v = r[i]
            if v is not None and (type(v) is not int or not 0 <= v <= _BIGINT_MAX):
                return None
        for i in flags:
            if r[i] not in (0, 1):
                return None
        times.append(at)
    return times


@dataclass(slots=True)
class RollupSums:
    """What add_rollups adds for some rows: usage_daily, usage_monthly and usage_hourly sums, and
    the regions of the rows' customers the hourly sums were made with."""
    kind: str
    ids: list                   # the rows' customer ids, sorted
    regions: dict               # customer id -> region (customers that exist)
    daily: dict                 # (customer id, day) -> sums of the kind's daily columns
    monthly: dict               # (customer id, first day of the month) -> the same sums per month
    hourly: dict                # (day, hour, region) -> sums of the kind's hourly columns
    sql: list | None = None     # the statements that add them, once made

    def statements(self) -> list[tuple[str, list]]:
        """(sql, params) adding the sums to usage_daily, usage_monthly, then usage_hourly."""
        if self.sql is None:
            table = _ROLLUP_KINDS[self.kind][0]
            self.sql = (_upsert_statements("usage_daily", ("customer_id", "day"), tuple(rollups._DAILY[table]),
                                           self.daily)
                        + _upsert_statements("usage_monthly", ("customer_id", "month"),
                                             tuple(rollups._DAILY[table]), self.monthly)
                        + _upsert_statements("usage_hourly", ("day", "hour", "region"),
                                             tuple(rollups._HOURLY[table]), self.hourly))
        return self.sql


# kind -> (table, index of direction, int columns, 0/1 columns, bigint columns, bigint-or-NULL
# columns) of the rows, as _plain checks them
_ROLLUP_KINDS = {"call": ("calls", 2, (5,), (6, 8), (), ()), "sms": ("sms", 2, (), (5,), (), ()),
                 "data": ("data_sessions", None, (), (), (3, 4, 5), tuple(range(6, 6 + 2 * len(APPS))))}


def regions_of(conn, ids: Sequence[int]) -> dict[int, str]:
    """{customer id: region} for the ids that are customers (one query per 1,000)."""
    from telco_console.repositories.base import fetch_all

    region: dict[int, str] = {}
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        for row in fetch_all(conn, "SELECT id, region FROM customers WHERE id IN ("
                             + ", ".join(["%s"] * len(chunk)) + ")", chunk):
            region[row["id"]] = row["region"]
    return region


def rollup_sums(kind: str, rows: Sequence[Sequence], regions_for: Callable[[list[int]], dict[int, str]]
                ) -> RollupSums | None:
    """The sums add_rollups writes for call, SMS or data session rows (the same sums as
    rollups.apply_batch), with regions_for(customer ids) -> {id: region}; None when the rows are
    not ones that can be summed exactly."""
    spec = _ROLLUP_KINDS.get(kind)
    if spec is None:
        return None
    table, direction_at, ints, flags, bigints, nullable = spec
    times = _plain(rows, direction_at, ints, flags, bigints, nullable)
    if times is None:
        return None
    nhourly = len(rollups._HOURLY[table])
    # a new day's sums: 0, and NULL (None) for the application columns, which SUM leaves NULL
    # until a session records the application
    empty = [None if c in rollups.APP_COLS else 0 for c in rollups._DAILY[table]]
    ids = sorted({r[0] for r in rows})
    region = regions_for(ids)
    daily: dict[tuple, list] = {}
    hourly: dict[tuple, list] = {}
    for r, at in zip(rows, times):
        day = at.date()
        out = r[2] == "out"
        d = daily.get((r[0], day))
        if d is None:
            d = daily[(r[0], day)] = list(empty)
        reg = region.get(r[0])          # the SQL joins customers: a row without one is not counted
        h = None
        if reg is not None:
            h = hourly.get((day, at.hour, reg))
            if h is None:
                h = hourly[(day, at.hour, reg)] = [0] * nhourly
        if kind == "call":
            billsec = r[5]
            if out:                     # calls_out, calls_in, calls_answered_out, call_seconds_out, _in, intl
                d[0] += 1
                d[2] += 1 if r[6] else 0
                d[3] += billsec
            else:
                d[1] += 1
                d[4] += billsec
            d[5] += 1 if r[8] else 0
            if h is not None:           # calls, call_seconds
                h[0] += 1
                h[1] += billsec
        elif kind == "sms":
            d[0 if out else 1] += 1     # sms_out, sms_in
            if h is not None:
                h[0] += 1
        else:                           # data_sessions, data_duration_ms, bytes_dl, bytes_ul, apps
            d[0] += 1
            d[1] += r[3]
            d[2] += r[4]
            d[3] += r[5]
            for k in range(len(rollups.APPS)):      # SUM(app_dl + app_ul): a NULL side adds nothing
                dl, ul = r[6 + 2 * k], r[7 + 2 * k]
                if dl is not None and ul is not None:
                    d[4 + k] = dl + ul if d[4 + k] is None else d[4 + k] + dl + ul
            if h is not None:           # data_sessions, bytes_total
                h[0] += 1
                h[1] += r[4] + r[5]
    monthly: dict[tuple, list] = {}
    for (cid, day), d in daily.items():
        m = monthly.get((cid, day.replace(day=1)))
        if m is None:
            monthly[(cid, day.replace(day=1))] = list(d)
        else:
            for i, v in enumerate(d):
                if v is not None:
                    m[i] = v if m[i] is None else m[i] + v
    return RollupSums(kind, ids, {i: region[i] for i in ids if i in region}, daily, monthly, hourly)


def _regions_unchanged(conn, sums: RollupSums) -> bool:
    """Whether the customers among sums.ids are exactly those of sums.regions, each still in
    that region (byte for byte): one row back, whatever the number of customers."""
    from telco_console.repositories.base import fetch_all

    by_region: dict[str, list[str]] = {}
    for i, reg in sums.regions.items():
        by_region.setdefault(reg, []).append(str(i))
    same = " OR ".join(f"(region = CAST(%s AS BINARY) AND id IN ({', '.join(ids)}))"
                       for ids in by_region.values()) or "FALSE"
    # the ids are ints (rollup_sums only sums int customer ids): written as literals
    row = fetch_all(conn, f"SELECT COUNT(*) AS n, COALESCE(SUM({same}), 0) AS same FROM customers"
                          f" WHERE id IN ({', '.join(map(str, sums.ids))})", list(by_region))[0]
    return int(row["n"]) == len(sums.regions) == int(row["same"])


def add_rollups(conn, kind: str, rows: Sequence[Sequence], sums: RollupSums | None = None) -> bool:
    """Add call, SMS or data session rows that were all inserted to usage_daily, usage_monthly and
    usage_hourly, summed here (the same sums as rollups.apply_batch). sums: rollup_sums of these
    rows made beforehand, used when the customers' regions are still the ones they were made with.
    Returns False, having written nothing, when the rows are not ones it can sum exactly (the
    caller then reads the batch back)."""
    from telco_console.repositories.base import execute

    if sums is not None and sums.kind == kind:
        if not _regions_unchanged(conn, sums):      # a customer's region changed meanwhile: sum again
            region = regions_of(conn, sums.ids)
            sums = rollup_sums(kind, rows, lambda ids: region)
    else:
        sums = rollup_sums(kind, rows, lambda ids: regions_of(conn, ids))
    if sums is None:
        return False
    for sql, params in sums.statements():
        execute(conn, sql, params)
    return True


def _upsert_statements(table: str, keys: Sequence[str], cols: Sequence[str], sums: dict) -> list[tuple[str, list]]:
    """(sql, params) of INSERT ... ON DUPLICATE KEY UPDATE col = col + VALUES(col) (NULL-aware
    for the application columns), in key order, 1,000 rows a statement. Numbers and dates are written
    as literals (they are ints and dates, nothing else: '%d' refuses anything else); text keys (the
    region) go as parameters."""
    from datetime import date

    items = sorted(sums.items())
    names = ", ".join((*keys, *cols))
    upd = rollups.upsert_terms(cols)
    out = []
    if not items:
        return out
    # one %-format for a row, from the types of the first key (rollup_sums makes every key of a
    # table of the same types: customer id and hour ints, day a date, region a string)
    first = items[0][0]
    text_at = [i for i, k in enumerate(first) if type(k) is not int and type(k) is not date]
    key_fmt = ["%d" if type(k) is int else "'%s'" if type(k) is date else "%%s" for k in first]
    val_fmt = ["%d"] * len(cols)
    nullable = [i for i, c in enumerate(cols) if c in rollups.APP_COLS]
    if nullable:                    # an application's bytes may be None: NULL, else the int
        for i in nullable:
            val_fmt[i] = "%s"
        # '%d' as in row_fmt (not an f-string): the same check that the value is a number
        items = [(key, [v if i not in nullable else "NULL" if v is None else "%d" % v  # noqa: UP031
                        for i, v in enumerate(vals)])
                 for key, vals in items]
    row_fmt = "(" + ", ".join(key_fmt + val_fmt) + ")"
    for i in range(0, len(items), 1000):
        chunk = items[i:i + 1000]
        if text_at:
            lit_at = [j for j in range(len(first)) if j not in text_at]
            values = [row_fmt % (*[key[j] for j in lit_at], *vals) for key, vals in chunk]
        else:
            values = [row_fmt % (*key, *vals) for key, vals in chunk]
        params = [key[j] for key, _ in chunk for j in text_at]
        out.append((f"INSERT INTO {table} ({names}) VALUES {', '.join(values)} ON DUPLICATE KEY UPDATE {upd}",
                    params))
    return out


BATCH_INDEX = rollups.BATCH_INDEX


def apply_batch_tables(conn, batch_id: int, tables: Sequence[str]) -> None:
    """rollups.apply_batch for the given record tables only (a batch of calls has nothing to add
    from sms or data_sessions, so their statements are skipped)."""
    from telco_console.repositories.base import execute

    for table in tables:
        # read the batch through its index: left to itself, the optimizer may walk all of a
        # customer's calls (the join order customers -> calls), which grows with the table
        hint = f"FORCE INDEX ({BATCH_INDEX[table]})"
        cols = rollups._DAILY[table]
        names, exprs = ", ".join(cols), ", ".join(cols.values())
        upd = rollups.upsert_terms(cols)
        execute(conn, f"INSERT INTO usage_daily (customer_id, day, {names})"
                      f" SELECT t.customer_id, DATE(t.started_at), {exprs} FROM {table} t {hint}"
                      f" WHERE t.batch_id = %s GROUP BY t.customer_id, DATE(t.started_at)"
                      f" ON DUPLICATE KEY UPDATE {upd}", (batch_id,))
        execute(conn, rollups.monthly_from_batch_sql(table), (batch_id,))
        cols = rollups._HOURLY[table]
        names, exprs = ", ".join(cols), ", ".join(cols.values())
        upd = rollups.upsert_terms(cols)
        execute(conn, f"INSERT INTO usage_hourly (day, hour, region, {names})"
                      f" SELECT DATE(t.started_at), HOUR(t.started_at), c.region, {exprs}"
                      f" FROM {table} t {hint} STRAIGHT_JOIN customers c ON c.id = t.customer_id"
                      f" WHERE t.batch_id = %s GROUP BY DATE(t.started_at), HOUR(t.started_at), c.region"
                      f" ON DUPLICATE KEY UPDATE {upd}", (batch_id,))

