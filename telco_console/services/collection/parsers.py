"""File formats: each parser turns one CSV row (a list of strings) into a record, or raises
ValidationError with the reason the row is rejected. Records carry the parties as written;
the importer decides whose record it is (importer.match)."""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telco_console.clock import zone
from telco_console.errors import ValidationError
from telco_console.repositories.usage import APPS
from telco_console.services.collection import fields as F

FORMATS = ("asterisk", "freeswitch", "tellco", "csv")


@dataclass(slots=True)
class Call:
    ref: str
    started_at: datetime
    a: str                      # caller as written
    b: str                      # callee as written
    duration_s: int
    billsec: int
    answered: bool
    disposition: str


@dataclass(slots=True)
class Sms:
    ref: str
    started_at: datetime
    a: str                      # sender
    b: str                      # recipient
    length: int


@dataclass(slots=True)
class Data:
    ref: str
    started_at: datetime
    ended_at: datetime
    msisdn: str                 # the subscriber as written ('' when the record has none)
    values: dict = field(default_factory=dict)   # the other data_sessions columns


@dataclass(slots=True)
class CustomerRow:
    msisdn: str
    name: str
    plan: str
    region: str
    handset: str
    email: str
    since: str


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


# -- reading lines -------------------------------------------------------------------------
BLOCK_SIZE = 1 << 18            # bytes read, hashed and decoded at a time


class LineReader:
    """Decoded lines of a binary file, read a block at a time (hashed and decoded in one go),
    remembering each line's number and text (for the reject file) and feeding a SHA-256 of
    the bytes. Lines end at '\\n' only, as in the file; bytes that are not UTF-8 are replaced,
    never fatal; a byte order mark before the first line is dropped."""

    def __init__(self, fh, block_size: int = BLOCK_SIZE):
        self.fh = fh
        self.block_size = block_size
        self.line_no = 0                # lines handed out so far
        self.bytes_read = 0
        self.sha = hashlib.sha256()
        self._lines: list[str] = []     # the current block's lines
        self._base = 0                  # the number of the line before the current block's first

    def blocks(self) -> Iterator[list[str]]:
        """Lists of lines (with their '\\n'), in file order."""
        rest = b""
        first = True
        while True:
            chunk = self.fh.read(self.block_size)
            if chunk:
                self.bytes_read += len(chunk)
                self.sha.update(chunk)
                data = rest + chunk if rest else chunk
                cut = data.rfind(b"\n") + 1
                if not cut:             # no line end yet: a line longer than a block
                    rest = data
                    continue
                rest, data = data[cut:], data[:cut]
            elif rest:
                data, rest = rest, b""
            else:
                return
            # '\\n' is never part of a multi-byte sequence, so decoding the block decodes
            # each line as if alone
            text = data.decode("utf-8", "replace")
            if first:
                first = False
                if text.startswith("\ufeff"):
                    text = text[1:]
            lines = text.split("\n")
            last = lines.pop()              # '' after a final line end, else a last unended line
            lines = [line + "\n" for line in lines]
            if last:
                lines.append(last)
            self._base = self.line_no
            self._lines = lines
            self.line_no += len(lines)
            yield lines

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self.blocks())

    def text(self, line_no: int) -> str:
        """Line line_no without its line end, while it is in the current block."""
        return self._lines[line_no - self._base - 1].rstrip("\r\n")


