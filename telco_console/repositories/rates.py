"""rate_decks, their versions, entries and rate groups; the deck's SQL pieces for the bill run
(which version is in force, the set-based destination of each call, the per-call cost)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import NamedTuple

from telco_console.repositories.base import fetch_all, fetch_one, fetch_value, insert

BEGINNING = datetime(1000, 1, 1)
ENTRY_COLS = ("version_id", "entry_no", "prefix", "destination", "dest_group", "name", "timing", "years", "months",
              "month_days", "weekdays", "start_time", "weight", "connect_fee", "max_cost", "max_cost_strategy",
              "rounding", "decimals", "covered")
GROUP_COLS = ("version_id", "entry_no", "start_s", "end_s", "rate", "unit_s", "increment_s", "base_cost")
TWENTY = Decimal("1e-20")
CHUNK = 5000


def deck_by_name(conn, name: str, for_update: bool = False) -> dict | None:
    return fetch_one(conn, "SELECT id, name, kind, created_at FROM rate_decks WHERE name = %s"
                     + (" FOR UPDATE" if for_update else ""), (name,))


def deck_by_id(conn, deck_id: int) -> dict | None:
    return fetch_one(conn, "SELECT id, name, kind, created_at FROM rate_decks WHERE id = %s", (deck_id,))


def add_deck(conn, name: str, kind: str) -> int:
    return insert(conn, "INSERT INTO rate_decks (name, kind) VALUES (%s, %s)", (name, kind))


def list_decks(conn) -> list[dict]:
    return fetch_all(conn, """
SELECT d.id, d.name, d.kind, COUNT(v.id) AS versions, MAX(v.version) AS latest,
       (SELECT GROUP_CONCAT(p.code ORDER BY p.code SEPARATOR ', ') FROM plans p WHERE p.deck_id = d.id) AS plans
