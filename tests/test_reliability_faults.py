"""Faults: a private managed server (its own tmp dir and port, never the session's) is killed with
kill -9 in the middle of work; lost connections; a database that is down, read-only or full."""
from __future__ import annotations

import io
import os
from datetime import datetime, timedelta

import mysql.connector
import pytest

from helpers import free_port as _free_port
from helpers import make_customer, make_plan, server_home, start_migrated
from telco_console.config import load_config
from telco_console.context import SYSTEM, AppContext
from telco_console.db.pool import Database
from telco_console.errors import DatabaseError, DatabaseUnavailable, PermissionDenied
from telco_console.reporting.output import Output
from telco_console.repositories import usage


def _config_file(path, database: dict):
    lines = ["[database]"] + [f"{k} = {v}" for k, v in database.items()] + ["pool_size = 4", "connect_timeout = 2"]
    path.write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A private managed server for this module: (ManagedServer, managed config, external config path)."""
    tmp = tmp_path_factory.mktemp("faults")
    port = _free_port()
    with server_home(tmp) as home:
        managed_path = _config_file(tmp / "managed.ini", {"mode": "managed", "datadir": home / "mysql",
                                                          "port": port, "name": "telco"})
        cfg = load_config(managed_path)
        srv = start_migrated(cfg)
        creds = srv.credentials()
        # the same server seen as an external one (TCP, app account): no automatic restart
        external_path = _config_file(tmp / "external.ini", {
            "mode": "external", "host": "127.0.0.1", "port": port, "name": "telco",
            "user": creds.app_user, "password": creds.app_password})
        yield srv, cfg, external_path
        srv.stop()


def _root(srv):
    return mysql.connector.connect(unix_socket=str(srv.socket), user="root",
                                   password=srv.credentials().root_password, collation="utf8mb4_general_ci")


def _sql(srv, *statements):
    conn = _root(srv)
    cur = conn.cursor()
    rows = None
    for s in statements:
        cur.execute(s)
        rows = cur.fetchall() if cur.with_rows else rows
    conn.commit()
    conn.close()
    return rows


@pytest.fixture
def fresh(server):
    """The private server running, with empty tables, one plan and three customers."""
    srv, cfg, external_path = server
    if not srv.is_running():
        srv.start()
    tables = [r[0] for r in _sql(srv, "SELECT table_name FROM information_schema.tables WHERE table_schema='telco'"
                                      " AND table_type='BASE TABLE' AND table_name <> 'schema_migrations'")]
    _sql(srv, "SET FOREIGN_KEY_CHECKS = 0", *[f"TRUNCATE TABLE telco.`{t}`" for t in tables])
    db = Database(cfg)
    ctx = AppContext(cfg, db, SYSTEM, progress=False)
    make_plan(ctx)
    custs = [make_customer(ctx, msisdn=f"+4479111240{i:02d}", name=f"C{i}") for i in range(3)]
    yield srv, cfg, external_path, ctx, custs
    db.close()


def _source(custs, n=600):
    """A CDR 'file': n calls with unique natural keys."""
    t0 = datetime(2026, 10, 5, 8, 0)
    return [(custs[i % 3]["id"], t0 + timedelta(minutes=i), "out", "+447700900123", 30 + i % 90, 30 + i % 90,
             1, "ANSWERED", 0, "cdr-test", f"ref-{i:05d}") for i in range(n)]


def import_rows(db, rows, batch=100, during=None):
    """Import like the collection service: one transaction per batch of rows, idempotent on the
    natural key. during(k) is called inside batch k's transaction before its commit."""
    done = 0
    for k, start in enumerate(range(0, len(rows), batch)):
        chunk = rows[start:start + batch]

        def write(conn, k=k, chunk=chunk):
            counts = usage.write_batch(conn, "cdr-test", None, calls=chunk)
            if during:
                during(k)
            return counts["call"]
        done += db.run(write)
    return done


def _counts(srv):
    return _sql(srv, "SELECT COUNT(*), COUNT(DISTINCT source_ref) FROM telco.calls")[0], \
        _sql(srv, "SELECT COALESCE(SUM(calls_out), 0) FROM telco.usage_daily")[0][0]


