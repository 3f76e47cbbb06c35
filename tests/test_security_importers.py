"""Hostile files: every importer format fed mutated files (SQL metacharacters, any Unicode, NUL
bytes, very long lines, huge numbers, broken quoting, random bytes). The only exceptions are
TelcoError; what is written equals what the import reports, and rejected rows write nothing."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telco_console.errors import TelcoError
from telco_console.services.collection import importer

ASTERISK = ('"","89265955154","211474","stadion-pstn","""89265955154"" <89265955154>","SIP/211474-00740715",'
            '"","Hangup","","2024-01-27 15:07:24","2024-01-27 15:07:24","2024-01-27 15:07:51",27,27,"ANSWERED",'
            '"DOCUMENTATION","1706368044.0","","","1706368044.0",0')
SEEDS = {
    "csv": ["record_id,caller,callee,started_at,duration_s,billsec,disposition",
            "r1,+447911123456,+447700900123,2026-10-01 09:00:00,60,55,ANSWERED",
            "r2,07911123457,+447700900124,2026-10-01 10:00:00,20,0,NO ANSWER"],
    "csv-customers": ["msisdn,name,plan,region,handset,email,since",
                      "+447911123499,Zed,BASIC,North,,z@example.com,2026-01-01"],
    "asterisk": [ASTERISK, ASTERISK.replace("00740715", "00740716").replace("1706368044.0", "1706368045.1")],
}
HOSTILE = ["'; DROP TABLE calls; --", "\x00", "=1+1", "\"", "\"\"\"", ",", "\n", "\r", "\\", "%s", "NULL",
           "9" * 300, "-1", "1e308", "NaN", "\u202e\u4e2d\U0001F600", "x" * 20000, "", " ", "\ufeff",
           "2026-13-45 25:61:61", "+44" + "1" * 30]
field = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str))


@st.composite
def mutated(draw, lines):
    """A seed file with random fields replaced, lines cut, duplicated or added, or raw bytes."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["field", "field", "cut", "dup", "add", "bytes", "quote"]))
        i = draw(st.integers(0, len(out) - 1))
        if op == "field":
            cells = out[i].split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(field)
            out[i] = ",".join(cells)
        elif op == "cut":
            out[i] = out[i][: draw(st.integers(0, len(out[i])))]
        elif op == "dup":
            out.insert(i, out[i])
        elif op == "add":
            out.append(",".join(draw(st.lists(field, max_size=25))))
        elif op == "quote":
            out[i] = out[i].replace(",", ',"', 1)
        else:
            return "\n".join(out).encode("utf-8", "surrogatepass") + draw(st.binary(max_size=200))
    return "\n".join(out).encode("utf-8", "surrogatepass")


def _usage_counts(ctx):
    def do(conn):
        cur = conn.cursor()
        got = []
        for t in ("calls", "sms", "data_sessions", "unmatched_records", "customers"):
            cur.execute(f"SELECT COUNT(*) FROM {t}")
            got.append(cur.fetchone()[0])
        return got
    return ctx.db.run(do)


def _check(ctx, tmp_path, fmt, content):
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(content)
    before = _usage_counts(ctx)
    try:
        res = importer.import_file(ctx, fmt.split("-")[0], str(path), reject_file=str(tmp_path / "rej.csv"))
    except TelcoError:
        assert _usage_counts(ctx) == before          # a refused file writes nothing
        return
    after = _usage_counts(ctx)
    records = sum(after[:3]) - sum(before[:3]) + after[4] - before[4]
    assert records == res.inserted                   # only what the import says it accepted
    assert after[3] - before[3] == res.unmatched
    assert res.read == res.inserted + res.duplicates + res.unmatched + res.rejected


SLOW = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_importers_survive_mutated_files(ctx, tmp_path, fmt):
    from helpers import make_customer, make_plan

    make_plan(ctx)
    make_customer(ctx, msisdn="+447911123456")

    @SLOW
    @given(mutated(SEEDS[fmt]))
    def run(content):
        _check(ctx, tmp_path, fmt, content)
    run()


@pytest.mark.parametrize("fmt", ["freeswitch", "tellco"])
def test_real_format_importers_survive_mutated_files(ctx, tmp_path, fmt, real_data):
    sample = {"freeswitch": real_data / "freeswitch" / "Master.csv", "tellco": real_data / "tellco" / "xdr_sample.csv"}
    lines = sample[fmt].read_text(encoding="utf-8", errors="replace").splitlines()[:4]

    @SLOW
    @given(mutated(lines))
    def run(content):
        _check(ctx, tmp_path, fmt, content)
    run()


GARBAGE = [b"", b"\x00" * 1000, b"\xff\xfe\x00garbage", b"a" * 200_000,
           b"record_id,caller\n" + b"\"unterminated,quote\n" * 5]


def test_importers_refuse_garbage_plainly(ctx, tmp_path):
    for fmt in ("csv", "asterisk", "freeswitch", "tellco"):
        for content in GARBAGE:
            _check(ctx, tmp_path, fmt, content)