FROM rate_decks d LEFT JOIN rate_deck_versions v ON v.deck_id = d.id
GROUP BY d.id, d.name, d.kind ORDER BY d.name""")


def versions(conn, deck_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT id, version, effective_from, source, rating_plan, entries, imported_at, imported_by"
                           " FROM rate_deck_versions WHERE deck_id = %s ORDER BY version", (deck_id,))


def version_at(conn, deck_id: int, at: datetime) -> dict | None:
    """The version in force at a local time: the latest effective_from not after it."""
    return fetch_one(conn, "SELECT id, version, effective_from FROM rate_deck_versions WHERE deck_id = %s"
                           " AND effective_from <= %s ORDER BY effective_from DESC, version DESC LIMIT 1",
                     (deck_id, at))


def add_version(conn, deck_id: int, effective_from: datetime, source: str, rating_plan: str | None,
                entries: int, at: datetime, username: str) -> tuple[int, int]:
    number = fetch_value(conn, "SELECT COALESCE(MAX(version), 0) + 1 FROM rate_deck_versions WHERE deck_id = %s",
                         (deck_id,))
    vid = insert(conn, "INSERT INTO rate_deck_versions (deck_id, version, effective_from, source, rating_plan,"
                       " entries, imported_at, imported_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 (deck_id, number, effective_from, source[:255], rating_plan, entries, at, username))
    return vid, number


def _csv_set(values) -> str:
    return ",".join(str(v) for v in sorted(values))


def write_entries(conn, version_id: int, entries) -> None:
    """Every entry and rate group of a version, in multi-row inserts."""
    erows, grows = [], []
    days: dict[str, set] = {}
    for e in entries:      # a prefix is complete when its entries from 00:00 on, any month, cover all 7 days
        if e.start == time(0) and not (e.years or e.months or e.month_days):
            days.setdefault(e.prefix, set()).update(e.weekdays or range(1, 8))
    for no, e in enumerate(entries, 1):
        erows.append((version_id, no, e.prefix, e.destination, e.group, e.name, e.timing, _csv_set(e.years),
                      _csv_set(e.months), _csv_set(e.month_days), _csv_set(e.weekdays), e.start, e.weight,
                      e.connect_fee, e.max_cost, e.max_cost_strategy, e.rounding, e.decimals, int(e.covered)))
        gs = sorted(e.groups, key=lambda g: g.start_s)
        base = Decimal(0)
        for i, g in enumerate(gs):
            end = gs[i + 1].start_s if i + 1 < len(gs) else None
            grows.append((version_id, no, g.start_s, end, g.rate, g.unit_s, g.increment_s, base.quantize(TWENTY)))
            if end is not None:       # a call past this group pays all of it, rounded up to its increment
                with localcontext() as c:
                    c.prec = 60
                    base += Decimal(-(-(end - g.start_s) // g.increment_s) * g.increment_s) * g.rate / g.unit_s
    prows = [(version_id, p, int(len(days.get(p, ())) == 7)) for p in sorted({e.prefix for e in entries})]
    cur = conn.cursor()
    for table, cols, rows in (("rate_entries", ENTRY_COLS, erows), ("rate_groups", GROUP_COLS, grows),
                              ("rate_prefixes", ("version_id", "prefix", "complete"), prows)):
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        for i in range(0, len(rows), CHUNK):
            cur.executemany(sql, rows[i:i + CHUNK])
    # the bill lines of the version's destination groups and timings not met before (rate_lines is
    # shared by every deck; compared in the columns' collation, as the bill's GROUP BY compares them)
    # and each entry's line
    cur.execute("INSERT INTO rate_lines (dest_group, timing)"
                " SELECT MIN(e.dest_group), MIN(e.timing) FROM rate_entries e WHERE e.version_id = %s"
                " AND NOT EXISTS (SELECT 1 FROM rate_lines l WHERE l.dest_group = e.dest_group AND l.timing = e.timing)"
                " GROUP BY e.dest_group, e.timing ORDER BY MIN(e.entry_no)"
                " ON DUPLICATE KEY UPDATE dest_group = rate_lines.dest_group", (version_id,))
    cur.execute("UPDATE rate_entries e JOIN rate_lines l ON l.dest_group = e.dest_group AND l.timing = e.timing"
                " SET e.line_no = l.line_no WHERE e.version_id = %s", (version_id,))
    cur.close()


def _as_time(v) -> time:
    if isinstance(v, timedelta):
        s = int(v.total_seconds())
        return time(s // 3600, s // 60 % 60, s % 60)
    return v


def _entries(conn, version_id: int, where: str, params: tuple, tail: str = "") -> list[dict]:
    rows = fetch_all(conn, "SELECT " + ", ".join(f"e.{c}" for c in ENTRY_COLS) + ", e.line_no"
                     + " FROM rate_entries e WHERE e.version_id = %s" + where + tail, (version_id, *params))
    if not rows:
        return rows
    nos = sorted({r["entry_no"] for r in rows})
    groups: dict[int, list] = {}
    for i in range(0, len(nos), 1000):
        chunk = nos[i:i + 1000]
        for g in fetch_all(conn, "SELECT entry_no, start_s, rate, unit_s, increment_s FROM rate_groups"
                                 " WHERE version_id = %s AND entry_no IN (" + ", ".join(["%s"] * len(chunk)) + ")"
                                 " ORDER BY entry_no, start_s", (version_id, *chunk)):
            groups.setdefault(g["entry_no"], []).append(g)
    for r in rows:
        r["start_time"] = _as_time(r["start_time"])
        r["groups"] = groups.get(r["entry_no"], [])
    return rows


def entries_for_prefixes(conn, version_id: int, prefixes: list[str]) -> list[dict]:
    if not prefixes:
        return []
    return _entries(conn, version_id, " AND e.prefix IN (" + ", ".join(["%s"] * len(prefixes)) + ")",
                    tuple(prefixes))


def all_entries(conn, version_id: int) -> list[dict]:
    return _entries(conn, version_id, "", ())


def count_entries(conn, version_id: int, prefix_like: str | None = None) -> int:
    if prefix_like:
        return fetch_value(conn, "SELECT COUNT(*) FROM rate_entries WHERE version_id = %s AND prefix LIKE %s",
                           (version_id, prefix_like + "%"))
    return fetch_value(conn, "SELECT COUNT(*) FROM rate_entries WHERE version_id = %s", (version_id,))


def page_entries(conn, version_id: int, offset: int, limit: int, prefix_like: str | None = None) -> list[dict]:
    where, params = "", ()
    if prefix_like:
        where, params = " AND e.prefix LIKE %s", (prefix_like + "%",)
    return _entries(conn, version_id, where, params,
                    f" ORDER BY e.prefix, e.start_time, e.name, e.entry_no LIMIT {int(limit)} OFFSET {int(offset)}")



def deck_of_plan(conn, plan_id: int) -> int | None:
    return fetch_value(conn, "SELECT deck_id FROM plans WHERE id = %s", (plan_id,))


# -- the bill run's deck rating (CTEs appended to repositories.bills.rating_sql) ---------------------

def _rounded(expr: str, method: str) -> str:
    """The deck's rounding of a DECIMAL expression to the entry's decimals (0-8), exact in DECIMAL."""
    parts = []
    for d in range(9):
        f = 10 ** d
        if method == "*up":
            parts.append(f"WHEN {d} THEN CEILING({expr} * {f}) / {f}")
        elif method == "*down":
            parts.append(f"WHEN {d} THEN FLOOR({expr} * {f}) / {f}")
        else:
            parts.append(f"WHEN {d} THEN ROUND({expr}, {d})")
    return "CASE e.decimals " + " ".join(parts) + " END"


# plan segments (of each kind, see Drives) from which the rating reads the period's rows in their
# stored order (one pass over the partition) rather than each segment's rows through its index
CALLS_DRIVE_MIN = 1000
NO_DECK_CTES = """,
dsum AS (
  SELECT CAST(NULL AS SIGNED) AS customer_id, ROUND(CAST(0 AS DECIMAL(20,8)), %(minor)s) AS deck_amount,
         CAST(NULL AS CHAR) AS deck_lines, 0 AS unrated_n, 0 AS deck_n FROM DUAL WHERE FALSE
)"""


class Drives(NamedTuple):
    """How the rating of a materialised `cust` table reads its rows: 'calls' (CALLS_DRIVE_MIN such
    segments or more: the period's rows in their stored order, one pass over the month's partition,
    each row joined to its segment) or 'cust' (each segment's rows through the table's index on
    customer and start); the same result either way."""
    deck: str      # decked calls ('none' with no decked segment: the deck's CTEs are left out)
    plain: str     # calls of plain segments
    usage: str     # SMS and data sessions of every segment


CUST_DRIVES = Drives("cust", "cust", "cust")


def drives(conn, cust_table: str) -> Drives:
    """The Drives of a materialised `cust` table, from one count of its segments."""
    r = fetch_one(conn, f"SELECT COUNT(*) AS n, COALESCE(SUM(deck_id IS NOT NULL), 0) AS decked FROM {cust_table}")
    n, decked = int(r["n"]), int(r["decked"])

    def by(count: int) -> str:
        return "calls" if count >= CALLS_DRIVE_MIN else "cust"
    return Drives("none" if not decked else by(decked), by(n - decked), by(n))


def deck_ctes(cust: str = "cust", drive: str = "cust", lines_table: str | None = None) -> str:
    """CTEs (each starting with a comma) that rate the calls of customers on decked plans: `dsum` holds one
    row per such customer with deck_amount (the sum of its destination-group lines, each rounded half-up
    to the minor unit once), deck_lines (JSON: group, minutes, minutes by timing, amount), deck_n (how
    many such lines) and unrated_n (calls no entry covers, and calls whose number is not resolved yet
    for the version in force: the caller resolves them with resolve_numbers() and rates again). `cust`
    must give one row per customer and plan segment: customer_id, hfrom/hto (the segment's days),
    deck_id, inc (the plan's increment) and allow_s (its allowance). Named parameters: start, end, minor.

    Set-based: the version in force at each call's start; the call's entry and its cost for all its
    seconds as stored with it at ingest (calls.rate_*) while that version is the one in force, else
    the number's chain (rate_number_chains) and the entry of that chain at the call's weekday and
    time of day (rate_chain_slices: one index probe; for a general chain, the first of its entries by
    prefix length, latest timing start, weight, name); covered calls take the allowance in
    chronological order; a call charged fewer seconds than it lasted, or without a stored cost, is
    priced from the rate group its charged seconds end in (the earlier ones summed at import);
    per-call cost at the deck's precision, summed per customer and bill line (rate_lines: one per
    destination group and timing, shared by every deck; a call rated at ingest stores its entry's
    line, the others read it from their entry), then one line per destination group.
    drive: Drives.deck (the same result whichever the order). lines_table: the lines from a
    table made with deck_line_ctes() (one row per customer and destination group, as `dgl`) instead
    of worked out here; deck_lines is then NULL (the bill run writes its lines from that table)."""
    if lines_table:
        return _dsum(lines_table, "CAST(NULL AS CHAR)")
    if drive == "none":
        return NO_DECK_CTES
    return deck_line_ctes(cust, drive) + _dsum("dgl", """JSON_ARRAYAGG(IF(dest_group IS NULL, NULL, JSON_OBJECT(
           'g', dest_group, 'min', CAST(s / 60 AS CHAR), 'amt', CAST(amount AS CHAR), 'by', by_timing)))""")


def _dsum(source: str, lines: str) -> str:
    """The `dsum` CTE over destination lines (`dgl`, or a table of them); lines: its deck_lines."""
    return f""",
dsum AS (
  SELECT customer_id, SUM(IF(dest_group IS NULL, 0, amount)) AS deck_amount, {lines} AS deck_lines,
         SUM(IF(dest_group IS NULL, n, 0)) AS unrated_n, SUM(dest_group IS NOT NULL) AS deck_n
  FROM {source} GROUP BY customer_id
)"""


def deck_line_ctes(cust: str, drive: str) -> str:
    """The CTEs of deck_ctes() up to `dgl`: one row per decked customer and destination group with
    dest_group (NULL for the calls counted unrated), s (seconds), amount (rounded to the minor unit
    once), n (calls) and by_timing (minutes by timing, '' where the group has ALWAYS alone).
    drive: 'cust' or 'calls' (Drives.deck)."""
    if drive == "calls":
        source = f"calls k STRAIGHT_JOIN {cust} cu ON cu.customer_id = k.customer_id AND cu.deck_id IS NOT NULL"
    else:
        source = f"{cust} cu STRAIGHT_JOIN calls k ON k.customer_id = cu.customer_id AND cu.deck_id IS NOT NULL"
    # a call's entry: the one stored with it at ingest while its version is the one in force, else
    # its number's chain's (the slice of its weekday and time; for a general chain, the first of
    # the chain's entries in force), evaluated only for the calls without a stored one
    stored = "k.rate_version = dv.version_id"
    chained = CHAINED_ENTRY
    return f""",
{versions_cte(f"SELECT deck_id FROM {cust} WHERE deck_id IS NOT NULL")},
dk AS (
  SELECT k.customer_id, cu.hfrom, k.id, k.started_at, k.started_utc, k.billsec, dv.version_id,
         (k.billsec + cu.inc - 1) DIV cu.inc * cu.inc AS r, cu.allow_s,
         IF({stored}, k.rate_ec, ({chained})) AS ec, IF({stored}, k.rate_line, NULL) AS ln,
         IF({stored}, k.rate_cost, NULL) AS full_cost
  FROM {source}
    AND k.started_at >= cu.hfrom AND (cu.hto IS NULL OR k.started_at < cu.hto)
  JOIN dv ON dv.deck_id = cu.deck_id AND k.started_at >= dv.vfrom AND k.started_at < dv.vto
  WHERE k.started_at >= %(start)s AND k.started_at < %(end)s AND k.direction = 'out' AND k.answered = 1
    AND k.billsec > 0
),
de AS (
  SELECT customer_id, id, version_id, ec DIV 2 AS entry_no, ln, billsec, r, allow_s,
         ec MOD 2 AS covered, full_cost,
         SUM(IF(ec MOD 2 = 1, r, 0)) OVER (PARTITION BY customer_id, hfrom ORDER BY started_utc, id
                                          ROWS UNBOUNDED PRECEDING) AS cum
  FROM dk
),
dx AS (
  SELECT de.customer_id, de.billsec, de.version_id, de.entry_no, de.full_cost,
         IF(de.ln IS NULL AND de.entry_no IS NOT NULL, ({LINE_OF_ENTRY}), de.ln) AS ln,
         CASE WHEN de.entry_no IS NULL THEN 0
              WHEN de.covered THEN LEAST(de.billsec, GREATEST(0, de.cum - GREATEST(de.cum - de.r, de.allow_s)))
              ELSE de.billsec END AS secs
  FROM de
),
dce AS (
  SELECT customer_id, ln, SUM(billsec) AS s, COUNT(*) AS n,
         SUM(CASE WHEN secs = 0 THEN 0 WHEN secs = billsec AND full_cost IS NOT NULL THEN full_cost
                  ELSE ({CHARGED_COST}) END) AS cost
  FROM dx GROUP BY customer_id, ln
),
dgl AS (
  SELECT d.customer_id, l.dest_group, SUM(d.s) AS s, ROUND(SUM(d.cost), %(minor)s) AS amount, SUM(d.n) AS n,
         IF(MAX(l.timing) = 'ALWAYS' AND MIN(l.timing) = 'ALWAYS', '',
            GROUP_CONCAT(CONCAT(l.timing, ' ', TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM
                         CAST(ROUND(d.s / 60, 2) AS CHAR)))) ORDER BY l.timing SEPARATOR ', ')) AS by_timing
  FROM dce d LEFT JOIN rate_lines l ON l.line_no = d.ln
  GROUP BY d.customer_id, l.dest_group
)"""


def versions_cte(decks: str) -> str:
    """The `dv` CTE: each version of the decks that `decks` (a SELECT of deck ids) gives, with the
    moments it is in force, [vfrom, vto): from its effective_from to the next version's."""
    return f"""dv AS (
  SELECT v.id AS version_id, v.deck_id, v.effective_from AS vfrom,
         COALESCE(LEAD(v.effective_from) OVER (PARTITION BY v.deck_id ORDER BY v.effective_from, v.version),
                  CAST('9999-12-31 00:00:00' AS DATETIME(3))) AS vto
  FROM rate_deck_versions v WHERE v.deck_id IN ({decks})
)"""