def test_lost_connection_between_runs_is_reopened(fresh):
    srv, cfg, _, ctx, _ = fresh
    msgs = []
    db = Database(cfg, notify=msgs.append)
    first = db.run(lambda conn: _one(conn, "SELECT CONNECTION_ID()"))
    _sql(srv, f"KILL CONNECTION {first}")
    second = db.run(lambda conn: _one(conn, "SELECT CONNECTION_ID()"))
    assert second != first
    db.close()


def _one(conn, sql, args=()):
    cur = conn.cursor()
    cur.execute(sql, args)
    row = cur.fetchone()
    cur.fetchall()
    return row[0]


def test_lost_connection_inside_a_run_is_retried_once_and_said(fresh):
    srv, cfg, _, ctx, custs = fresh
    msgs = []
    db = Database(cfg, notify=msgs.append)
    attempts = []
    rows = _source(custs, 10)

    def work(conn):
        attempts.append(1)
        usage.write_batch(conn, "cdr-test", None, calls=rows)
        if len(attempts) == 1:      # the connection dies before the commit
            _sql(srv, f"KILL CONNECTION {_one(conn, 'SELECT CONNECTION_ID()')}")
        return _one(conn, "SELECT COUNT(*) FROM calls")

    assert db.run(work) == 10
    assert len(attempts) == 2
    assert any("reconnecting" in m for m in msgs)
    assert _counts(srv) == ((10, 10), 10)
    db.close()


@pytest.mark.kill
def test_kill9_during_import_then_rerun_gives_no_duplicate_and_nothing_lost(fresh):
    srv, cfg, external_path, ctx, custs = fresh
    rows = _source(custs)
    db = Database(load_config(external_path))      # no automatic restart: the import fails
    with pytest.raises(DatabaseUnavailable, match=r"cannot reach the database at 127\.0\.0\.1"):
        import_rows(db, rows, during=lambda k: k == 3 and srv.kill())
    assert not srv.is_running()
    srv.start()
    (n, distinct), rolled = _counts(srv)
    assert n == distinct == 300                    # batches 0-2 committed, batch 3 rolled back
    assert rolled == 300
    # the same command again, on the same Database object: it reconnects by itself
    assert import_rows(db, rows) == 300
    assert _counts(srv) == ((600, 600), 600)
    assert import_rows(db, rows) == 0              # and once more: nothing new
    assert _counts(srv) == ((600, 600), 600)
    db.close()


@pytest.mark.kill
def test_kill9_during_import_in_managed_mode_restarts_the_server_and_completes(fresh):
    srv, cfg, _, ctx, custs = fresh
    rows = _source(custs)
    msgs = []
    db = Database(cfg, notify=msgs.append)
    killed = []

    def kill_once(k):
        if k == 2 and not killed:
            killed.append(k)
            srv.kill()
    assert import_rows(db, rows, during=kill_once) == 600
    assert any("reconnecting" in m for m in msgs) and any("starting" in m for m in msgs)
    assert _counts(srv) == ((600, 600), 600)
    assert import_rows(db, rows) == 0
    db.close()


@pytest.mark.kill
def test_database_down_says_so_plainly_and_recovers_without_restart(fresh, tmp_path):
    from telco_console.cli import run
    from telco_console.ui.app import Console, run_action

    srv, cfg, external_path, ctx, custs = fresh
    ext = load_config(external_path)
    db = Database(ext)
    console = Console(AppContext(ext, db, SYSTEM, progress=False), Output(io.StringIO(), io.StringIO(), colour=False))

    def show_customers(c):
        from telco_console.services import customers

        c.show(customers.list_customers(c.ctx).report)

    srv.kill()
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run(["--config", str(external_path), "db", "status"], Output(out, err, colour=False))
        assert code == 3
        port = ext.get("database", "port")
        assert err.getvalue().strip() == (f"error: cannot reach the database at 127.0.0.1:{port}: is the server "
                                          "running? check [database] host/port and that the server is running")
        assert ext.get("database", "password") not in err.getvalue()
        run_action(console, show_customers)          # the menu's way: one line, the menu stays
        assert "the menu stays" in console.out.stderr.getvalue()
        with pytest.raises(DatabaseUnavailable):
            db.run(lambda conn: _one(conn, "SELECT 1"))
    finally:
        srv.start()
    assert db.run(lambda conn: _one(conn, "SELECT COUNT(*) FROM customers")) == 3
    run_action(console, show_customers)
    assert "C2" in console.out.stdout.getvalue()
    db.close()


