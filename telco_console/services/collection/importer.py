"""Imports of CDR/xDR files and our own CSV: streamed in batches (memory does not grow with
the file), every row validated (rejects go to a reject file with the line number, the original
line and the reason), each batch one transaction (records + rollups + unmatched + the import's
counters), idempotent through the records' natural keys, recorded in `imports`."""
from __future__ import annotations

import csv
import os
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import imports as imports_repo
from telco_console.repositories import unmatched as unmatched_repo
from telco_console.repositories import usage
from telco_console.services.billing.resolution import IngestResolver
from telco_console.services.collection import import_runs, parsers
from telco_console.services.collection.matching import Matcher

BATCH_SIZE = 25_000             # rows per transaction (cli/imports.py's help says so too)
DEFAULT_MAX_REJECTS = 10_000    # an import stops after this many rejected rows (--max-rejects)
SWITCH_INTERVAL = 0.0005        # seconds, while an import's writer thread runs (sys.setswitchinterval)


@dataclass
class ImportResult:
    import_id: int
    fmt: str
    file: str
    kind: str = ""
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    unmatched: int = 0
    rejected: int = 0
    seconds: float = 0.0
    status: str = "running"
    reject_file: str | None = None
    notes: list[str] = field(default_factory=list)
    resolved: int = 0                 # called numbers resolved for their rate deck during the import

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else float(self.read)

    def add(self, counts: dict) -> None:
        self.read += counts.get("rows_read", 0)
        self.inserted += counts.get("inserted", 0)
        self.duplicates += counts.get("duplicates", 0)
        self.unmatched += counts.get("unmatched", 0)
        self.rejected += counts.get("rejected", 0)
        self.resolved += counts.get("resolved", 0)


SUMMARY_COLUMNS = [Column("File"), Column("Format"), Column("Records"), Column("Read", "int"),
                   Column("Inserted", "int"), Column("Duplicates", "int"), Column("Unmatched", "int"),
                   Column("Rejected", "int"), Column("Rows/s", "int"), Column("Status")]


def summary(results: list[ImportResult]) -> Report:
    """The summary table: read, inserted, duplicates, unmatched, rejected, rows per second."""
    report = Report("Import summary", list(SUMMARY_COLUMNS))
    for r in results:
        report.rows.append([os.path.basename(r.file), r.fmt, r.kind, r.read, r.inserted, r.duplicates,
                            r.unmatched, r.rejected, int(r.rate), r.status])
        if r.reject_file:
            report.notes.append(f"{r.rejected} rejected row(s) of {os.path.basename(r.file)} written to "
                                f"{r.reject_file}")
        report.notes.extend(r.notes)
        if r.resolved:
            report.notes.append(f"{r.resolved:,} called number(s) of {os.path.basename(r.file)} resolved for"
                                f" their rate deck")
    if len(results) > 1:
        secs = sum(r.seconds for r in results)
        n = sum(r.read for r in results)
        report.totals = ["Total", "", "", n, sum(r.inserted for r in results),
                         sum(r.duplicates for r in results), sum(r.unmatched for r in results),
                         sum(r.rejected for r in results), int(n / secs) if secs else n, ""]
    return report


class TooManyRejects(ValidationError):
    """More rejected rows than --max-rejects: the import stops (what was written stays whole)."""


def check_reject_file(reject_file: str | None, inputs: list[str]) -> None:
    """A reject file may not be one of the files imported (the same path, a link to it or the same
    inode: the import would read its own rejects forever), nor a folder."""
    if not reject_file:
        return
    target = Path(reject_file)
    if target.is_dir():
        raise ValidationError(f"the reject file {reject_file} is a folder: give a file name")
    real = os.path.realpath(target)
    for path in inputs:
        same = os.path.realpath(path) == real
        try:
            same = same or (target.exists() and os.path.exists(path) and os.path.samefile(target, path))
        except OSError:
            pass
        if same:
            raise ValidationError(f"the reject file {reject_file} is the input file {path} (or a link to it): "
                                  "give another --reject-file")


