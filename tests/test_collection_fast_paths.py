"""The importer's fast paths give what the general code gives: the block reader the same lines
as reading line by line, the direct parsers of well-formed call rows the same records and the
same rejects as the full parsers, the whole-row scratch text the same text as value by value,
and rollup sums made ahead of a write the same rollups (also when a region changes meanwhile)."""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import make_customer, make_plan
from telco_console.errors import ValidationError
from telco_console.repositories import rollups, usage
from telco_console.services.collection import fields as F
from telco_console.services.collection import importer, parsers

NOW = datetime(2026, 10, 3, 12, 0, 0)
TZ = "Europe/London"

ASTERISK = ["", "07911123456", "07400123456", "from-internal", '"07911123456" <07911123456>', "SIP/1-0001",
            "SIP/trunk-0001", "Dial", "SIP/trunk/07400123456,60", "2026-10-01 09:00:00", "2026-10-01 09:00:05",
            "2026-10-01 09:01:05", "65", "60", "ANSWERED", "DOCUMENTATION", "1759309200.1", "", "",
            "1759309200.1", "7"]
CSV_HEADER = ["record_id", "caller", "callee", "started_at", "duration_s", "billsec", "disposition"]
CSV_ROW = ["c1", "07911123456", "07400123456", "2026-10-01 09:00:00", "65", "60", "ANSWERED"]

# values that sit on the edges of the fast paths' conditions
EDGES = ["", " ", "  60", "60 ", "60.0", "1e2", "-1", "86400", "86401", "0", "٣", "²", "99999999999999999999",
         "2026-10-01 09:00:00", " 2026-10-01 09:00:00", "2026-10-01 09:00:00 ", "2026-10-01T09:00:00",
         "2026-10-01 09:00", "2026-10-01 09:00:00.5", "2026-10-01 0900+01", "2026-10-01 09:00+01",
         "2026-10-03 12:00:59", "2026-10-03 12:01:01", "2027-01-01 00:00:00", "1989-12-31 23:59:59",
         "1990-01-01 00:00:00", "2026-02-30 09:00:00", "2026-W40-4 09:00:00", "10/1/2026 9:00",
         "ANSWERED", "answered", " ANSWERED", "NO ANSWER", "BUSY", "FAILED", "HELD", "x" * 129, "x" * 128]


def outcome(parse, row):
    try:
        return ("record", parse(list(row), TZ, NOW))
    except ValidationError as exc:
        return ("reject", str(exc))


def mutations(base, edges=EDGES):
    for i in range(len(base)):
        for value in edges:
            row = list(base)
            row[i] = value
            yield row


def test_asterisk_fast_parser_agrees_on_edge_rows():
    fast, _ = parsers.row_parser("asterisk", None, fast=True)
    slow, _ = parsers.row_parser("asterisk", None, fast=False)
    assert fast is parsers.parse_asterisk_fast and slow is parsers.parse_asterisk
    rows = [ASTERISK, ASTERISK[:16], ASTERISK[:18], ASTERISK + [""]] + list(mutations(ASTERISK))
    unanswered = list(ASTERISK)
    unanswered[14], unanswered[13], unanswered[10] = "NO ANSWER", "90", ""
    rows += [unanswered] + list(mutations(unanswered, ["", "90", "100", "2026-10-01 08:59:59"]))
    n_records = 0
    for row in rows:
        got = outcome(fast, row)
        assert got == outcome(slow, row), row
        n_records += got[0] == "record"
    assert 0 < n_records < len(rows)          # both kinds of outcome were compared


def test_csv_calls_fast_parser_agrees_on_edge_rows():
    for header in (CSV_HEADER, CSV_HEADER[:6], [h.upper() for h in reversed(CSV_HEADER)]):
        fast, _ = parsers.row_parser("csv", header, fast=True)
        slow, _ = parsers.row_parser("csv", header, fast=False)
        assert fast.kind == slow.kind == "calls"
        base = [dict(zip(CSV_HEADER, CSV_ROW))[h.lower()] for h in header]
        rows = [base, base[:-1], base + [""]] + list(mutations(base))
        for row in rows:
            assert outcome(fast, row) == outcome(slow, row), (header, row)