# the bill line of a call's entry (de: version_id, entry_no), for a call without a stored one
LINE_OF_ENTRY = "SELECT e.line_no FROM rate_entries e WHERE e.version_id = de.version_id AND e.entry_no = de.entry_no"

# the entry choice, ordered as in decks.find_entry: longest prefix (with '+' first), then latest
# timing start, weight, name (entry_no last, the deck's order)
ENTRY_ORDER = "cp.k DESC, e.start_time DESC, e.weight DESC, e.name, e.timing, e.entry_no"

# the entry of a call (k) whose number's chain (nc) is general, chosen among the chain's entries
GENERAL_ENTRY = f"""SELECT e.entry_no * 2 + e.covered FROM rate_chain_prefixes cp
           JOIN rate_entries e ON e.version_id = nc.version_id AND e.prefix = cp.prefix
           WHERE cp.chain_id = nc.chain_id
             AND (e.weekdays = '' OR FIND_IN_SET(WEEKDAY(k.started_at) + 1, e.weekdays) > 0)
             AND (e.months = '' OR FIND_IN_SET(MONTH(k.started_at), e.months) > 0)
             AND (e.month_days = '' OR FIND_IN_SET(DAYOFMONTH(k.started_at), e.month_days) > 0)
             AND (e.years = '' OR FIND_IN_SET(YEAR(k.started_at), e.years) > 0)
             AND e.start_time <= TIME(k.started_at)
           ORDER BY {ENTRY_ORDER} LIMIT 1"""


