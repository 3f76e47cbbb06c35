"""The console on several database nodes (db/pool.py failover and read_hosts).

test_failover_* runs everywhere: a node list whose first node is dead fails over to the live
server. test_node_stop_* needs the Galera cluster (`make cluster-up`; run by `make cluster-test`
with TELCO_CLUSTER=1): the node in use is stopped in the middle of an import, and in the middle
of a bill run's transaction, and nothing is lost or duplicated."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers import free_port, make_customer, make_plan
from telco_console.config import load_config
from telco_console.context import SYSTEM, AppContext
from telco_console.db.pool import Database
from telco_console.repositories import usage
from telco_console.repositories.base import execute, fetch_all, fetch_value

ROOT = Path(__file__).resolve().parent.parent


def _account(config) -> tuple[str, str, int]:
    """(user, password, tcp port) of the test database's server."""
    if config.get("database", "mode") == "managed":
        from telco_console.db.server import ManagedServer

        creds = ManagedServer(config).credentials()
        return creds.app_user, creds.app_password, int(config.get("database", "port"))
    return config.get("database", "user"), config.get("database", "password"), int(config.get("database", "port"))


def _config(tmp_path, config, hosts: str, read_hosts: str = ""):
    user, password, _ = _account(config)
    path = tmp_path / "nodes.ini"
    path.write_text("\n".join([
        "[database]", "mode = external", f"hosts = {hosts}", f"read_hosts = {read_hosts}", f"user = {user}",
        f"password = {password}", f"name = {config.get('database', 'name')}", "pool_size = 4",
        "connect_timeout = 3", "", "[operator]", "timezone = Europe/London", "default_region = GB", "",
        "[billing]", f"outbox = {tmp_path / 'outbox'}", ""]))
    os.chmod(path, 0o600)
    return load_config(path)


def test_failover_skips_a_dead_first_node(ctx, config, tmp_path):
    _, _, port = _account(config)
    db = Database(_config(tmp_path, config, f"127.0.0.1:{free_port()},127.0.0.1:{port}"))
    try:
        assert db.run(fetch_value, "SELECT 1") == 1
    finally:
        db.close()


def test_reads_go_to_read_hosts_and_fall_back(ctx, config, tmp_path):
    _, _, port = _account(config)
    db = Database(_config(tmp_path, config, f"127.0.0.1:{port}", read_hosts=f"127.0.0.1:{port}"))
    try:
        assert db.read(fetch_value, "SELECT @@port") == port
        assert db.reader().read_only_hosts
        assert db.read(fetch_value, "SELECT @@session.wsrep_sync_wait") == 1      # causal reads (MariaDB)
        assert db.run(fetch_value, "SELECT @@session.wsrep_sync_wait") == 0       # writes do not wait
    finally:
        db.close()
    db = Database(_config(tmp_path, config, f"127.0.0.1:{port}", read_hosts=f"127.0.0.1:{free_port()}"))
    try:
        assert db.read(fetch_value, "SELECT 1") == 1     # no read node answers: the primary does
    finally:
        db.close()


def test_reports_read_on_read_hosts(ctx, config, tmp_path):
    """The reports' reads go to read_hosts: with every `hosts` node dead they still run, while a write
    cannot. (Works on one server: its port is the read node.)"""
    from telco_console.errors import DatabaseUnavailable
    from telco_console.services.report_registry import ReportParams
    from telco_console.services.reports import run_report

    make_plan(ctx)
    cid = make_customer(ctx, "+447911100001")["id"]
    start = datetime(2026, 10, 5, 9)
    rows = [(cid, start + timedelta(minutes=i), "out", "+447700900001", 60, 50, 1, "ANSWERED", 0, "rh", f"r{i}")
            for i in range(30)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "rh", None, calls=rows))
    _, _, port = _account(config)
    reads_only = _config(tmp_path, config, f"127.0.0.1:{free_port()}", read_hosts=f"127.0.0.1:{port}")
    rctx = AppContext(reads_only, Database(reads_only), SYSTEM, progress=False)
    try:
        rep = run_report(rctx, "usage-summary", ReportParams(date_from=start.date(), date_to=start.date()))
        assert [r[0] for r in rep.rows if r[0] == "+447911100001"] == ["+447911100001"]
        rep = run_report(rctx, "activity", ReportParams(customer="+447911100001"))
        assert rep.rows
        with pytest.raises(DatabaseUnavailable):
            rctx.db.run(fetch_value, "SELECT 1")
    finally:
        rctx.db.close()


