"""Numbers resolved and calls rated at ingest: the numbers called from decked plans, resolved for the
deck version in force at each call while a file is imported, so that the bill run finds them
resolved; and each such call's rating (the version, its entry, its cost for all its seconds) written
with the call, so that the bill run reads it instead of working it out.

The chain of each new number (the deck prefixes it matches, down to the longest complete one) is
worked out here, with a dictionary of the version's prefixes, as resolve_new() works it out in SQL;
the chains and the numbers are then written set-based (repositories.rates.resolve_keyed). The entry
of a call is chosen among its chain's entries as the chain's slices choose it (longest prefix, then
latest timing start, then weight); its cost is decks.call_cost(), the reference's. A number that is
not plain digits, a chain with an entry restricted by date, a choice that only the name or the order
would decide (the column's collation decides those), a version imported during the ingest or
anything this misses is left to the bill run, which rates such calls from their chain and resolves
what is missing (rates.rated_resolving): this only moves the work, never changes a price. See
docs/billing.md, "How the bill run does it", "At ingest".
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, time

from telco_console.repositories import rates as rates_repo
from telco_console.services.billing import decks

SEEN_MAX = 2_000_000      # (version, number) pairs remembered in one import before starting afresh
COSTS_MAX = 200_000       # (version, entry, seconds) costs remembered
NO_RATING = (None, None, None, None)
GENERAL = "general"       # a chain with an entry restricted by year, month or day of month


def _rated(r) -> bool:
    """A call row the bill run prices: outgoing, answered, with seconds."""
    return r[2] == "out" and r[6] == 1 and r[5] > 0


class IngestResolver:
    """One per import. prepare() runs where a batch is prepared (it reads the plan segments of the
    batch's customers and the deck entries of the chains it has not seen); resolve() runs after the
    batch is written, in its own transaction."""

    def __init__(self, db):
        self.active = db.read(rates_repo.any_decked_plan)
        self.versions = db.read(rates_repo.deck_version_starts) if self.active else {}
        self.starts = {d: [v[0] for v in vs] for d, vs in self.versions.items()}
        self.segments: dict[int, list] = {}       # customer id -> [(from, to or None, deck id)]
        self.prefixes: dict[int, tuple[dict, list]] = {}
        self.chains: dict[tuple[int, str], tuple | None] = {}    # (version, number) -> decks.chain_of()
        self.shared: dict[tuple[int, str], tuple] = {}    # (version, chain key) -> that chain, held once
        self.entries: dict[int, dict[str, list]] = {}   # version -> prefix -> [(entry_no, line_no, Entry)]
        self.slices: dict[tuple, object] = {}    # (version, chain key, weekday) -> (starts, ecs) or GENERAL
        self.costs: dict[tuple[int, int, int], str] = {}
        self.resolved = 0
        self.rated = 0

    def _load_segments(self, conn, ids: list[int]) -> None:
        for i in ids:
            self.segments[i] = []
        for r in rates_repo.plan_decks(conn, ids):
            if r["deck_id"] is not None and r["deck_id"] in self.versions:
                hto = r["hto"]
                self.segments[r["customer_id"]].append(
                    (datetime.combine(r["hfrom"], time(0)), datetime.combine(hto, time(0)) if hto else None,
                     r["deck_id"]))

    def _version(self, customer_id: int, at: datetime) -> int | None:
        for hfrom, hto, deck in self.segments[customer_id]:
            if at >= hfrom and (hto is None or at < hto):
                i = bisect_right(self.starts[deck], at)
                return self.versions[deck][i - 1][1] if i else None
        return None

    def prepare(self, conn, calls) -> tuple[list, list[tuple[int, str]]]:
        """(the call rows, each with its rating after its columns (usage.CALL_RATING_COLS: version,
        entry_no * 2 + covered, bill line, cost as text; None where there is none) when some plan has a deck, else
        the rows as given; the (version, number) pairs met for the first time in this import, to
        resolve once the rows are written). The rows are Matcher.split's, in usage.CALL_COLS order,
        started_at a datetime."""
        if not self.active or not calls:
            return calls, []
        new_ids = sorted({r[0] for r in calls if _rated(r)} - self.segments.keys())
        if new_ids:
            self._load_segments(conn, new_ids)
        if len(self.chains) > SEEN_MAX:
            self.chains.clear()
        if len(self.shared) > SEEN_MAX // 4:
            self.shared.clear()
            self.slices.clear()
        out, chains, segments, want = [], self.chains, self.segments, {}
        vids = [self._version(r[0], r[1]) if _rated(r) and segments[r[0]] else None for r in calls]
        for r, vid in zip(calls, vids):
            if vid is not None and (vid, r[3]) not in chains:
                table, lengths = self._prefixes(conn, vid)
                got = decks.chain_of(r[3], table, lengths)
                if got is not None:
                    got = self.shared.setdefault((vid, got[0]), got)
                    want.setdefault(vid, set()).update(p for p, _ in got[1])
                chains[(vid, r[3])] = got
                out.append((vid, r[3]))
        for vid, prefixes in want.items():
            self._load_entries(conn, vid, prefixes)
        return [r + (self._rating(r, vid) if vid is not None else NO_RATING) for r, vid in zip(calls, vids)], out

    def _load_entries(self, conn, version_id: int, prefixes: set) -> None:
        from telco_console.services.billing.rates import entry_from_row

        loaded = self.entries.setdefault(version_id, {})
        todo = sorted(prefixes - loaded.keys())
        for p in todo:
            loaded[p] = []
        for i in range(0, len(todo), 1000):
            for row in rates_repo.entries_for_prefixes(conn, version_id, todo[i:i + 1000]):
                loaded[row["prefix"]].append((row["entry_no"], row["line_no"], entry_from_row(row)))

    def _rating(self, r, vid: int) -> tuple:
        """(version, entry_no * 2 + covered, line, cost) of one call row rated by version vid, or
        NO_RATING."""
        at = r[1]
        got = self.chains.get((vid, r[3]))
        if got is None:
            return NO_RATING
        key, chain = got
        w = at.isoweekday()
        sl = self.slices.get((vid, key, w))
        if sl is None:
            sl = self.slices[(vid, key, w)] = self._slice(vid, chain, w)
        if sl is GENERAL:
            return NO_RATING
        starts, choices = sl
        choice = choices[bisect_right(starts, at.hour * 3600 + at.minute * 60 + at.second) - 1]
        if choice is None:
            return NO_RATING
        entry_no, line_no, entry = choice
        ck = (vid, entry_no, r[5])
        cost = self.costs.get(ck)
        if cost is None:
            if len(self.costs) > COSTS_MAX:
                self.costs.clear()
            cost = self.costs[ck] = format(decks.call_cost(entry, r[5])[1], "f")
        self.rated += 1
        return vid, entry_no * 2 + entry.covered, line_no, cost

    def _slice(self, vid: int, chain: list, w: int):
        """The entry of a chain on weekday w from each timing start on, as rate_chain_slices holds it:
        (starts in seconds of the day, [(entry_no, line_no, Entry) or None]); None where no entry applies or
        where entries tie on prefix, start and weight (the SQL's collation orders those by name);
        GENERAL for a chain the slices do not cover."""
        entries = self.entries[vid]
        cands = []
        for p, k in chain:
            for no, line, e in entries.get(p, ()):
                if e.years or e.months or e.month_days:
                    return GENERAL
                if not e.weekdays or w in e.weekdays:
                    start = e.start.hour * 3600 + e.start.minute * 60 + e.start.second
                    cands.append(((k, start, e.weight), start, (no, line, e)))
        starts = sorted({0} | {c[1] for c in cands})
        choices = []
        for t in starts:
            live = sorted((c for c in cands if c[1] <= t), key=lambda c: c[0], reverse=True)
            if not live or (len(live) > 1 and live[0][0] == live[1][0]):
                choices.append(None)
            else:
                choices.append(live[0][2])
        return starts, choices

    def _prefixes(self, conn, version_id: int) -> tuple[dict, list]:
        if version_id not in self.prefixes:
            table = rates_repo.version_prefixes(conn, version_id)
            self.prefixes[version_id] = (table, sorted({len(p) for p in table}))
        return self.prefixes[version_id]

    def resolve(self, conn, pairs: list[tuple[int, str]]) -> int:
        """Resolve the pairs not resolved yet; returns how many numbers were resolved now."""
        if not pairs:
            return 0
        by_version: dict[int, list[str]] = {}
        for vid, num in pairs:
            by_version.setdefault(vid, []).append(num)
        numbers, chains, given = [], [], set()
        for vid, nums in by_version.items():
            known = rates_repo.resolved_among(conn, vid, nums)
            table, lengths = self._prefixes(conn, vid)
            for num in nums:
                if num in known:
                    continue
                got = self.chains.get((vid, num)) or decks.chain_of(num, table, lengths)
                if got is None:
                    continue
                key, chain = got
                numbers.append((vid, num, key))
                if (vid, key) not in given:
                    given.add((vid, key))
                    chains.extend((vid, key, p, k) for p, k in chain)
        n = rates_repo.resolve_keyed(conn, numbers, chains)
        self.resolved += n
        return n
