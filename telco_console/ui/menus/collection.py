"""Data collection (staff, admin): log a call, an SMS or a data session at validated prompts
(each bad answer is refused with its reason and asked again; a confirmation table before
saving), import a file, list and re-process unmatched records, recent imports."""
from __future__ import annotations

from telco_console.clock import zone
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section

TIME_HINT = "(e.g. 2026-10-03 14:05, 3 Oct 14:05, now)"


def _customer(console):
    from telco_console.services.collection import manual

    return prompts.ask_customer(console, parse=lambda t: manual.customer(console.ctx, t))


def _start(console, label: str, cust):
    from telco_console.services.collection import manual

    value = prompts.ask(f"{label} {TIME_HINT}:", lambda t: manual.start_for(console.ctx, cust, t))
    console.out.info(f"  read as {zone(console.ctx.tz).label(value)}")
    return value


def _duration_or_end(console, start, what: str):
    """(duration seconds, None) or (None, end), as the user prefers."""
    from telco_console.services.collection import fields, manual

    how = prompts.choose(f"Give the {what}'s", ["duration", "end time"], default="duration")
    if how == "duration":
        return prompts.ask("Duration (90, 1:30, 2m30s):", fields.duration_seconds), None
    end = prompts.ask(f"End time {TIME_HINT}:", lambda t: manual.end_after(console.ctx, start, t))
    console.out.info(f"  read as {zone(console.ctx.tz).label(end)}")
    return None, end


def _save(console, title: str, preview, save) -> None:
    console.show(preview)
    if prompts.confirm(f"Save this {title}?", default=True):
        logged = save()
        console.out.success(f"saved {title} as record {logged.number} "
                            f"(`log show {logged.number}`; undo today with `log undo {logged.number}`)")
    else:
        console.out.warning("not saved")


def log_call(console) -> None:
    from telco_console.services.collection import manual

    ctx = console.ctx
    cust = _customer(console)
    direction = prompts.choose("Direction", ["out", "in"])
    other = prompts.ask("Other party (number or extension):", lambda t: manual.other_party(ctx, t))
    start = _start(console, "Start time", cust)
    duration, end = _duration_or_end(console, start, "call")
    answered = prompts.confirm("Answered?", default=True)
    rec, preview = manual.call_preview(ctx, cust, other, direction, start, duration, end, answered)
    _save(console, "call", preview, lambda: manual.save_call(ctx, rec))


def log_sms(console) -> None:
    from telco_console.services.collection import manual

    ctx = console.ctx
    cust = _customer(console)
    direction = prompts.choose("Direction", ["out", "in"])
    other = prompts.ask("Other party (number or short code):", lambda t: manual.other_party(ctx, t))
    at = _start(console, "Time sent or received", cust)
    length = prompts.ask("Length (characters):", manual.sms_length)
    rec, preview = manual.sms_preview(ctx, cust, other, direction, at, length)
    _save(console, "SMS", preview, lambda: manual.save_sms(ctx, rec))


def log_data(console) -> None:
    from telco_console.services.collection import fields, manual

    ctx = console.ctx
    cust = _customer(console)
    start = _start(console, "Start time", cust)
    duration, end = _duration_or_end(console, start, "session")
    dl = prompts.ask("Downloaded (bytes, or 1.5 MB, 3 GB):", lambda t: fields.byte_volume(t, "the downloaded volume"))
    ul = prompts.ask("Uploaded (bytes, or 1.5 MB, 3 GB):", lambda t: fields.byte_volume(t, "the uploaded volume"))
    apps, measures, retrans, handset = {}, {}, {}, None
    if prompts.confirm("Add bytes per application, RTT, throughput, retransmissions, handset?", default=False):
        for app in manual.APPS:
            for d, word in (("dl", "downloaded"), ("ul", "uploaded")):
                v = prompts.ask(f"{app.capitalize()} {word} (optional):",
                                lambda t, w=word: fields.byte_volume(t, f"the {w} volume"), required=False)
                if v is not None:
                    apps[f"{app}_{d}"] = v
        for key, label in (("rtt_dl_ms", "Average RTT downlink (ms)"), ("rtt_ul_ms", "Average RTT uplink (ms)"),
                           ("tp_dl_kbps", "Average throughput downlink (kbps)"),
                           ("tp_ul_kbps", "Average throughput uplink (kbps)")):
            v = prompts.ask(f"{label} (optional):", lambda t, k=key: fields.decimal(t, k), required=False)
            if v is not None:
                measures[key] = v
        for key, label in (("tcp_retrans_dl_bytes", "TCP retransmission downlink (bytes)"),
                           ("tcp_retrans_ul_bytes", "TCP retransmission uplink (bytes)")):
            v = prompts.ask(f"{label} (optional):", lambda t, k=key: fields.byte_volume(t, k), required=False)
            if v is not None:
                retrans[key] = v
        handset = prompts.ask("Handset (optional):", required=False)
    rec, preview = manual.data_preview(ctx, cust, start, duration, end, dl, ul, apps, measures, retrans, handset)
    _save(console, "data session", preview, lambda: manual.save_data(ctx, rec))


