"""`db backup` / `db restore`: a round trip through the server's own dump tool."""
from __future__ import annotations

import os
import stat
from datetime import date, datetime
from decimal import Decimal

from helpers import make_customer, make_plan, make_user
from telco_console.repositories import usage

ADMIN = dict(user="boss", password="correct-horse-9")


def _seed(ctx, clean_db):
    make_plan(ctx)
    custs = [make_customer(ctx, msisdn=f"+4479111230{i:02d}", name=f"Cust {i} 'O\"Neil' \u00e9\u4e2d")
             for i in range(5)]
    calls = [(c["id"], datetime(2026, 10, 1 + i, 9, 30, 0, 123000), "out", "+447700900000", 61, 61, 1,
              "ANSWERED", 0, "test", f"r{c['id']}-{i}") for i, c in enumerate(custs)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=calls))
    with clean_db.transaction() as conn:      # bills as the billing run would leave them
        cur = conn.cursor()
        for i, c in enumerate(custs):
            cur.execute("INSERT INTO bills (bill_number, period, seq, customer_id, plan_id, issued_at, due_date,"
                        " subtotal, tax, total) VALUES (%s, '2026-10', %s, %s, %s, %s, %s, %s, %s, %s)",
                        (f"2026-10-{i + 1:05d}", i + 1, c["id"], c["plan_id"], datetime(2026, 11, 1),
                         date(2026, 11, 15), Decimal("10.00") + i, Decimal("2.00"), Decimal("12.00") + i))


def _state(db):
    def do(conn):
        cur = conn.cursor()
        out = {}
        for t in ("customers", "plans", "calls", "bills", "usage_daily", "staff_users"):
            cur.execute(f"SELECT COUNT(*) FROM {t}")
            out[t] = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(SUM(total), 0) FROM bills")
        out["bill_total"] = cur.fetchone()[0]
        cur.execute("SELECT name FROM customers ORDER BY id")
        out["names"] = [r[0] for r in cur.fetchall()]
        return out
    return db.run(do)


def test_backup_restore_round_trip(ctx, clean_db, run_cli, tmp_path):
    make_user(ctx, ADMIN["user"], "admin", ADMIN["password"])
    _seed(ctx, clean_db)
    before = _state(clean_db)
    assert before["bill_total"] == Decimal("70.00")
    dump = tmp_path / "telco.sql"
    code, out, err = run_cli("db", "backup", str(dump), **ADMIN)
    assert code == 0, err
    assert "backed up to" in out and dump.exists()
    assert stat.S_IMODE(os.stat(dump).st_mode) == 0o600
    text = dump.read_text(encoding="utf-8")
    assert "INSERT INTO `bills`" in text
    actions = clean_db.run(lambda conn: [r[0] for r in _q(conn, "SELECT action FROM audit_log ORDER BY id")])
    assert "db.backup" in actions
    # damage the data, then restore
    with clean_db.transaction() as conn:
        cur = conn.cursor()
        cur.execute("DELETE FROM bills")
        cur.execute("DELETE FROM calls")
        cur.execute("UPDATE customers SET name = 'changed'")
    assert _state(clean_db)["bills"] == 0
    code, out, err = run_cli("db", "restore", str(dump), **ADMIN)
    assert code == 1 and "--yes" in err          # asks for confirmation first
    code, out, err = run_cli("db", "restore", str(dump), "--yes", **ADMIN)
    assert code == 0, err
    assert "restored from" in out
    after = _state(clean_db)
    assert after == before
    # the restored audit log is the dump's, plus the restore itself
    actions = clean_db.run(lambda conn: [r[0] for r in _q(conn, "SELECT action FROM audit_log ORDER BY id")])
    assert actions[-1] == "db.restore"


def _q(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchall()


def test_backup_refuses_to_overwrite_and_restore_checks_the_file(ctx, run_cli, tmp_path):
    make_user(ctx, ADMIN["user"], "admin", ADMIN["password"])
    dump = tmp_path / "x.sql"
    dump.write_text("DROP TABLE customers;\n")
    code, out, err = run_cli("db", "backup", str(dump), **ADMIN)
    assert code == 1 and "already exists" in err
    code, out, err = run_cli("db", "restore", str(dump), "--yes", **ADMIN)
    assert code == 1 and "is not a backup" in err
    assert ctx.db.run(lambda conn: _q(conn, "SELECT COUNT(*) FROM customers"))[0][0] == 0
    code, out, err = run_cli("db", "restore", str(tmp_path / "missing.sql"), "--yes", **ADMIN)
    assert code == 1 and "no backup file" in err


def test_backup_needs_an_admin(ctx, run_cli, tmp_path):
    make_user(ctx, ADMIN["user"], "admin", ADMIN["password"])
    make_user(ctx.with_user(ctx.user), "clerk", "staff", "correct-horse-9")
    code, out, err = run_cli("db", "backup", str(tmp_path / "b.sql"), user="clerk", password="correct-horse-9")
    assert code == 4 and "back up the database" in err
    assert not (tmp_path / "b.sql").exists()


def test_option_file_is_private_and_removed():
    from telco_console.services import backup

    with backup.option_file({"user": "u", "password": 'p"w\\x'}) as path:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert 'password="p\\"w\\\\x"' in open(path).read()
    assert not os.path.exists(path)


def test_backup_and_restore_from_the_menu(ctx, clean_db, tmp_path, monkeypatch):
    import io

    from telco_console.reporting.output import Output
    from telco_console.ui import prompts
    from telco_console.ui.app import Console, run_action
    from telco_console.ui.menus import backups, sections_for

    assert "Backups" in [s.title for s in sections_for("admin")]
    assert "Backups" not in [s.title for s in sections_for("staff")]
    make_plan(ctx)
    make_customer(ctx)
    answers = iter([str(tmp_path / "nope" / "x.sql"), str(tmp_path / "m.sql"),      # backup (bad folder first)
                    str(tmp_path / "m.sql"), True])                                 # restore, confirmed

    def ask(message, parse=None, default="", required=True, **kw):
        while True:                                  # like the real prompt: re-ask until parse accepts
            text = next(answers)
            try:
                return parse(text) if parse else text
            except Exception as exc:
                errors.append(str(exc))
    errors = []
    monkeypatch.setattr(prompts, "ask", ask)
    monkeypatch.setattr(prompts, "confirm", lambda *a, **k: next(answers))
    console = Console(ctx, Output(io.StringIO(), io.StringIO(), colour=False))
    run_action(console, backups.backup)
    assert errors == [f"the folder {tmp_path / 'nope'} does not exist"]
    clean_db.run(lambda conn: conn.cursor().execute("UPDATE customers SET name = 'changed'"))
    run_action(console, backups.restore)
    assert console.out.stderr.getvalue() == ""
    assert "restored from" in console.out.stdout.getvalue()
    assert clean_db.run(lambda conn: _q(conn, "SELECT name FROM customers"))[0][0] == "Ann Smith"