def test_read_only_database_gives_a_clear_error_and_writes_nothing(fresh):
    from telco_console.services import customers

    srv, cfg, _, ctx, custs = fresh
    _sql(srv, "SET GLOBAL read_only = 1")
    try:
        with pytest.raises(DatabaseUnavailable, match="is read-only: nothing was written"):
            make_customer(ctx, msisdn="+447911124099", name="Late")
        assert customers.list_customers(ctx).total == 3      # reading still works
    finally:
        _sql(srv, "SET GLOBAL read_only = 0")
    make_customer(ctx, msisdn="+447911124099", name="Late")


def test_account_without_write_grants_gives_a_clear_error(fresh, tmp_path):
    srv, cfg, _, ctx, custs = fresh
    _sql(srv, "DROP USER IF EXISTS 'reader'@'127.0.0.1'", "CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'Rd-pw-91x'",
         "GRANT SELECT ON telco.* TO 'reader'@'127.0.0.1'")
    path = _config_file(tmp_path / "reader.ini", {"mode": "external", "host": "127.0.0.1",
                                                  "port": cfg.get("database", "port"), "name": "telco",
                                                  "user": "reader", "password": "Rd-pw-91x"})
    rdb = Database(load_config(path))
    rctx = AppContext(load_config(path), rdb, SYSTEM, progress=False)
    with pytest.raises(PermissionDenied) as err:
        make_customer(rctx, msisdn="+447911124098", name="Nope")
    assert "may not write" in str(err.value) and "nothing was written" in str(err.value)
    assert "Rd-pw-91x" not in str(err.value)
    assert _sql(srv, "SELECT COUNT(*) FROM telco.customers")[0][0] == 3
    rdb.close()


@pytest.mark.kill
def test_full_table_or_disk_gives_a_clear_error(fresh):
    srv, cfg, _, ctx, custs = fresh

    def fill(conn):
        cur = conn.cursor()
        cur.execute("SET SESSION max_heap_table_size = 16384")
        cur.execute("CREATE TEMPORARY TABLE filler (x CHAR(200)) ENGINE=MEMORY")
        for _ in range(400):
            cur.execute("INSERT INTO filler VALUES (REPEAT('x', 200))")

    with pytest.raises(DatabaseUnavailable, match="run out of disk space: nothing was written"):
        ctx.db.run(fill)
    err = mysql.connector.Error(msg="Disk full (/var/lib/mysql); waiting for someone to free some space", errno=1021)
    assert "run out of disk space" in str(ctx.db.translate(err))


class KillingDatabase(Database):
    """The real Database; the server is killed with -9 once, inside the transaction of the first
    run() that leaves more than `after` calls in the table (after its work, before its commit)."""

    def __init__(self, config, server, after):
        super().__init__(config)
        self.srv, self.after, self.killed = server, after, False

    def run(self, fn, *args, **kwargs):
        def then_kill(conn, *a, **kw):
            result = fn(conn, *a, **kw)
            if not self.killed and _one(conn, "SELECT COUNT(*) FROM calls") > self.after:
                self.killed = True
                self.srv.kill()
            return result
        return super().run(then_kill, *args, **kwargs)


def _cdr_file(path, custs, n=200):
    lines = ["record_id,caller,callee,started_at,duration_s,billsec,disposition"]
    t0 = datetime(2026, 10, 6, 8, 0)
    for i in range(n):
        lines.append(f"k{i:04d},{custs[i % 3]['msisdn']},+447700900123,"
                     f"{t0 + timedelta(minutes=7 * i):%Y-%m-%d %H:%M:%S},{30 + i % 50},{30 + i % 50},ANSWERED")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.kill