def _cluster(*args) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), *args], check=True, capture_output=True,
                   timeout=300)


@pytest.fixture
def nodes_ctx(ctx, config, tmp_path):
    """A context over the three nodes (hosts = 3401, 3402, 3403). Afterwards every node is started
    again and waited for until it is synced, so the next test finds the whole cluster."""
    nodes = _config(tmp_path, config, "127.0.0.1:3401,127.0.0.1:3402,127.0.0.1:3403")
    cdb = Database(nodes)
    try:
        yield AppContext(nodes, cdb, SYSTEM, progress=False)
    finally:
        cdb.close()
        for n in ("1", "2", "3"):
            _cluster("start-node", n)


def _write_until_acknowledged(db, rows) -> int:
    """What an importer does with a batch: send it again until a node acknowledges it (a batch
    whose commit was not acknowledged may or may not have been written; the unique key on
    (source, source_ref, started_at) makes sending it again harmless). Returns the failures."""
    failures = 0
    while True:
        try:
            db.run(lambda conn: usage.write_batch(conn, "cluster", None, calls=rows))
            return failures
        except Exception:
            failures += 1
            if failures > 20:
                raise
            time.sleep(0.5)


def _period(cctx) -> datetime:
    today = cctx.now()
    start = datetime(today.year, today.month, 1) - timedelta(days=1)
    return datetime(start.year, start.month, 1, 9)


needs_cluster = pytest.mark.cluster     # run by make cluster-test only (conftest.py leaves them out elsewhere)


@needs_cluster
def test_reports_on_a_read_node_see_every_write_committed_before_them(nodes_ctx, config, tmp_path):
    """Galera applies writes on the other nodes asynchronously; a read on read_hosts waits until its
    node has applied what the cluster committed before it (wsrep_sync_wait = 1)."""
    make_plan(nodes_ctx)
    cid = make_customer(nodes_ctx, "+447911100001")["id"]
    both = Database(_config(tmp_path, config, "127.0.0.1:3401", read_hosts="127.0.0.1:3403"))
    try:
        assert both.run(fetch_value, "SELECT @@port") == 3401 and both.read(fetch_value, "SELECT @@port") == 3403
        start = _period(nodes_ctx)
        for b in range(40):
            rows = [(cid, start + timedelta(minutes=b * 25 + i), "out", "+447700900001", 60, 50, 1, "ANSWERED", 0,
                     "cluster", f"c{b}-{i}") for i in range(25)]
            both.run(lambda conn, rows=rows: usage.write_batch(conn, "cluster", None, calls=rows))
            assert both.read(fetch_value, "SELECT COUNT(*) FROM calls WHERE source = 'cluster'") == (b + 1) * 25
            assert both.read(fetch_value, "SELECT calls_out FROM usage_monthly WHERE customer_id = %s",
                             (cid,)) == (b + 1) * 25
    finally:
        both.close()


