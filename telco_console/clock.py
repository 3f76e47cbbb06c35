"""The operator's wall clock and the real instant (decision 30).

Usage records keep their start as the operator's local wall-clock time (`started_at`: peak and
off-peak, days and hours of reports, monthly partitions) and as the real instant in UTC
(`started_utc`: durations, chronological order). A local time without an offset is read by the
zone rules of `[operator] timezone`:

- a time that does not exist (skipped when the clocks go forward in spring: 01:30 in London on
  29 March 2026) is shifted forward by the gap, as the zone rules say: 01:30 is read as 02:30
  summer time, the instant 01:30 UTC (PEP 495's fold=0: the offset before the change);
- a time that happens twice (the hour repeated when the clocks go back in autumn: 01:30 in
  London on 25 October 2026) is its first occurrence (summer time) unless the record shows
  otherwise: an explicit offset, or an end or a duration that only the second occurrence fits
  (start 01:55 summer time, end 01:05 winter time: a real 10 minutes).

Naive datetimes carry which occurrence they are in `fold` (PEP 495), from parsing to storage.
Zone keeps, per zone, the stretches of local time with one UTC offset, so that converting the
usual time (not within an hour of a change) is two comparisons and a subtraction."""
from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from telco_console.errors import ValidationError

UTC = UTC
_DAY = timedelta(days=1)