class Rejects:
    """The reject file (mode 600), opened on the first rejected row: file, line, original line,
    reason. More than `limit` rows stops the import with TooManyRejects; an original line is
    kept up to MAX_LINE characters."""

    MAX_LINE = 2_000

    def __init__(self, path: str | None, default: str, limit: int = DEFAULT_MAX_REJECTS):
        self.path = path or default
        self.fh = None
        self.writer = None
        self.count = 0
        self.limit = limit

    def add(self, file: str, line_no: int, line: str, reason: str) -> None:
        if self.count >= self.limit:
            raise TooManyRejects(
                f"stopped at line {line_no} of {file}: more than {self.limit:,} rejected rows (--max-rejects); "
                f"the rows before were imported (importing the file again skips them); the rejected rows "
                f"are in {self.path}")
        if self.fh is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            new = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.fh = open(fd, "a", encoding="utf-8", newline="")
            self.writer = csv.writer(self.fh)
            if new:
                self.writer.writerow(["file", "line", "original_line", "reason"])
        if len(line) > self.MAX_LINE:
            line = line[:self.MAX_LINE] + f"... ({len(line):,} characters)"
        self.writer.writerow([file, line_no, line, reason])
        self.count += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


class Progress:
    """The progress bar of one file (tqdm on stderr, by bytes read), when the context shows them."""

    def __init__(self, ctx: AppContext, total: int, name: str):
        self.bar = None
        self.shown = 0
        if ctx.progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=f"importing {name}", file=sys.stderr,
                            leave=False, dynamic_ncols=True)

    def update(self, bytes_read: int) -> None:
        if self.bar is not None:
            self.bar.update(bytes_read - self.shown)
            self.shown = bytes_read

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def import_files(ctx: AppContext, fmt: str, paths: list[str], region: str | None = None,
                 reject_file: str | None = None, batch_size: int = BATCH_SIZE, fast: bool = True,
                 max_rejects: int = DEFAULT_MAX_REJECTS) -> Report:
    """Import several files of one format; returns the summary table."""
    check_reject_file(reject_file, paths)
    results = [import_file(ctx, fmt, p, region, reject_file, batch_size, fast, max_rejects) for p in paths]
    return summary(results)


def check_region(region: str) -> str:
    """An ISO region code known to phonenumbers, upper-cased (for prompts too)."""
    import phonenumbers

    code = (region or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"'{region}' is not a region code (ISO 3166, e.g. GB, RU, FR)")
    return code


class Reader:
    """The file's rows as records, in batches: each row parsed and validated, a rejected one
    written to the reject file (line number, original line, reason) and counted."""

    def __init__(self, fh, fmt: str, path: str, fast: bool):
        self.lines = parsers.LineReader(fh)
        self.stream = parsers.rows(self.lines)
        header = None
        if parsers.has_header(fmt):
            first = next(self.stream, None)
            if first is None:
                raise ValidationError(f"{path} is empty: a {fmt} file starts with its header row")
            if isinstance(first[2], Exception):
                raise ValidationError(f"{path} line {first[0]}: the header is not CSV ({first[2]})")
            header = first[2]
        self.parse, _ = parsers.row_parser(fmt, header, fast)
        self.kind = getattr(self.parse, "kind", "data" if fmt == "tellco" else "calls")

    def batches(self, tz: str, now, batch_size: int, rejects: Rejects, file: str):
        """(records, rows rejected meanwhile) of at most batch_size records, in file order (a
        customers file's records come with their line number and text)."""
        parse, keep_lines = self.parse, self.kind == "customers"
        batch: list = []
        rejected = 0
        try:
            for line_no, line, row in self.stream:
                if isinstance(row, Exception):
                    rejects.add(file, line_no, line, f"not CSV: {row}")
                    rejected += 1
                    continue
                try:
                    rec = parse(row, tz, now)
                    batch.append((line_no, line, rec) if keep_lines else rec)
                except ValidationError as exc:
                    rejects.add(file, line_no, line, str(exc))
                    rejected += 1
                    continue
                except (ValueError, ArithmeticError) as exc:    # a row no field parser foresaw
                    rejects.add(file, line_no, line, f"not readable ({type(exc).__name__})")
                    rejected += 1
                    continue
                if len(batch) >= batch_size:
                    yield batch, rejected
                    batch, rejected = [], 0
        except TooManyRejects:
            if batch or rejected:           # the good rows read before the stop are imported
                yield batch, rejected
            raise
        if batch or rejected:
            yield batch, rejected

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read

    def sha256(self) -> str:
        return self.lines.sha.hexdigest()