cell = st.one_of(st.sampled_from(EDGES), st.text(max_size=12), st.integers(-5, 100_000).map(str))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_parsers_agree_on_random_rows(data):
    ast = list(ASTERISK)
    for i in data.draw(st.lists(st.integers(0, 20), max_size=4)):
        ast[i] = data.draw(cell)
    assert outcome(parsers.parse_asterisk_fast, ast) == outcome(parsers.parse_asterisk, ast)
    fast, _ = parsers.row_parser("csv", CSV_HEADER, fast=True)
    slow, _ = parsers.row_parser("csv", CSV_HEADER, fast=False)
    row = list(CSV_ROW)
    for i in data.draw(st.lists(st.integers(0, 6), max_size=4)):
        row[i] = data.draw(cell)
    assert outcome(fast, row) == outcome(slow, row)


def test_record_time_with_an_offset_in_19_characters_is_read_not_crashed():
    # '2026-10-01 09:00+01' is 19 characters that datetime.fromisoformat reads with an offset
    value = F.record_time("2026-10-01 09:00+01", TZ, NOW)
    assert value.tzinfo is None and value == datetime(2026, 10, 1, 9, 0)     # 08:00 UTC is 09:00 BST


# -- reading lines ---------------------------------------------------------------------------
class LineByLine:
    """The reader as it was: one line at a time (the reference for the block reader)."""

    def __init__(self, fh):
        self.fh, self.line_no, self.text = fh, 0, ""
        self.sha = hashlib.sha256()

    def __iter__(self):
        for raw in self.fh:
            self.line_no += 1
            self.sha.update(raw)
            text = raw.decode("utf-8", "replace")
            if self.line_no == 1 and text.startswith("\ufeff"):
                text = text[1:]
            self.text = text.rstrip("\r\n")
            yield text


def reference_rows(data: bytes):
    reader = LineByLine(io.BytesIO(data))
    r = csv.reader(reader)
    out = []
    while True:
        try:
            row = next(r)
        except StopIteration:
            return out, reader.sha.hexdigest()
        except csv.Error as exc:
            out.append((reader.line_no, reader.text, f"error: {exc}"))
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        out.append((reader.line_no, reader.text, row))


def block_rows(data: bytes, block_size: int):
    reader = parsers.LineReader(io.BytesIO(data), block_size=block_size)
    out = [(n, text, f"error: {row}" if isinstance(row, Exception) else row)
           for n, text, row in parsers.rows(reader)]
    assert reader.bytes_read == len(data)
    return out, reader.sha.hexdigest()


SAMPLE = ('\ufeffa,b,c\r\n"quoted\nover lines",2,3\n\n  \nx\ty,"un"closed\n\x00,nul\n'
          'caf\xe9,\u4e2d\u6587\r\nlast,"open\n').encode() + b"\xff\xfe,bad bytes\n\xe2\x82\nend-no-newline"


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64, 1 << 20])
def test_block_reader_gives_the_lines_of_the_line_reader(block_size):
    assert block_rows(SAMPLE, block_size) == reference_rows(SAMPLE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=30), st.sampled_from(
    [b"\n", b"\r\n", b"\r", b'"', b",", b"\xef\xbb\xbf", b"\xe2\x82", b"\x00", "\u4e2d".encode()])), max_size=40),
    st.integers(1, 40))
def test_block_reader_agrees_on_random_bytes(parts, block_size):
    data = b"".join(parts)
    assert block_rows(data, block_size) == reference_rows(data)


# -- scratch text ----------------------------------------------------------------------------
def generic(rows, tz="UTC"):
    """Value by value, each row's start in UTC last (usage.utc_times)."""
    return "".join("\t".join(usage._tsv_value(v) for v in r) + "\t" + usage._tsv_value(u) + "\n"
                   for r, u in zip(rows, usage.utc_times(rows, tz)))