def rows(reader: LineReader) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, original line, fields) for each non-blank CSV row; a row that is not CSV
    comes with the csv.Error in place of its fields. A row over several lines (a quoted line
    break) has the number and text of its last line."""
    r = csv.reader(iter(reader))
    text = reader.text
    while True:
        try:
            row = next(r)
        except StopIteration:
            return
        except csv.Error as exc:
            yield r.line_num, text(r.line_num), exc        # a broken row: the caller rejects it
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        n = r.line_num
        yield n, text(n), row


# -- Asterisk ------------------------------------------------------------------------------
ASTERISK_COLS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
                 "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
                 "uniqueid", "userfield", "peeraccount", "linkedid", "sequence")


def _int(text: str, what: str) -> int:
    value = F.count(text, what)
    if value > F.MAX_DURATION_S:
        raise ValidationError(f"{what} {value} s is over 24 hours")
    return value


def parse_asterisk(row: list[str], tz: str, now: datetime) -> Call:
    if len(row) not in (16, 18, 21):
        raise ValidationError(f"an Asterisk row has 16, 18 or 21 columns, this one has {len(row)}")
    src, dst = row[1].strip(), row[2].strip()
    start = F.record_time(row[9], tz, now)
    end = F.record_time(row[11], tz, now) if row[11].strip() else None
    duration = _int(row[12], "duration")
    if end is not None:             # in real time: a call across the autumn change is not backwards
        start, end = zone(tz).span(start, end, duration)
    billsec = _int(row[13], "billsec")
    disposition = row[14].strip().upper()
    if not disposition:
        raise ValidationError("the disposition is empty")
    answered = disposition == "ANSWERED"
    if answered and billsec > duration:
        raise ValidationError(f"billsec {billsec} is more than the duration {duration}")
    if not src and not dst:
        raise ValidationError("both src and dst are empty")
    if len(row) == 21:
        if not row[16].strip():
            raise ValidationError("the uniqueid is empty")
        ref = f"{row[16].strip()}/{row[20].strip()}"
    elif len(row) == 18 and row[16].strip():
        ref = f"{row[16].strip()}/{digest(chr(31).join(row))}"
    else:
        ref = digest(chr(31).join(row))
    return Call(ref[:128], start, src, dst, duration, billsec if answered else 0, answered, disposition[:32])


_fromiso = datetime.fromisoformat
_MINUTE = timedelta(minutes=1)


def _plain_time(text: str, latest: datetime) -> datetime | None:
    """The time of a well-formed 'YYYY-MM-DD HH:MM:SS' that F.record_time would accept as it
    is (1990 or later, not in the future); None for anything else (F.record_time decides)."""
    if len(text) != 19 or text[4] != "-" or text[10] != " ":
        return None
    try:
        value = _fromiso(text)
    except ValueError:
        return None
    if value.tzinfo is None and value.year >= 1990 and value <= latest:
        return value
    return None


def parse_asterisk_fast(row: list[str], tz: str, now: datetime) -> Call:
    """parse_asterisk for the usual 21-column row whose fields are all well formed, read
    without the general field parsers; any other row goes to parse_asterisk, so the record,
    or the reason a row is rejected, is always parse_asterisk's."""
    if len(row) == 21:
        latest = now + _MINUTE
        start = _plain_time(row[9], latest)
        end_text = row[11]
        end = _plain_time(end_text, latest) if end_text else None
        duration, billsec = row[12], row[13]
        disposition = row[14].strip().upper()
        uniqueid = row[16].strip()
        plain = zone(tz).plain          # times near a clock change take the general path
        if (start is not None and (end is not None or not end_text) and (end is None or end >= start)
                and plain(start) and (end is None or plain(end))
                and duration.isdigit() and duration.isascii() and billsec.isdigit() and billsec.isascii()
                and disposition and uniqueid):
            duration, billsec = int(duration), int(billsec)
            answered = disposition == "ANSWERED"
            src, dst = row[1].strip(), row[2].strip()
            if (duration <= F.MAX_DURATION_S and billsec <= F.MAX_DURATION_S
                    and not (answered and billsec > duration) and (src or dst)):
                return Call(f"{uniqueid}/{row[20].strip()}"[:128], start, src, dst, duration,
                            billsec if answered else 0, answered, disposition[:32])
    return parse_asterisk(row, tz, now)


