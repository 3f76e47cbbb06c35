"""`log call|sms|data`: one record at a time, with the same checks as the menu's prompts;
`log show|undo N` and `log today`: the records by their record numbers."""
from __future__ import annotations

from telco_console.cli import add_format, emit

TIME_HELP = "e.g. '2026-10-03 14:05', '3 Oct 14:05', 'now', 'yesterday 18:30' (operator local time)"


def register(sub) -> None:
    p = sub.add_parser("log", help="log a call, an SMS or a data session (staff, admin)")
    ps = p.add_subparsers(dest="action", metavar="KIND", required=True)

    a = ps.add_parser("call", help="log a call of a customer")
    a.add_argument("--msisdn", required=True, help="the customer's number (national or international)")
    a.add_argument("--other", required=True, help="the other party: a number, short code or extension")
    a.add_argument("--direction", required=True, choices=("out", "in"),
                   help="out: made by the customer; in: received")
    a.add_argument("--start", required=True, help=f"when the call started, {TIME_HELP}")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--duration", help="90, 1:30, 01:02:03 or 2m30s (at most 24 hours)")
    g.add_argument("--end", help=f"when the call ended, {TIME_HELP}")
    a.add_argument("--unanswered", action="store_true", help="the call was not answered (0 billable seconds)")
    add_format(a)
    a.set_defaults(func=cmd_call)

    a = ps.add_parser("sms", help="log an SMS of a customer")
    a.add_argument("--msisdn", required=True, help="the customer's number")
    a.add_argument("--other", required=True, help="the other party's number or short code")
    a.add_argument("--direction", required=True, choices=("out", "in"), help="out: sent; in: received")
    a.add_argument("--at", required=True, help=f"when it was sent or received, {TIME_HELP}")
    a.add_argument("--length", required=True, help="length in characters")
    add_format(a)
    a.set_defaults(func=cmd_sms)

    a = ps.add_parser("data", help="log a data session of a customer")
    a.add_argument("--msisdn", required=True, help="the customer's number")
    a.add_argument("--start", required=True, help=f"when the session started, {TIME_HELP}")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--duration", help="90, 1:30, 01:02:03 or 2m30s (at most 24 hours)")
    g.add_argument("--end", help=f"when the session ended, {TIME_HELP}")
    a.add_argument("--dl", required=True, help="bytes downloaded: 2000, 1.5 MB, 3 GB (1 MB = 1,000,000 bytes)")
    a.add_argument("--ul", required=True, help="bytes uploaded, as --dl")
    a.add_argument("--app", action="append", default=[], metavar="APP=DL:UL",
                   help="bytes per application, repeatable; APP is social, google, email, youtube, "
                        "netflix, gaming or other (e.g. youtube=300MB:2MB)")
    a.add_argument("--rtt-dl", help="average round-trip time downlink (ms)")
    a.add_argument("--rtt-ul", help="average round-trip time uplink (ms)")
    a.add_argument("--tp-dl", help="average throughput downlink (kbps)")
    a.add_argument("--tp-ul", help="average throughput uplink (kbps)")
    a.add_argument("--retrans-dl", help="TCP retransmission volume downlink (bytes)")
    a.add_argument("--retrans-ul", help="TCP retransmission volume uplink (bytes)")
    a.add_argument("--handset", help="handset type")
    add_format(a)
    a.set_defaults(func=cmd_data)

    a = ps.add_parser("show", help="show a logged record by its record number")
    a.add_argument("number", help="the record number given when it was saved")
    add_format(a)
    a.set_defaults(func=cmd_show)

    a = ps.add_parser("undo", help="remove a record logged today (staff: their own; admin: anyone's), "
                                   "audited, the rollups corrected")
    a.add_argument("number", help="the record number given when it was saved")
    a.set_defaults(func=cmd_undo)

    a = ps.add_parser("today", help="the records logged today (staff: their own; admin: everyone's)")
    add_format(a)
    a.set_defaults(func=cmd_today)


def parse_apps(items: list[str]) -> dict:
    from telco_console.errors import ValidationError
    from telco_console.services.collection import fields
    from telco_console.services.collection.manual import APPS

    out = {}
    for item in items:
        app, _, vols = item.partition("=")
        app = app.strip().lower()
        dl, _, ul = vols.partition(":")
        if app not in APPS or not vols:
            raise ValidationError(f"--app {item}: use APP=DL:UL with APP one of {', '.join(APPS)}")
        out[f"{app}_dl"] = fields.byte_volume(dl or "0", f"{app} downloaded")
        out[f"{app}_ul"] = fields.byte_volume(ul or "0", f"{app} uploaded")
    return out


def cmd_call(ctx, args, out) -> int:
    from telco_console.services.collection import manual

    logged = manual.log_call(ctx, args.msisdn, args.other, args.direction, args.start, args.duration, args.end,
                             not args.unanswered)
    emit(out, logged.report, args.format, args.output)
    return 0


def cmd_sms(ctx, args, out) -> int:
    from telco_console.services.collection import manual

    logged = manual.log_sms(ctx, args.msisdn, args.other, args.direction, args.at, args.length)
    emit(out, logged.report, args.format, args.output)
    return 0


def cmd_data(ctx, args, out) -> int:
    from telco_console.services.collection import manual

    measures = {k: v for k, v in (("rtt_dl_ms", args.rtt_dl), ("rtt_ul_ms", args.rtt_ul),
                                  ("tp_dl_kbps", args.tp_dl), ("tp_ul_kbps", args.tp_ul)) if v is not None}
    retrans = {k: v for k, v in (("tcp_retrans_dl_bytes", args.retrans_dl),
                                 ("tcp_retrans_ul_bytes", args.retrans_ul)) if v is not None}
    logged = manual.log_data(ctx, args.msisdn, args.start, args.duration, args.end, args.dl, args.ul,
                             parse_apps(args.app), measures, retrans, args.handset)
    emit(out, logged.report, args.format, args.output)
    return 0


def cmd_show(ctx, args, out) -> int:
    from telco_console.services.collection import records

    emit(out, records.show(ctx, args.number), args.format, args.output)
    return 0


def cmd_undo(ctx, args, out) -> int:
    from telco_console.services.collection import records

    u = records.undo(ctx, args.number)
    out.success(f"undid record {u.number}: the {records.KIND_NAMES[u.kind]} of {u.msisdn} "
                f"at {u.started_at:%Y-%m-%d %H:%M} is removed")
    return 0


def cmd_today(ctx, args, out) -> int:
    from telco_console.services.collection import records

    emit(out, records.todays(ctx), args.format, args.output)
    return 0
