"""Least privilege, roles in the services, lock-out, the audit log, secrets kept out of output,
and spreadsheet formulas neutralised in exports."""
from __future__ import annotations

import io
import os
from decimal import Decimal

import mysql.connector
import pytest

from helpers import free_port as _free_port
from helpers import make_customer, make_plan, make_user, server_home, start_migrated
from telco_console.config import load_config
from telco_console.context import SYSTEM, AppContext
from telco_console.db import migrations
from telco_console.db.pool import Database
from telco_console.reporting.output import Output
from telco_console.reporting.render import safe_cell

PW = "correct-horse-9"


@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    """A private managed server (owner and app accounts created by the app itself)."""
    tmp = tmp_path_factory.mktemp("priv")
    path = tmp / "managed.ini"
    with server_home(tmp) as home:
        path.write_text(f"[database]\nmode = managed\ndatadir = {home / 'mysql'}\nport = {_free_port()}\n"
                        "name = telco\npool_size = 4\n\n[security]\nmax_failed_logins = 3\n")
        os.chmod(path, 0o600)
        cfg = load_config(path)
        srv = start_migrated(cfg)
        yield srv, cfg, path
        srv.stop()


def _cli(config_path, *argv, user=None, password=None):
    from telco_console.cli import run

    saved = dict(os.environ)
    for k in [k for k in os.environ if k.startswith("TELCO_")]:
        del os.environ[k]
    if user:
        os.environ.update(TELCO_USER=user, TELCO_PASSWORD=password or "")
    out, err = io.StringIO(), io.StringIO()
    try:
        try:
            code = run(["--config", str(config_path), *argv], Output(out, err, colour=False))
        except SystemExit as exc:
            code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("statement", [
    "CREATE TABLE telco.evil (x INT)", "ALTER TABLE telco.customers ADD COLUMN evil INT",
    "DROP TABLE telco.audit_log", "TRUNCATE TABLE telco.audit_log", "CREATE DATABASE evil",
    "GRANT ALL ON telco.* TO 'telco_app'@'localhost'", "SELECT * FROM mysql.user",
    "CREATE USER 'evil'@'%' IDENTIFIED BY 'x'"])
def test_the_app_account_cannot_change_the_schema_or_grants(managed, statement):
    srv, cfg, _ = managed
    creds = srv.credentials()
    conn = mysql.connector.connect(unix_socket=str(srv.socket), user=creds.app_user, password=creds.app_password,
                                   database="telco", collation="utf8mb4_general_ci")
    try:
        with pytest.raises(mysql.connector.Error) as err:
            conn.cursor().execute(statement)
        assert err.value.errno in (1044, 1045, 1142, 1143, 1227, 1410)
    finally:
        conn.close()


def test_the_app_account_reads_and_writes_its_tables_and_migrations_run_as_owner(managed):
    srv, cfg, _ = managed
    db = Database(cfg)
    ctx = AppContext(cfg, db, SYSTEM, progress=False)
    make_plan(ctx, code="PRIV")
    assert db.run(lambda conn: _one(conn, "SELECT CURRENT_USER()")).startswith("telco_app@")
    assert db.run(lambda conn: _one(conn, "SELECT COUNT(*) FROM plans WHERE code = 'PRIV'")) == 1
    owner = AppContext(cfg, db, SYSTEM).owner_db()
    assert owner.run(lambda conn: _one(conn, "SELECT CURRENT_USER()")).startswith("telco_owner@")
    assert migrations.migrate(owner) == []        # applied already, by the owner
    owner.close()
    db.close()


def _one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchone()[0]


