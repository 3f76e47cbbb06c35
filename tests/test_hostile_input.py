"""Hostile input answered plainly (issue 15, items 5-10): one line, exit 1 or 2, nothing
half-written, never a hang. Each test runs the real program's entry (cli.run) on a real database."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.errors import EXIT_DB_UNAVAILABLE, ValidationError
from telco_console.repositories.base import fetch_all, fetch_one, fetch_value
from telco_console.services.collection import fields as F

PW = "correct-horse-9"
ADMIN = dict(user="boss", password=PW)
HEADER = "record_id,caller,callee,started_at,duration_s,billsec,disposition\n"


@pytest.fixture
def books(ctx):
    make_plan(ctx)
    make_customer(ctx)
    make_user(ctx, "boss", "admin")
    return ctx


def _call(i: int, duration: str = "60") -> str:
    return f"r{i},+447911123456,+447911000001,2026-10-03 10:{i % 60:02d}:00,{duration},10,ANSWERED\n"


def _count(ctx, table: str) -> int:
    return ctx.db.run(fetch_value, f"SELECT COUNT(*) FROM {table}")


def _one_line_error(err: str) -> bool:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err


# -- 5: the reject file ---------------------------------------------------------------------

@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_the_input_file_is_refused_as_its_own_reject_file(books, run_cli, tmp_path, how):
    src = tmp_path / "calls.csv"
    src.write_text(HEADER + _call(1) + "bad,row\n")
    before = src.read_bytes()
    reject = {"same": src, "symlink": tmp_path / "link.csv", "hardlink": tmp_path / "hard.csv"}[how]
    if how == "symlink":
        reject.symlink_to(src)
    elif how == "hardlink":
        os.link(src, reject)
    code, out, err = run_cli("import", "csv", str(src), "--reject-file", str(reject), **ADMIN)
    assert code == 1 and "is the input file" in err and _one_line_error(err), err
    assert src.read_bytes() == before
    assert _count(books, "imports") == 0 and _count(books, "calls") == 0


def test_max_rejects_stops_the_import_with_a_clear_message(books, run_cli, tmp_path):
    src = tmp_path / "calls.csv"
    src.write_text(HEADER + _call(1) + _call(2) + "".join(_call(i, "junk") for i in range(3, 60)) + _call(61))
    reject = tmp_path / "rejects.csv"
    code, out, err = run_cli("import", "csv", str(src), "--reject-file", str(reject), "--max-rejects", "10",
                             **ADMIN)
    assert code == 1 and "more than 10 rejected rows" in err and "--max-rejects" in err and _one_line_error(err)
    assert len(reject.read_text().splitlines()) == 1 + 10           # header and ten rows, no more
    assert reject.stat().st_mode & 0o777 == 0o600
    row = books.db.run(fetch_one, "SELECT * FROM imports")
    assert row["status"] == "stopped" and "more than 10" in row["note"]
    assert _count(books, "calls") == 2               # the good rows read before the stop are imported
    code, out, err = run_cli("imports", **ADMIN)
    assert code == 0 and "stopped" in out and "more than 10 rejected rows" in out


# -- 6: absurd numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1e5000", "1e1000000", "9" * 5000, "1" + "0" * 30, "-1e3", "1e-999999"])
def test_numbers_are_bounded_before_any_conversion(text):
    with pytest.raises(ValidationError):
        F.count(text, "the duration")
    with pytest.raises(ValidationError):
        F.duration_seconds(text)
    with pytest.raises(ValidationError):
        F.byte_volume(text + " MB")


def test_an_absurd_duration_is_a_reject_with_its_line_and_the_rest_imports(books, run_cli, tmp_path):
    src = tmp_path / "calls.csv"
    src.write_text(HEADER + _call(1, "1e5000") + _call(2) + _call(3, "1e1000000") + _call(4))
    reject = tmp_path / "r.csv"
    code, out, err = run_cli("import", "csv", str(src), "--reject-file", str(reject), **ADMIN)
    assert code == 0, err
    assert _count(books, "calls") == 2
    lines = reject.read_text().splitlines()
    assert [ln.split(",")[1] for ln in lines[1:]] == ["2", "4"]       # line numbers of the bad rows
    assert "is not a number" in lines[1]


@pytest.mark.parametrize("text", ["¹", "①", "²⁰²⁶", "9" * 5000])
def test_digits_that_int_refuses_are_plain_refusals(books, run_cli, text):
    """str.isdigit() is true for '¹' and '①', which int() refuses (found by the soak profile:
    `log show ¹` ended in a ValueError traceback)."""
    from telco_console.services.collection import records

    with pytest.raises(ValidationError):
        records.parse_number(text)
    code, out, err = run_cli("log", "show", text, **ADMIN)
    assert code in (1, 2) and "Traceback" not in err and "ValueError" not in err, err


# -- 7: ranges, pages and sizes; never SQL text ------------------------------------------------

def test_an_absurd_date_range_is_one_line(books, run_cli):
    code, out, err = run_cli("report", "usage-summary", "--from", "0001-01-01", "--to", "9999-12-31", **ADMIN)
    assert code == 1 and "out of range" in err and _one_line_error(err), err


@pytest.mark.parametrize("argv", [
    ("customer", "list", "--page-size", "-1"),
    ("customer", "list", "--page", "99999999999999999999999"),
    ("report", "top-customers", "--top", "99999999999999999999999"),
    ("imports", "--limit", "0"),
    ("unmatched", "list", "--page-size", "100000"),
])
def test_pages_and_sizes_are_bounded_by_the_parser(books, run_cli, capsys, argv):
    capsys.readouterr()
    code, out, err = run_cli(*argv, **ADMIN)
    err = err + capsys.readouterr().err
    assert code == 2 and "SQL" not in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: argument --")


def test_a_database_error_never_shows_the_servers_sql_message(books, run_cli, monkeypatch):
    from telco_console.repositories import customers as customers_repo

    def broken(conn, *args):            # a real statement the real server refuses
        return fetch_all(conn, "SELECT * FROM customers WHERE LIMIT 'x'")

    monkeypatch.setattr(customers_repo, "find", broken)
    code, out, err = run_cli("customer", "list", **ADMIN)
    assert code == EXIT_DB_UNAVAILABLE and "database error 1064" in err and _one_line_error(err), err
    assert "SQL" not in err and "LIMIT" not in err and "syntax" not in err


# -- 8: output paths ----------------------------------------------------------------------

def test_output_to_a_folder_or_a_missing_folder_is_one_line_and_nothing_is_done(books, run_cli, tmp_path):
    code, out, err = run_cli("bill", "run", "--period", "2026-10", "--output", str(tmp_path), **ADMIN)
    assert code == 1 and "is a folder" in err and _one_line_error(err), err
    code, out, err = run_cli("bill", "run", "--period", "2026-10", "--output", str(tmp_path / "no" / "b.csv"),
                             **ADMIN)
    assert code == 1 and "does not exist" in err and _one_line_error(err), err
    assert _count(books, "bills") == 0            # checked before the bill run, not after it
    assert not (tmp_path / "no").exists()


def test_output_refuses_to_replace_a_file_without_overwrite_and_writes_mode_600(books, run_cli, tmp_path):
    target = tmp_path / "customers.csv"
    target.write_text("keep me\n")
    code, out, err = run_cli("customer", "list", "--format", "csv", "--output", str(target), **ADMIN)
    assert code == 1 and "already exists" in err and "--overwrite" in err and _one_line_error(err)
    assert target.read_text() == "keep me\n"
    code, out, err = run_cli("customer", "list", "--format", "csv", "--output", str(target), "--overwrite",
                             **ADMIN)
    assert code == 0, err
    assert "+447911123456" in target.read_text() and target.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.json"
    code, out, err = run_cli("customer", "list", "--format", "json", "--output", str(fresh), **ADMIN)
    assert code == 0 and fresh.stat().st_mode & 0o777 == 0o600


def test_plot_does_not_create_missing_folders(books, run_cli, tmp_path):
    code, out, err = run_cli("report", "peak-hours", "--plot", str(tmp_path / "a" / "b" / "p.png"), **ADMIN)
    assert code == 1 and "does not exist" in err and _one_line_error(err), err
    assert not (tmp_path / "a").exists()


def test_the_consoles_save_re_asks_for_a_folder_and_keeps_the_session(books, tmp_path, monkeypatch):
    """'Save the last report' to a folder: the prompt says why and asks again (Ctrl-U clears the
    answer typed); the session goes on."""
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from telco_console.reporting.output import Output
    from telco_console.reporting.report import Column, Report
    from telco_console.ui import prompts
    from telco_console.ui.app import Console, run_action

    console = Console(books, Output(io.StringIO(), io.StringIO(), colour=False))
    console.last_report = Report("Things", [Column("A")], rows=[["x"]])
    good = tmp_path / "things.csv"
    with create_pipe_input() as inp:
        inp.send_text(f"{tmp_path}\r\x15{tmp_path / 'missing' / 'x.csv'}\r\x15{good}\r")
        real_ask = prompts.ask
        monkeypatch.setattr(prompts, "choose", lambda *a, **k: "csv")
        monkeypatch.setattr(prompts, "ask", lambda *a, **k: real_ask(*a, input=inp, output=DummyOutput(),
                                                                       **{x: y for x, y in k.items()
                                                                          if x not in ("input", "output")}))
        run_action(console, lambda c: c.save_last_report())
    assert good.read_text().startswith("A") and good.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "missing").exists()


# -- 9: one validator per field -----------------------------------------------------------

def test_the_customers_import_refuses_what_customer_add_refuses(books, run_cli, tmp_path):
    src = tmp_path / "customers.csv"
    src.write_text("msisdn,name,plan,region\n"
                   "+447911000101,Nul\x00Byte,BASIC,North\n"
                   f"+447911000102,Long Region,BASIC,{'R' * 61}\n"
                   "+447911000103,Good One,BASIC,North\n")
    reject = tmp_path / "r.csv"
    code, out, err = run_cli("import", "csv", str(src), "--reject-file", str(reject), **ADMIN)
    assert code == 0, err
    names = [r["name"] for r in books.db.run(fetch_all, "SELECT name FROM customers ORDER BY id")]
    assert names == ["Ann Smith", "Good One"]
    text = reject.read_text()
    assert "NUL" in text and "longer than 60" in text
    for argv in (("--name", "Nul\x00Byte", "--region", "North"), ("--name", "Long", "--region", "R" * 61)):
        code, out, err = run_cli("customer", "add", "--msisdn", "+447911000104", "--plan", "BASIC", *argv, **ADMIN)
        assert code == 1 and _one_line_error(err), err
    assert _count(books, "customers") == 2


def test_customer_edit_refuses_a_bad_email_like_add(books, run_cli):
    code, out, err = run_cli("customer", "edit", "+447911123456", "--email", "not-an-email", **ADMIN)
    assert code == 1 and "not an e-mail address" in err and _one_line_error(err)
    assert books.db.run(fetch_value, "SELECT email FROM customers") is None


def test_app_bytes_cannot_exceed_the_session(books, run_cli):
    code, out, err = run_cli("log", "data", "--msisdn", "+447911123456", "--start", "yesterday 10:00",
                             "--duration", "1h", "--dl", "1.5 MB", "--ul", "0", "--app", "youtube=999GB:1", **ADMIN)
    assert code == 1 and "more than the session" in err and _one_line_error(err), err
    assert _count(books, "data_sessions") == 0


def test_keypad_letters_are_not_turned_into_digits(books, run_cli):
    code, out, err = run_cli("customer", "add", "--msisdn", "0740099ABCD", "--name", "X", "--plan", "BASIC",
                             **ADMIN)
    assert code == 1 and "letters are not allowed" in err and _one_line_error(err)
    assert _count(books, "customers") == 1


# -- 10: a stopped import ------------------------------------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_an_import_whose_process_is_gone_is_marked_interrupted(books, run_cli):
    books.db.run(lambda c: c.cursor().execute(
        "INSERT INTO imports (format, file_name, file_sha256, started_at, username, host, pid, heartbeat_at)"
        " VALUES ('csv', '/x/killed.csv', '', NOW(), 'boss', %s, %s, NOW(3)),"
        " ('csv', '/x/old.csv', '', NOW() - INTERVAL 2 HOUR, 'boss', NULL, NULL, NULL)",
        (socket.gethostname(), _dead_pid())))
    code, out, err = run_cli("imports", **ADMIN)
    assert code == 0, err
    rows = books.db.run(fetch_all, "SELECT status, note FROM imports ORDER BY id")
    assert [r["status"] for r in rows] == ["interrupted", "interrupted"]
    assert "interrupted" in out and "importing the file again completes it" in out


def test_sigterm_during_an_import_records_it_interrupted(books, cli_env, tmp_path):
    src = tmp_path / "big.csv"
    with open(src, "w") as fh:
        fh.write(HEADER)
        for i in range(150_000):
            fh.write(f"b{i},+447911123456,+447911000001,2026-10-0{1 + i % 9} {i % 24:02d}:{i % 60:02d}:00,60,10,"
                     "ANSWERED\n")
    env = dict(cli_env, TELCO_USER="boss", TELCO_PASSWORD=PW)
    proc = subprocess.Popen([sys.executable, "-m", "telco_console", "import", "csv", str(src), "--batch-size",
                             "500", "--no-load-data"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = books.db.run(fetch_one, "SELECT rows_read FROM imports")
        if row and row["rows_read"] > 0:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "SIGTERM" in err and "Traceback" not in err, err
    row = books.db.run(fetch_one, "SELECT * FROM imports")
    assert row["status"] == "interrupted" and "SIGTERM" in row["note"]
    assert 0 < row["inserted"] < 150_000
    assert _count(books, "calls") == row["inserted"]           # what it says it wrote, whole batches