class Zone:
    """Conversions between a zone's naive local times (fold honoured) and naive UTC."""

    def __init__(self, tz: str):
        self.name = tz
        self.z = ZoneInfo(tz)
        self._years: set[int] = set()
        # the changes found so far: (UTC instant, offset before, offset after), sorted
        self._changes: list[tuple[datetime, timedelta, timedelta]] = []
        # local windows around each change where a wall time is skipped or repeated: (lo, hi)
        # and their low ends, for bisect; replaced together (another thread may be reading)
        self._index: tuple[list, list] = ([], [])
        self._lock = threading.Lock()
        self._cur = (datetime.max, datetime.min, timedelta(0))      # (lo, hi, offset) last used

    # -- the zone's changes ------------------------------------------------------------------
    def _learn(self, year: int) -> None:
        """Find the offset changes of year-1 .. year+1 (a scan by day, then by halving)."""
        if year in self._years and year - 1 in self._years and year + 1 in self._years:
            return
        with self._lock:
            self._learn_locked(year)

    def _learn_locked(self, year: int) -> None:
        todo = [y for y in (year - 1, year, year + 1) if y not in self._years and 1 <= y <= 9998]
        if not todo:
            return
        z = self.z
        changes = list(self._changes)
        for y in todo:
            self._years.add(y)
            t = datetime(y, 1, 1, tzinfo=UTC)
            end = datetime(y + 1, 1, 1, tzinfo=UTC)
            off = t.astimezone(z).utcoffset()
            while t < end:
                nxt = t + _DAY
                o2 = nxt.astimezone(z).utcoffset()
                if o2 != off:
                    lo, hi = t, nxt            # the change is in (lo, hi]
                    while hi - lo > timedelta(microseconds=1):
                        mid = lo + (hi - lo) / 2
                        if mid.astimezone(z).utcoffset() == off:
                            lo = mid
                        else:
                            hi = mid
                    change = hi.replace(tzinfo=None)
                    if change.microsecond:          # changes fall on whole seconds
                        change = change.replace(microsecond=0) + timedelta(seconds=1)
                    changes.append((change, off, o2))
                    off = o2
                t = nxt
        changes.sort()
        windows = sorted((c + min(a, b), c + max(a, b)) for c, a, b in changes)
        self._changes = changes
        self._index = (windows, [lo for lo, _ in windows])

    def _stretch(self, at: datetime) -> tuple[datetime, datetime, timedelta] | None:
        """(lo, hi, offset) of the stretch of plain local time around `at`, or None when `at` is
        within a change's window (skipped or repeated)."""
        self._learn(at.year)
        windows, lows = self._index
        i = bisect_right(lows, at)
        if i and at < windows[i - 1][1]:
            return None
        # beyond the years learnt, the stretch ends at their edge (the next call learns more)
        lo = windows[i - 1][1] if i else datetime(max(1, at.year - 1), 1, 1)
        hi = windows[i][0] if i < len(windows) else datetime(min(9999, at.year + 2), 1, 1)
        lo, hi = max(lo, datetime(max(1, at.year - 1), 1, 1)), min(hi, datetime(min(9999, at.year + 2), 1, 1))
        off = at.replace(tzinfo=self.z).utcoffset()
        return lo, hi, off

    # -- conversions -------------------------------------------------------------------------
    def plain(self, at: datetime) -> bool:
        """Whether a local time is neither skipped nor repeated (its reading needs no choice)."""
        lo, hi, _ = self._cur
        if lo <= at < hi:
            return True
        s = self._stretch(at)
        if s is None:
            return False
        self._cur = s
        return True

    def utc(self, at: datetime) -> datetime:
        """The naive UTC instant of a naive local time (its fold says which occurrence of a
        repeated time; a skipped time is read with the offset before the change)."""
        lo, hi, off = self._cur
        if lo <= at < hi:
            return at - off
        s = self._stretch(at)
        if s is None:
            return at - at.replace(tzinfo=self.z).utcoffset()
        self._cur = s
        return at - s[2]

    def local(self, utc: datetime) -> datetime:
        """The naive local time (with its fold) of a naive UTC instant."""
        return utc.replace(tzinfo=UTC).astimezone(self.z).replace(tzinfo=None)

    def normalise(self, at: datetime) -> datetime:
        """A local time as the zone rules have it: a skipped time shifted forward by the gap
        (01:30 on a spring change day in London -> 02:30); any other time unchanged."""
        if self.plain(at):
            return at
        back = self.local(self.utc(at))
        if back.replace(fold=0) != at.replace(fold=0):
            return back                      # skipped: the wall clock after the change
        return at

    def repeated(self, at: datetime) -> bool:
        """Whether a local time happens twice (the hour repeated in autumn)."""
        if self.plain(at):
            return False
        z = self.z
        return at.replace(fold=0, tzinfo=z).utcoffset() != at.replace(fold=1, tzinfo=z).utcoffset() \
            and self.normalise(at.replace(fold=0)) == at.replace(fold=0)

    def span(self, start: datetime, end: datetime, seconds: float | None = None,
             what: str = "the end is before the start", fixed_start: bool = False) -> tuple[datetime, datetime]:
        """(start, end) read so that the end is not before the start in real time, a repeated
        time choosing the occurrence that fits (the one whose real length is nearest `seconds`,
        when the record gives its duration; else the first). fixed_start: the start is read
        already (only the end's occurrence is chosen). Raises ValidationError(what) when no
        reading puts the end at or after the start."""
        start, end = (start if fixed_start else self.normalise(start)), self.normalise(end)
        if not ((self.repeated(start) and not fixed_start) or self.repeated(end)):
            if self.utc(end) < self.utc(start):
                raise ValidationError(what)
            return start, end
        best = None
        for fs in ((0, 1) if self.repeated(start) and not fixed_start else (start.fold,)):
            for fe in ((0, 1) if self.repeated(end) else (end.fold,)):
                s, e = start.replace(fold=fs), end.replace(fold=fe)
                real = (self.utc(e) - self.utc(s)).total_seconds()
                if real < 0:
                    continue
                key = (abs(real - seconds) if seconds is not None else 0, fs + fe, fs)
                if best is None or key < best[0]:
                    best = (key, s, e)
        if best is None:
            raise ValidationError(what)
        return best[1], best[2]

    def label(self, at: datetime) -> str:
        """'2026-10-25 01:05:00', with the UTC offset when the time is repeated or was shifted
        ('2026-10-25 01:05:00 UTC+00:00'), so that people see which one is meant."""
        text = f"{at:%Y-%m-%d %H:%M:%S}"
        if self.plain(at):
            return text
        off = int(at.replace(tzinfo=self.z).utcoffset().total_seconds()) // 60
        return f"{text} UTC{'+' if off >= 0 else '-'}{abs(off) // 60:02d}:{abs(off) % 60:02d}"

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Real time from start to end (local times, folds honoured)."""
        return self.utc(end) - self.utc(start)

    def after(self, start: datetime, seconds: float) -> datetime:
        """The local time a real number of seconds after a local start."""
        return self.local(self.utc(start) + timedelta(seconds=seconds))

    def offset_stretches(self, lo_local: datetime, hi_local: datetime) -> list[tuple[datetime, datetime, int]]:
        """(from, to, offset seconds) covering local times lo..hi, in order: a time repeated in
        autumn falls in the earlier stretch (its first occurrence), a skipped time in the one
        before the change (for filling started_utc of records stored before it existed)."""
        for y in range(lo_local.year, hi_local.year + 1):
            self._learn(y)
        out = []
        start = datetime(1000, 1, 1)
        off = lo_local.replace(fold=0, tzinfo=self.z).utcoffset()
        for change, before, after in self._changes:
            # local times up to the later of the two readings of the change belong to `before`
            end = change + max(before, after)
            if end <= lo_local:
                start, off = end, after
                continue
            out.append((start, end, int(before.total_seconds())))
            start, off = end, after
            if start > hi_local:
                break
        if start <= hi_local:
            out.append((start, datetime(9999, 12, 31), int(off.total_seconds())))
        out[0] = (datetime(1000, 1, 1),) + out[0][1:]
        return out


@lru_cache(maxsize=32)
def zone(tz: str) -> Zone:
    """The Zone of a time zone name (one per process and zone)."""
    return Zone(tz)