def test_staff_are_refused_admin_subcommands_with_exit_4(ctx, run_cli):
    make_user(ctx, "boss", "admin", PW)
    make_user(ctx, "clerk", "staff", PW)
    make_plan(ctx)
    code, out, err = run_cli("plan", "add", "--code", "X1", "--name", "X", "--monthly-fee", "1",
                             "--minutes", "1", "--sms", "1", "--mb", "1", "--peak-rate", "0.1",
                             "--offpeak-rate", "0.1", "--sms-rate", "0.1", "--mb-rate", "0.1",
                             user="clerk", password=PW)
    assert code == 4 and "clerk (staff) is not allowed to add plans" in err
    code, out, err = run_cli("customer", "add", "--msisdn", "+447911123456", "--name", "A", "--plan", "BASIC",
                             user="clerk", password=PW)
    assert code == 4 and "clerk (staff) is not allowed to add customers" in err
    assert ctx.db.run(lambda conn: _one(conn, "SELECT COUNT(*) FROM customers")) == 0


def test_staff_calling_a_billing_subcommand_gets_exit_4(ctx, run_cli):
    make_user(ctx, "boss", "admin", PW)
    make_user(ctx, "clerk", "staff", PW)
    make_plan(ctx)
    make_customer(ctx, since="2026-01-01")
    code, out, err = run_cli("bill", "run", "--period", "2026-10", user="clerk", password=PW)
    assert code == 4 and "not allowed" in err
    assert ctx.db.run(lambda conn: _one(conn, "SELECT COUNT(*) FROM bills")) == 0


def test_lockout_after_repeated_failed_logins_is_audited(ctx, run_cli, monkeypatch):
    from telco_console.services import auth

    monkeypatch.setattr(auth, "failure_delay", lambda failed: 0)     # the slow-down is tested in test_auth
    make_user(ctx, "boss", "admin", PW)
    for _ in range(3):
        code, out, err = run_cli("customer", "list", user="boss", password="wrong-password-1",
                                 env={"TELCO_SECURITY_MAX_FAILED_LOGINS": "3"})
        assert code == 4
    assert "locked" not in err                           # a wrong password learns nothing
    code, out, err = run_cli("customer", "list", user="boss", password=PW)
    assert code == 4 and "locked" in err                 # the right password, while locked, learns why
    actions = ctx.db.run(lambda conn: _all(conn, "SELECT action, detail FROM audit_log ORDER BY id"))
    assert [a for a, _ in actions].count("login.failed") == 4
    assert all("wrong-password-1" not in (d or "") and PW not in (d or "") for _, d in actions)


def _all(conn, sql, args=()):
    cur = conn.cursor()
    cur.execute(sql, args)
    return cur.fetchall()


def test_audit_log_records_logins_writes_and_exports(ctx, run_cli, tmp_path):
    make_user(ctx, "boss", "admin", PW)
    make_plan(ctx)
    assert run_cli("customer", "add", "--msisdn", "07911 123456", "--name", "=cmd|' /C calc'!A0", "--plan",
                   "BASIC", user="boss", password=PW)[0] == 0
    target = tmp_path / "customers.csv"
    code, out, err = run_cli("customer", "list", "--format", "csv", "--output", str(target), user="boss", password=PW)
    assert code == 0, err
    rows = ctx.db.run(lambda conn: _all(conn, "SELECT username, action, target FROM audit_log ORDER BY id"))
    actions = [(u, a) for u, a, _ in rows]
    assert ("boss", "login") in actions and ("boss", "customer.add") in actions
    assert ("boss", "export", str(target)) in rows
    # the export neutralised the formula in the customer's name
    text = target.read_text()
    assert "'=cmd|' /C calc'!A0" in text and ",=cmd" not in text


def test_safe_cell_neutralises_formulas_and_keeps_numbers():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+44 7911") == "'+44 7911"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("plain") == "plain"
    assert safe_cell(-5) == -5 and safe_cell(Decimal("-12.50")) == Decimal("-12.50") and safe_cell(-0.5) == -0.5
    from telco_console.reporting.render import render
    from telco_console.reporting.report import Column, Report

    csv_text = render(Report("T", [Column("Name"), Column("Balance", "money")],
                             [["=HYPERLINK(\"http://x\")", Decimal("-12.50")], ["@x", -3]]), "csv")
    assert "'=HYPERLINK" in csv_text and "'@x" in csv_text
    assert "-12.50" in csv_text and "'-12.50" not in csv_text and "'-3" not in csv_text