class Writer:
    """Writes the batches, each in its own transaction, and adds their counters to the result.
    Records: a two-stage pipeline, the next batch matched and prepared (scratch text, rollup
    sums: CPU) here while the previous one is written (mostly the server's time) in one writer
    thread. Customers files are written in line (their checks need the plans)."""

    def __init__(self, ctx: AppContext, kind: str, matcher: Matcher, import_id: int, fast: bool, region: str,
                 rejects: Rejects, file: str, result: ImportResult, progress: Progress, reader: Reader):
        self.ctx, self.kind, self.matcher, self.import_id = ctx, kind, matcher, import_id
        self.fast, self.region, self.rejects, self.file = fast, region, rejects, file
        self.result, self.progress, self.reader = result, progress, reader
        scratch = tempfile.NamedTemporaryFile(prefix="telco-load-", suffix=".tsv", delete=False)
        scratch.close()
        self.scratch = scratch.name
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") \
            if kind != "customers" else None
        self.pending = None
        self.resolver = IngestResolver(ctx.db) if self.pool is not None else None
        # the writer thread spends its time waiting on the server and must get the interpreter
        # back at once when an answer arrives, not after the reading thread's 5 ms time slice
        self.switch = sys.getswitchinterval()
        if self.pool is not None:
            sys.setswitchinterval(min(self.switch, SWITCH_INTERVAL))

    def _collect(self, counts: dict) -> None:
        self.result.add(counts)
        self.progress.update(self.reader.bytes_read)

    def submit(self, batch: list, rejected: int) -> None:
        ctx, matcher = self.ctx, self.matcher
        if self.pool is None:
            self._collect(_write(ctx, self.kind, matcher, batch, rejected, self.import_id, self.scratch,
                                 self.fast, self.region, self.rejects, self.file))
            return
        parts, wanted = ctx.db.run(lambda conn: _prepared(conn, matcher, batch, self.fast, ctx.tz, self.resolver))
        future = self.pool.submit(_write_resolving, ctx, self.resolver, wanted, matcher.source, parts, len(batch),
                                  rejected, self.import_id, self.scratch, self.fast)
        self.flush()
        self.pending = future

    def flush(self) -> None:
        """Wait for the batch being written and count it."""
        if self.pending is not None:
            p, self.pending = self.pending, None
            self._collect(p.result())

    def close(self) -> None:
        """Let the batch being written finish (commit or roll back) before leaving; then the
        thread, the switch interval and the scratch file go."""
        if self.pool is not None:
            if self.pending is not None:
                try:
                    self.result.add(self.pending.result())
                except BaseException:
                    pass
                self.pending = None
            self.pool.shutdown(wait=True)
            sys.setswitchinterval(self.switch)
        try:
            os.unlink(self.scratch)
        except OSError:
            pass


def _finish(ctx: AppContext, import_id: int, status: str, fmt: str, file: str, result: ImportResult,
            sha: str | None, note: str | None = None) -> None:
    """The import's row closed (status, time, SHA-256 of a whole file, reject file, a note on why
    it stopped) and the audit entry, in one transaction."""
    ctx.db.run(lambda c: (imports_repo.finish(c, import_id, status, ctx.now(), sha, result.reject_file, note),
                          ctx.audit(c, "import." + status, file,
                                    f"{fmt} {result.kind}: read {result.read}, inserted {result.inserted},"
                                    f" unmatched {result.unmatched}, rejected {result.rejected}")))