CALL = (7, datetime(2026, 10, 1, 9, 0, 0), "out", "+447400123456", 65, 60, True, "ANSWERED", False, "csv", "c1")
SMS = (7, datetime(2026, 10, 1, 9, 0, 0, 123000), "in", "+447400123456", 40, True, "csv", "s1")


@pytest.mark.parametrize("kind,row,i,value", [
    ("call", CALL, 0, None), ("call", CALL, 1, None), ("call", CALL, 1, "2026-10-01 09:00:00"), ("call", CALL, 1, True),
    ("call", CALL, 3, "a\tb"), ("call", CALL, 3, "a\\b"), ("call", CALL, 3, "a\nb"), ("call", CALL, 3, "a\rb"),
    ("call", CALL, 3, "None"), ("call", CALL, 3, None), ("call", CALL, 4, None), ("call", CALL, 4, "65"),
    ("call", CALL, 6, 1), ("call", CALL, 6, None), ("call", CALL, 8, 0), ("call", CALL, 10, "True"),
    ("call", CALL, 1, datetime(2026, 10, 1, 9, 0, 0, 500)), ("sms", SMS, 4, None), ("sms", SMS, 7, "s\t1"),
    ("sms", SMS, 5, False), ("call", CALL, 4, 1.5), ("call", CALL, 3, 5), ("call", CALL, 0, True),
    ("call", CALL, 5, Decimal("1.5")), ("call", CALL, 6, 1.0), ("call", CALL, 6, "1"), ("sms", SMS, 0, False)])
def test_scratch_text_is_the_value_by_value_text(kind, row, i, value):
    plain = [row, row]
    assert usage.tsv_text(kind, plain) == generic(plain)
    odd = list(row)
    odd[i] = value
    rows = [row, tuple(odd), row]
    assert usage.tsv_text(kind, rows) == generic(rows)
    assert usage.tsv_text(kind, [row[:-1]]) == generic([row[:-1]])     # a row of another width


class _Later(datetime):
    """A datetime subclass (its str() is its own business)."""

    def __str__(self):
        return "later"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.datetimes(), st.datetimes(timezones=st.just(UTC)),
                          st.builds(lambda d: d.replace(fold=1), st.datetimes()),
                          st.builds(lambda d: d.replace(microsecond=0), st.datetimes()),
                          st.builds(lambda d: _Later(d.year, d.month, d.day), st.datetimes()),
                          st.dates(), st.none(), st.text(max_size=5)), max_size=30))
def test_stamps_are_what_str_gives(values):
    assert usage._stamps(values) == [str(v) for v in values]


@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_scratch_text_of_a_year_of_starts_is_the_value_by_value_text(tz):
    """Every hour of 2026 (both clock changes of each zone), on the second and off it."""
    starts = [datetime(2026, 1, 1) + timedelta(minutes=61 * i, seconds=i % 3) for i in range(8_700)]
    starts += [s.replace(fold=1) for s in starts[::50]] + [s.replace(microsecond=250_000) for s in starts[::70]]
    calls = [(7, at) + CALL[2:] for at in starts]
    sms = [(7, at) + SMS[2:] for at in starts]
    assert usage.tsv_text("call", calls, tz) == generic(calls, tz)
    assert usage.tsv_text("sms", sms, tz) == generic(sms, tz)


RATED = CALL + (3, 27, 4, "0.12500000")        # with the rating an import works out (usage.CALL_RATING_COLS)


@pytest.mark.parametrize("i,value", [(11, None), (12, None), (13, None), (14, None), (14, "a\tb"), (14, "None"),
                                     (11, True), (13, "\\N"), (14, Decimal("0.5"))])
def test_scratch_text_of_rated_calls_is_the_value_by_value_text(i, value):
    unrated = CALL + (None,) * 4
    rows = [RATED, unrated, RATED]
    assert usage.tsv_text("call", rows) == generic(rows)
    odd = list(RATED)
    odd[i] = value
    rows = [RATED, tuple(odd), unrated, RATED]
    assert usage.tsv_text("call", rows) == generic(rows)


