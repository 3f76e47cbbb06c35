"""Whose record is it? A call or SMS belongs to the subscriber on our books: the caller makes it
outgoing, else the callee incoming; neither makes it unmatched, with the reason. A data session
belongs to its MSISDN. Customer ids are looked up once per batch for the numbers not yet seen."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from functools import lru_cache

from telco_console.phone import parse, written
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import usage
from telco_console.repositories.usage import DATA_COLS
from telco_console.services.collection.fields import e164
from telco_console.services.collection.parsers import Call, Data, Sms

CACHE_LIMIT = 500_000
END = datetime.max      # the end of an open tenure


@lru_cache(maxsize=65_536)
def _parse(text: str, region: str):
    """phone.parse() of a number as written (already through written()), or None when phonenumbers
    cannot read it: one parse for both readings of a number in a batch, the match's E.164 guess
    (_parsed) and the other party's validation (other_party), the most costly step of an import
    that meets many distinct numbers. Nothing changes the parsed number afterwards."""
    import phonenumbers

    try:
        return parse(text, region)
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=200_000)
def other_party(raw: str, region: str, home: str) -> tuple[str | None, bool]:
    """(E.164 or None, international?) for the other party of a record, parsed once."""
    import phonenumbers

    text = written(raw)
    if not text or len(text) > 32:
        return None, False
    num = _parse(text, region)
    if num is None:
        return None, False
    rc = phonenumbers.region_code_for_number(num)
    if rc is None or not phonenumbers.is_valid_number_for_region(num, rc):
        return None, False
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), rc != home


def candidate(raw: str, region: str) -> str | None:
    """The E.164 form of a number as written, enough to find a customer (whose number was
    validated when it was added), without validating it; None when it cannot be a full number.
    E.164 as written ('+447700900123', or a spreadsheet's '447700900123.0' read with a plus by
    the parsers) is taken as it is; every other form is read by phonenumbers in the region."""
    text = raw.strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text[:1] == "+" and text[1:].isdigit():
        return text if 7 <= len(text) - 1 <= 17 else None
    if text.isdigit():
        trunk = _trunk(region)
        if trunk is not None:
            cc, prefix, lengths, intl = trunk
            # digits after the trunk prefix, of a length the region's numbers have: as phonenumbers
            # would read them (checked for every region by tests/test_numbering.py), without parsing
            if (text.startswith(prefix) and len(text) - len(prefix) in lengths and text[:2] != "00"
                    and not (intl is not None and intl.match(text))):
                return "+" + cc + text[len(prefix):]
    return _parsed(text, region)


@lru_cache(maxsize=256)
def _trunk(region: str):
    """(country code, trunk prefix, possible national lengths, international prefix pattern) of a
    region whose trunk prefix is read simply (phonenumbers' national prefix for parsing is the
    prefix itself, no transform); None for the others (and regions without one)."""
    import re

    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if (meta is None or not meta.national_prefix or meta.national_prefix_transform_rule
            or (meta.national_prefix_for_parsing or meta.national_prefix) != meta.national_prefix):
        return None
    lengths = frozenset(meta.general_desc.possible_length or ())
    intl = re.compile(meta.international_prefix) if meta.international_prefix else None
    return str(meta.country_code), meta.national_prefix, lengths, intl


@lru_cache(maxsize=200_000)
def _parsed(text: str, region: str) -> str | None:
    """candidate() of any other form: national with or without a trunk prefix ('07700 900123',
    '(415) 555-0101', '1 415 555 0101'), with the region's international prefix ('011 44 ...',
    '00 44 ...'), international with separators or a '(0)' ('+44 (0)7700 900123')."""
    import phonenumbers

    text = written(text)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 3 or digits > 20 or len(text) > 32:
        return None
    num = _parse(text, region)
    if num is None:
        return None
    # a length some number of that country can have (extensions and short codes are not)
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _party(raw: str, number: str | None) -> str:
    return (number or raw or "")[:64]


class Matcher:
    def __init__(self, region: str, home_region: str, source: str, import_id: int | None):
        self.region = region
        self.home = home_region
        self.source = source
        self.import_id = import_id
        self.ids: dict[str, int] = {}      # E.164 -> customer id (0: not a customer)
        # customer id -> (first instant, end instant (exclusive), joined on, closed on or None)
        self.spans: dict[int, tuple] = {}
        self.cands: dict[str, str] = {}    # number as written -> cheap E.164 guess ('' for none)
        self.regions: dict[int, str | None] = {}   # customer id -> region (None: no such customer)
        self.parties: dict[str, tuple] = {}        # other party as written -> other_party()

    def regions_of(self, conn, ids) -> dict[int, str]:
        """{customer id: region} for the ids that are customers, each looked up once per import
        (for sums made ahead of a write, which checks them again)."""
        known = self.regions
        if len(known) > CACHE_LIMIT:        # before the look-up, so that nothing asked for is forgotten
            known.clear()
        missing = [i for i in ids if i not in known]
        if missing:
            found = usage.regions_of(conn, missing)
            for i in missing:
                known[i] = found.get(i)
        return {i: known[i] for i in ids if known.get(i) is not None}

    def resolve(self, conn, records) -> list:
        """Cheap E.164 guesses of each record's parties, after looking up unknown ones."""
        region, cands = self.region, self.cands
        if len(cands) > CACHE_LIMIT:
            cands.clear()
        nums = []
        for r in records:
            if isinstance(r, Data):
                a, b = r.msisdn, ""
            else:
                a, b = r.a, r.b
            ca = cands.get(a)
            if ca is None:
                ca = cands[a] = candidate(a, region) or ""
            cb = cands.get(b)
            if cb is None:
                cb = cands[b] = candidate(b, region) or ""
            nums.append((ca, cb))
        if len(self.ids) > CACHE_LIMIT:     # before the look-up: cleared after it, the numbers of this
            self.ids.clear()                # batch known before went unmatched
            self.spans.clear()
        missing = {n for pair in nums for n in pair if n and n not in self.ids}
        if missing:
            found = customers_repo.tenure_by_msisdn(conn, sorted(missing))
            for n in missing:
                t = found.get(n)
                if t is None:
                    self.ids[n] = 0
                else:
                    cid, since, closed = t
                    self.ids[n] = cid
                    self.spans[cid] = (datetime.combine(since, time()),
                                       datetime.combine(closed + timedelta(days=1), time()) if closed else END,
                                       since, closed)
        return nums

    def _tenure(self, number: str, at: datetime) -> str:
        """Why a customer's number does not take a record at `at` (outside their tenure)."""
        _, _, since, closed = self.spans[self.ids[number]]
        if at < datetime.combine(since, time()):
            return f"{number} was not a customer on {at:%Y-%m-%d} (since {since:%Y-%m-%d})"
        return f"{number} was not a customer on {at:%Y-%m-%d} (closed on {closed:%Y-%m-%d})"

    def split(self, conn, records) -> tuple[list, list, list, list]:
        """(call rows, sms rows, data rows, unmatched rows) ready for the repositories. A record
        belongs to a customer only within their tenure: from the day they joined to the day
        they closed, both included, by the record's local start time."""
        nums = self.resolve(conn, records)
        calls, sms, data, unmatched = [], [], [], []
        src, ids, spans, home, region = self.source, self.ids, self.spans, self.home, self.region
        parties = self.parties
        if len(parties) > CACHE_LIMIT:
            parties.clear()
        for rec, (ga, gb) in zip(records, nums):
            at = rec.started_at
            if isinstance(rec, Data):
                cid = ids.get(ga, 0)            # ('' is never a key: no number, no customer)
                if cid:
                    first, end = spans[cid][:2]
                    if first <= at < end:
                        v = rec.values
                        data.append((cid, at, rec.ended_at,
                                     *[v.get(c) for c in DATA_COLS[3:-2]], src, rec.ref))
                        continue
                    unmatched.append(self.unmatched_row("data", rec, ga, "", self._tenure(ga, at)))
                    continue
                ea = e164(rec.msisdn, region) if rec.msisdn else None
                reason = ("the record has no subscriber number" if not rec.msisdn else
                          f"'{rec.msisdn}' is not a valid number" if not ea else
                          f"{ea} is not a customer")
                unmatched.append(self.unmatched_row("data", rec, ea or rec.msisdn, "", reason))
                continue
            cid = ids.get(ga, 0)
            if cid:
                first, end = spans[cid][:2]
                if not first <= at < end:
                    cid = 0
            if cid:
                raw, direction = rec.b, "out"
            else:
                cid = ids.get(gb, 0)
                if cid:
                    first, end = spans[cid][:2]
                    if not first <= at < end:
                        cid = 0
                if not cid:
                    unmatched.append(self._unmatched_call(rec, ga, gb))
                    continue
                raw, direction = rec.a, "in"
            # the other party, normalised once per distinct number as written
            known = parties.get(raw)
            if known is None:
                known = parties[raw] = other_party(raw, region, home)
            e, intl = known
            other = _party(raw, e)
            if isinstance(rec, Call):
                calls.append((cid, at, direction, other, rec.duration_s, rec.billsec,
                              rec.answered, rec.disposition, intl, src, rec.ref))
            else:
                sms.append((cid, at, direction, other, rec.length, intl, src, rec.ref))
        return calls, sms, data, unmatched

    def _unmatched_call(self, rec, ga: str, gb: str) -> tuple:
        """The unmatched row of a call or SMS that neither party takes, with the reason: the
        parties that are customers at another time (what a corrected date would change);
        otherwise neither is a customer."""
        region, ids = self.region, self.ids
        ea, eb = e164(rec.a, region), e164(rec.b, region)
        a, b = _party(rec.a, ea), _party(rec.b, eb)
        kind = "call" if isinstance(rec, Call) else "sms"
        known = [self._tenure(g, rec.started_at) for g in dict.fromkeys((ga, gb)) if g and ids.get(g)]
        if known:
            reason = "; ".join(known)
        else:
            reason = f"neither {a or '(empty)'} nor {b or '(empty)'} is a customer"
        return self.unmatched_row(kind, rec, a, b, reason)

    def unmatched_row(self, kind: str, rec, a: str, b: str, reason: str) -> tuple:
        return (kind, self.source, rec.ref, rec.started_at, a[:64], b[:64], reason[:255],
                payload(rec, self.region), self.import_id)


