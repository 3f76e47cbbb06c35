"""Shared fixtures: a real database for the whole run, emptied before each test.

By default the suite starts its own managed server (the app's own code) on a free port, its
data in memory (/dev/shm, see helpers.ram_dir) or else in a temporary directory. With
TELCO_TEST_DSN=mysql://user:password@host:port it uses that server instead, in a throwaway
database `telco_test_<random>` that it drops at the end."""
from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = ROOT / "tests" / "data"      # real third-party files, each folder's SOURCE.txt says whence
sys.path.insert(0, str(ROOT))

from helpers import free_port as _free_port  # noqa: E402
from helpers import ram_dir  # noqa: E402
from telco_console.config import load_config  # noqa: E402
from telco_console.context import SYSTEM, AppContext, User  # noqa: E402
from telco_console.db import migrations  # noqa: E402
from telco_console.db.pool import Database  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Every Hypothesis test is marked `property` (make test-fast and make cluster-test leave
    them out). Tests marked `cluster` need the Galera cluster: left out (deselected, not
    skipped) unless TELCO_CLUSTER=1 (make cluster-test)."""
    from hypothesis import is_hypothesis_test

    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.property)
    if os.environ.get("TELCO_CLUSTER") == "1":
        return
    keep = [i for i in items if i.get_closest_marker("cluster") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("cluster")])
        items[:] = keep


def _write_config(path: Path, database: dict, tmp: Path) -> Path:
    lines = ["[database]"] + [f"{k} = {v}" for k, v in database.items()]
    lines += ["pool_size = 8", "", "[operator]", "timezone = Europe/London", "default_region = GB",
              "currency = GBP", "", "[billing]", "tax_rate = 0.20", "due_days = 14", "reminder_days = 1, 7, 14",
              f"outbox = {tmp / 'outbox'}", "", "[security]", "max_failed_logins = 3", "lockout_minutes = 15",
              "", "[ui]", "page_size = 20", "colour = false", ""]
    path.write_text("\n".join(lines))
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="session")
def config_path(tmp_path_factory):
    """A config file pointing at the test database (migrated)."""
    tmp = tmp_path_factory.mktemp("telco")
    dsn = os.environ.get("TELCO_TEST_DSN")
    server = None
    dropper = None
    ram = None
    if dsn:
        u = urlparse(dsn)
        name = f"telco_test_{secrets.token_hex(4)}"
        import mysql.connector

        admin = mysql.connector.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306,
                                        user=unquote(u.username or "root"), password=unquote(u.password or ""),
                                        collation="utf8mb4_general_ci")
        cur = admin.cursor()
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        admin.close()
        path = _write_config(tmp / "telco-test.ini", {
            "mode": "external", "host": u.hostname or "127.0.0.1", "port": u.port or 3306,
            "user": unquote(u.username or "root"), "password": unquote(u.password or ""), "name": name}, tmp)

        def dropper():
            c = mysql.connector.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306,
                                        user=unquote(u.username or "root"), password=unquote(u.password or ""),
                                        collation="utf8mb4_general_ci")
            c.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            c.close()
    else:
        from telco_console.db.server import ManagedServer

        ram = ram_dir()
        path = _write_config(tmp / "telco-test.ini", {
            "mode": "managed", "datadir": (ram or tmp) / "mysql", "port": _free_port(), "name": "telco"}, tmp)
        server = ManagedServer(load_config(path))
        server.start()
    owner = Database(load_config(path), owner=True)
    migrations.migrate(owner)
    owner.close()
    yield path
    if dropper:
        dropper()
    if server:
        server.stop()
    if ram:
        shutil.rmtree(ram, ignore_errors=True)


# scrypt's cost parameter N for the password hashes that tests make in process (telco_console.security
# uses 2**14, about 50 ms a hash or a check: some 450 of them made a tenth of the suite's time). The
# hash format, salt and check are the same; the stored N is the one a check uses. Tests marked
# production_scrypt (the hash format and the equal work of every failed sign-in) keep the real cost,
# and so does the program run as a subprocess.
TEST_SCRYPT_N = 16


@pytest.fixture(autouse=True)
def _quick_password_hashes(request, monkeypatch):
    if request.node.get_closest_marker("production_scrypt") is None:
        from telco_console import security

        monkeypatch.setattr(security, "N", TEST_SCRYPT_N)


@pytest.fixture(scope="session")
def config(config_path):
    return load_config(config_path)


@pytest.fixture(scope="session")
def _owner_db(config):
    db = Database(config, owner=True)
    yield db
    db.close()


@pytest.fixture(scope="session")
def _tables(_owner_db):
    with _owner_db.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
                    " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'")
        return [r[0] for r in cur.fetchall()]


# a table with at least this many rows is emptied by TRUNCATE (constant time); a smaller one by
# DELETE, then its AUTO_INCREMENT set back to 1 when it has used ids
TRUNCATE_FROM_ROWS = 2000


def truncate_all(owner_db, tables) -> None:
    """Empty every table that holds rows and set back every used AUTO_INCREMENT, so that each test
    starts from an empty database whose ids start at 1 again. The tables that hold rows (and how
    many, up to TRUNCATE_FROM_ROWS) are found in one query, those with used ids in another. A
    small table is emptied by DELETE and its counter reset by ALTER TABLE, a large one truncated:
    TRUNCATE recreates the table's files (nine for a partitioned usage table), so a test's few
    rows cost about 15 ms to clear this way against 25 ms by TRUNCATE alone."""
    with owner_db.connection() as conn:
        cur = conn.cursor()
        probe = " UNION ALL ".join(
            f"SELECT '{t}', (SELECT COUNT(*) FROM (SELECT 1 FROM `{t}` LIMIT {TRUNCATE_FROM_ROWS}) AS n)"
            f" FROM DUAL WHERE EXISTS (SELECT 1 FROM `{t}`)" for t in tables)
        cur.execute(probe)
        rows = dict(cur.fetchall())
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
                    " AND auto_increment > 1")
        used_ids = {r[0] for r in cur.fetchall()} & set(tables)
        if not rows and not used_ids:
            conn.commit()
            return
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        big = {t for t, n in rows.items() if n >= TRUNCATE_FROM_ROWS}
        for t in tables:
            if t in big:
                cur.execute(f"TRUNCATE TABLE `{t}`")
            elif t in rows:
                cur.execute(f"DELETE FROM `{t}`")
        conn.commit()
        for t in tables:
            if t in used_ids and t not in big:
                cur.execute(f"ALTER TABLE `{t}` AUTO_INCREMENT = 1")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        conn.commit()


@pytest.fixture
def clean_db(_owner_db, _tables):
    """An empty database (every table emptied, ids from 1 again) for this test."""
    truncate_all(_owner_db, _tables)
    return _owner_db


@pytest.fixture
def ctx(config, clean_db, tmp_path):
    """An AppContext as an admin over an empty database; ctx.as_role('staff') for other roles."""
    db = Database(config)
    c = AppContext(config, db, SYSTEM, progress=False)
    yield c
    db.close()


@pytest.fixture
def as_role(ctx):
    """as_role('staff', region=None, customer_id=None) -> a context signed in with that role."""
    def make(role: str, region: str | None = None, customer_id: int | None = None, username: str | None = None):
        return ctx.with_user(User(None, username or f"test-{role}", role, region, customer_id))
    return make


@pytest.fixture
def cli_env(config_path):
    """Environment for running the real program as a subprocess against the test database."""
    env = dict(os.environ)
    env.update(TELCO_CONFIG=str(config_path), NO_COLOR="1", TELCO_NO_PAGER="1", PYTHONUNBUFFERED="1")
    for k in list(env):
        if k.startswith("TELCO_DATABASE_") or k in ("TELCO_USER", "TELCO_PASSWORD"):
            env.pop(k)
    return env


@pytest.fixture
def real_data():
    """tests/data: real Asterisk, FreeSWITCH, TellCo and CGRateS files (the BigML churn split is package data)."""
    return REAL_DATA


_PARSERS: dict = {}


@pytest.fixture
def run_cli(cli_env, capsys, monkeypatch):
    """run_cli(*argv, user=None, password=None) -> (exit code, stdout, stderr), in-process. The
    argparse tree is built once for the whole run and shared (60 ms a build, some 220 runs; parsing
    leaves it as it was); the program run as a subprocess builds its own each time."""
    import telco_console.cli as cli
    from telco_console.cli import run
    from telco_console.reporting.output import Output

    build = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _PARSERS.get(build) or _PARSERS.setdefault(build, build()))

    def call(*argv, user=None, password=None, env=None):
        import io

        saved = dict(os.environ)
        os.environ.update({k: v for k, v in cli_env.items() if k.startswith("TELCO_")})
        if user:
            os.environ["TELCO_USER"] = user
        if password is not None:
            os.environ["TELCO_PASSWORD"] = password
        os.environ.update(env or {})
        out, err = io.StringIO(), io.StringIO()
        try:
            try:
                code = run(list(argv), Output(out, err, colour=False))
            except SystemExit as exc:
                code = exc.code
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return code, out.getvalue(), err.getvalue()
    return call
