"""Clock changes: every importer and the prompts on the spring and autumn change days of
Europe/London and America/New_York (2026: 29 March / 25 October at 01:00 UTC; 8 March / 1
November at 02:00 local). Records keep the local wall-clock time and the real instant
(started_utc); durations are real; a call from 01:55 summer time to 01:05 winter time lasted 10
minutes; a time skipped in spring is shifted forward by the gap (clock.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_numbering import operator_ctx

from helpers import make_customer, make_plan
from telco_console.clock import zone
from telco_console.errors import ValidationError
from telco_console.repositories import rollups, usage
from telco_console.services.collection import importer, manual

D = datetime
# region, zone, our customer as written there, and for each change day: the calls across it
# ((local start, local end, start in UTC)), a skipped time (as written, stored local, UTC),
# and a time of the repeated hour (as written with an explicit second-occurrence offset, UTC of
# the first occurrence, UTC of the second)
ZONES = {
    "Europe/London": dict(
        region="GB", mine="07911123456", other="07400123456",
        spring=("2026-03-29 00:55:00", "2026-03-29 02:05:00", "2026-03-29 00:55:00"),
        autumn=("2026-10-25 01:55:00", "2026-10-25 01:05:00", "2026-10-25 00:55:00"),
        skipped=("2026-03-29 01:30:00", "2026-03-29 02:30:00", "2026-03-29 01:30:00"),
        repeated=("2026-10-25 01:20:00", "2026-10-25T01:20:00+00:00", "2026-10-25 00:20:00", "2026-10-25 01:20:00")),
    "America/New_York": dict(
        region="US", mine="(201) 555-0123", other="212-555-0199",
        spring=("2026-03-08 01:55:00", "2026-03-08 03:05:00", "2026-03-08 06:55:00"),
        autumn=("2026-11-01 01:55:00", "2026-11-01 01:05:00", "2026-11-01 05:55:00"),
        skipped=("2026-03-08 02:30:00", "2026-03-08 03:30:00", "2026-03-08 07:30:00"),
        repeated=("2026-11-01 01:20:00", "2026-11-01T01:20:00-05:00", "2026-11-01 05:20:00", "2026-11-01 06:20:00")),
}


def _rows(ctx, sql):
    def do(conn):
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(str(v) if isinstance(v, datetime) else v for v in r) for r in cur.fetchall()]
    return ctx.db.run(do)


# -- the zone rules -------------------------------------------------------------------------
@pytest.mark.parametrize("tz", sorted(ZONES))
def test_zone_rules_on_the_change_days(tz):
    z, spec = zone(tz), ZONES[tz]
    for day in ("spring", "autumn"):
        start, end, utc = spec[day]
        s, e = z.span(D.fromisoformat(start), D.fromisoformat(end), 600)
        assert str(z.utc(s)) == utc and z.elapsed(s, e) == timedelta(minutes=10)
    written, local, utc = spec["skipped"]
    assert str(z.normalise(D.fromisoformat(written))) == local
    assert str(z.utc(D.fromisoformat(written))) == utc == str(z.utc(D.fromisoformat(local)))
    first, _, utc1, utc2 = spec["repeated"]
    t = D.fromisoformat(first)
    assert (str(z.utc(t)), str(z.utc(t.replace(fold=1)))) == (utc1, utc2)
    assert z.repeated(t) and not z.plain(t) and z.plain(t + timedelta(hours=2))
    assert z.label(t).endswith(("UTC+01:00", "UTC-04:00")) and z.label(t.replace(fold=1)).endswith(
        ("UTC+00:00", "UTC-05:00"))
    with pytest.raises(ValidationError, match="the end is before the start"):
        z.span(t + timedelta(minutes=30), t - timedelta(minutes=30))    # 01:50 -> 00:50: not a reading
    # a day without a change is plain all day; a zone without changes too
    assert all(z.plain(D(2026, 6, 15, h, 30)) for h in range(24))
    assert zone("Asia/Kolkata").utc(D(2026, 10, 25, 1, 55)) == D(2026, 10, 24, 20, 25)


def test_a_year_of_hours_converts_as_zoneinfo_does():
    """The stretch cache gives zoneinfo's answer for every hour of 2026 (both folds)."""
    from zoneinfo import ZoneInfo

    for tz in ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"):
        z, zi = zone(tz), ZoneInfo(tz)
        t = D(2026, 1, 1)
        while t < D(2027, 1, 1):
            for fold in (0, 1):
                at = t.replace(fold=fold)
                assert z.utc(at) == at - at.replace(tzinfo=zi).utcoffset(), (tz, at)
            t += timedelta(minutes=30)