# the entry of a call (k) whose number's chain (nc) is not general: its slice's
SLICE_ENTRY = """SELECT s.entry_no * 2 + s.covered FROM rate_chain_slices s WHERE s.chain_id = nc.chain_id
             AND s.weekday = WEEKDAY(k.started_at) + 1 AND s.t_from <= TIME(k.started_at)
             AND s.t_to > TIME(k.started_at)"""


# the entry of a call (k) from its number's chain for version dv (entry_no * 2 + covered), or NULL
# when the number is not resolved for that version or no entry covers it then
CHAINED_ENTRY = (f"SELECT IF(nc.general, ({GENERAL_ENTRY}), ({SLICE_ENTRY})) FROM rate_number_chains nc"
                 " WHERE nc.version_id = dv.version_id AND nc.num = k.other_party")


def _charged_cost() -> str:
    """The cost of a call (dx: version_id, entry_no, secs > 0 charged seconds) on its entry: the
    connection fee plus its rate group (the earlier groups summed at import), capped, then rounded."""
    gc = ("COALESCE(g.base_cost + (dx.secs - g.start_s + g.increment_s - 1) DIV g.increment_s * g.increment_s"
          " * CAST(g.rate AS DECIMAL(50,20)) / g.unit_s, 0)")
    capped = f"IF(e.max_cost > 0, LEAST(e.connect_fee + {gc}, e.max_cost), e.connect_fee + {gc})"
    rounded = (f"CASE e.rounding WHEN '*up' THEN {_rounded(capped, '*up')} WHEN '*down' THEN "
               f"{_rounded(capped, '*down')} ELSE {_rounded(capped, '*middle')} END")
    return (f"SELECT {rounded} FROM rate_entries e LEFT JOIN rate_groups g ON g.version_id = e.version_id"
            " AND g.entry_no = e.entry_no AND g.start_s < dx.secs AND (g.end_s IS NULL OR dx.secs <= g.end_s)"
            " WHERE e.version_id = dx.version_id AND e.entry_no = dx.entry_no")


CHARGED_COST = _charged_cost()