# -- whole imports ---------------------------------------------------------------------------
# operators the whole-import comparison runs for: (region, time zone, a customer's number and
# an other party as written there, the zone's 2026 clock-change days (spring, autumn), and calls
# across the changes, 10 real minutes each: (local start, local end, the start in UTC))
OPERATORS = {
    "GB": ("Europe/London", "07911123456", "07400123456", ("2026-03-29", "2026-10-25"),
           [("2026-03-29 00:55:00", "2026-03-29 02:05:00", "2026-03-29 00:55:00"),
            ("2026-10-25 01:55:00", "2026-10-25 01:05:00", "2026-10-25 00:55:00")]),
    "US": ("America/New_York", "(201) 555-0123", "212-555-0199", ("2026-03-08", "2026-11-01"),
           [("2026-03-08 01:55:00", "2026-03-08 03:05:00", "2026-03-08 06:55:00"),
            ("2026-11-01 01:55:00", "2026-11-01 01:05:00", "2026-11-01 05:55:00")]),
    "IN": ("Asia/Kolkata", "98765 43210", "91234 56789", (), []),
}


def _edge_file(path, fmt, mine="07911123456", other="07400123456", change_days=(), crossing=()):
    rows = []
    if fmt == "csv":
        rows.append(CSV_HEADER)
        base = list(CSV_ROW)
    else:
        base = list(ASTERISK)
    base[1:3] = [mine, other]
    if fmt != "csv":
        base[4], base[8] = f'"{mine}" <{mine}>', f"SIP/trunk/{other},60"
    days = [f"2026-09-{d:02d}" for d in range(1, 29)] + list(change_days) * 6
    for k in range(400):                # plain rows enough for LOAD DATA batches, a few unmatched
        row = list(base)
        # every hour of September days, and the small hours of the clock-change days
        day = days[k % len(days)]
        hour = k % 24 if day.startswith("2026-09") else k % 4
        when = f"{day} {hour:02d}:{k % 60:02d}:00"
        if fmt == "csv":
            row[0], row[3] = f"p{k}", when
            row[1:3] = row[1:3] if k % 3 else row[2:0:-1]
            row[1] = row[1] if k % 17 else "07400999999"
        else:
            row[9], row[10], row[11], row[16] = when, when, when.replace(":00", ":00", 1), f"p{k}"
            row[12] = row[13] = "0"
            row[1] = row[1] if k % 17 else "07400999999"
        rows.append(row)
    for k, (start, end, _) in enumerate(crossing):
        row = list(base)
        if fmt == "csv":
            row[0], row[3], row[4], row[5] = f"x{k}", start, "600", "590"
        else:
            row[9], row[10], row[11], row[12], row[13], row[16] = start, start, end, "600", "590", f"x{k}"
        rows.append(row)
    for k, row in enumerate(mutations(base, EDGES[::3])):
        if fmt == "csv":
            row[0] = row[0] if row[0] != "c1" else f"c{k}"
        else:
            row[16] = row[16] if row[16] != ASTERISK[16] else f"u{k}"
        rows.append(row)
    rows += [base, ["not", "enough"], []]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue() + 'nul,in\x00line\nbig,' + 'x' * 140_000 + '\nbroken,"quote\n', encoding="utf-8")
    return str(path)


def _snapshot(ctx):
    def do(conn):
        cur = conn.cursor()
        out = {}
        for name, sql in (
                ("calls", "SELECT customer_id, started_at, started_utc, direction, other_party, duration_s, billsec,"
                          " answered, disposition, international, source, source_ref FROM calls ORDER BY source_ref"),
                ("unmatched", "SELECT kind, source_ref, started_at, party_a, party_b, reason, payload"
                              " FROM unmatched_records ORDER BY source_ref, started_at"),
                ("daily", "SELECT * FROM usage_daily ORDER BY customer_id, day"),
                ("monthly", "SELECT * FROM usage_monthly ORDER BY customer_id, month"),
                ("hourly", "SELECT * FROM usage_hourly ORDER BY day, hour, region")):
            cur.execute(sql)
            out[name] = cur.fetchall()
        cur.close()
        return out
    return ctx.db.run(do)