# -- FreeSWITCH ----------------------------------------------------------------------------
# hangup causes that mean the call was never answered, whatever the stamps say
FS_UNANSWERED = {"NO_ANSWER": "NO ANSWER", "NO_USER_RESPONSE": "NO ANSWER", "ORIGINATOR_CANCEL": "NO ANSWER",
                 "ALLOTTED_TIMEOUT": "NO ANSWER", "USER_BUSY": "BUSY", "CALL_REJECTED": "FAILED",
                 "UNALLOCATED_NUMBER": "FAILED", "NO_ROUTE_DESTINATION": "FAILED", "NORMAL_CIRCUIT_CONGESTION":
                 "CONGESTION", "SWITCH_CONGESTION": "CONGESTION", "DESTINATION_OUT_OF_ORDER": "FAILED",
                 "INVALID_NUMBER_FORMAT": "FAILED", "SUBSCRIBER_ABSENT": "FAILED", "USER_NOT_REGISTERED": "FAILED",
                 "MEDIA_TIMEOUT": "FAILED", "INCOMPATIBLE_DESTINATION": "FAILED", "LOSE_RACE": "NO ANSWER",
                 "PICKED_OFF": "NO ANSWER"}


def parse_freeswitch(row: list[str], tz: str, now: datetime) -> Call:
    if len(row) < 15:
        raise ValidationError(f"a FreeSWITCH row has 15 columns, this one has {len(row)}")
    caller, callee = row[1].strip(), row[2].strip()
    start = F.record_time(row[4], tz, now)
    answer = row[5].strip()
    end = F.record_time(row[6], tz, now) if row[6].strip() else None
    duration = _int(row[7], "duration")
    if end is not None:
        start, end = zone(tz).span(start, end, duration)
    billsec = _int(row[8], "billsec")
    cause = row[9].strip().upper()
    if not cause:
        raise ValidationError("the hangup cause is empty")
    uuid = row[10].strip()
    if not uuid:
        raise ValidationError("the uuid is empty")
    if cause in FS_UNANSWERED:
        answered, disposition = False, FS_UNANSWERED[cause]
    else:
        answered = bool(answer)
        disposition = "ANSWERED" if answered else "NO ANSWER"
    if answered and billsec > duration:
        raise ValidationError(f"billsec {billsec} is more than the duration {duration}")
    # uuid plus a digest of the row: a repeated identical row is a duplicate, and a different row
    # under the same uuid (the real sample has one) is a record of its own
    ref = f"{uuid}/{digest(chr(31).join(row))}"
    return Call(ref[:128], start, caller, callee, duration, billsec if answered else 0, answered, disposition)


# -- TellCo xDR ----------------------------------------------------------------------------
TELLCO_APPS = {"Social Media": "social", "Google": "google", "Email": "email", "Youtube": "youtube",
               "Netflix": "netflix", "Gaming": "gaming", "Other": "other"}
TELLCO_MEASURES = {"Avg RTT DL (ms)": "rtt_dl_ms", "Avg RTT UL (ms)": "rtt_ul_ms",
                   "Avg Bearer TP DL (kbps)": "tp_dl_kbps", "Avg Bearer TP UL (kbps)": "tp_ul_kbps"}
TELLCO_BYTES = {"TCP DL Retrans. Vol (Bytes)": "tcp_retrans_dl_bytes",
                "TCP UL Retrans. Vol (Bytes)": "tcp_retrans_ul_bytes",
                "Total DL (Bytes)": "bytes_dl", "Total UL (Bytes)": "bytes_ul"}
TELLCO_REQUIRED = ("Bearer Id", "Start", "Start ms", "End", "End ms", "MSISDN/Number", "Total DL (Bytes)",
                   "Total UL (Bytes)")