def rerate_stored(conn, start: datetime, end: datetime, customers: list[int] | None = None,
                  deck_id: int | None = None) -> int:
    """Re-rate, set-based, the decked calls of [start, end) whose stored rating (calls.rate_*) is not of
    the version in force for their customer's plan at their start (after a version or a plan change
    dated back over them, or left unrated at ingest), as the bill run rates such calls from their
    number's chain: the version, the entry (and whether the allowance covers it), its bill line and the
    cost of all the call's seconds, written with the call. Their numbers not resolved yet for that
    version are resolved first (resolve_new). A call that no entry covers then loses its stale rating
    (all four columns NULL: the bill run counts it unrated). customers: only theirs; deck_id: only the
    segments on plans with that deck. Returns how many calls were re-rated (or their rating cleared)."""
    from telco_console.repositories.bills import history_sql

    if customers is not None and not customers:
        return 0
    ids = ", ".join(str(int(i)) for i in customers) if customers is not None else None
    deck = f" AND p.deck_id = {int(deck_id)}" if deck_id is not None else ""
    params = dict(start=start, end=end)
    ctes = f"""
WITH cu AS (
  SELECT h.customer_id, h.hfrom, h.hto, p.deck_id FROM ({history_sql(ids)}) h JOIN plans p ON p.id = h.plan_id
  WHERE p.deck_id IS NOT NULL{deck}
),
{versions_cte("SELECT deck_id FROM cu")}"""
    # a few customers' calls through the index on customer and start; every customer's in their
    # stored order (one pass over the month's partition), each joined to its segment
    source = ("cu STRAIGHT_JOIN calls k ON k.customer_id = cu.customer_id" if customers is not None
              else "calls k STRAIGHT_JOIN cu ON cu.customer_id = k.customer_id")
    stale = f"""FROM {source}
    AND k.started_at >= cu.hfrom AND (cu.hto IS NULL OR k.started_at < cu.hto)
  JOIN dv ON dv.deck_id = cu.deck_id AND k.started_at >= dv.vfrom AND k.started_at < dv.vto
  WHERE k.started_at >= %(start)s AND k.started_at < %(end)s AND k.direction = 'out' AND k.answered = 1
    AND k.billsec > 0 AND NOT (k.rate_version <=> dv.version_id)"""
    _resolve_selected(conn, f"""{ctes}
SELECT DISTINCT dv.version_id, k.other_party AS num {stale}
    AND NOT EXISTS (SELECT 1 FROM rate_number_chains r WHERE r.version_id = dv.version_id AND r.num = k.other_party)""",
                      params)
    line = LINE_OF_ENTRY.replace("de.", "dx.")
    cur = conn.cursor()
    for t in ("rate_stale", "rate_rerated"):
        cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
    # the entry of each call in a table first: a subquery's column referred to again by a merged
    # derived table is worked out again at each reference
    cur.execute(f"""CREATE TEMPORARY TABLE rate_stale (PRIMARY KEY (id, started_at)) {ctes}
SELECT k.id, k.started_at, k.billsec, k.rate_version AS old, dv.version_id, ({CHAINED_ENTRY}) AS ec {stale}""",
                params)
    cur.execute(f"""CREATE TEMPORARY TABLE rate_rerated (PRIMARY KEY (id, started_at))
SELECT dx.id, dx.started_at, IF(dx.ec IS NULL, NULL, dx.version_id) AS version_id, dx.ec, ({line}) AS ln,
       ({CHARGED_COST}) AS cost
FROM (SELECT id, started_at, version_id, ec, ec DIV 2 AS entry_no, billsec AS secs FROM rate_stale
      WHERE ec IS NOT NULL OR old IS NOT NULL) dx""")
    n = fetch_value(conn, "SELECT COUNT(*) FROM rate_rerated")
    # by the calls' whole key (id, started_at): one partition each
    cur.execute("UPDATE calls k JOIN rate_rerated r ON r.id = k.id AND r.started_at = k.started_at"
                " SET k.rate_version = r.version_id, k.rate_ec = r.ec, k.rate_line = r.ln, k.rate_cost = r.cost")
    for t in ("rate_stale", "rate_rerated"):
        cur.execute(f"DROP TEMPORARY TABLE {t}")
    cur.close()
    return int(n)


def rerate_floor(conn) -> tuple:
    """(the day the earliest customer joined: no call is older, or None without customers; the first day
    of the latest period with a bill run, or None)."""
    first = fetch_value(conn, "SELECT MIN(created_on) FROM customers")
    period = fetch_value(conn, "SELECT MAX(period) FROM bill_runs")
    return first, (datetime.strptime(period + "-01", "%Y-%m-%d").date() if period else None)


WEEKDAYS = ("SELECT 1 AS w UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5"
            " UNION ALL SELECT 6 UNION ALL SELECT 7")


def _calls_sql(deck_id: int | None) -> str:
    """The (version_id, num) of the decked calls of [start, end) with no rate_number_chains row yet."""
    if deck_id is not None:
        decks, join = "%(deck)s", "CROSS JOIN dv"
    else:
        from telco_console.repositories.bills import HISTORY

        decks = "SELECT deck_id FROM plans WHERE deck_id IS NOT NULL"
        join = ("JOIN (" + HISTORY + ") h ON h.customer_id = k.customer_id AND k.started_at >= h.hfrom"
                " AND (h.hto IS NULL OR k.started_at < h.hto)"
                " JOIN plans p ON p.id = h.plan_id JOIN dv ON dv.deck_id = p.deck_id")
    return """
WITH """ + versions_cte(decks) + """
SELECT DISTINCT dv.version_id, k.other_party AS num
FROM calls k """ + join + """
WHERE k.started_at >= dv.vfrom AND k.started_at < dv.vto AND k.started_at >= %(start)s AND k.started_at < %(end)s
  AND k.direction = 'out' AND k.answered = 1 AND k.billsec > 0
  AND NOT EXISTS (SELECT 1 FROM rate_number_chains r WHERE r.version_id = dv.version_id AND r.num = k.other_party)"""


def resolve_numbers(conn, start: datetime, end: datetime, deck_id: int | None = None) -> int:
    """Resolve the numbers called from decked plans in [start, end) that are not resolved yet for the
    version in force at the call, set-based. Returns how many numbers were resolved. With deck_id: every
    call of the period against that deck (a plan put in place of each customer's own, e.g. for offers)."""
    return _resolve_selected(conn, _calls_sql(deck_id), dict(start=start, end=end, deck=deck_id))


