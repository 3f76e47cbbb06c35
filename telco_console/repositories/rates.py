"""rate_decks, their versions, entries and rate groups; the deck's SQL pieces for the bill run
(which version is in force, the set-based destination of each call, the per-call cost)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from telco_console.repositories.base import fetch_all, fetch_one, fetch_value, insert

BEGINNING = datetime(1000, 1, 1)
ENTRY_COLS = ("version_id", "entry_no", "prefix", "destination", "dest_group", "name", "timing", "years", "months",
              "month_days", "weekdays", "start_time", "weight", "connect_fee", "max_cost", "max_cost_strategy",
              "rounding", "decimals", "covered")
GROUP_COLS = ("version_id", "entry_no", "start_s", "end_s", "rate", "unit_s", "increment_s")
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
    for no, e in enumerate(entries, 1):
        erows.append((version_id, no, e.prefix, e.destination, e.group, e.name, e.timing, _csv_set(e.years),
                      _csv_set(e.months), _csv_set(e.month_days), _csv_set(e.weekdays), e.start, e.weight,
                      e.connect_fee, e.max_cost, e.max_cost_strategy, e.rounding, e.decimals, int(e.covered)))
        gs = sorted(e.groups, key=lambda g: g.start_s)
        for i, g in enumerate(gs):
            grows.append((version_id, no, g.start_s, gs[i + 1].start_s if i + 1 < len(gs) else None, g.rate,
                          g.unit_s, g.increment_s))
    cur = conn.cursor()
    for table, cols, rows in (("rate_entries", ENTRY_COLS, erows), ("rate_groups", GROUP_COLS, grows)):
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        for i in range(0, len(rows), CHUNK):
            cur.executemany(sql, rows[i:i + CHUNK])
    cur.close()


def _as_time(v) -> time:
    if isinstance(v, timedelta):
        s = int(v.total_seconds())
        return time(s // 3600, s // 60 % 60, s % 60)
    return v


def _entries(conn, version_id: int, where: str, params: tuple, tail: str = "") -> list[dict]:
    rows = fetch_all(conn, "SELECT " + ", ".join(f"e.{c}" for c in ENTRY_COLS)
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
