"""Unmatched records: listed, and re-processed once the customers exist (the records whose
caller or callee is now on our books are written as calls/SMS/data sessions, in chunks, each
chunk one transaction with the rollups; the others stay pending)."""
from __future__ import annotations

from dataclasses import dataclass

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import unmatched as unmatched_repo
from telco_console.repositories import usage
from telco_console.services.collection.matching import Matcher, from_payload

KINDS = ("call", "sms", "data")
STATUSES = ("pending", "processed")
CHUNK = 2000


def list_unmatched(ctx: AppContext, status: str | None = "pending", kind: str | None = None,
                   source: str | None = None, limit: int = 50, page: int = 1) -> Report:
    ctx.check("unmatched.list")
    if status and status not in STATUSES:
        raise ValidationError(f"status is one of {', '.join(STATUSES)}")
    if kind and kind not in KINDS:
        raise ValidationError(f"kind is one of {', '.join(KINDS)}")
    if not 1 <= page <= 1_000_000 or not 1 <= limit <= 1_000:
        raise ValidationError("the page runs from 1 to 1,000,000 and the page size from 1 to 1,000")
    rows, total = ctx.db.run(lambda c: (unmatched_repo.find(c, status, kind, source, limit, (page - 1) * limit),
                                        unmatched_repo.count(c, status, kind, source)))
    report = Report("Unmatched records", [Column("Id", "int"), Column("Kind"), Column("Source"),
                                          Column("Start", "datetime"), Column("Party A"), Column("Party B"),
                                          Column("Reason"), Column("Status")],
                    filters={"status": status or "any", "kind": kind or "any", "source": source or "any"},
                    empty_message="no unmatched records")
    for r in rows:
        report.rows.append([r["id"], r["kind"], r["source"], r["started_at"], r["party_a"], r["party_b"],
                            r["reason"], r["status"]])
    pages = max(1, -(-total // limit))
    report.notes.append(f"{total} record(s); page {page} of {pages}")
    return report


@dataclass
class ReprocessResult:
    examined: int = 0
    matched: int = 0
    inserted: int = 0
    still_unmatched: int = 0

    def report(self) -> Report:
        return Report("Unmatched records re-processed",
                      [Column("Examined", "int"), Column("Matched", "int"), Column("Inserted", "int"),
                       Column("Already present", "int"), Column("Still unmatched", "int")],
                      [[self.examined, self.matched, self.inserted, self.matched - self.inserted,
                        self.still_unmatched]])


def reprocess(ctx: AppContext, chunk: int = CHUNK) -> ReprocessResult:
    """Match the pending records again against the customers on the books now."""
    ctx.check("unmatched.reprocess")
    result = ReprocessResult()
    after = 0
    matchers: dict[str, Matcher] = {}
    # calls of decked plans rated as an import rates them; their numbers resolved after each chunk
    from telco_console.services.billing.resolution import IngestResolver

    resolver, wanted = IngestResolver(ctx.db), []
    while True:
        def do(conn, after=after):
            rows = unmatched_repo.pending_after(conn, after, chunk)
            if not rows:
                return None
            by_source: dict[str, list] = {}
            for r in rows:
                by_source.setdefault(r["source"], []).append(r)
            counts = [len(rows), 0, 0, 0]
            for source, group in by_source.items():
                m = matchers.setdefault(source, Matcher(ctx.region, ctx.region, source, None))
                m.ids.clear()
                records = [from_payload(r["payload"]) for r in group]
                calls, sms, data, unmatched = m.split(conn, records)
                calls, pairs = resolver.prepare(conn, calls)
                wanted.extend(pairs)
                still = {(u[0], u[2], u[3]) for u in unmatched}
                done = [r["id"] for r in group if (r["kind"], r["source_ref"], r["started_at"]) not in still]
                got = usage.write_batch(conn, source, None, calls=calls, sms=sms, data=data, tz=ctx.tz)
                unmatched_repo.mark_processed(conn, done, ctx.now())
                counts[1] += len(calls) + len(sms) + len(data)
                counts[2] += sum(got.values())
                counts[3] += len(unmatched)
            if counts[1]:
                ctx.audit(conn, "unmatched.reprocess", "", f"{counts[1]} matched, {counts[2]} inserted")
            return rows[-1]["id"], counts
        got = ctx.db.run(do)
        if wanted:
            ctx.db.run(resolver.resolve, wanted)
            wanted.clear()
        if got is None:
            return result
        after, (n, matched, inserted, still) = got
        result.examined += n
        result.matched += matched
        result.inserted += inserted
        result.still_unmatched += still
