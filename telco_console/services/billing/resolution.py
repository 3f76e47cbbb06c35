"""Numbers resolved at ingest: the numbers called from decked plans, resolved for the deck version in
force at each call while a file is imported, so that the bill run finds them resolved. The chain of
each new number (the deck prefixes it matches, down to the longest complete one) is worked out here,
with a dictionary of the version's prefixes, as resolve_new() works it out in SQL; the chains and the
numbers are then written set-based (repositories.rates.resolve_keyed). A number that is not plain
digits, a version imported during the ingest or anything this misses is resolved by the bill run
(rates.rated_resolving), so this only moves the work, never changes a price. See docs/billing.md,
"How the bill run does it", "At ingest".
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, time

from telco_console.repositories import rates as rates_repo
from telco_console.services.billing import decks

SEEN_MAX = 2_000_000      # (version, number) pairs remembered in one import before starting afresh


class IngestResolver:
    """One per import. wanted() runs where a batch is prepared (it reads the plan segments of the
    batch's customers it has not seen); resolve() runs after the batch is written, in its own
    transaction."""

    def __init__(self, db):
        self.active = db.read(rates_repo.any_decked_plan)
        self.versions = db.read(rates_repo.deck_version_starts) if self.active else {}
        self.starts = {d: [v[0] for v in vs] for d, vs in self.versions.items()}
        self.segments: dict[int, list] = {}       # customer id -> [(from, to or None, deck id)]
        self.prefixes: dict[int, tuple[dict, list]] = {}
        self.seen: set = set()
        self.resolved = 0

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

    def wanted(self, conn, calls) -> list[tuple[int, str]]:
        """The (version, number) pairs of these call rows (Matcher.split's, in usage.CALL_COLS order,
        started_at a datetime) that are rated by a deck and not met before in this import."""
        if not self.active or not calls:
            return []
        rated = [r for r in calls if r[2] == "out" and r[6] == 1 and r[5] > 0]
        new_ids = sorted({r[0] for r in rated} - self.segments.keys())
        if new_ids:
            self._load_segments(conn, new_ids)
        out, seen, segments = [], self.seen, self.segments
        for r in rated:
            if not segments[r[0]]:
                continue
            vid = self._version(r[0], r[1])
            if vid is not None and (vid, r[3]) not in seen:
                seen.add((vid, r[3]))
                out.append((vid, r[3]))
        if len(seen) > SEEN_MAX:
            seen.clear()
        return out

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
                got = decks.chain_of(num, table, lengths)
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