def test_readable_config_with_a_password_warns(tmp_path, config):
    path = tmp_path / "shared.ini"
    path.write_text(f"[database]\nmode = external\nhost = 127.0.0.1\nport = {_free_port()}\n"
                    "user = telco\npassword = Sup3r-Secret-Pw\nconnect_timeout = 1\n")
    os.chmod(path, 0o644)
    code, out, err = _cli(path, "db", "status")
    assert f"warning: {path} holds a password and can be read by other users: chmod 600 {path}" in err
    # and the connection failure names where, never the password
    assert code == 3 and "cannot reach the database at 127.0.0.1" in err
    assert "Sup3r-Secret-Pw" not in out + err
    os.chmod(path, 0o600)
    code, out, err = _cli(path, "db", "status")
    assert "can be read by other users" not in err


def test_no_secret_in_errors_settings_or_status(managed, tmp_path):
    srv, cfg, path = managed
    creds = srv.credentials()
    secrets_ = [creds.root_password, creds.owner_password, creds.app_password]
    outputs = []
    outputs.append(_cli(path, "server", "status"))
    outputs.append(_cli(path, "config", "show"))
    bad = tmp_path / "bad.ini"
    bad.write_text(f"[database]\nmode = external\nhost = 127.0.0.1\nport = {cfg.get('database', 'port')}\n"
                   f"user = {creds.app_user}\npassword = {creds.app_password}-wrong\nname = telco\n")
    os.chmod(bad, 0o600)
    code, out, err = _cli(bad, "db", "status")
    assert code == 3 and "refused the login" in err
    outputs.append((code, out, err))
    outputs.append(_cli(bad, "config", "show"))
    for _code, out, err in outputs:
        for s in secrets_:
            assert s not in out and s not in err
    assert f"{creds.app_password}-wrong" not in "".join(o + e for _, o, e in outputs)
    log = srv.log_file.read_text(errors="replace") if srv.log_file.exists() else ""
    assert not any(s in log for s in secrets_)


def test_every_output_file_of_a_signed_in_command_is_an_audited_export(ctx, run_cli, tmp_path):
    make_user(ctx, "boss", "admin", PW)
    make_plan(ctx)
    make_customer(ctx)
    for argv in (("customer", "show", "+447911123456"), ("plan", "show", "BASIC")):
        target = tmp_path / f"{argv[0]}.json"
        code, out, err = run_cli(*argv, "--format", "json", "--output", str(target), user="boss", password=PW)
        assert code == 0, err
        assert target.exists()
        rows = ctx.db.run(lambda conn, target=target: _all(conn, "SELECT username FROM audit_log WHERE action = "
                                                                 "'export' AND target = %s", (str(target),)))
        assert rows == [("boss",)]


def test_an_external_setup_with_only_the_runtime_account_works_once_migrated(managed, tmp_path):
    """External mode with a least-privilege account: every command checks the schema at start,
    which must not need CREATE when nothing is pending."""
    srv, cfg, _ = managed
    creds = srv.credentials()
    path = tmp_path / "app-only.ini"
    path.write_text(f"[database]\nmode = external\nhost = 127.0.0.1\nport = {cfg.get('database', 'port')}\n"
                    f"name = telco\nuser = {creds.app_user}\npassword = {creds.app_password}\n")
    os.chmod(path, 0o600)
    code, out, err = _cli(path, "db", "status")
    assert code == 0, err
    db = Database(cfg)
    if not db.run(lambda conn: _one(conn, "SELECT COUNT(*) FROM staff_users WHERE username = 'boss'")):
        make_user(AppContext(cfg, db, SYSTEM, progress=False), "boss", "admin", PW)
    db.close()
    code, out, err = _cli(path, "customer", "list", user="boss", password=PW)
    assert code == 0, err