class TellcoLayout:
    def __init__(self, header: list[str]):
        names = [h.strip() for h in header]
        self.offset = 1 if names and names[0] in ("", "Unnamed: 0") else 0
        self.names = names[self.offset:]
        self.index = {n: i + self.offset for i, n in enumerate(self.names)}
        missing = [n for n in TELLCO_REQUIRED if n not in self.index]
        if missing:
            raise ValidationError(f"this is not a TellCo xDR header: no column {', '.join(missing)}")
        self.width = len(header)
        self.app_cols = {}
        for label, app in TELLCO_APPS.items():
            for d in ("DL", "UL"):
                for name in (f"{label} {d} (Bytes)", f"{label} {d}"):
                    if name in self.index:
                        self.app_cols[f"{app}_{d.lower()}"] = self.index[name]
        used = set(TELLCO_REQUIRED) | set(TELLCO_MEASURES) | set(TELLCO_BYTES) | {
            "IMSI", "IMEI", "Last Location Name", "Handset Manufacturer", "Handset Type", "Dur. (ms)"}
        self.extra = [(n, self.index[n]) for n in self.names
                      if n not in used and self.index[n] not in self.app_cols.values()]


def _number_text(text: str) -> str:
    """208200854006858.0 -> '208200854006858'; '' stays ''."""
    raw = (text or "").strip()
    if not raw:
        return ""
    try:
        d = F.bounded_decimal(raw, "the number", 10 ** 24)     # 6.917538e+18 yes, 1e1000000 never
        if d == d.to_integral_value() and d >= 0:
            return str(int(d))
    except ValidationError:
        pass
    return raw


def _time_ms(text: str, ms: str, tz: str, now: datetime, what: str) -> datetime:
    value = F.record_time(text, tz, now)
    extra = F.count(ms, f"{what} ms", maximum=999, required=False) or 0
    return value + timedelta(milliseconds=extra)