# -- every importer ---------------------------------------------------------------------------
def _asterisk(mine, other, ref, start, end, secs):
    return (f'"","{mine}","{other}","from-internal","""{mine}"" <{mine}>","SIP/1-{ref}","SIP/trunk-{ref}","Dial",'
            f'"SIP/trunk/{other},60","{start}","{start}","{end}",{secs},{secs - 10},"ANSWERED","DOCUMENTATION",'
            f'"{ref}","","","{ref}",1\n')


def _freeswitch(mine, other, ref, start, end, secs):
    return (f'"Ann","{mine}","{other}","default","{start}","{start}","{end}",{secs},{secs - 10},'
            f'"NORMAL_CLEARING","{ref}","","","",""\n')


TELLCO_HEADER = "Bearer Id,Start,Start ms,End,End ms,MSISDN/Number,Total DL (Bytes),Total UL (Bytes)\n"


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "general-path"])
@pytest.mark.parametrize("tz", sorted(ZONES))
def test_every_importer_on_the_change_days(ctx, tmp_path, tz, fast):
    spec = ZONES[tz]
    octx = operator_ctx(ctx, spec["region"], tz)
    make_plan(octx)
    cust = make_customer(octx, spec["mine"], since="2026-01-01")
    mine, other, e164 = spec["mine"], spec["other"], cust["msisdn"]
    crossing = [spec["spring"], spec["autumn"]]
    files = {
        "asterisk": "".join(_asterisk(mine, other, f"a{k}", s, e, 600) for k, (s, e, _) in enumerate(crossing)),
        "freeswitch": "".join(_freeswitch(mine, other, f"f{k}", s, e, 600) for k, (s, e, _) in enumerate(crossing)),
        "tellco": TELLCO_HEADER + "".join(f"{k + 1},{s},0,{e},0,{e164[1:]},1000,100\n"
                                          for k, (s, e, _) in enumerate(crossing)),
        "data.csv": "record_id,msisdn,started_at,ended_at,bytes_dl,bytes_ul\n" + "".join(
            f'd{k},"{mine}",{s},{e},1000,100\n' for k, (s, e, _) in enumerate(crossing)),
    }
    written, _, _ = spec["skipped"]
    first, second, _, _ = spec["repeated"]
    files["calls.csv"] = ("record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
                          f'c0,"{mine}",{other},{written},60,50,ANSWERED\n'
                          f'c1,"{mine}",{other},{first},60,50,ANSWERED\n'
                          f'c2,"{mine}",{other},{second},60,50,ANSWERED\n')
    files["sms.csv"] = ("record_id,sender,recipient,sent_at,length\n"
                        f's0,"{mine}",{other},{written},10\ns1,"{mine}",{other},{first},10\n'
                        f's2,"{mine}",{other},{second},10\n')
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        fmt = name if "." not in name else "csv"
        r = importer.import_file(octx, fmt, str(tmp_path / name), fast=fast, reject_file=str(tmp_path / f"{name}.r"))
        assert (r.inserted, r.rejected, r.unmatched) == (r.read, 0, 0), (name, r)

    # calls across each change: the local start kept, the real instant, 600 real seconds
    got = _rows(octx, "SELECT source, started_at, started_utc, duration_s FROM calls"
                      " WHERE source IN ('asterisk', 'freeswitch') ORDER BY source, started_utc")
    want = [(s, start, utc, 600) for s in ("asterisk", "freeswitch") for start, _, utc in crossing]
    assert [(g[0], g[1].split(".")[0], g[2].split(".")[0], g[3]) for g in got] == want
    # data sessions: their duration is real time, 10 minutes, whatever the wall clock says
    got = _rows(octx, "SELECT source, started_utc, duration_ms FROM data_sessions ORDER BY source, started_utc")
    assert [(g[0], g[1].split(".")[0], g[2]) for g in got] == [
        (s, utc, 600_000) for s in ("csv", "tellco") for _, _, utc in crossing]
    # a skipped time is shifted forward; the repeated hour: first occurrence unless an offset
    # says the second, and real order is by started_utc (01:55 first occurrence before 01:20 second)
    _, local, utc = spec["skipped"]
    _, _, utc1, utc2 = spec["repeated"]
    for table, prefix in (("calls", "c"), ("sms", "s")):
        got = _rows(octx, f"SELECT source_ref, started_at, started_utc FROM {table} WHERE source = 'csv'"
                          " ORDER BY source_ref")
        assert [(g[0], g[1].split(".")[0], g[2].split(".")[0]) for g in got] == [
            (f"{prefix}0", local, utc), (f"{prefix}1", first, utc1), (f"{prefix}2", first, utc2)]
    order = _rows(octx, "SELECT source_ref FROM calls WHERE started_at LIKE '%01:%' ORDER BY started_utc")
    autumn_first = [r[0] for r in order if r[0] in ("c1", "c2", "a1/1")]
    assert autumn_first == ["c1", "a1/1", "c2"]
    assert octx.db.run(rollups.differences) == []