def import_file(ctx: AppContext, fmt: str, path: str, region: str | None = None,
                reject_file: str | None = None, batch_size: int = BATCH_SIZE, fast: bool = True,
                max_rejects: int = DEFAULT_MAX_REJECTS) -> ImportResult:
    """Import one file. Numbers written nationally are read in `region` (default: the operator's
    [operator] default_region). Interrupted, the batches written stay written and consistent;
    running it again completes the import (duplicates are skipped). A pipeline: the Reader's
    batches go to the Writer, with the Progress bar; the import's row and audit entry close it."""
    ctx.check("import")
    fmt = (fmt or "").strip().lower()
    if fmt not in parsers.FORMATS:
        raise ValidationError(f"unknown format '{fmt}': use one of {', '.join(parsers.FORMATS)}")
    region = check_region(region or ctx.region)
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"no such file: {path}")
    check_reject_file(reject_file, [path])
    try:
        fh = open(file, "rb")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    batch_size = max(1, int(batch_size))
    now = ctx.now()
    with fh:
        reader = Reader(fh, fmt, path, fast)
        kind = reader.kind
        if kind == "customers":
            ctx.check("import.customers")
        import_id = ctx.db.run(lambda c: imports_repo.start(c, fmt, str(file.resolve()), now, ctx.user.username,
                                                            socket.gethostname(), os.getpid()))
        result = ImportResult(import_id, fmt, str(file), kind)
        rejects = Rejects(reject_file, str(ctx.config.rejects_dir / f"{file.name}.{import_id}.rejects.csv"),
                          max_rejects)
        matcher = Matcher(region, ctx.region, fmt, import_id)
        progress = Progress(ctx, os.path.getsize(file), file.name)
        writer = Writer(ctx, kind, matcher, import_id, fast, region, rejects, str(file), result, progress, reader)
        started = time.perf_counter()
        status, note = "failed", None
        try:
            for batch, rejected in reader.batches(ctx.tz, now, batch_size, rejects, str(file)):
                writer.submit(batch, rejected)
            writer.flush()
            status = "done"
        except TooManyRejects as exc:
            status, note = "stopped", str(exc)
            writer.flush()
            raise
        except KeyboardInterrupt as exc:
            status = "interrupted"
            note = ("stopped by a SIGTERM" if type(exc).__name__ == "Terminated" else "stopped by Ctrl-C") + \
                "; importing the file again completes it (rows already imported are skipped)"
            raise
        finally:
            writer.close()
            result.seconds = time.perf_counter() - started
            result.status = status
            rejects.close()
            progress.close()
            result.reject_file = rejects.path if rejects.count else None
            try:
                _finish(ctx, import_id, status, fmt, str(file), result,
                        reader.sha256() if status == "done" else None, note)
            except Exception:
                if status == "done":
                    raise
    return result


def _write(ctx, kind, matcher, batch, rejected, import_id, scratch, fast, region, rejects, file) -> dict:
    """One batch in one transaction; returns the counters it added to the import."""
    if kind == "customers":
        return _write_customers(ctx, batch, rejected, import_id, region, rejects, file)
    parts = ctx.db.run(lambda conn: matcher.split(conn, batch))
    return _write_parts(ctx, matcher.source, parts, len(batch), rejected, import_id, scratch, fast)


def _prepared(conn, matcher, batch, fast, tz, resolver) -> tuple:
    """(Matcher.split's parts, the calls with their rating by a deck, with the records made ready for
    usage.load_batch (fast) ahead of the write; the (version, number) pairs of the calls to resolve
    for their rate deck)."""
    calls, sms, data, unmatched = matcher.split(conn, batch)
    calls, wanted = resolver.prepare(conn, calls)
    if not fast:
        return (calls, sms, data, unmatched), wanted
    regions = lambda ids: matcher.regions_of(conn, ids)  # noqa: E731
    return (usage.prepare("call", calls, regions, tz), usage.prepare("sms", sms, regions, tz),
            usage.prepare("data", data, regions, tz), unmatched), wanted


def _write_resolving(ctx, resolver, wanted, source, parts, n, rejected, import_id, scratch, fast) -> dict:
    """_write_parts, then the numbers of its decked calls resolved in a transaction of their own
    (derived data: what is not resolved here, the bill run resolves)."""
    counts = _write_parts(ctx, source, parts, n, rejected, import_id, scratch, fast)
    if wanted:
        counts["resolved"] = ctx.db.run(resolver.resolve, wanted)
    return counts


