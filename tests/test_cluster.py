"""The console on several database nodes (db/pool.py failover and read_hosts).

test_failover_* runs everywhere: a node list whose first node is dead fails over to the live
server. test_node_stop_* needs the Galera cluster (`make cluster-up`; run by `make cluster-test`
with TELCO_CLUSTER=1): node 1 is stopped in the middle of an import and a bill run, and nothing
is lost or duplicated."""
from __future__ import annotations

import os
import socket
import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers import make_customer, make_plan
from telco_console.config import load_config
from telco_console.context import SYSTEM, AppContext
from telco_console.db.pool import Database
from telco_console.repositories import usage
from telco_console.repositories.base import fetch_value

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = os.environ.get("TELCO_CLUSTER") == "1"


def _dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
        "connect_timeout = 3", "", "[operator]", "timezone = Europe/London", "default_region = GB", ""]))
    os.chmod(path, 0o600)
    return load_config(path)


def test_failover_skips_a_dead_first_node(ctx, config, tmp_path):
    _, _, port = _account(config)
    db = Database(_config(tmp_path, config, f"127.0.0.1:{_dead_port()},127.0.0.1:{port}"))
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
    finally:
        db.close()
    db = Database(_config(tmp_path, config, f"127.0.0.1:{port}", read_hosts=f"127.0.0.1:{_dead_port()}"))
    try:
        assert db.read(fetch_value, "SELECT 1") == 1     # no read node answers: the primary does
    finally:
        db.close()


def _cluster(*args) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), *args], check=True, capture_output=True,
                   timeout=180)


@pytest.mark.skipif(not CLUSTER, reason="needs the Galera cluster: make cluster-test (TELCO_CLUSTER=1)")
def test_node_stop_during_import_and_bill_run_loses_and_duplicates_nothing(ctx, config, tmp_path):
    from telco_console.services.billing import billrun
    from telco_console.services import maintenance

    make_plan(ctx)
    ids = [make_customer(ctx, f"+4479111{i:05d}", name=f"C {i}")["id"] for i in range(20)]
    nodes = _config(tmp_path, config, "127.0.0.1:3401,127.0.0.1:3402,127.0.0.1:3403")
    cdb = Database(nodes)
    cctx = AppContext(nodes, cdb, SYSTEM, progress=False)
    today = cctx.now()
    period_start = datetime(today.year, today.month, 1) - timedelta(days=1)
    period_start = datetime(period_start.year, period_start.month, 1, 9)
    batches, per_batch = 60, 50
    sent, acknowledged, errors = 0, 0, []
    stopper = threading.Timer(1.0, _cluster, ("stop-node", "1"))
    try:
        stopper.start()
        for b in range(batches):
            rows = [(ids[(b * per_batch + i) % len(ids)], period_start + timedelta(minutes=b * per_batch + i),
                     "out", "+447700900001", 120, 110, 1, "ANSWERED", 0, "cluster", f"b{b}-{i}")
                    for i in range(per_batch)]
            sent += len(rows)
            try:
                cdb.run(lambda conn: usage.write_batch(conn, "cluster", None, calls=rows))
                acknowledged += 1
            except Exception as exc:        # not acknowledged: the importer would re-send it
                errors.append(exc)
                cdb.run(lambda conn: usage.write_batch(conn, "cluster", None, calls=rows))
                acknowledged += 1
        stopper.join()
        period = f"{period_start:%Y-%m}"
        try:
            billrun.run(cctx, period)
        except Exception:
            billrun.run(cctx, period)   # an operator runs it again: it creates only what is missing
        billrun.run(cctx, period)
        calls = cdb.run(fetch_value, "SELECT COUNT(*) FROM calls WHERE source = 'cluster'")
        assert calls == sent == batches * per_batch
        assert cdb.run(fetch_value, "SELECT COUNT(*) FROM bills WHERE period = %s", (period,)) == len(ids)
        assert cdb.run(fetch_value, "SELECT COUNT(DISTINCT customer_id) FROM bills WHERE period = %s",
                       (period,)) == len(ids)
        assert maintenance.check_rollups(cctx).rows == []
    finally:
        stopper.cancel()
        stopper.join(timeout=120)
        cdb.close()
        _cluster("start-node", "1")