def payload(rec, region: str) -> str:
    """The normalised record as JSON (numbers in E.164 where they are valid), for re-processing."""
    if isinstance(rec, Data):
        d = {"kind": "data", "ref": rec.ref, "started_at": rec.started_at.isoformat(),
             "ended_at": rec.ended_at.isoformat(), "msisdn": e164(rec.msisdn, region) or rec.msisdn,
             "values": {k: (str(v) if v is not None and not isinstance(v, int) else v)
                        for k, v in rec.values.items()}}
    elif isinstance(rec, Call):
        d = {"kind": "call", "ref": rec.ref, "started_at": rec.started_at.isoformat(),
             "a": e164(rec.a, region) or rec.a, "b": e164(rec.b, region) or rec.b,
             "duration_s": rec.duration_s, "billsec": rec.billsec, "answered": rec.answered,
             "disposition": rec.disposition}
    else:
        d = {"kind": "sms", "ref": rec.ref, "started_at": rec.started_at.isoformat(),
             "a": e164(rec.a, region) or rec.a, "b": e164(rec.b, region) or rec.b, "length": rec.length}
    # the second occurrence of a time repeated in autumn (clock.py)
    if rec.started_at.fold:
        d["fold"] = 1
    if isinstance(rec, Data) and rec.ended_at.fold:
        d["ended_fold"] = 1
    return json.dumps(d, ensure_ascii=False)


def from_payload(text: str):
    """The record kept in unmatched_records.payload."""
    d = json.loads(text)
    start = datetime.fromisoformat(d["started_at"]).replace(fold=d.get("fold", 0))
    if d["kind"] == "call":
        return Call(d["ref"], start, d["a"], d["b"], d["duration_s"], d["billsec"], d["answered"], d["disposition"])
    if d["kind"] == "sms":
        return Sms(d["ref"], start, d["a"], d["b"], d["length"])
    return Data(d["ref"], start, datetime.fromisoformat(d["ended_at"]).replace(fold=d.get("ended_fold", 0)),
                d["msisdn"], d["values"])
