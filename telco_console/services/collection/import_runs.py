"""Imports whose process is gone: an import left 'running' by a process that was stopped
(SIGTERM, SIGKILL, a power cut) is marked 'interrupted' at the next start of the program, so
`imports` says what happened. Light on purpose: it runs at every start."""
from __future__ import annotations

import os
import socket

from telco_console.repositories import imports as imports_repo

STALE_MINUTES = 30      # an import with no progress for this long, on any host, was stopped


def close_stale(ctx) -> list[int]:
    """Mark 'interrupted' the imports left 'running' by a process that is gone: on this host, a
    process id that no longer runs; anywhere, no batch written for STALE_MINUTES. Run at each
    start (and before `imports` is shown); returns the ids marked."""
    rows = ctx.db.run(imports_repo.running, STALE_MINUTES)
    if not rows:
        return []
    here = socket.gethostname()
    gone = [r["id"] for r in rows if r["stale"] or (r["host"] == here and r["pid"] and not _alive(r["pid"]))]
    if not gone:
        return []
    note = ("the program was stopped during the import (found at the next start); importing the file again "
            "completes it (rows already imported are skipped)")
    ctx.db.run(lambda c: (imports_repo.mark_interrupted(c, gone, note),
                          ctx.audit(c, "import.interrupted", ",".join(map(str, gone))[:200], note)))
    return gone


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:             # it exists, under another user
        return True
    return True