def resolve_known(conn, version_id: int) -> int:
    """Resolve for a new version, set-based, every number already resolved for another version of its
    deck (the numbers this deck has priced before). Returns how many numbers were resolved."""
    return _resolve_selected(conn, """
SELECT DISTINCT nv.id AS version_id, r.num
FROM rate_deck_versions nv
JOIN rate_deck_versions ov ON ov.deck_id = nv.deck_id AND ov.id <> nv.id
STRAIGHT_JOIN rate_number_chains r ON r.version_id = ov.id
WHERE nv.id = %(version)s
  AND NOT EXISTS (SELECT 1 FROM rate_number_chains x WHERE x.version_id = nv.id AND x.num = r.num)""",
                             dict(version=int(version_id)))


def rated_resolving(conn, rate, start: datetime, end: datetime, deck_id: int | None = None) -> list[dict]:
    """rate() (rows with unrated_n), once more after resolving the numbers of [start, end) when some of
    its calls were unrated: a number not resolved yet for its version counts as unrated."""
    rows = rate()
    if any(r["unrated_n"] for r in rows) and resolve_numbers(conn, start, end, deck_id):
        rows = rate()
    return rows


def _resolve_selected(conn, select: str, params: dict) -> int:
    """resolve_new() of the (version_id, num) rows that `select` gives."""
    cur = conn.cursor()
    cur.execute("DROP TEMPORARY TABLE IF EXISTS rate_numbers_new")
    cur.execute("CREATE TEMPORARY TABLE rate_numbers_new (version_id INT NOT NULL, num VARCHAR(64) NOT NULL,"
                " PRIMARY KEY (version_id, num))" + select, params)
    cur.close()
    return resolve_new(conn)


def resolve_new(conn) -> int:
    """Resolve the numbers of the temporary table rate_numbers_new (version_id, num), set-based: match
    each against every prefix length the version has (in E.164 with and without its '+', or only as
    written), keep the prefixes down to the longest complete one (the number's chain), write the chains
    not seen before (their prefixes, and their entry by weekday and time of day), then the numbers.
    Drops rate_numbers_new. Returns how many numbers were resolved."""
    cur = conn.cursor()
    cur.execute("SELECT version_id, COUNT(*) FROM rate_numbers_new GROUP BY version_id")
    counts = cur.fetchall()
    n = sum(c for _, c in counts)
    temps = ("rate_numbers_forms", "rate_numbers_match", "rate_numbers_floor", "rate_numbers_key",
             "rate_numbers_rep", "rate_chains_ce", "rate_chains_bnd")
    if n:
        versions = ", ".join(str(int(v)) for v, _ in counts)
        for t in temps:
            cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
        cur.execute("CREATE TEMPORARY TABLE rate_numbers_forms (version_id INT NOT NULL, num VARCHAR(64) NOT NULL,"
                    " s VARCHAR(64) NOT NULL) SELECT version_id, num, num AS s FROM rate_numbers_new")
        cur.execute("INSERT INTO rate_numbers_forms SELECT version_id, num, SUBSTRING(num, 2) FROM rate_numbers_new"
                    " WHERE num REGEXP '^[+][0-9]+$'")
        # every matching prefix (k orders them as the entry choice does; '' once), of which the chain
        # keeps those down to the longest complete one (floor)
        cur.execute(f"""
CREATE TEMPORARY TABLE rate_numbers_match (version_id INT NOT NULL, num VARCHAR(64) NOT NULL,
  prefix VARCHAR(32) NOT NULL, k INT NOT NULL, complete TINYINT NOT NULL, KEY (version_id, num))
SELECT f.version_id, f.num, x.prefix,
       CHAR_LENGTH(REPLACE(x.prefix, '+', '')) * 2 + (LEFT(x.prefix, 1) = '+') AS k, x.complete
FROM rate_numbers_forms f
JOIN (SELECT DISTINCT version_id, CHAR_LENGTH(prefix) AS len FROM rate_prefixes
      WHERE version_id IN ({versions})) dl
  ON dl.version_id = f.version_id AND dl.len <= CHAR_LENGTH(f.s) AND (dl.len > 0 OR f.s = f.num)
STRAIGHT_JOIN rate_prefixes x ON x.version_id = f.version_id AND x.prefix = LEFT(f.s, dl.len)""")
        cur.execute("CREATE TEMPORARY TABLE rate_numbers_floor (PRIMARY KEY (version_id, num))"
                    " SELECT version_id, num, MAX(k) AS k FROM rate_numbers_match WHERE complete = 1"
                    " GROUP BY version_id, num")
        # each number's chain: its prefixes, longest first ('/' after each, so that the chain of
        # the empty prefix alone differs from no prefix at all)
        cur.execute("""
CREATE TEMPORARY TABLE rate_numbers_key (PRIMARY KEY (version_id, num))
SELECT n.version_id, n.num,
       MD5(COALESCE(GROUP_CONCAT(CONCAT(m.prefix, '/') ORDER BY m.k DESC SEPARATOR ''), '')) AS chain_key
FROM rate_numbers_new n
LEFT JOIN (rate_numbers_match m LEFT JOIN rate_numbers_floor b ON b.version_id = m.version_id AND b.num = m.num)
  ON m.version_id = n.version_id AND m.num = n.num AND (b.k IS NULL OR m.k >= b.k)
GROUP BY n.version_id, n.num""")
        cur.execute("INSERT IGNORE INTO rate_chains (version_id, chain_key)"
                    " SELECT DISTINCT version_id, chain_key FROM rate_numbers_key")
        # the chains not built yet: their prefixes from one number of each
        cur.execute(f"""
CREATE TEMPORARY TABLE rate_numbers_rep (PRIMARY KEY (version_id, num))
SELECT c.id AS chain_id, t.version_id, MIN(t.num) AS num
FROM rate_numbers_key t STRAIGHT_JOIN rate_chains c ON c.version_id = t.version_id AND c.chain_key = t.chain_key
WHERE c.built = 0 AND c.version_id IN ({versions})
GROUP BY c.id, t.version_id""")
        cur.execute("INSERT IGNORE INTO rate_chain_prefixes (chain_id, prefix, k)"
                    " SELECT r.chain_id, m.prefix, m.k FROM rate_numbers_rep r"
                    " JOIN rate_numbers_match m ON m.version_id = r.version_id AND m.num = r.num"
                    " LEFT JOIN rate_numbers_floor b ON b.version_id = m.version_id AND b.num = m.num"
                    " WHERE b.k IS NULL OR m.k >= b.k")
        _build_chains(cur, versions)
        for t in temps:
            cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
    cur.execute("DROP TEMPORARY TABLE IF EXISTS rate_numbers_new")
    cur.close()
    return n


