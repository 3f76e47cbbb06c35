"""The connection pool (db/pool.py): what a checkout and a return do and do not do."""
from __future__ import annotations

import pytest

from telco_console.db import pool as pool_module
from telco_console.db.pool import Database
from telco_console.repositories.base import execute, fetch_all, fetch_value


def _id(conn) -> int:
    return fetch_value(conn, "SELECT CONNECTION_ID()")


@pytest.fixture
def db(config):
    msgs: list[str] = []
    d = Database(config, notify=msgs.append)
    d.msgs = msgs
    yield d
    d.close()


def test_session_state_set_in_a_run_does_not_reach_the_next_user(db):
    first = db.run(lambda conn: (execute(conn, "SET @left_behind = 5"),
                                 execute(conn, "SET SESSION innodb_lock_wait_timeout = 7"), _id(conn))[-1])
    second, var, wait = db.run(lambda conn: (_id(conn), fetch_value(conn, "SELECT @left_behind"),
                                             fetch_value(conn, "SELECT @@SESSION.innodb_lock_wait_timeout")))
    assert second == first                    # the same connection, reused
    assert var is None and wait != 7          # but reset in between
    assert db.run(lambda conn: fetch_value(conn, "SELECT @@autocommit")) == 0   # transactions still explicit


def test_a_read_ends_its_snapshot_so_the_next_read_sees_new_rows(db, clean_db):
    count = "SELECT COUNT(*) FROM plans"
    first_id = db.read(_id)
    before = db.read(fetch_value, count)
    with clean_db.transaction() as conn:      # another session commits a row
        execute(conn, "INSERT INTO plans (code, name, monthly_fee, peak_rate, offpeak_rate, sms_rate, mb_rate)"
                      " VALUES ('POOL', 'Pool', 1, 0, 0, 0, 0)")
    assert db.read(fetch_value, count) == before + 1
    assert db.read(_id) == first_id           # reads reuse one connection


def test_at_most_pool_size_connections_stay_open_when_idle(db):
    size = db.config.get("database", "pool_size")
    held = [db.connection() for _ in range(size + 3)]
    ids = {_id(cm.__enter__()) for cm in held}
    assert len(ids) == size + 3                # more than the pool size when all are busy
    for cm in held:
        cm.__exit__(None, None, None)
    assert len(db._pool._idle) == size


def test_a_connection_killed_while_idle_is_replaced(db, monkeypatch):
    killer = Database(db.config)
    # used a moment ago: no ping, the first statement fails and the run is retried once, said
    monkeypatch.setattr(pool_module, "PING_AFTER_S", 600.0)
    victim = db.run(_id)
    killer.run(execute, f"KILL CONNECTION {victim}")
    assert db.run(_id) != victim
    assert any("reconnecting" in m for m in db.msgs)
    # idle longer than PING_AFTER_S: the checkout pings, finds it dead and opens another, silently
    db.msgs.clear()
    monkeypatch.setattr(pool_module, "PING_AFTER_S", 0.0)
    victim = db.run(_id)
    killer.run(execute, f"KILL CONNECTION {victim}")
    assert db.run(_id) != victim
    assert db.msgs == []
    killer.close()


def _admin_commands(conn) -> int:
    """COM_PING and COM_RESET_CONNECTION received on this session so far."""
    return int(fetch_all(conn, "SHOW SESSION STATUS LIKE 'Com_admin_commands'")[0]["Value"])


def test_statements_and_back_to_back_reads_send_no_ping_or_reset(db):
    def five_statements(conn):
        before = _admin_commands(conn)
        for _ in range(5):
            fetch_value(conn, "SELECT 1")
        return before, _admin_commands(conn), _id(conn)

    before, after, first = db.read(five_statements)
    assert after == before                     # no ping per cursor (db/driver.py)
    again, _, second = db.read(five_statements)
    assert second == first and again == after  # the next read: same session, neither pinged nor reset