@needs_cluster
def test_node_stop_during_an_import_loses_and_duplicates_nothing(nodes_ctx):
    from telco_console.services import maintenance

    make_plan(nodes_ctx)
    ids = [make_customer(nodes_ctx, f"+4479111{i:05d}", name=f"C {i}")["id"] for i in range(20)]
    period_start, per_batch = _period(nodes_ctx), 50
    stopper = threading.Thread(target=_cluster, args=("stop-node", "1"))
    sent, failures, b, after_stop = 0, 0, 0, 0
    # node 1 (the pool's node) is stopped while batches keep coming: from batch 20 until the node
    # is down, and then 20 batches more on the node the pool failed over to
    while b < 20 or stopper.is_alive() or after_stop < 20:
        if b == 20:
            stopper.start()
        rows = [(ids[(b * per_batch + i) % len(ids)], period_start + timedelta(minutes=b * per_batch + i),
                 "out", "+447700900001", 120, 110, 1, "ANSWERED", 0, "cluster", f"b{b}-{i}")
                for i in range(per_batch)]
        sent += len(rows)
        failures += _write_until_acknowledged(nodes_ctx.db, rows)
        if b >= 20 and not stopper.is_alive():
            after_stop += 1
        b += 1
    stopper.join()
    assert nodes_ctx.db.run(fetch_value, "SELECT @@port") != 3401     # the pool failed over
    assert nodes_ctx.db.run(fetch_value, "SELECT COUNT(*) FROM calls WHERE source = 'cluster'") == sent
    assert nodes_ctx.db.run(fetch_value, "SELECT COUNT(DISTINCT source_ref) FROM calls "
                                         "WHERE source = 'cluster'") == sent
    assert maintenance.check_rollups(nodes_ctx).rows == []


class StoppingDatabase(Database):
    """The real Database; the node of the connection is stopped (cleanly, as an operator would) once,
    inside the transaction of the first run() that leaves more than `after` calls in the table
    (after its work, before its commit)."""

    def __init__(self, config, after):
        super().__init__(config)
        self.after, self.stopped = after, []

    def run(self, fn, *args, **kwargs):
        def then_stop(conn, *a, **kw):
            result = fn(conn, *a, **kw)
            if not self.stopped and fetch_value(conn, "SELECT COUNT(*) FROM calls") > self.after:
                node = str(fetch_value(conn, "SELECT @@port") - 3400)
                self.stopped.append(node)
                _cluster("stop-node", node)
            return result
        return super().run(then_stop, *args, **kwargs)


@needs_cluster
def test_node_stop_during_a_file_import_loses_and_duplicates_nothing(nodes_ctx, tmp_path):
    from telco_console.services import maintenance
    from telco_console.services.collection import importer

    make_plan(nodes_ctx)
    custs = [make_customer(nodes_ctx, f"+4479111{i:05d}", name=f"C {i}") for i in range(5)]
    lines = ["record_id,caller,callee,started_at,duration_s,billsec,disposition"]
    t0 = _period(nodes_ctx)
    for i in range(1000):
        lines.append(f"k{i:05d},{custs[i % 5]['msisdn']},+447700900123,"
                     f"{t0 + timedelta(minutes=7 * i):%Y-%m-%d %H:%M:%S},{30 + i % 50},{30 + i % 50},ANSWERED")
    src = tmp_path / "cdr.csv"
    src.write_text("\n".join(lines) + "\n")
    db = StoppingDatabase(nodes_ctx.config, after=300)
    sctx = AppContext(db.config, db, SYSTEM, progress=False)
    try:
        result = importer.import_file(sctx, "csv", str(src), reject_file=str(tmp_path / "rej.csv"), batch_size=100)
        assert db.stopped == ["1"]                       # node 1 went away in the middle of the file
        assert (result.read, result.inserted, result.rejected) == (1000, 1000, 0)   # failed over, completed
        assert db.run(fetch_value, "SELECT @@port") != 3401
        assert db.run(fetch_all, "SELECT COUNT(*) AS n, COUNT(DISTINCT source_ref) AS d FROM calls") == [
            {"n": 1000, "d": 1000}]
        assert maintenance.check_rollups(nodes_ctx).rows == []
    finally:
        db.close()