def _write_parts(ctx, source, parts, n, rejected, import_id, scratch, fast) -> dict:
    """The records of one batch, already matched, in one transaction with the rollups, the
    unmatched records and the import's counters."""
    calls, sms, data, unmatched = parts

    def do(conn):
        if fast:
            got = usage.load_batch(conn, source, import_id, scratch, calls=calls, sms=sms, data=data, tz=ctx.tz)
        else:
            got = usage.write_batch(conn, source, import_id, calls=calls, sms=sms, data=data, tz=ctx.tz)
        inserted = sum(got.values())
        new_unmatched = unmatched_repo.insert_many(conn, unmatched)
        counts = {"rows_read": n + rejected, "inserted": inserted,
                  "duplicates": (len(calls) + len(sms) + len(data) - inserted) + (len(unmatched) - new_unmatched),
                  "unmatched": new_unmatched, "rejected": rejected}
        imports_repo.add_counts(conn, import_id, counts)
        return counts

    return ctx.db.run(do)


def _write_customers(ctx, batch, rejected, import_id, region, rejects, file) -> dict:
    from telco_console.services.collection import fields as F
    from telco_console.timeutil import parse_date

    today = ctx.now().date()
    plans = ctx.db.run(imports_repo.plan_ids)
    rows, seen, bad, stop = [], set(), 0, None
    processed = len(batch)
    for i, (line_no, line, rec) in enumerate(batch):
        try:
            number = F.msisdn(rec.msisdn, region)
            name, cust_region = F.customer_name(rec.name), F.region_name(rec.region)
            email, handset = F.email(rec.email), F.handset(rec.handset)
            code = rec.plan.strip().upper()
            if code not in plans:
                raise ValidationError(f"no plan with code {rec.plan}")
            if not plans[code][1]:
                raise ValidationError(f"plan {code} is withdrawn and takes no new customers")
            since = parse_date(rec.since, ctx.tz) if rec.since else today
            if since > today:
                raise ValidationError("the start date is in the future")
        except ValidationError as exc:
            try:
                rejects.add(str(file), line_no, line, str(exc))
            except TooManyRejects as too_many:      # the rows before it are still written
                stop, processed = too_many, i
                break
            bad += 1
            continue
        if number in seen:
            continue
        seen.add(number)
        rows.append((number, name, email, cust_region, plans[code][0], handset, since))

    def do(conn):
        added = imports_repo.add_customers(conn, rows)
        counts = {"rows_read": processed + rejected, "inserted": added,
                  "duplicates": (processed - bad - len(rows)) + (len(rows) - added), "rejected": rejected + bad}
        imports_repo.add_counts(conn, import_id, counts)
        if added:
            ctx.audit(conn, "customer.import", str(file), f"{added} customer(s)")
        return counts

    counts = ctx.db.run(do)
    if stop is not None:
        raise stop
    return counts


def recent_imports(ctx: AppContext, limit: int = 20) -> Report:
    ctx.check("imports")
    if not 1 <= int(limit) <= 10_000:
        raise ValidationError("the number of imports shown runs from 1 to 10,000")
    import_runs.close_stale(ctx)
    rows = ctx.db.run(imports_repo.recent, limit)
    report = Report("Recent imports", [Column("Id", "int"), Column("Started", "datetime"), Column("Format"),
                                       Column("File"), Column("Status"), Column("Read", "int"),
                                       Column("Inserted", "int"), Column("Duplicates", "int"),
                                       Column("Unmatched", "int"), Column("Rejected", "int"), Column("By")],
                    empty_message="no imports yet")
    for r in rows:
        report.rows.append([r["id"], r["started_at"], r["format"], os.path.basename(r["file_name"]), r["status"],
                            r["rows_read"], r["inserted"], r["duplicates"], r["unmatched"], r["rejected"],
                            r["username"]])
        if r["status"] in ("interrupted", "stopped", "failed") and r.get("note"):
            report.notes.append(f"import {r['id']} ({os.path.basename(r['file_name'])}) {r['status']}: {r['note']}")
    return report
