import argparse

from helpers import free_port, make_plan, make_user
from telco_console.cli import COMMANDS, build_parser

PW = "correct-horse-9"
PLAN_ARGS = ["plan", "add", "--code", "GOLD", "--name", "Gold", "--monthly-fee", "20", "--minutes", "100",
             "--sms", "100", "--mb", "1000", "--peak-rate", "0.1", "--offpeak-rate", "0.05", "--sms-rate", "0.05",
             "--mb-rate", "0.01"]


def _walk(parser, path=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield path + (name,), helps.get(name), sub
                yield from _walk(sub, path + (name,))


def test_every_subcommand_has_help_text():
    found = list(_walk(build_parser()))
    assert len(found) > 10
    missing = [" ".join(p) for p, text, sub in found if not (text or sub.description)]
    assert missing == []
    top = {p[0] for p, _, _ in found}
    assert {"server", "db", "user", "customer", "plan", "demo", "config"} <= top
    assert len(top) >= len(COMMANDS) - 1


def test_every_leaf_runs_something():
    for path, _, sub in _walk(build_parser()):
        has_children = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
        assert has_children or sub.get_default("func"), " ".join(path)


def _users(ctx):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "stan", "staff")
    make_plan(ctx)


def test_exit_0_and_output(ctx, run_cli):
    _users(ctx)
    code, out, err = run_cli("plan", "list", "--format", "csv", user="boss", password=PW)
    assert (code, err) == (0, "")
    assert out.splitlines()[1].startswith("BASIC,Basic,10.00")


def test_exit_1_bad_input_and_not_found(ctx, run_cli):
    _users(ctx)
    code, out, err = run_cli("customer", "show", "+447911000111", user="boss", password=PW)
    assert (code, out, err) == (1, "", "error: no customer with number +447911000111\n")
    code, out, err = run_cli("customer", "add", "--msisdn", "hello", "--name", "X", "--plan", "BASIC",
                             user="boss", password=PW)
    assert (code, err) == (1, "error: 'hello' is not a phone number\n")


def test_exit_2_usage(ctx, run_cli, tmp_path, capsys):
    capsys.readouterr()
    code, _, _ = run_cli("plan", "frobnicate")
    err = capsys.readouterr().err     # argparse writes usage errors to sys.stderr itself
    assert code == 2 and err.splitlines()[-1].startswith("error: argument ACTION: invalid choice: 'frobnicate'")
    code, _, _ = run_cli("customer", "list", "--page", "x")
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines()[-1] == "error: argument --page: 'x' is not a page number: give 1 to 1,000,000"
    bad = tmp_path / "bad.ini"
    bad.write_text("[ui]\npage_size = lots\n")
    code, out, err = run_cli("--config", str(bad), "config", "show")
    assert (code, err) == (2, f"error: {bad} [ui] page_size: 'lots' is not a whole number\n")


def test_exit_4_not_allowed_and_wrong_password(ctx, run_cli):
    _users(ctx)
    code, out, err = run_cli(*PLAN_ARGS, user="stan", password=PW)
    assert (code, out) == (4, "")
    assert err == ("error: stan (staff) is not allowed to add plans; it needs the role admin\n")
    code, out, err = run_cli("plan", "list", user="boss", password="wrong-password")
    assert (code, err) == (4, "error: wrong username or password\n")
    code, out, err = run_cli(*PLAN_ARGS, user="boss", password=PW)
    assert code == 0, err


def test_exit_3_database_unreachable(run_cli, tmp_path):
    cfg = tmp_path / "down.ini"
    port = free_port()
    cfg.write_text(f"[database]\nmode = external\nhost = 127.0.0.1\nport = {port}\nuser = nobody\n"
                   "connect_timeout = 2\n")
    code, out, err = run_cli("--config", str(cfg), "plan", "list", user="boss", password=PW)
    assert code == 3
    assert err == (f"error: cannot reach the database at 127.0.0.1:{port}: is the server running? "
                   "check [database] host/port and that the server is running\n")
    assert "Traceback" not in out + err


def test_config_show_masks_secrets_and_names_sources(run_cli, config_path):
    code, out, err = run_cli("config", "show", "--format", "json",
                             env={"TELCO_DATABASE_PASSWORD": "hunter2-secret", "TELCO_UI_PAGE_SIZE": "30"})
    assert code == 0, err
    import json

    rows = {(r["Section"], r["Key"]): r for r in json.loads(out)["rows"]}
    assert rows[("database", "password")]["Value"] == "********"
    assert rows[("database", "password")]["Source"] == "env"
    assert rows[("ui", "page_size")]["Value"] == "30"
    assert rows[("operator", "timezone")]["Source"] == "file"
    assert rows[("mail", "sender")]["Source"] == "default"
    assert "hunter2" not in out + err
