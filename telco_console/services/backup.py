"""Backups with the server's own tools: mariadb-dump/mysqldump to a file, mariadb/mysql to restore.

Both run as the schema OWNER account. Its credentials reach the tool through a temporary option
file (mode 600, deleted afterwards) given as --defaults-file, never on the command line, where
any user could read them in the process list. In managed mode the tool connects via the socket.
A backup is one consistent snapshot (--single-transaction); a restore replaces every table the
dump holds, then applies any migration newer than the dump.
"""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from telco_console.context import AppContext
from telco_console.errors import DatabaseUnavailable, NotFoundError, ServerError, ValidationError

DUMP_TOOLS = ("mariadb-dump", "mysqldump")
CLIENT_TOOLS = ("mariadb", "mysql")
DUMP_MARKERS = ("-- MariaDB dump", "-- MySQL dump")
TOOL_DIRS = ("/usr/bin", "/usr/local/bin", "/usr/local/mysql/bin")


@dataclass
class BackupResult:
    path: str
    bytes: int
    tables: dict[str, int]          # table -> row count after the operation

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def find_tool(names: tuple[str, ...]) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for d in TOOL_DIRS:
            p = Path(d) / name
            if p.exists():
                return str(p)
    raise ServerError(f"no {' or '.join(names)} found: install the database client tools "
                      "(`sudo apt-get install mariadb-client`)")


def _quote(value: str) -> str:
    """A value for an option file: double-quoted, backslashes and quotes escaped."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def owner_client_options(config) -> dict[str, str]:
    """user/password/socket/host/port for the owner account (what the option file will hold)."""
    opts: dict[str, str] = {}
    if config.get("database", "mode") == "managed":
        from telco_console.db.server import ManagedServer

        srv = ManagedServer(config)
        if not srv.is_running():
            raise DatabaseUnavailable(f"cannot reach the database at the managed server ({srv.socket}): "
                                      "is the server running? try `telco-console server start`")
        creds = srv.credentials()
        opts.update(user=creds.owner_user, password=creds.owner_password, socket=str(srv.socket))
        return opts
    option_file = config.get("database", "option_file")
    if option_file:
        cp = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=False)
        try:
            cp.read(os.path.expanduser(option_file))
        except configparser.Error:
            pass
        for section in ("client", "mysql", "mariadb-client"):
            if cp.has_section(section):
                for key in ("user", "password", "host", "port", "socket"):
                    if cp.get(section, key, fallback=None):
                        opts[key] = cp.get(section, key).strip().strip("'\"")
    for key in ("user", "password"):
        if config.get("database", key):
            opts[key] = config.get("database", key)
    if config.get("database", "socket"):
        opts["socket"] = config.get("database", "socket")
    else:
        opts.setdefault("host", config.get("database", "host"))
        opts.setdefault("port", str(config.get("database", "port")))
    if opts.get("host") == "localhost":
        opts["protocol"] = "socket"
    elif "host" in opts:
        opts["protocol"] = "tcp"
    return opts


@contextmanager
def option_file(options: dict[str, str]) -> Iterator[str]:
    """A temporary [client] option file, mode 600, removed on exit."""
    fd, path = tempfile.mkstemp(prefix="telco-client-", suffix=".cnf")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("[client]\n")
            for key, value in options.items():
                fh.write(f"{key}={_quote(value)}\n")
        yield path
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _scrub(text: str, options: dict[str, str]) -> str:
    secret = options.get("password")
    line = " ".join((text or "").strip().splitlines()[-1:]) or "no message"
    return line.replace(secret, "***") if secret else line


def _tool_error(tool: str, stderr: str, options: dict[str, str], where: str) -> Exception:
    msg = _scrub(stderr, options)
    low = msg.lower()
    if "can't connect" in low or "lost connection" in low or "2002" in msg or "2003" in msg:
        return DatabaseUnavailable(f"cannot reach the database at {where}: is the server running? ({msg})")
    if "access denied" in low:
        return DatabaseUnavailable(f"the database at {where} refused the owner account: {msg}")
    return ServerError(f"{Path(tool).name} failed: {msg}")


def table_counts(ctx: AppContext) -> dict[str, int]:
    """Exact row counts of every base table (owner account, one snapshot)."""
    from telco_console.repositories import catalog

    return ctx.owner_db().run(catalog.table_counts)


def _where(config) -> str:
    from telco_console.db.pool import Database

    return Database(config).where()


def backup(ctx: AppContext, path: str | os.PathLike, overwrite: bool = False) -> BackupResult:
    """Dump the whole database to `path` (written to a temporary name, then renamed; mode 600)."""
    ctx.check("db.backup")
    from telco_console.reporting.files import check_output

    target = check_output(str(path), overwrite, "choose another name or pass --overwrite")
    tool = find_tool(DUMP_TOOLS)
    options = owner_client_options(ctx.config)
    tmp = target.with_name(target.name + ".partial")
    with option_file(options) as cnf:
        args = [tool, f"--defaults-file={cnf}", "--single-transaction", "--quick", "--triggers",
                "--routines", "--hex-blob", "--no-tablespaces", "--default-character-set=utf8mb4",
                ctx.config.get("database", "name")]
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            res = subprocess.run(args, stdout=fh, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise _tool_error(tool, res.stderr.decode("utf-8", "replace"), options, _where(ctx.config))
    os.replace(tmp, target)
    counts = table_counts(ctx)
    ctx.db.run(lambda conn: ctx.audit(conn, "db.backup", str(target)[:200],
                                      f"{sum(counts.values())} rows in {len(counts)} tables"))
    return BackupResult(str(target), target.stat().st_size, counts)


def check_dump(path: Path) -> None:
    if not path.is_file():
        raise NotFoundError(f"no backup file {path}")
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", "replace")
    if not any(m in head for m in DUMP_MARKERS):
        raise ValidationError(f"{path} is not a backup made by `telco-console db backup` "
                              "(no MariaDB/MySQL dump header): nothing was restored")


def restore(ctx: AppContext, path: str | os.PathLike) -> BackupResult:
    """Load a dump made by backup() into the configured database, replacing the tables it holds,
    then apply migrations newer than the dump."""
    ctx.check("db.restore")
    source = Path(path)
    check_dump(source)
    tool = find_tool(CLIENT_TOOLS)
    options = owner_client_options(ctx.config)
    with option_file(options) as cnf, open(source, "rb") as fh:
        res = subprocess.run([tool, f"--defaults-file={cnf}", "--default-character-set=utf8mb4",
                              "--binary-mode", ctx.config.get("database", "name")],
                             stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise _tool_error(tool, res.stderr.decode("utf-8", "replace"), options, _where(ctx.config))
    from telco_console.db import migrations

    ctx.owner_db().close()      # pooled sessions may hold the old tables' metadata
    ctx.db.close()
    migrations.migrate(ctx.owner_db(), tz=ctx.tz)
    counts = table_counts(ctx)
    ctx.db.run(lambda conn: ctx.audit(conn, "db.restore", str(source)[:200],
                                      f"{sum(counts.values())} rows in {len(counts)} tables"))
    return BackupResult(str(source), source.stat().st_size, counts)
