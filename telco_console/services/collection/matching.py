"""Whose record is it? A call or SMS belongs to the subscriber on our books: the caller makes it
outgoing, else the callee incoming; neither makes it unmatched, with the reason. A data session
belongs to its MSISDN. Customer ids are looked up once per batch for the numbers not yet seen."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from telco_console.phone import is_international
from telco_console.repositories import customers as customers_repo
from telco_console.repositories.usage import DATA_COLS
from telco_console.services.collection.fields import e164
from telco_console.services.collection.parsers import Call, Data, Sms

CACHE_LIMIT = 500_000


@lru_cache(maxsize=100_000)
def _international(number: str, home: str) -> bool:
    return is_international(number, home)


def _party(raw: str, number: str | None) -> str:
    return (number or raw or "")[:64]


class Matcher:
    def __init__(self, region: str, home_region: str, source: str, import_id: int | None):
        self.region = region
        self.home = home_region
        self.source = source
        self.import_id = import_id
        self.ids: dict[str, int] = {}      # E.164 -> customer id (0: not a customer)

    def _numbers(self, records) -> list:
        out = []
        for r in records:
            if isinstance(r, Data):
                out.append((e164(r.msisdn, self.region) if r.msisdn else None, None))
            else:
                out.append((e164(r.a, self.region), e164(r.b, self.region)))
        return out

    def resolve(self, conn, records) -> list:
        """The numbers of each record (E.164 or None), after looking up unknown ones."""
        nums = self._numbers(records)
        missing = {n for pair in nums for n in pair if n and n not in self.ids}
        if missing:
            if len(self.ids) > CACHE_LIMIT:
                self.ids.clear()
            found = customers_repo.ids_by_msisdn(conn, sorted(missing))
            for n in missing:
                self.ids[n] = found[n][0] if n in found else 0
        return nums

    def split(self, conn, records) -> tuple[list, list, list, list]:
        """(call rows, sms rows, data rows, unmatched rows) ready for the repositories."""
        nums = self.resolve(conn, records)
        calls, sms, data, unmatched = [], [], [], []
        src, ids, home = self.source, self.ids, self.home
        for rec, (ea, eb) in zip(records, nums):
            if isinstance(rec, Data):
                cid = ids.get(ea) if ea else 0
                if cid:
                    v = rec.values
                    data.append((cid, rec.started_at, rec.ended_at,
                                 *[v.get(c) for c in DATA_COLS[3:-2]], src, rec.ref))
                else:
                    reason = ("the record has no subscriber number" if not rec.msisdn else
                              f"'{rec.msisdn}' is not a valid number" if not ea else
                              f"{ea} is not a customer")
                    unmatched.append(self.unmatched_row("data", rec, ea or rec.msisdn, "", reason))
                continue
            ca = ids.get(ea) if ea else 0
            cb = ids.get(eb) if eb else 0
            if ca:
                cid, direction, other, other_num = ca, "out", _party(rec.b, eb), eb
            elif cb:
                cid, direction, other, other_num = cb, "in", _party(rec.a, ea), ea
            else:
                a, b = _party(rec.a, ea), _party(rec.b, eb)
                reason = f"neither {a or '(empty)'} nor {b or '(empty)'} is a customer"
                kind = "call" if isinstance(rec, Call) else "sms"
                unmatched.append(self.unmatched_row(kind, rec, a, b, reason))
                continue
            intl = _international(other_num, home) if other_num else False
            if isinstance(rec, Call):
                calls.append((cid, rec.started_at, direction, other, rec.duration_s, rec.billsec,
                              rec.answered, rec.disposition, intl, src, rec.ref))
            else:
                sms.append((cid, rec.started_at, direction, other, rec.length, intl, src, rec.ref))
        return calls, sms, data, unmatched

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
    return json.dumps(d, ensure_ascii=False)


def from_payload(text: str):
    """The record kept in unmatched_records.payload."""
    d = json.loads(text)
    start = datetime.fromisoformat(d["started_at"])
    if d["kind"] == "call":
        return Call(d["ref"], start, d["a"], d["b"], d["duration_s"], d["billsec"], d["answered"], d["disposition"])
    if d["kind"] == "sms":
        return Sms(d["ref"], start, d["a"], d["b"], d["length"])
    return Data(d["ref"], start, datetime.fromisoformat(d["ended_at"]), d["msisdn"], d["values"])