def show_record(console) -> None:
    from telco_console.services.collection import records

    console.show(records.show(console.ctx, prompts.ask("Record number:", records.parse_number)))


def todays_records(console) -> None:
    from telco_console.services.collection import records

    console.show(records.todays(console.ctx))


def undo_record(console) -> None:
    from telco_console.services.collection import records

    number = prompts.ask("Record number to undo:", records.parse_number)
    console.show(records.show(console.ctx, number))
    if not prompts.confirm(f"Remove record {number}?", default=False):
        console.out.info("nothing removed")
        return
    u = records.undo(console.ctx, number)
    console.out.success(f"undid record {u.number}: the {records.KIND_NAMES[u.kind]} of {u.msisdn} "
                        f"at {u.started_at:%Y-%m-%d %H:%M} is removed")


def import_file(console) -> None:
    import os

    from telco_console.errors import ValidationError
    from telco_console.services.collection import importer, parsers

    fmt = prompts.choose("File format", list(parsers.FORMATS))

    def existing(t: str) -> str:
        path = os.path.expanduser(t.strip())
        if not os.path.isfile(path):
            raise ValidationError(f"no such file: {t.strip()}")
        return path

    path = prompts.ask("File to import:", existing)
    region = prompts.ask(f"Region for national numbers (optional, default {console.ctx.region}):",
                         lambda t: importer.check_region(t), required=False)
    result = importer.import_file(console.ctx, fmt, path, region)
    console.show(importer.summary([result]))


def list_unmatched(console) -> None:
    from telco_console.errors import ValidationError
    from telco_console.services.collection import unmatched

    def kind_of(t: str) -> str:
        k = t.strip().lower()
        if k not in unmatched.KINDS:
            raise ValidationError("call, sms or data (or Enter for all)")
        return k

    kind = prompts.ask("Kind (call, sms, data; optional):", kind_of, required=False)
    page = 1
    while True:
        report = unmatched.list_unmatched(console.ctx, "pending", kind, page=page, limit=20)
        console.show(report)
        if len(report.rows) < 20:
            return
        if not prompts.confirm("Next page?", default=False):
            return
        page += 1


def reprocess(console) -> None:
    from telco_console.services.collection import unmatched

    console.show(unmatched.reprocess(console.ctx).report())


def recent_imports(console) -> None:
    from telco_console.services.collection import importer

    console.show(importer.recent_imports(console.ctx))


def section() -> Section:
    return Section("Data collection", ("staff", "admin"), [
        Item("Log a call", log_call, action="log.call"),
        Item("Log an SMS", log_sms, action="log.sms"),
        Item("Log a data session", log_data, action="log.data"),
        Item("Import a file", import_file, action="import"),
        Item("Records logged today", todays_records, action="log.today"),
        Item("Show a logged record", show_record, action="log.show"),
        Item("Undo a record logged today", undo_record, action="log.undo"),
        Item("List unmatched records", list_unmatched, action="unmatched.list"),
        Item("Re-process unmatched records", reprocess, action="unmatched.reprocess"),
        Item("Recent imports", recent_imports, action="imports"),
    ])
