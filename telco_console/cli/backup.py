"""`db backup FILE` and `db restore FILE`: whole-database dumps with the server's own tools."""
from __future__ import annotations

from telco_console.errors import ValidationError


def register_db(ps) -> None:
    """Add the backup actions to the `db` command's subparsers (see cli/db.py DB_ACTIONS)."""
    text = ("dump the whole database to FILE with mariadb-dump/mysqldump, as the owner account "
            "(one consistent snapshot; the file is created with mode 600)")
    a = ps.add_parser("backup", help="back up the whole database to a file", description=text)
    a.add_argument("file", metavar="FILE", help="the dump file to write")
    a.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    a.set_defaults(func=cmd_backup, auth=True)
    text = ("load a dump made by `db backup` with the mariadb/mysql client, as the owner account: "
            "every table in the dump is replaced, then newer migrations are applied")
    a = ps.add_parser("restore", help="restore the database from a backup file (replaces its tables)",
                      description=text)
    a.add_argument("file", metavar="FILE", help="a dump written by `db backup`")
    a.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")
    a.set_defaults(func=cmd_restore, auth=True)


def _summary(verb: str, res) -> str:
    return f"{verb} {res.path}: {res.rows} rows in {len(res.tables)} tables ({res.bytes:,} bytes)"


def cmd_backup(ctx, args, out) -> int:
    from telco_console.services import backup

    out.success(_summary("backed up to", backup.backup(ctx, args.file, overwrite=args.overwrite)))
    return 0


def cmd_restore(ctx, args, out) -> int:
    from telco_console.services import backup

    if not args.yes:
        raise ValidationError("a restore replaces the current data: run again with --yes to confirm")
    out.success(_summary("restored from", backup.restore(ctx, args.file)))
    return 0
