from telco_console.db import migrations


def test_applying_twice_is_a_no_op(_owner_db):
    # the session fixture migrated already: a second run applies nothing
    assert migrations.migrate(_owner_db) == []
    assert migrations.migrate(_owner_db) == []


def test_every_migration_is_recorded_once(_owner_db):
    known = migrations.available()
    assert known and known[0].version == 1 and known[0].name == "core"
    with _owner_db.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        rows = cur.fetchall()
        conn.commit()
    assert [(v, n) for v, n, _, _ in rows] == [(m.version, m.name) for m in known]
    assert all(c == m.checksum and a is not None for (_, _, c, a), m in zip(rows, known))
    status = migrations.status(_owner_db)
    assert [s[0] for s in status] == [m.version for m in known]
    assert "pending" not in [s[2] for s in status]


def test_statements_split_on_semicolons_at_line_ends(tmp_path):
    p = tmp_path / "900_sample.sql"
    p.write_text("-- a comment; not a statement\nCREATE TABLE a (x VARCHAR(3) DEFAULT ';');\n\n"
                 "INSERT INTO a VALUES ('b');\n")
    m = migrations.Migration(900, "sample", p)
    assert m.statements() == ["CREATE TABLE a (x VARCHAR(3) DEFAULT ';')", "INSERT INTO a VALUES ('b')"]


def test_available_reads_numbered_files_only(tmp_path):
    (tmp_path / "002_two.sql").write_text("SELECT 1;")
    (tmp_path / "001_one.sql").write_text("SELECT 1;")
    (tmp_path / "notes.txt").write_text("x")
    assert [(m.version, m.name) for m in migrations.available(tmp_path)] == [(1, "one"), (2, "two")]
