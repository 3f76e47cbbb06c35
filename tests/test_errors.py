"""One error path: db/ turns every driver error into the project's own, and a subcommand and the
console end the same failure with the same one-line message and the same exit status."""
from __future__ import annotations

import io

import mysql.connector
import pytest

from helpers import free_port
from telco_console.app import main
from telco_console.db.pool import Database, Info
from telco_console.errors import EXIT_DB_UNAVAILABLE, DatabaseError, DatabaseUnavailable, PermissionDenied, TelcoError
from telco_console.reporting.output import Output
from telco_console.ui.app import run_interactive


def _bad_sql(conn):
    conn.cursor().execute("SELEC 1")


def test_a_statement_the_server_refuses_becomes_a_database_error_with_its_number(ctx):
    with pytest.raises(DatabaseError) as err:
        ctx.db.run(_bad_sql)
    assert err.value.errno == 1064 and str(err.value).startswith("database error 1064: ")
    # the server's message (it can quote the SQL) is kept for the record, never shown (issue 15)
    assert "You have an error" not in str(err.value) and err.value.server_message.startswith("You have an error")
    assert isinstance(err.value.__cause__, mysql.connector.Error)
    for use in (ctx.db.connection, ctx.db.transaction):
        with pytest.raises(DatabaseError, match=r"^database error 1064: "), use() as conn:
            _bad_sql(conn)
    assert ctx.db.run(lambda conn: 1) == 1          # the pool is still usable


def test_driver_errors_map_to_the_projects_errors(config):
    db = Database(config)
    cases = {1064: DatabaseError, 1062: DatabaseError, 2013: DatabaseUnavailable, 1045: DatabaseUnavailable,
             1290: DatabaseUnavailable, 1021: DatabaseUnavailable, 1142: PermissionDenied}
    for errno, kind in cases.items():
        exc = (mysql.connector.errors.OperationalError if errno == 2013 else mysql.connector.Error)(
            msg="the server said no", errno=errno)
        got = db.error_for(exc)
        assert type(got) is kind, errno
        assert "password" not in str(got).lower() or "check [database] user/password" in str(got)
    db.close()


def _dead_config(tmp_path):
    path = tmp_path / "dead.ini"
    path.write_text(f"[database]\nmode = external\nhost = 127.0.0.1\nport = {free_port()}\nuser = u\n"
                    "password = secret-pw\nname = telco\nconnect_timeout = 2\n")
    path.chmod(0o600)
    return path


def _console(config_path):
    out, err = io.StringIO(), io.StringIO()
    code = run_interactive(str(config_path), Output(out, err, colour=False))
    return code, err.getvalue()


def _command(config_path, *argv):
    from telco_console.cli import run

    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config_path), *argv], Output(out, err, colour=False))
    return code, err.getvalue()


def test_an_unreachable_database_ends_the_same_way_in_the_console_and_a_subcommand(tmp_path):
    path = _dead_config(tmp_path)
    console = _console(path)
    command = _command(path, "db", "migrate")
    assert console == command
    code, err = command
    assert code == EXIT_DB_UNAVAILABLE
    assert err.startswith("error: cannot reach the database at 127.0.0.1:") and err.count("\n") == 1
    assert "secret-pw" not in err


def test_a_failed_statement_ends_the_same_way_in_the_console_and_a_subcommand(config_path, monkeypatch):
    from telco_console.db import migrations

    monkeypatch.setattr(migrations, "migrate", lambda db, progress=None, tz="UTC": db.run(_bad_sql))
    console = _console(config_path)
    command = _command(config_path, "user", "list")
    assert console == command
    code, err = command
    assert code == EXIT_DB_UNAVAILABLE and err.startswith("error: database error 1064: ")


def test_config_equals_form_is_the_same_option(tmp_path, capsys):
    conf = tmp_path / "c.ini"
    conf.write_text("[operator]\ncurrency = EUR\n")
    for argv in (["--config", str(conf)], [f"--config={conf}"]):
        assert main([*argv, "config", "show", "--format", "csv"]) == 0
        shown = capsys.readouterr().out
        assert "operator,currency,EUR,file" in shown and f"paths,data_dir,{tmp_path / 'var'},default" in shown


def test_config_equals_form_reaches_the_console(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("telco_console.ui.app.run_interactive", lambda path: seen.append(path) or 0)
    conf = tmp_path / "c.ini"
    assert main([f"--config={conf}"]) == 0 and main(["--config", str(conf)]) == 0
    assert main(["--no-progress"]) == 0
    assert seen == [str(conf), str(conf), None]


def test_a_missing_settings_file_is_exit_2_in_both(tmp_path):
    missing = tmp_path / "missing.ini"
    console = _console(missing)
    command = _command(missing, "config", "show")
    assert console == command == (2, f"error: config file {missing} does not exist\n")


def test_starting_the_managed_server_is_an_information_line():
    out, err = io.StringIO(), io.StringIO()
    o = Output(out, err, colour=False)
    o.notify(Info("starting the managed database server..."))
    o.notify("a database node is unreachable; failing over to the next one...")
    assert err.getvalue().splitlines() == [
        "starting the managed database server...",
        "warning: a database node is unreachable; failing over to the next one..."]
    assert out.getvalue() == ""


def test_every_project_error_has_an_exit_status():
    import telco_console.errors as errors

    kinds = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, TelcoError)]
    assert len(kinds) >= 9
    assert all(errors.exit_code_for(k("x")) in (1, 2, 3, 4) for k in kinds)
