"""Connections: a mysql.connector pool, one transaction() context manager, retries and plain errors.

Database(config) connects as the runtime (app) account; Database(config, owner=True) as the
schema owner (migrations, archives, backups). In managed mode the private server is started
on first use, so the console needs no manual set-up.

No driver error leaves this class: run(), read(), connection() and transaction() turn each one
into the project's own (errors.py): DatabaseUnavailable, PermissionDenied, or DatabaseError with
the server's error number (error_for()).
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import mysql.connector
from mysql.connector import errorcode

from telco_console.db import driver  # noqa: F401  (the C extension's commit/rollback raise driver errors)
from telco_console.errors import (
    DatabaseError,
    DatabaseUnavailable,
    PermissionDenied,
    TelcoError,
    database_error_message,
)

T = TypeVar("T")


class Info(str):
    """A notice about progress, not a problem (Output.notify shows it as a plain line)."""

    level = "info"

# errors that mean "the connection or server went away"
LOST = {errorcode.CR_SERVER_GONE_ERROR, errorcode.CR_SERVER_LOST, 2055, 4031,
        1053, 1927, 1047}  # server shutting down, connection killed, Galera node not ready (failover)
UNREACHABLE = {errorcode.CR_CONN_HOST_ERROR, errorcode.CR_CONNECTION_ERROR, 2005, 2059,
               errorcode.ER_ACCESS_DENIED_ERROR, errorcode.ER_BAD_DB_ERROR,
               errorcode.ER_CON_COUNT_ERROR, 1040, 1152}
# errors that a retry can cure: deadlock / certification conflict, lock wait timeout
RETRYABLE = {errorcode.ER_LOCK_DEADLOCK, errorcode.ER_LOCK_WAIT_TIMEOUT, 1180,
             3101, 9007}  # Group Replication certification failure, TiDB write conflict
READ_ONLY = {errorcode.ER_OPTION_PREVENTS_STATEMENT, 1036}
DISK_FULL = {1021, 1114, 3, 28}
# the account lacks a grant (e.g. a read-only reporting account asked to write)
NO_GRANT = {errorcode.ER_TABLEACCESS_DENIED_ERROR, errorcode.ER_COLUMNACCESS_DENIED_ERROR}

# an idle connection used less than this many seconds ago is handed out without a ping: a
# connection that died in that time fails on its first statement, which run() retries once
PING_AFTER_S = 2.0


class ConnectionPool:
    """Open connections kept between transactions, the most recently used first, at most `size`
    idle (more are opened when all are busy, and closed on return).

    What a checkout and a return cost is what every transaction pays, so they are kept to the
    round trips that do something: no ping for a connection used in the last PING_AFTER_S seconds
    (a dead one fails its first statement, which Database.run() retries once), and a session reset
    (COM_RESET_CONNECTION, then the driver restores character set and autocommit) only after work
    that may have changed the session: read() work ends with its commit alone. mysql-connector's
    own pool pings on every checkout and resets on every return: six round trips around a
    one-statement report, where this needs one."""

    def __init__(self, connect: Callable[[], object], size: int):
        self._connect = connect
        self.size = max(1, int(size))
        self._idle: list[tuple[object, float]] = []
        self._lock = threading.Lock()

    def get(self):
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn, used = self._idle.pop()
            if time.monotonic() - used < PING_AFTER_S:
                return conn
            try:
                conn.ping(reconnect=False)
                return conn
            except Exception:
                self._discard(conn)
        return self._connect()

    def put(self, conn, reset: bool) -> None:
        """Back into the pool: after a session reset when `reset`; a connection that cannot be
        reset (lost, unread rows) is closed instead."""
        try:
            if reset:
                if not conn.cmd_reset_connection():
                    conn.reset_session()        # a server without COM_RESET_CONNECTION
            elif conn.unread_result:
                raise RuntimeError("rows left unread")
        except Exception:
            self._discard(conn)
            return
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append((conn, time.monotonic()))
                return
        self._discard(conn)

    @staticmethod
    def _discard(conn) -> None:
        try:
            conn.close()
        except Exception:
            pass

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            self._discard(conn)


def _errno(exc: BaseException) -> int | None:
    return getattr(exc, "errno", None)


class Database:
    """The repository layer's entry point: pooled connections and transactions."""

    def __init__(self, config, owner: bool = False, read_only_hosts: bool = False,
                 notify: Callable[[str], None] | None = None):
        self.config = config
        self.owner = owner
        self.read_only_hosts = read_only_hosts
        self.notify = notify or (lambda msg: None)
        self._pool: ConnectionPool | None = None
        self._node = 0                          # index of the node new connections go to first
        self._lock = threading.Lock()
        self.name = config.get("database", "name")
        self._sync_wait: bool | None = None     # read nodes: does the server know wsrep_sync_wait?

    # -- connection arguments ---------------------------------------------------
    @property
    def managed(self) -> bool:
        return self.config.get("database", "mode") == "managed"

    def server(self):
        from telco_console.db.server import ManagedServer

        return ManagedServer(self.config)

    def where(self) -> str:
        """Where we connect, for messages (never with a password)."""
        if self.managed:
            return f"the managed server ({self.server().socket})"
        c = self.config
        if c.get("database", "socket"):
            return c.get("database", "socket")
        return f"{c.get('database', 'host')}:{c.get('database', 'port')}"

    def connect_args(self) -> dict:
        c = self.config
        args = dict(database=self.name, collation="utf8mb4_general_ci", charset="utf8mb4",
                    autocommit=False, allow_local_infile=True, use_unicode=True,
                    connection_timeout=c.get("database", "connect_timeout"), get_warnings=False)
        if self.managed:
            srv = self.server()
            if not srv.is_running():
                self.notify(Info("starting the managed database server..."))
                srv.start()
            creds = srv.credentials()
            user, pw = ((creds.owner_user, creds.owner_password) if self.owner
                        else (creds.app_user, creds.app_password))
            args.update(unix_socket=str(srv.socket), user=user, password=pw)
            return args
        if c.get("database", "option_file"):
            args["option_files"] = c.get("database", "option_file")
        args.update(user=c.get("database", "user"), password=c.get("database", "password"))
        if c.get("database", "socket"):
            args["unix_socket"] = c.get("database", "socket")
        else:
            hosts = c.get("database", "read_hosts") if self.read_only_hosts else ""
            hosts = hosts or c.get("database", "hosts")
            nodes = [h.strip() for h in hosts.split(",") if h.strip()] if hosts else []
            if nodes:
                first, *rest = [self._split_host(n) for n in nodes]
                args.update(host=first[0], port=first[1])
                if rest:
                    args["failover"] = tuple({"host": h, "port": p} for h, p in rest)
            else:
                args.update(host=c.get("database", "host"), port=c.get("database", "port"))
        return args

    def _split_host(self, node: str) -> tuple[str, int]:
        host, _, port = node.rpartition(":") if ":" in node else (node, "", "")
        return (host or node), int(port or self.config.get("database", "port"))

    # -- the pool ---------------------------------------------------------------
    def _get_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                args = self.connect_args()
                failover = args.pop("failover", None)
                nodes = [{}] if not failover else [{"host": args["host"], "port": args["port"]}, *failover]
                self._pool = ConnectionPool(lambda: self._open(args, nodes), self.config.get("database", "pool_size"))
            return self._pool

    def _open(self, args: dict, nodes: list[dict]):
        """A new connection: to the node the last one went to, else to the next node that answers."""
        start, last = self._node % len(nodes), None
        for k in range(len(nodes)):
            i = (start + k) % len(nodes)
            try:
                conn = mysql.connector.connect(**{**args, **nodes[i]})
            except mysql.connector.Error as exc:
                last = exc
                continue
            if i != self._node:
                self.notify("a database node is unreachable; failing over to the next one...")
                self._node = i
            return conn
        raise last

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def translate(self, exc: BaseException) -> TelcoError:
        """A plain-language error for a connector error (no password ever in it)."""
        no = _errno(exc)
        where = self.where()
        if no in (errorcode.ER_ACCESS_DENIED_ERROR, 1044):
            return DatabaseUnavailable(f"the database at {where} refused the login for this account "
                                       "(check [database] user/password)")
        if no == errorcode.ER_BAD_DB_ERROR:
            return DatabaseUnavailable(f"the database '{self.name}' does not exist at {where}: "
                                       "try `telco-console db migrate`")
        if no in READ_ONLY:
            return DatabaseUnavailable(f"the database at {where} is read-only: nothing was written")
        if no in NO_GRANT:
            return PermissionDenied(f"the database account at {where} may not write (or read) that table: "
                                    "nothing was written; ask the administrator for its grants")
        if no in DISK_FULL or (no is None and "No space left" in str(exc)):
            return DatabaseUnavailable(f"the database at {where} has run out of disk space: nothing was written")
        hint = ("try `telco-console server start`" if self.managed
                else "check [database] host/port and that the server is running")
        return DatabaseUnavailable(f"cannot reach the database at {where}: is the server running? {hint}")

    def error_for(self, exc: BaseException) -> TelcoError:
        """The project's error for a driver error: translate()'s plain words when the server cannot
        be reached, refuses the login, is read-only or full, or lacks a grant; otherwise a
        DatabaseError that names the server's error number and message."""
        no = _errno(exc)
        if (self.is_connection_error(exc) or no in READ_ONLY or no in DISK_FULL or no in NO_GRANT
                or no in (errorcode.ER_ACCESS_DENIED_ERROR, 1044, errorcode.ER_BAD_DB_ERROR)):
            return self.translate(exc)
        # the server's own message can quote the SQL: it stays on the exception, never in its text
        err = DatabaseError(database_error_message(exc), errno=no)
        err.server_message = getattr(exc, "msg", None) or str(exc)
        return err

    def is_connection_error(self, exc: BaseException) -> bool:
        no = _errno(exc)
        return (isinstance(exc, (mysql.connector.InterfaceError, mysql.connector.OperationalError))
                and (no in LOST or no in UNREACHABLE or no in (None, -1) or no in (2003, 2002, 2006, 2013))) \
            or no in LOST

    # -- connections and transactions -----------------------------------------
    @contextmanager
    def connection(self, reset: bool = True) -> Iterator:
        """A pooled connection, returned to the pool afterwards: after a session reset, unless
        reset=False (for work that changes nothing in the session, see read()). A read node's
        connections are never reset: Galera ignores wsrep_sync_wait after a reset (see
        _causal_reads). A driver error inside becomes the project's own (error_for())."""
        try:
            with self._connection(reset) as conn:      # back in the pool before the error is raised
                yield conn
        except mysql.connector.Error as exc:
            raise self._fail(exc) from exc

    @contextmanager
    def transaction(self, reset: bool = True) -> Iterator:
        """Commit on success, roll back on any exception. Yields the connection. A driver error
        (from the work or from the commit) becomes the project's own (error_for())."""
        try:
            with self._transaction(reset) as conn:
                yield conn
        except mysql.connector.Error as exc:
            raise self._fail(exc) from exc

    def _fail(self, exc: BaseException) -> TelcoError:
        err = self.error_for(exc)
        if not isinstance(err, DatabaseError):      # the connection is suspect: start afresh
            self.close()
        return err

    @contextmanager
    def _connection(self, reset: bool = True) -> Iterator:
        try:
            pool = self._get_pool()
            conn = pool.get()
        except mysql.connector.Error as exc:
            self.close()
            raise self.translate(exc) from None
        try:
            yield conn
        except BaseException:
            pool.put(conn, reset=not self.read_only_hosts)
            raise
        pool.put(conn, reset=reset and not self.read_only_hosts)

    @contextmanager
    def _transaction(self, reset: bool = True) -> Iterator:
        """transaction() with the driver's own errors (for run()'s retries)."""
        with self._connection(reset) as conn:
            try:
                yield conn
                conn.commit()
            except BaseException:
                try:
                    conn.rollback()
                except Exception:
                    pass
                raise

    def run(self, fn: Callable[..., T], *args, retries: int = 5, **kwargs) -> T:
        """fn(conn, *args, **kwargs) in one transaction, retried on deadlock, lock timeout
        or Galera certification conflict (with backoff), and once on a lost connection."""
        return self._run(fn, args, kwargs, retries, reset=True)

    def _run(self, fn, args, kwargs, retries: int, reset: bool):
        attempt, lost_retried = 0, False
        while True:
            try:
                with self._transaction(reset) as conn:
                    if self.read_only_hosts:
                        self._causal_reads(conn)
                    return fn(conn, *args, **kwargs)
            except mysql.connector.Error as exc:
                no = _errno(exc)
                if no in RETRYABLE and attempt < retries:
                    attempt += 1
                    time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
                    continue
                if self.is_connection_error(exc) and not lost_retried:
                    lost_retried = True
                    self.notify("the database connection was lost; reconnecting and retrying once...")
                    self.close()
                    continue
                raise self._fail(exc) from exc

    def read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Like run() for read-only work (same retries); sent to `[database] read_hosts` when
        that lists nodes (external mode), falling back to `hosts` if none of them answers.
        fn must leave the session as it found it (no SET, no temporary tables): its connection
        goes back to the pool without a session reset."""
        if not self.read_only_hosts and not self.managed and self.config.get("database", "read_hosts"):
            try:
                return self.reader().read(fn, *args, **kwargs)
            except DatabaseUnavailable:
                self.notify("no read node answers; reading from the primary nodes")
        return self._run(fn, args, kwargs, 5, reset=False)

    def _causal_reads(self, conn) -> None:
        """On a read node, make this transaction's reads wait until the node has applied every write
        the cluster committed before them (Galera applies them asynchronously), so a report run right
        after an import sees all of it. A server without the variable (MySQL) is left as it is."""
        if self._sync_wait is False:
            return
        cur = conn.cursor()
        try:
            cur.execute("SET SESSION wsrep_sync_wait = 1")
            self._sync_wait = True
        except mysql.connector.Error as exc:
            if _errno(exc) != errorcode.ER_UNKNOWN_SYSTEM_VARIABLE:
                raise
            self._sync_wait = False
        finally:
            cur.close()

    def reader(self) -> Database:
        """A pool on the read nodes ([database] read_hosts), made once."""
        with self._lock:
            if getattr(self, "_reader", None) is None:
                self._reader = Database(self.config, owner=self.owner, read_only_hosts=True, notify=self.notify)
            return self._reader

    def ping(self) -> None:
        with self.connection() as conn:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            cur.fetchall()


def open_database(config, notify=None, owner: bool = False) -> Database:
    return Database(config, owner=owner, notify=notify)
