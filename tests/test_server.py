"""The managed server: a private MariaDB/MySQL in a temporary directory on a free port."""

import secrets
import tempfile
from pathlib import Path

import mysql.connector
import pytest

from helpers import free_port as _free_port
from telco_console.config import load_config
from telco_console.db import migrations
from telco_console.db.pool import Database
from telco_console.db.server import ManagedServer, find_binary


def test_the_server_binaries_are_installed():
    """The managed mode is the default (make setup installs mariadbd): its tests run, never skip."""
    assert find_binary() is not None, "no mariadbd or mysqld: run make setup (apt-get install mariadb-server)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    cfg = tmp / "server.ini"
    cfg.write_text(f"[database]\nmode = managed\ndatadir = {tmp / 'mysql'}\nport = {_free_port()}\nname = telco\n")
    srv = ManagedServer(load_config(cfg))
    assert srv.status()["running"] is False
    # a live temporary table of another server in the shared temporary directory
    probe = Path(tempfile.gettempdir()) / f"#sql-probe-{secrets.token_hex(4)}.MAI"
    probe.write_bytes(b"")
    try:
        assert srv.start() is True
        srv.probe_survived = probe.exists()
        yield srv, load_config(cfg)
    finally:
        probe.unlink(missing_ok=True)
        srv.stop()


def _connect(srv, user, password):
    return mysql.connector.connect(unix_socket=str(srv.socket), user=user, password=password,
                                   database=srv.db_name, collation="utf8mb4_general_ci")


def test_start_status_and_second_start_is_a_no_op(server):
    srv, _ = server
    st = srv.status()
    assert st["running"] is True and st["initialised"] is True and st["pid"]
    pid = st["pid"]
    assert srv.start() is False                      # already running: nothing happens
    assert srv.pid() == pid
    assert (srv.credentials_file.stat().st_mode & 0o777) == 0o600


def test_temporary_files_stay_in_the_servers_own_directory(server):
    """A server starting removes every leftover `#sql*` file in its tmpdir; in a shared /tmp
    those would be another server's live temporary tables."""
    srv, _ = server
    conn = mysql.connector.connect(unix_socket=str(srv.socket), user="root", password=srv.credentials().root_password)
    cur = conn.cursor()
    cur.execute("SELECT @@tmpdir")
    assert cur.fetchone()[0].rstrip("/") == str(srv.base / "tmp")
    conn.close()


def test_initialising_a_new_server_leaves_other_servers_temporary_files_alone(server):
    """mariadb-install-db's bootstrap server removes every `#sql*` file in its tmpdir: with the
    default /tmp it deleted the live temporary tables of the machine's other servers (their
    queries then failed with "Error on delete of '/tmp/#sql-temptable-...MAI'")."""
    srv, _ = server
    assert srv.probe_survived


def test_app_account_reads_and_writes_but_cannot_change_the_schema(server):
    srv, config = server
    owner = Database(config, owner=True)
    migrations.migrate(owner)
    owner.close()
    creds = srv.credentials()
    app = _connect(srv, creds.app_user, creds.app_password)
    cur = app.cursor()
    cur.execute("INSERT INTO ingest_batches (source) VALUES ('test')")
    cur.execute("SELECT COUNT(*) FROM ingest_batches")
    assert cur.fetchone()[0] >= 1
    app.rollback()
    for stmt in ("CREATE TABLE sneaky (x INT)", "DROP TABLE ingest_batches", "ALTER TABLE plans ADD COLUMN y INT"):
        with pytest.raises(mysql.connector.Error) as err:
            cur.execute(stmt)
        assert err.value.errno in (1142, 1044), stmt        # command denied
    app.close()
    own = _connect(srv, creds.owner_user, creds.owner_password)
    cur = own.cursor()
    cur.execute("CREATE TABLE scratch_owner (x INT)")
    cur.execute("DROP TABLE scratch_owner")
    own.close()


def test_stop_then_start_again(server):
    srv, _ = server
    assert srv.stop() is True
    assert srv.status()["running"] is False
    assert srv.stop() is False                       # not running: nothing to do
    assert srv.start() is True                       # the same data and accounts come back
    creds = srv.credentials()
    conn = _connect(srv, creds.app_user, creds.app_password)
    conn.close()