def test_kill9_in_the_middle_of_a_file_import_then_the_same_import_completes_it(fresh, tmp_path):
    from telco_console.services.collection import importer
    srv, cfg, external_path, ctx, custs = fresh
    src = _cdr_file(tmp_path / "cdr.csv", custs)
    db = KillingDatabase(load_config(external_path), srv, after=80)     # killed in the third batch of 40
    kctx = AppContext(db.config, db, SYSTEM, progress=False)
    with pytest.raises(DatabaseUnavailable):
        importer.import_file(kctx, "csv", str(src), reject_file=str(tmp_path / "rej.csv"), batch_size=40)
    srv.start()
    (n, distinct), rolled = _counts(srv)
    assert n == distinct == 80 and rolled == 80      # two batches committed, the third rolled back
    again = importer.import_file(kctx, "csv", str(src), reject_file=str(tmp_path / "rej.csv"), batch_size=40)
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (200, 120, 80, 0)
    assert _counts(srv) == ((200, 200), 200)         # equal to the source, no duplicate
    db.close()


@pytest.mark.kill
def test_kill9_in_the_middle_of_a_bill_run_then_the_same_run_completes_it(fresh, monkeypatch):
    from telco_console.services.billing import billrun
    srv, cfg, external_path, ctx, custs = fresh
    import_rows(ctx.db, _source(custs, 90))
    db = Database(load_config(external_path))
    bctx = AppContext(db.config, db, SYSTEM, progress=False)
    original = billrun.bills_repo.apply_open_credits

    def kill_then(conn, *a, **kw):                    # bills created, not yet committed
        srv.kill()
        return original(conn, *a, **kw)
    monkeypatch.setattr(billrun.bills_repo, "apply_open_credits", kill_then)
    with pytest.raises((DatabaseUnavailable, DatabaseError)):
        billrun.run(bctx, "2026-10")
    monkeypatch.setattr(billrun.bills_repo, "apply_open_credits", original)
    srv.start()
    assert _sql(srv, "SELECT COUNT(*) FROM telco.bills")[0][0] == 0       # all or nothing
    res = billrun.run(bctx, "2026-10")
    assert res.bills == 3
    assert billrun.run(bctx, "2026-10").bills == 0                          # and never twice
    assert _sql(srv, "SELECT COUNT(*), COUNT(DISTINCT customer_id), COUNT(DISTINCT bill_number) "
                     "FROM telco.bills WHERE period = '2026-10'")[0] == (3, 3, 3)
    db.close()


@pytest.mark.kill
@pytest.mark.e2e
def test_the_console_keeps_its_menu_while_the_database_is_down_and_recovers(fresh, tmp_path):
    """The real program in a pseudo-terminal: the server dies under a signed-in session."""
    from helpers import make_user
    from test_e2e import Session

    srv, cfg, external_path, ctx, custs = fresh
    make_user(ctx, "boss", "admin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELCO_")}
    creds = srv.credentials()      # the console applies migrations at start: the owner account here
    owner_path = _config_file(tmp_path / "owner.ini", {
        "mode": "external", "host": "127.0.0.1", "port": cfg.get("database", "port"), "name": "telco",
        "user": creds.owner_user, "password": creds.owner_password})
    env.update(TELCO_CONFIG=str(owner_path), NO_COLOR="1", TELCO_NO_PAGER="1", PYTHONUNBUFFERED="1")
    s = Session(env, tmp_path)
    try:
        s.sign_in("boss", "correct-horse-9")
        s.expect(r"Signed in as boss \(admin\)")
        s.pick("Administration")
        s.pick("List plans")
        s.expect("BASIC")
        srv.kill()
        s.pick("List plans")
        s.expect("cannot reach the database at 127.0.0.1")
        s.expect("the menu stays")
        srv.start()
        s.pick("List plans")
        s.expect("BASIC")
        s.pick("Back")
        s.quit()
    finally:
        if not srv.is_running():
            srv.start()
        s.child.close(force=True)
