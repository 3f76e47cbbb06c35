"""Numbered SQL migrations (sql/migrations/NNN_name.sql), applied in order and recorded in
schema_migrations; applying twice is a no-op. Runs as the owner account under a named lock so
that two processes never migrate at once."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from telco_console import resources
from telco_console.errors import TelcoError

NAME_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations_dir() -> Traversable:
    """sql/migrations of the repository, shipped in the package as telco_console.sql."""
    found = resources.migrations()
    if not found.is_dir():
        raise TelcoError(f"cannot find the SQL migrations in the installed package ({found})")
    return found


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Traversable

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]

    def statements(self) -> list[str]:
        """Split on ';' at the end of a line; '--' comment lines are dropped."""
        text = "\n".join(ln for ln in self.sql.splitlines() if not ln.strip().startswith("--"))
        return [s.strip() for s in re.split(r";\s*$", text, flags=re.M) if s.strip()]


def available(directory: Traversable | None = None) -> list[Migration]:
    directory = directory or migrations_dir()
    found = []
    for p in sorted(directory.iterdir(), key=lambda p: p.name):
        m = NAME_RE.match(p.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), p))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise TelcoError(f"two migrations share a number in {directory}")
    return found


def applied(conn) -> set[int]:
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM information_schema.tables"
                " WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'")
    if not cur.fetchone()[0]:      # an account without CREATE can still check an up-to-date schema
        cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INT PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                    " checksum CHAR(16) NOT NULL, applied_at DATETIME(3) NOT NULL"
                    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    cur.execute("SELECT version FROM schema_migrations")
    return {r[0] for r in cur.fetchall()}


# work a migration needs from Python once its SQL has run: version -> function(conn, tz)
def _fill_started_utc(conn, tz: str) -> None:
    from telco_console.repositories.usage import fill_started_utc

    fill_started_utc(conn, tz)


AFTER = {85: _fill_started_utc}


def migrate(db, progress=None, tz: str = "UTC") -> list[Migration]:
    """Apply every pending migration with the owner account. Returns those applied. tz: the
    operator's time zone ([operator] timezone), for migrations that convert stored times."""
    done: list[Migration] = []
    with db.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT GET_LOCK('telco_migrate', 120)")
        if cur.fetchone()[0] != 1:
            raise TelcoError("another process is migrating the database; try again in a minute")
        try:
            have = applied(conn)
            conn.commit()
            for mig in available():
                if mig.version in have:
                    continue
                if progress:
                    progress(f"applying migration {mig.version:03d}_{mig.name}")
                for stmt in mig.statements():
                    cur.execute(stmt)
                if mig.version in AFTER:
                    conn.commit()
                    AFTER[mig.version](conn, tz)
                cur.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                            " VALUES (%s, %s, %s, NOW(3))", (mig.version, mig.name, mig.checksum))
                conn.commit()
                done.append(mig)
        finally:
            cur.execute("SELECT RELEASE_LOCK('telco_migrate')")
            cur.fetchall()
            conn.commit()
    return done


def status(db) -> list[tuple[int, str, str]]:
    """(version, name, applied_at or 'pending') for every known migration."""
    with db.connection() as conn:
        cur = conn.cursor()
        applied(conn)
        cur.execute("SELECT version, applied_at FROM schema_migrations")
        when = {v: str(a) for v, a in cur.fetchall()}
        conn.commit()
    return [(m.version, m.name, when.get(m.version, "pending")) for m in available()]