def parse_tellco(row: list[str], layout: TellcoLayout, tz: str, now: datetime) -> Data:
    if len(row) != layout.width:
        raise ValidationError(f"a row of this file has {layout.width} columns, this one has {len(row)}")
    g = lambda name: row[layout.index[name]].strip() if name in layout.index else ""  # noqa: E731
    bearer = _number_text(g("Bearer Id")) if "e" not in g("Bearer Id").lower() else g("Bearer Id")
    if not bearer:
        raise ValidationError("the Bearer Id is empty")
    start = _time_ms(g("Start"), g("Start ms"), tz, now, "Start")
    end = _time_ms(g("End"), g("End ms"), tz, now, "End")
    dur = F.count(g("Dur. (ms)"), "Dur. (ms)", required=False)
    z = zone(tz)
    start, end = z.span(start, end, dur / 1000 if dur is not None else None)
    v: dict = {}
    v["duration_ms"] = dur if dur is not None else int(z.elapsed(start, end).total_seconds() * 1000)
    for name, col in TELLCO_BYTES.items():
        v[col] = F.byte_volume(g(name), name, required=col in ("bytes_dl", "bytes_ul"))
    for name, col in TELLCO_MEASURES.items():
        v[col] = F.decimal(g(name), name)
    for col, idx in layout.app_cols.items():
        v[col] = F.byte_volume(row[idx], col, required=False)
    # not F.app_volumes: TellCo's own files carry application volumes above the session totals
    # (docs/decisions.md 39); they are kept as delivered
    maker, model = g("Handset Manufacturer"), g("Handset Type")
    v["handset_manufacturer"] = None if maker.lower() in ("", "undefined") else maker[:80]
    v["handset_type"] = None if model.lower() in ("", "undefined") else model[:120]
    v["imsi"] = _number_text(g("IMSI"))[:20] or None
    v["imei"] = _number_text(g("IMEI"))[:20] or None
    v["location"] = g("Last Location Name")[:40] or None
    extra = {n: row[i].strip() for n, i in layout.extra if row[i].strip()}
    v["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    msisdn = _number_text(g("MSISDN/Number"))
    # international numbers written without the plus
    return Data(f"{bearer}@{start:%Y%m%d%H%M%S}.{start.microsecond // 1000:03d}", start, end,
                ("+" + msisdn) if msisdn and msisdn.isdigit() else msisdn, v)


# -- our own CSV ---------------------------------------------------------------------------
CSV_LAYOUTS = {
    "customers": ("msisdn", "name", "plan", "region", "handset", "email", "since"),
    "calls": ("record_id", "caller", "callee", "started_at", "duration_s", "billsec", "disposition"),
    "sms": ("record_id", "sender", "recipient", "sent_at", "length"),
    "data": ("record_id", "msisdn", "started_at", "ended_at", "bytes_dl", "bytes_ul"),
}
CSV_REQUIRED = {"customers": ("msisdn", "name", "plan"), "calls": CSV_LAYOUTS["calls"][:6],
                "sms": CSV_LAYOUTS["sms"], "data": CSV_LAYOUTS["data"]}
DATA_OPTIONAL = tuple(f"{a}_{d}" for a in APPS for d in ("dl", "ul")) + (
    "rtt_dl_ms", "rtt_ul_ms", "tp_dl_kbps", "tp_ul_kbps", "tcp_retrans_dl_bytes", "tcp_retrans_ul_bytes",
    "handset_manufacturer", "handset_type", "imsi", "imei", "location")
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")


class CsvLayout:
    def __init__(self, header: list[str]):
        names = [h.strip().lower() for h in header]
        self.width = len(names)
        self.index = {n: i for i, n in enumerate(names)}
        if "name" in self.index and "plan" in self.index:
            self.kind = "customers"
        elif "caller" in self.index:
            self.kind = "calls"
        elif "sender" in self.index:
            self.kind = "sms"
        elif "bytes_dl" in self.index:
            self.kind = "data"
        else:
            raise ValidationError("the header names no known layout: a customers file has msisdn,name,plan; "
                                  "calls record_id,caller,callee,...; sms record_id,sender,...; "
                                  "data record_id,msisdn,started_at,ended_at,bytes_dl,bytes_ul")
        missing = [c for c in CSV_REQUIRED[self.kind] if c not in self.index]
        if missing:
            raise ValidationError(f"the {self.kind} header lacks the column(s) {', '.join(missing)}")
        known = set(CSV_LAYOUTS[self.kind]) | (set(DATA_OPTIONAL) if self.kind == "data" else set())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValidationError(f"unknown column(s) in the {self.kind} header: {', '.join(unknown)}")

    def get(self, row: list[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None else ""


def _ref(text: str) -> str:
    if not text:
        raise ValidationError("the record_id is empty")
    if len(text) > 128:
        raise ValidationError("the record_id is longer than 128 characters")
    return text


def parse_csv(row: list[str], layout: CsvLayout, tz: str, now: datetime):
    if len(row) != layout.width:
        raise ValidationError(f"the header has {layout.width} columns, this row has {len(row)}")
    g = lambda n: layout.get(row, n)  # noqa: E731
    if layout.kind == "calls":
        ref = _ref(g("record_id"))
        start = F.record_time(g("started_at"), tz, now)
        duration = _int(g("duration_s"), "duration_s")
        billsec = _int(g("billsec"), "billsec")
        disp = (g("disposition") or ("ANSWERED" if billsec > 0 else "NO ANSWER")).upper()
        if disp not in DISPOSITIONS:
            raise ValidationError(f"disposition '{disp}' is not one of {', '.join(DISPOSITIONS)}")
        answered = disp == "ANSWERED"
        if billsec > duration:
            raise ValidationError(f"billsec {billsec} is more than the duration {duration}")
        if not g("caller") and not g("callee"):
            raise ValidationError("both caller and callee are empty")
        return Call(ref, start, g("caller"), g("callee"), duration, billsec if answered else 0, answered, disp)
    if layout.kind == "sms":
        ref = _ref(g("record_id"))
        at = F.record_time(g("sent_at"), tz, now)
        length = F.count(g("length"), "length", maximum=10_000)
        return Sms(ref, at, g("sender"), g("recipient"), length)
    if layout.kind == "data":
        ref = _ref(g("record_id"))
        start = F.record_time(g("started_at"), tz, now)
        end = F.record_time(g("ended_at"), tz, now)
        z = zone(tz)
        start, end = z.span(start, end, what="ended_at is before started_at")
        real = z.elapsed(start, end)
        if real > timedelta(days=7):
            raise ValidationError("a data session longer than 7 days is not plausible")
        v = {"duration_ms": int(real.total_seconds() * 1000),
             "bytes_dl": F.byte_volume(g("bytes_dl"), "bytes_dl"),
             "bytes_ul": F.byte_volume(g("bytes_ul"), "bytes_ul")}
        for col in DATA_OPTIONAL:
            text = g(col)
            if col.startswith(("rtt", "tp_")):
                v[col] = F.decimal(text, col)
            elif col in ("handset_manufacturer", "handset_type", "imsi", "imei", "location"):
                v[col] = text[:120] or None
            else:
                v[col] = F.byte_volume(text, col, required=False)
        F.app_volumes(v, v["bytes_dl"], v["bytes_ul"])
        if not g("msisdn"):
            raise ValidationError("the msisdn is empty")
        return Data(ref, start, end, g("msisdn"), v)
    name = g("name")
    if not g("msisdn"):
        raise ValidationError("the msisdn is empty")
    if not name:
        raise ValidationError("the name is empty")
    if not g("plan"):
        raise ValidationError("the plan is empty")
    return CustomerRow(g("msisdn"), name, g("plan"), g("region"), g("handset"), g("email"), g("since"))


_DISPOSITION_SET = frozenset(DISPOSITIONS)


def csv_calls_parser(layout: CsvLayout) -> Callable:
    """parse_csv for a calls layout, reading the usual well-formed row directly (column
    positions looked up once); any other row goes to parse_csv, so the record, or the reason a
    row is rejected, is always parse_csv's."""
    ix = layout.index
    width = layout.width
    i_ref, i_a, i_b, i_at, i_dur, i_bill = (ix[c] for c in CSV_LAYOUTS["calls"][:6])
    i_disp = ix.get("disposition")

    def parse(row: list[str], tz: str, now: datetime) -> Call:
        if len(row) == width:
            ref = row[i_ref].strip()
            start = _plain_time(row[i_at], now + _MINUTE)
            duration, billsec = row[i_dur], row[i_bill]
            disp = row[i_disp] if i_disp is not None else ""
            if (ref and len(ref) <= 128 and start is not None and zone(tz).plain(start)
                    and duration.isdigit() and duration.isascii()
                    and billsec.isdigit() and billsec.isascii() and (not disp or disp in _DISPOSITION_SET)):
                duration, billsec = int(duration), int(billsec)
                if not disp:
                    disp = "ANSWERED" if billsec > 0 else "NO ANSWER"
                a, b = row[i_a].strip(), row[i_b].strip()
                if duration <= F.MAX_DURATION_S and billsec <= duration and (a or b):
                    answered = disp == "ANSWERED"
                    return Call(ref, start, a, b, duration, billsec if answered else 0, answered, disp)
        return parse_csv(row, layout, tz, now)

    parse.kind = "calls"
    return parse


def row_parser(fmt: str, header: list[str] | None, fast: bool = True) -> tuple[Callable, bool]:
    """(parse(row, tz, now), whether the first row is a header) for a format. fast: with the
    direct reading of well-formed rows where a format has one (same records, same rejects)."""
    if fmt == "asterisk":
        return (parse_asterisk_fast if fast else parse_asterisk), False
    if fmt == "freeswitch":
        return parse_freeswitch, False
    if fmt == "tellco":
        layout = TellcoLayout(header or [])
        return (lambda row, tz, now: parse_tellco(row, layout, tz, now)), True
    if fmt == "csv":
        layout = CsvLayout(header or [])
        if fast and layout.kind == "calls":
            return csv_calls_parser(layout), True
        f = lambda row, tz, now: parse_csv(row, layout, tz, now)  # noqa: E731
        f.kind = layout.kind
        return f, True
    raise ValidationError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")


def has_header(fmt: str) -> bool:
    return fmt in ("tellco", "csv")


def csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(values)
    return buf.getvalue()
