"""Arbitrary text to every argument of every subcommand (the argparse tree is walked, so a new
subcommand is fuzzed without a change here): in process through the program's entry function
(telco_console.app.main) with its argv, and in a subprocess for one case per subcommand.

For every run: the exit code is 0, 1, 2 or 4; no traceback and no SQL text from the server; and
nothing is written (no row in any table, no file) unless the exit is 0. A signed-in admin runs
everything (the widest reach). Arguments naming files get arbitrary file NAMES inside the test's own
folder, plus hostile paths (a folder, a missing folder, an existing file, the input itself), so that
an accepted path never writes outside the sandbox.

Run time is bounded by the profile in HYPOTHESIS_PROFILE: `ci` (the default, about a minute) or
`soak` (HYPOTHESIS_PROFILE=soak: many more examples per subcommand, for a nightly run)."""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import make_customer, make_plan, make_user
from telco_console.cli import build_parser, leaves

# a Hypothesis run over every subcommand: the full suite runs it, the fast lane and the cluster run do not
pytestmark = pytest.mark.property

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
EXAMPLES = {"ci": 4, "soak": 150}.get(PROFILE, 4)      # per subcommand, in process
PW = "correct-horse-9"
ALLOWED_EXITS = {0, 1, 2, 4}
# what only the server's own messages or a leaked exception would show
SQL_TEXT = re.compile(r"SQL syntax|MariaDB server version|MySQL server version|mysql\.connector|"
                      r"ProgrammingError|DatabaseError|\(42000\)|\(42S\d\d\)|\(23000\)", re.I)
PATH_DESTS = {"output", "plot", "file", "files", "reject_file", "dir", "path", "opt_path"}
# a subcommand whose defaults would do heavy work gets small fixed values after the fuzzed ones
FIXED = {("demo", "load"): ["--customers", "1", "--days", "1"]}

HOSTILE = ["", " ", "\x00", "a\x00b", "'; DROP TABLE customers; --", "\" OR 1=1 --", "%s", "%(x)s", "{0}",
           "\\", "`", "NULL", "=1+1", "@SUM(A1)", "-1", "-0", "0", "1", "1e5000", "1e1000000", "9" * 400,
           "99999999999999999999999", "NaN", "Infinity", "12,50", "1,250", "0x10", "\u202e\u0661\u0662",
           "\U0001F4A9" * 20, "x" * 5000, "2026-13-45", "0001-01-01", "9999-12-31", "2026-10", "today",
           "Mon-Sun 00:00-24:00", "\n\r\t", "+447911123456", "07911123456", "0740099ABCD", "BASIC",
           "admin", "csv", "table", "json", "html", "--help", "-h", "--", "-", "yes", "no", "¹", "①", "٣",
           "#¹"]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                         st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
                         st.integers().map(str), st.floats().map(str))
PATHS = ["sandbox-dir", "missing/x.csv", "existing.csv", "input.csv", "out.png", "."]
path_text = st.one_of(st.sampled_from(PATHS),
                      st.text(st.characters(blacklist_characters="/\x00", codec="utf-8"), min_size=1,
                              max_size=40).filter(lambda t: t not in (".", "..")))


LEAVES = list(leaves(build_parser()))


@st.composite
def argv_for(draw, words: tuple, parser: argparse.ArgumentParser) -> list[str]:
    argv = list(words)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        text = path_text if action.dest in PATH_DESTS else hostile_text
        if not action.option_strings:                          # positional
            n = draw(st.integers(1, 2)) if action.nargs in ("+", "*") else (
                draw(st.integers(0, 1)) if action.nargs == "?" else 1)
            argv += [draw(text) for _ in range(n)]
            continue
        if not draw(st.booleans()):
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(text)]
    return argv + FIXED.get(words, [])


# -- the world every run starts from and is checked against -------------------------------