def test_reprocessed_records_keep_the_second_occurrence(ctx, tmp_path):
    """An unmatched record of the repeated hour keeps which occurrence it was (the payload)."""
    from telco_console.services.collection import unmatched

    octx = operator_ctx(ctx, "GB", "Europe/London")
    make_plan(octx)
    path = tmp_path / "c.csv"
    path.write_text("record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
                    "c1,07911123456,07400123456,2026-10-25T01:20:00+00:00,60,50,ANSWERED\n")
    assert importer.import_file(octx, "csv", str(path)).unmatched == 1
    make_customer(octx, "07911123456", since="2026-01-01")
    assert unmatched.reprocess(octx).inserted == 1
    assert _rows(octx, "SELECT started_at, started_utc FROM calls") == [
        ("2026-10-25 01:20:00", "2026-10-25 01:20:00")]


# -- the prompts ----------------------------------------------------------------------------
@pytest.mark.parametrize("tz", sorted(ZONES))
def test_prompts_on_the_change_days(ctx, tz):
    spec = ZONES[tz]
    octx = operator_ctx(ctx, spec["region"], tz)
    make_plan(octx)
    cust = manual.customer(octx, make_customer(octx, spec["mine"], since="2026-01-01")["msisdn"])
    start, end, utc = spec["autumn"]
    # the end typed as the second 01:05: a call of 10 real minutes, not "end before start"
    call = manual.log_call(octx, cust, spec["other"], "out", start, ended=end)
    assert call.record["duration_s"] == 600
    s, e, _ = spec["spring"]
    assert manual.log_call(octx, cust, spec["other"], "out", s, ended=e).record["duration_s"] == 600
    # a data session of 10 minutes from 01:55 summer time ends at 01:05 winter time
    data = manual.log_data(octx, cust, start, duration="10m", dl="1000", ul="100")
    assert data.record["duration_ms"] == 600_000 and data.record["ended_at"] == D.fromisoformat(end)
    assert any(r[0] == "End" and r[1].endswith(("UTC+00:00", "UTC-05:00")) for r in data.report.rows)
    # a skipped time typed at the prompt is read as the zone rules say, and echoed so
    written, local, skipped_utc = spec["skipped"]
    assert manual.start_for(octx, cust, written) == D.fromisoformat(local)
    manual.log_sms(octx, cust, spec["other"], "out", written, "10")
    # the prompt's end refuses a time before the start in real time
    with pytest.raises(ValidationError, match="before the start"):
        manual.end_after(octx, D.fromisoformat(start), s)
    got = _rows(octx, "SELECT started_at, started_utc, duration_s FROM calls ORDER BY started_utc")
    assert [(g[0].split(".")[0], g[1].split(".")[0], g[2]) for g in got] == [
        (spec["spring"][0], spec["spring"][2], 600), (start, utc, 600)]
    assert [(g[0].split(".")[0], g[1].split(".")[0]) for g in _rows(octx, "SELECT started_at, started_utc FROM sms")] \
        == [(local, skipped_utc)]


# -- records stored before started_utc existed ----------------------------------------------
@pytest.mark.parametrize("tz", sorted(ZONES))
def test_fill_of_stored_records_reads_them_in_the_operator_zone(ctx, tz):
    """What `db migrate` (085) and the restore of an old archive do: started_utc from started_at,
    a time of the repeated hour as its first occurrence."""
    spec = ZONES[tz]
    make_plan(ctx)
    cid = make_customer(ctx, "+447911123456", since="2026-01-01")["id"]
    times = [D(2026, 1, 15, 12), D(2026, 7, 15, 12), D.fromisoformat(spec["autumn"][0]),
             D.fromisoformat(spec["spring"][0]), D.fromisoformat(spec["repeated"][0]), D(2026, 12, 31, 23, 59)]
    rows = [(cid, t, "out", "+447400123456", 60, 60, True, "ANSWERED", False, "t", f"r{i}")
            for i, t in enumerate(times)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "t", None, calls=rows, sms=[r[:4] + (5, False, "t", r[-1])
                                                                                for r in rows], tz=tz))
    before = _rows(ctx, "SELECT source_ref, started_utc FROM calls ORDER BY source_ref")

    def forget_and_fill(conn):
        cur = conn.cursor()
        for t in ("calls", "sms"):
            cur.execute(f"UPDATE {t} SET started_utc = NULL")
        conn.commit()
        return usage.fill_started_utc(conn, tz)
    assert ctx.owner_db().run(forget_and_fill) == 2 * len(times)
    assert _rows(ctx, "SELECT source_ref, started_utc FROM calls ORDER BY source_ref") == before
    assert _rows(ctx, "SELECT source_ref, started_utc FROM sms ORDER BY source_ref") == before
    z = zone(tz)
    assert [b[1].split(".")[0] for b in before] == [str(z.utc(t)) for t in times]