def _build_chains(cur, versions: str) -> None:
    """The chains of `versions` (a list of ids) not built yet, whose prefixes are in
    rate_chain_prefixes: whether each is general, its entry by weekday and time of day; then the
    numbers of the temporary table rate_numbers_key (version_id, num, chain_key) with their chain."""
    built = f"c.built = 0 AND c.version_id IN ({versions})"
    cur.execute(f"""
UPDATE rate_chains c SET c.general = EXISTS (
  SELECT 1 FROM rate_chain_prefixes cp JOIN rate_entries e ON e.version_id = c.version_id AND e.prefix = cp.prefix
  WHERE cp.chain_id = c.id AND (e.years <> '' OR e.months <> '' OR e.month_days <> ''))
WHERE {built}""")
    # the entry of each chain by weekday, from each timing start on: the slices' bounds are
    # 00:00 and the starts of the chain's entries of that weekday
    cur.execute(f"""
CREATE TEMPORARY TABLE rate_chains_ce (KEY (chain_id, w, start_time))
SELECT c.id AS chain_id, wd.w, cp.k, e.entry_no, e.covered, e.start_time, e.weight, e.name, e.timing
FROM rate_chains c JOIN rate_chain_prefixes cp ON cp.chain_id = c.id
JOIN rate_entries e ON e.version_id = c.version_id AND e.prefix = cp.prefix
JOIN ({WEEKDAYS}) wd ON e.weekdays = '' OR FIND_IN_SET(wd.w, e.weekdays) > 0
WHERE {built} AND c.general = 0""")
    cur.execute(f"""
CREATE TEMPORARY TABLE rate_chains_bnd (PRIMARY KEY (chain_id, w, t))
SELECT c.id AS chain_id, wd.w, CAST('00:00:00' AS TIME) AS t FROM rate_chains c CROSS JOIN ({WEEKDAYS}) wd
WHERE {built} AND c.general = 0""")
    cur.execute("INSERT IGNORE INTO rate_chains_bnd SELECT DISTINCT chain_id, w, start_time FROM rate_chains_ce")
    cur.execute(f"""
INSERT IGNORE INTO rate_chain_slices (chain_id, weekday, t_from, t_to, entry_no, covered)
SELECT chain_id, w, t, t_to, entry_no, COALESCE(covered, 0) FROM (
  SELECT bt.chain_id, bt.w, bt.t, bt.t_to, cp.entry_no, cp.covered,
         ROW_NUMBER() OVER (PARTITION BY bt.chain_id, bt.w, bt.t
                            ORDER BY {ENTRY_ORDER.replace('e.', 'cp.')}) AS rk
  FROM (SELECT chain_id, w, t, COALESCE(LEAD(t) OVER (PARTITION BY chain_id, w ORDER BY t),
                                        CAST('24:00:00' AS TIME)) AS t_to
        FROM rate_chains_bnd) bt
  LEFT JOIN rate_chains_ce cp ON cp.chain_id = bt.chain_id AND cp.w = bt.w AND cp.start_time <= bt.t
) x WHERE rk = 1""")
    cur.execute(f"UPDATE rate_chains c SET c.built = 1 WHERE {built}")
    cur.execute("INSERT IGNORE INTO rate_number_chains (version_id, num, chain_id, general)"
                " SELECT t.version_id, t.num, c.id, c.general FROM rate_numbers_key t"
                " STRAIGHT_JOIN rate_chains c ON c.version_id = t.version_id AND c.chain_key = t.chain_key")


# -- the numbers of an ingest, resolved with chain keys worked out by the importer -------------------

def any_decked_plan(conn) -> bool:
    return fetch_value(conn, "SELECT EXISTS (SELECT 1 FROM plans WHERE deck_id IS NOT NULL)") == 1


def deck_version_starts(conn) -> dict[int, list[tuple[datetime, int]]]:
    """deck_id -> [(effective_from, version_id)] in the order that decides the version in force
    (effective_from, then version: of two versions from one moment, the later one)."""
    out: dict[int, list] = {}
    for r in fetch_all(conn, "SELECT deck_id, id, effective_from FROM rate_deck_versions"
                             " ORDER BY deck_id, effective_from, version"):
        out.setdefault(r["deck_id"], []).append((r["effective_from"], r["id"]))
    return out


