"""The database's own catalogue: which tables exist and how many rows each holds."""
from __future__ import annotations


def table_counts(conn) -> dict[str, int]:
    """Exact row counts of every base table of the current database."""
    cur = conn.cursor()
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                "AND table_type = 'BASE TABLE' ORDER BY table_name")
    names = [r[0] for r in cur.fetchall()]
    counts = {}
    for name in names:
        cur.execute(f"SELECT COUNT(*) FROM `{name}`")
        counts[name] = int(cur.fetchone()[0])
    cur.close()
    return counts