@needs_cluster
def test_node_stop_during_a_bill_run_loses_and_duplicates_nothing(nodes_ctx, monkeypatch):
    from telco_console.errors import DatabaseError, DatabaseUnavailable
    from telco_console.services.billing import billrun

    make_plan(nodes_ctx)
    ids = [make_customer(nodes_ctx, f"+4479111{i:05d}", name=f"C {i}")["id"] for i in range(20)]
    start = _period(nodes_ctx)
    rows = [(cid, start + timedelta(minutes=i), "out", "+447700900001", 120, 110, 1, "ANSWERED", 0, "cluster",
             f"r{i}") for i, cid in enumerate(ids)]
    nodes_ctx.db.run(lambda conn: usage.write_batch(conn, "cluster", None, calls=rows))
    period = f"{start:%Y-%m}"
    original, stopped = billrun.bills_repo.apply_open_credits, []

    def stop_then(conn, *a, **kw):          # the bills are inserted, not yet committed
        node = str(fetch_value(conn, "SELECT @@port") - 3400)
        _cluster("stop-node", node)
        stopped.append(node)
        return original(conn, *a, **kw)
    monkeypatch.setattr(billrun.bills_repo, "apply_open_credits", stop_then)
    with pytest.raises((DatabaseUnavailable, DatabaseError)):
        billrun.run(nodes_ctx, period)
    monkeypatch.setattr(billrun.bills_repo, "apply_open_credits", original)
    assert stopped == ["1"]
    count = "SELECT COUNT(*), COUNT(DISTINCT customer_id), COUNT(DISTINCT bill_number) FROM bills WHERE period = %s"
    assert tuple(nodes_ctx.db.run(fetch_all, count, (period,))[0].values()) == (0, 0, 0)   # all or nothing
    assert billrun.run(nodes_ctx, period).bills == len(ids)      # the operator runs it again
    assert billrun.run(nodes_ctx, period).bills == 0             # and never twice
    assert tuple(nodes_ctx.db.run(fetch_all, count, (period,))[0].values()) == (len(ids),) * 3


@needs_cluster
def test_reminder_runs_on_two_nodes_send_each_reminder_once(nodes_ctx, config, tmp_path, monkeypatch):
    """GET_LOCK is local to a node; the reminder run's lease (a committed row) holds on every node."""
    from telco_console.errors import DatabaseUnavailable
    from telco_console.repositories import leases
    from telco_console.services.billing import billrun, reminders

    make_plan(nodes_ctx)
    for i in range(6):
        make_customer(nodes_ctx, f"+4479111{i:05d}", name=f"C {i}")
    billrun.run(nodes_ctx, "2026-10")
    # reminders are never dated ahead of the clock: make the bills due two days ago
    due = nodes_ctx.now().date() - timedelta(days=2)
    nodes_ctx.db.run(execute, "UPDATE bills SET due_date = %s", (due,))
    on2 = _config(tmp_path, config, "127.0.0.1:3402")
    ctx2 = AppContext(on2, Database(on2), SYSTEM, progress=False)
    try:
        assert nodes_ctx.db.run(fetch_value, "SELECT @@port") == 3401
        assert ctx2.db.run(fetch_value, "SELECT @@port") == 3402
        ctx2.db.run(leases.take, "reminders", "a run on node 2", 60)
        monkeypatch.setattr(reminders, "LEASE_WAIT_S", 0.5)
        with pytest.raises(DatabaseUnavailable, match="another reminder run holds its lease"):
            reminders.send_reminders(nodes_ctx, due + timedelta(days=1))         # on node 1
        ctx2.db.run(leases.release, "reminders", "a run on node 2")
        monkeypatch.setattr(reminders, "LEASE_WAIT_S", 600)
        results, errors = [], []

        def remind(c):
            try:
                results.append(len(reminders.send_reminders(c, due + timedelta(days=1)).rows))
            except Exception as exc:     # reported by the assertion below
                errors.append(exc)
        runs = [threading.Thread(target=remind, args=(c,)) for c in (nodes_ctx, ctx2)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        assert errors == [] and sorted(results) == [0, 6]       # one run sent all six, the other none
        assert nodes_ctx.db.run(fetch_value, "SELECT COUNT(*) FROM reminders") == 6
        assert nodes_ctx.db.run(fetch_value, "SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder'") == 6
    finally:
        ctx2.db.close()