def _forget_usage(owner_db):
    with owner_db.connection() as conn:
        cur = conn.cursor()
        for t in ("calls", "unmatched_records", "usage_daily", "usage_monthly", "usage_hourly"):
            cur.execute(f"DELETE FROM {t}")
        conn.commit()


@pytest.mark.parametrize("operator", sorted(OPERATORS))
@pytest.mark.parametrize("fmt", ["csv", "asterisk"])
def test_fast_and_full_imports_write_and_reject_the_same(ctx, clean_db, tmp_path, fmt, operator):
    """The same file through the fast path and the general path: the same records (with their
    UTC instants), unmatched records, rejects and rollups, for operators in several regions and
    time zones, with rows on their clock-change days."""
    from test_numbering import operator_ctx

    tz, mine, other, change_days, crossing = OPERATORS[operator]
    octx = operator_ctx(ctx, operator, tz)
    make_plan(octx)
    make_customer(octx, mine, region="North")
    path = _edge_file(tmp_path / f"edges.{fmt}", fmt, mine, other, change_days, crossing)
    got = {}
    for fast in (True, False):
        rej = tmp_path / f"rej-{fast}.csv"
        r = importer.import_file(octx, fmt, path, region=operator, reject_file=str(rej), batch_size=150, fast=fast)
        assert octx.db.run(rollups.differences) == []
        limit = csv.field_size_limit(1 << 24)      # the reject file holds the over-long line
        try:
            rejects = [(g["line"], g["original_line"], g["reason"])
                       for g in csv.DictReader(rej.open(encoding="utf-8"))]
        finally:
            csv.field_size_limit(limit)
        got[fast] = ((r.read, r.inserted, r.unmatched, r.rejected, r.duplicates), rejects, _snapshot(octx))
        _forget_usage(clean_db)
    assert got[True] == got[False]
    counts, rejects, snap = got[True]
    assert counts[1] > 150 and counts[2] > 0 and counts[3] > 20     # loaded, unmatched and rejected rows
    assert any("not CSV" in r[2] for r in rejects)
    stored = {c[-1].split("/")[0]: c for c in snap["calls"]}     # Asterisk: uniqueid/sequence
    for k, (start, _, utc) in enumerate(crossing):    # none rejected as "end before start"
        c = stored[f"x{k}"]
        assert (str(c[1]), str(c[2]), c[5]) == (start, utc, 600)


def test_sums_made_before_a_region_change_are_not_used(ctx, tmp_path):
    make_plan(ctx)
    a = make_customer(ctx, "07911123456", region="North")
    b = make_customer(ctx, "07911123457", region="South")
    rows = [(c["id"], datetime(2026, 10, 1, h % 24, 0, 0), "out" if h % 2 else "in", "+447400123456", 60, 30 * (h % 2),
             bool(h % 2), "ANSWERED" if h % 2 else "NO ANSWER", False, "csv", f"r{h}-{c['id']}")
            for h in range(150) for c in (a, b)]
    regions = {a["id"]: "North", b["id"]: "South"}
    prepared = usage.prepare("call", rows, lambda ids: {i: regions[i] for i in ids})
    assert prepared.sums is not None and prepared.text == usage.tsv_text("call", rows)

    def change(conn):
        cur = conn.cursor()
        cur.execute("UPDATE customers SET region = 'north' WHERE id = %s", (a["id"],))     # case only
        cur.close()
    ctx.db.run(change)
    got = ctx.db.run(lambda conn: usage.load_batch(conn, "csv", None, str(tmp_path / "scratch.tsv"), calls=prepared))
    assert got["call"] == len(rows)
    assert ctx.db.run(rollups.differences) == []

    def hourly(conn):
        cur = conn.cursor()
        cur.execute("SELECT DISTINCT CAST(region AS BINARY) FROM usage_hourly ORDER BY 1")
        return [r[0] for r in cur.fetchall()]
    assert ctx.db.run(hourly) == [b"South", b"north"]