def plan_decks(conn, customer_ids: list[int]) -> list[dict]:
    """The plan segments of these customers (customer_id, hfrom, hto: dates, hto NULL for the plan
    in force now) with their plan's deck (NULL for a plan without one), as the bill run reads them."""
    from telco_console.repositories.bills import history_sql

    out = []
    for i in range(0, len(customer_ids), 1000):
        chunk = ", ".join(str(int(c)) for c in customer_ids[i:i + 1000])
        out += fetch_all(conn, f"SELECT h.customer_id, h.hfrom, h.hto, p.deck_id FROM ({history_sql(chunk)}) h"
                               " JOIN plans p ON p.id = h.plan_id")
    return out


def version_prefixes(conn, version_id: int) -> dict[str, bool]:
    """prefix -> complete (its entries from 00:00 on cover every day) of one version."""
    return {r["prefix"]: bool(r["complete"]) for r in fetch_all(
        conn, "SELECT prefix, complete FROM rate_prefixes WHERE version_id = %s", (version_id,))}


def resolved_among(conn, version_id: int, nums: list[str]) -> set[str]:
    """Which of these numbers are resolved for the version already."""
    out: set[str] = set()
    for i in range(0, len(nums), CHUNK):
        chunk = nums[i:i + CHUNK]
        out.update(r["num"] for r in fetch_all(
            conn, "SELECT num FROM rate_number_chains WHERE version_id = %s AND num IN ("
                  + ", ".join(["%s"] * len(chunk)) + ")", (version_id, *chunk)))
    return out


def resolve_keyed(conn, numbers: list[tuple[int, str, str]], chains: list[tuple[int, str, str, int]]) -> int:
    """Resolve numbers whose chain is known: numbers (version_id, num, chain_key) and each chain's
    prefixes (version_id, chain_key, prefix, k), as decks.chain_of() works them out in the same way
    as resolve_new() does in SQL. The chains not built yet are built set-based; returns how many
    numbers were written (those resolved meanwhile are left as they are)."""
    if not numbers:
        return 0
    cur = conn.cursor()
    temps = ("rate_numbers_key", "rate_chains_given", "rate_chains_ce", "rate_chains_bnd")
    for t in temps:
        cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
    cur.execute("CREATE TEMPORARY TABLE rate_numbers_key (version_id INT NOT NULL, num VARCHAR(64) NOT NULL,"
                " chain_key CHAR(32) NOT NULL, PRIMARY KEY (version_id, num))")
    cur.execute("CREATE TEMPORARY TABLE rate_chains_given (version_id INT NOT NULL, chain_key CHAR(32) NOT NULL,"
                " prefix VARCHAR(32) NOT NULL, k INT NOT NULL, PRIMARY KEY (version_id, chain_key, prefix))")
    for table, rows in (("rate_numbers_key", numbers), ("rate_chains_given", chains)):
        marks = ", ".join(["%s"] * len(rows[0])) if rows else ""
        for i in range(0, len(rows), CHUNK):
            cur.executemany(f"INSERT IGNORE INTO {table} VALUES ({marks})", rows[i:i + CHUNK])
    cur.execute("INSERT IGNORE INTO rate_chains (version_id, chain_key)"
                " SELECT DISTINCT version_id, chain_key FROM rate_numbers_key")
    versions = ", ".join(str(int(v)) for v in sorted({n[0] for n in numbers}))
    cur.execute("INSERT IGNORE INTO rate_chain_prefixes (chain_id, prefix, k)"
                " SELECT c.id, g.prefix, g.k FROM rate_chains_given g"
                " STRAIGHT_JOIN rate_chains c ON c.version_id = g.version_id AND c.chain_key = g.chain_key"
                f" WHERE c.built = 0 AND c.version_id IN ({versions})")
    _build_chains(cur, versions)
    n = cur.rowcount
    for t in temps:
        cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
    cur.close()
    return max(n, 0)


def unrated_calls(conn, start: datetime, end: datetime, region: str | None = None, unbilled_period: str | None = None,
                  limit: int = 10000) -> list[dict]:
    """Calls of customers on decked plans that no entry of the version in force covers, set-based
    (the bill run's own CTEs). `unbilled_period`: only customers without a bill for that period."""
    where = ["p.deck_id IS NOT NULL"]
    params: dict = dict(start=start, end=end, minor=2, limit=int(limit))
    if region is not None:
        where.append("c.region = %(region)s")
        params["region"] = region
    if unbilled_period:
        where.append("NOT EXISTS (SELECT 1 FROM bills bx WHERE bx.customer_id = c.id AND bx.period = %(period)s)")
        params["period"] = unbilled_period
    resolve_numbers(conn, start, end)
    from telco_console.repositories.bills import HISTORY

    sql = f"""
WITH cust AS (
  SELECT c.id AS customer_id, h.hfrom, h.hto, p.deck_id, GREATEST(p.increment_seconds, 1) AS inc,
         0 AS allow_s
  FROM customers c JOIN ({HISTORY}) h ON h.customer_id = c.id JOIN plans p ON p.id = h.plan_id
  WHERE {' AND '.join(where)}
){deck_ctes("cust", "calls")}
SELECT c.msisdn, c.name, p.code AS plan_code, d.name AS deck, dk.started_at, k.other_party AS number, dk.billsec
FROM dk JOIN calls k ON k.id = dk.id AND k.started_at = dk.started_at JOIN customers c ON c.id = dk.customer_id
JOIN ({HISTORY}) h ON h.customer_id = dk.customer_id AND h.hfrom = dk.hfrom
JOIN plans p ON p.id = h.plan_id JOIN rate_decks d ON d.id = p.deck_id
WHERE dk.ec IS NULL
ORDER BY dk.started_at, dk.id LIMIT %(limit)s"""
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = cur.fetchall()
    names = cur.column_names
    cur.close()
    return [dict(zip(names, r)) for r in rows]
