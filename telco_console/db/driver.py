"""The MySQL driver as the rest of the code expects it. mysql-connector-python's C extension
(used when it loads: several times faster at fetching rows than the pure-Python protocol) lets
CMySQLConnection.commit() and rollback() raise its raw `_mysql_connector.MySQLInterfaceError`
when the connection is lost, where every other call raises a `mysql.connector.Error` with an
errno. Those two are wrapped here so that retries and plain-language errors see the same
exceptions from both implementations.

It also pings the server every time a cursor is made (CMySQLConnection.cursor() calls
is_connected(), a round trip): a second round trip for every statement. Here cursor() checks
the connection's local state instead; a connection that died fails its statement with a
lost-connection error, which Database.run() retries once, as it did the failed ping.

And it writes a `datetime.date` parameter without zero padding (`date(2026, 9, 30)` is sent as
'2026-9-30'), so wherever SQL treats the parameter as text (LEAST/GREATEST/COALESCE with a
column, comparisons with strings, CONCAT) September sorts after November. Every date and naive
datetime parameter is turned into zero-padded ISO text here, before the C extension sees it, in
the one method that both execute() and executemany() call; the pure-Python protocol already
writes them padded."""
from __future__ import annotations

import functools
from datetime import date, datetime

import mysql.connector
from mysql.connector import errors

# The driver's base error, for repository code that handles one on a raw connection inside
# Database.run() (such as a DDL retry); the code above repositories only sees errors.py's.
DriverError = errors.Error


def _translated(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except errors.Error:
            raise
        except Exception as exc:
            if type(exc).__name__ != "MySQLInterfaceError":
                raise
            raise errors.get_mysql_exception(getattr(exc, "errno", None) or 2013, getattr(exc, "msg", str(exc)),
                                             getattr(exc, "sqlstate", None)) from exc
    wrapper.__telco_translated__ = True
    return wrapper


def install() -> bool:
    """Wrap the C extension's commit/rollback (once). Returns whether the C extension is in use."""
    if not mysql.connector.HAVE_CEXT:
        return False
    from mysql.connector.connection_cext import CMySQLConnection

    for name in ("commit", "rollback"):
        method = getattr(CMySQLConnection, name)
        if not getattr(method, "__telco_translated__", False):
            setattr(CMySQLConnection, name, _translated(method))
    if not getattr(CMySQLConnection.prepare_for_mysql, "__telco_iso_dates__", False):
        CMySQLConnection.prepare_for_mysql = _iso_dates(CMySQLConnection.prepare_for_mysql)
    if not getattr(CMySQLConnection.cursor, "__telco_no_ping__", False):
        CMySQLConnection.cursor = _cursor_without_ping(CMySQLConnection.cursor)
    return True


def iso(value):
    """A date or naive datetime as zero-padded ISO text (what the server parses as that type
    whatever the context); anything else unchanged."""
    if isinstance(value, datetime):
        return value.isoformat(" ") if value.tzinfo is None else value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _iso_dates(prepare):
    @functools.wraps(prepare)
    def wrapper(self, params):
        if isinstance(params, dict):
            params = {k: iso(v) for k, v in params.items()}
        elif isinstance(params, (list, tuple)):
            params = [iso(v) for v in params]
        return prepare(self, params)
    wrapper.__telco_iso_dates__ = True
    return wrapper


def _cursor_without_ping(cursor):
    @functools.wraps(cursor)
    def wrapper(self, *args, **kwargs):
        self._telco_local_check = True
        try:
            return cursor(self, *args, **kwargs)
        finally:
            self._telco_local_check = False
    wrapper.__telco_no_ping__ = True

    from mysql.connector.connection_cext import CMySQLConnection

    is_connected = CMySQLConnection.is_connected

    @functools.wraps(is_connected)
    def connected(self) -> bool:
        if getattr(self, "_telco_local_check", False):
            return bool(self._cmysql and self._cmysql.connected())
        return is_connected(self)
    CMySQLConnection.is_connected = connected
    return wrapper


install()