def _fingerprint(db) -> tuple:
    """Every table's checksum, except what signing in writes (the login audit rows and the
    account's login counters)."""
    def read(conn):
        cur = conn.cursor()
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
                    " AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_log', 'staff_users', 'model_runs')")
        tables = sorted(r[0] for r in cur.fetchall())
        cur.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
        sums = tuple(tuple(r) for r in cur.fetchall())
        cur.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log WHERE action NOT LIKE 'login%'")
        audit = tuple(cur.fetchone())
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE()"
                    " AND table_name = 'staff_users' AND column_name NOT IN"
                    " ('failed_attempts', 'locked_until', 'last_login_at') ORDER BY ordinal_position")
        cols = [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT {', '.join(f'`{c}`' for c in cols)} FROM staff_users ORDER BY id")
        users = tuple(tuple(r) for r in cur.fetchall())
        # an analytics run that failed is recorded as 'failed' on purpose (the runs' own log)
        cur.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM model_runs WHERE status <> 'failed'")
        runs = tuple(cur.fetchone())
        cur.close()
        conn.rollback()
        return sums, audit, users, runs
    return db.run(read)


def _files(root: Path) -> dict:
    out = {}
    for p in root.rglob("*"):
        try:
            st_ = p.lstat()
        except OSError:
            continue
        out[str(p.relative_to(root))] = (st_.st_size, st_.st_mtime_ns) if p.is_file() else "dir"
    return out


@pytest.fixture
def world(ctx, cli_env, monkeypatch):
    import functools

    import telco_console.cli as cli
    from telco_console.db import migrations

    # in process, hundreds of runs: the argparse tree is built once and the schema (migrated by
    # the session) is not checked again at each start; the subprocess runs do both for real
    monkeypatch.setattr(cli, "build_parser", functools.lru_cache(maxsize=1)(cli.build_parser))
    monkeypatch.setattr(migrations, "migrate", lambda db, *args, **kwargs: [])
    make_plan(ctx)
    make_customer(ctx)
    make_user(ctx, "boss", "admin")
    # the same scrypt hash format at a tiny cost, so that each of the hundreds of sign-ins here
    # takes microseconds (the stored parameters are the ones checked)
    ctx.db.run(lambda c: c.cursor().execute("UPDATE staff_users SET password_hash = %s WHERE username = 'boss'",
                                            (_cheap_hash(PW),)))
    sandbox = Path(tempfile.mkdtemp(prefix="telco-fuzz-"))
    (sandbox / "sandbox-dir").mkdir()
    (sandbox / "existing.csv").write_text("keep\n")
    (sandbox / "input.csv").write_text("record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
                                       "r1,+447911123456,+447911000001,2026-10-03 10:00:00,1e5000,10,ANSWERED\n")
    env = {k: v for k, v in cli_env.items() if k.startswith("TELCO_")}
    env.update(TELCO_USER="boss", TELCO_PASSWORD=PW)
    # `server start|stop|status` act on a managed server's processes: they get a server of the
    # sandbox (its own data folder and port), never the server this suite's database runs on
    from helpers import free_port
    server_env = dict(env, TELCO_DATABASE_MODE="managed",
                      TELCO_DATABASE_DATADIR=tempfile.mkdtemp(prefix="telco-fuzz-server-"),
                      TELCO_DATABASE_PORT=str(free_port()))
    env = _EnvFor(env, server_env)
    yield ctx, sandbox, env
    subprocess.run([sys.executable, "-m", "telco_console", "server", "stop"], env={**os.environ, **server_env},
                   cwd=sandbox, capture_output=True, timeout=180, stdin=subprocess.DEVNULL)


class _EnvFor(dict):
    """The environment of the runs; `for_argv` gives the sandbox server's to the server commands."""

    def __init__(self, env: dict, server_env: dict):
        super().__init__(env)
        self.server_env = server_env

    def for_argv(self, argv) -> dict:
        return self.server_env if argv and argv[0] == "server" else dict(self)


def _cheap_hash(password: str) -> str:
    import base64
    import hashlib

    salt = b"fuzz-salt-16byte"
    dk = hashlib.scrypt(password.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return f"scrypt$16$1$1${base64.b64encode(salt).decode()}${base64.b64encode(dk).decode()}"


def _allowed(argv, code, out) -> bool:
    """0, 1, 2 or 4; and `server status` of the sandbox's server, which is not running, answers 3
    (documented: the exit status says whether the server runs, as a service manager's does)."""
    return code in ALLOWED_EXITS or (code == 3 and list(argv[:2]) == ["server", "status"]
                                     and "| running     | False" in out)


def _check(argv, code, out, err, before, after, files_before, files_after) -> None:
    shown = f"argv={argv!r}\nexit={code}\nstdout={out[-2000:]}\nstderr={err[-2000:]}"
    assert _allowed(argv, code, out), shown
    assert "Traceback" not in out + err, shown
    if not any(SQL_TEXT.search(a) for a in argv):
        assert not SQL_TEXT.search(out + err), shown
    if code != 0:
        assert after == before, "the database changed on a refusal\n" + shown
        assert files_after == files_before, "a file changed on a refusal\n" + shown


def _run_in_process(argv, env, sandbox) -> tuple[int, str, str]:
    from telco_console.app import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(env)
    os.chdir(sandbox)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return code, out.getvalue(), err.getvalue()


def test_every_subcommand_in_process(world):
    """One world for all the subcommands (a fresh database per subcommand costs more than the
    runs); each subcommand gets its own examples, and a failure names its argv."""
    ctx, sandbox, env = world

    for words, parser in LEAVES:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=PROFILE == "ci",
                  suppress_health_check=list(HealthCheck))
        @given(argv_for(words, parser))
        def run(argv):
            before, files_before = _fingerprint(ctx.db), _files(sandbox)
            code, out, err = _run_in_process(argv, env.for_argv(argv), sandbox)
            _check(argv, code, out, err, before, _fingerprint(ctx.db), files_before, _files(sandbox))

        run()


def test_one_case_per_subcommand_in_a_subprocess(world):
    """The real program, one process per subcommand (a hostile argv drawn for each), four at a
    time; checked as in process, one subcommand after another for the database."""
    import random

    ctx, sandbox, env = world
    rnd = random.Random(15 if PROFILE == "ci" else None)
    cases = []
    for words, parser in LEAVES:
        argv = _fixed_case(words, parser, rnd)
        cases.append([a.replace("\x00", "") for a in argv])       # a command line holds no NUL byte
    def spawn(argv):
        full_env = dict(os.environ)
        full_env.update(env.for_argv(argv), NO_COLOR="1", TELCO_NO_PAGER="1")
        p = subprocess.run([sys.executable, "-m", "telco_console", *argv], env=full_env, cwd=sandbox,
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr

    # a batch of four runs at once; each batch is checked against the state before it, and a batch
    # holding a success is re-run one by one so that a refusal is never blamed for its write
    for i in range(0, len(cases), 4):
        batch = cases[i:i + 4]
        before, files_before = _fingerprint(ctx.db), _files(sandbox)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(spawn, batch))
        after, files_after = _fingerprint(ctx.db), _files(sandbox)
        for argv, (code, out, err) in zip(batch, results):
            assert _allowed(argv, code, out) and "Traceback" not in out + err, (argv, code, err[-2000:])
            if not any(SQL_TEXT.search(a) for a in argv):
                assert not SQL_TEXT.search(out + err), (argv, out[-2000:], err[-2000:])
        if all(code != 0 for code, _, _ in results):
            assert after == before and files_after == files_before, batch


def _fixed_case(words, parser, rnd) -> list[str]:
    """A reproducible hostile argv: every positional and option given a hostile value."""
    argv = list(words)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        pool = PATHS if action.dest in PATH_DESTS else [h for h in HOSTILE if h not in ("--help", "-h")]
        if not action.option_strings:
            argv.append(rnd.choice(pool))
        elif action.nargs == 0:
            if rnd.random() < 0.5:
                argv.append(action.option_strings[0])
        else:
            argv += [action.option_strings[0], rnd.choice(pool)]
    return argv + FIXED.get(words, [])
