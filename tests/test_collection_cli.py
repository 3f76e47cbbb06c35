"""`import`, `imports`, `unmatched` and `log` subcommands, in-process, as a user would run them."""
from __future__ import annotations

import json

from helpers import make_customer, make_plan, make_user

PW = "correct-horse-9"


def test_help_for_every_collection_command(capsys):
    import pytest

    from telco_console.cli import build_parser

    parser = build_parser()
    for argv in (["import"], ["imports"], ["unmatched", "list"], ["unmatched", "reprocess"], ["log", "call"],
                 ["log", "sms"], ["log", "data"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([*argv, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "usage:" in out and "--format" in out


def test_import_real_files_and_reimport(ctx, run_cli, real_data, tmp_path):
    make_plan(ctx)
    make_user(ctx, "boss", "admin")
    make_user(ctx, "clerk", "staff")
    make_customer(ctx, "+79265955154", name="Caller", region="Moscow")
    rej = tmp_path / "rejects.csv"
    code, out, err = run_cli("import", "asterisk", str(real_data / "asterisk" / "Master.csv"), "--region", "RU",
                             "--reject-file", str(rej), "--format", "json", user="clerk", password=PW)
    assert code == 0, err
    row = json.loads(out)["rows"][0] if "rows" in json.loads(out) else json.loads(out)[0]
    assert row["Read"] == 84 and row["Inserted"] + row["Unmatched"] == 84 and row["Rejected"] == 0
    code, out, _ = run_cli("import", "asterisk", str(real_data / "asterisk" / "Master.csv"), "--region", "RU",
                           user="clerk", password=PW)
    assert code == 0 and "Import summary" in out and "84" in out
    code, out, _ = run_cli("imports", "--format", "csv", user="clerk", password=PW)
    assert code == 0 and out.count("done") == 2
    code, out, _ = run_cli("unmatched", "list", "--format", "csv", user="boss", password=PW)
    assert code == 0 and "is a customer" in out
    code, out, _ = run_cli("unmatched", "reprocess", user="boss", password=PW)
    assert code == 0 and "Still unmatched" in out


def test_import_refusals(ctx, run_cli, tmp_path):
    make_plan(ctx)
    make_user(ctx, "boss", "admin")
    make_user(ctx, "clerk", "staff")
    make_user(ctx, "ana", "analyst")
    f = tmp_path / "customers.csv"
    f.write_text("msisdn,name,plan\n07911123456,Ann,BASIC\n")
    code, _, err = run_cli("import", "csv", str(f), user="clerk", password=PW)
    assert code == 4 and "import customers" in err
    code, _, err = run_cli("import", "csv", str(f), user="ana", password=PW)
    assert code == 4
    code, _, err = run_cli("import", "csv", str(tmp_path / "nope.csv"), user="boss", password=PW)
    assert code == 1 and "no such file" in err
    code, _, err = run_cli("import", "fax", str(f), user="boss", password=PW)
    assert code == 2
    code, out, err = run_cli("import", "csv", str(f), user="boss", password=PW)
    assert code == 0 and "customers" in out


def test_log_commands(ctx, run_cli):
    make_plan(ctx)
    make_user(ctx, "clerk", "staff")
    make_customer(ctx, "07911123456")
    code, out, err = run_cli("log", "call", "--msisdn", "07911123456", "--other", "07400123456", "--direction",
                             "out", "--start", "yesterday 10:00", "--duration", "2m", user="clerk", password=PW)
    assert code == 0, err
    assert "Call saved" in out and "120" in out
    code, _, err = run_cli("log", "call", "--msisdn", "07911123456", "--other", "07400123456", "--direction",
                           "out", "--start", "2099-01-01 10:00", "--duration", "2m", user="clerk", password=PW)
    assert code == 1 and "future" in err
    code, out, err = run_cli("log", "sms", "--msisdn", "07911123456", "--other", "07400123456", "--direction",
                             "in", "--at", "now", "--length", "20", user="clerk", password=PW)
    assert code == 0 and "SMS saved" in out, err
    code, out, err = run_cli("log", "data", "--msisdn", "07911123456", "--start", "yesterday 10:00", "--end",
                             "yesterday 11:00", "--dl", "1.5 MB", "--ul", "20000", "--app", "youtube=1MB:10kB",
                             "--rtt-dl", "40", "--handset", "Pixel 7", user="clerk", password=PW)
    assert code == 0 and "Data session saved" in out and "1,500,000" in out, err
    code, _, err = run_cli("log", "data", "--msisdn", "07911123456", "--start", "yesterday 10:00", "--duration",
                           "1h", "--dl", "-1", "--ul", "0", user="clerk", password=PW)
    assert code == 1 and "negative" in err
