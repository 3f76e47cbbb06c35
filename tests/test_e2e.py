"""End to end: the real program in a pseudo-terminal (pexpect), driven as a person would."""
from __future__ import annotations

import re
import sys

import pexpect
import pytest

from helpers import make_plan, make_user

pytestmark = pytest.mark.e2e

TIMEOUT = 20
PASSWORD = "correct-horse-9"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]|\r")


def plain(text: str) -> str:
    return ANSI.sub("", text or "")


class Session:
    """The console in a pty, with helpers that find menu numbers by their labels."""

    def __init__(self, env, cwd):
        env = dict(env, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="200", LINES="40")
        self.child = pexpect.spawn(sys.executable, ["-m", "telco_console"], env=env, cwd=str(cwd),
                                   dimensions=(40, 200), encoding="utf-8", codec_errors="replace",
                                   timeout=TIMEOUT)
        self.seen = ""

    def expect(self, pattern: str) -> str:
        """Wait for a plain-text fragment; returns the text before it (escape codes removed)."""
        try:
            self.child.expect(pattern)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            raise AssertionError(f"did not see {pattern!r}; the screen showed:\n"
                                 f"{plain(self.child.before)[-2000:]}") from exc
        before = plain(self.child.before)
        self.seen += before + plain(self.child.after)
        return before

    def answer(self, prompt: str, text: str) -> str:
        before = self.expect(re.escape(prompt))
        self.child.send(text + "\r")
        return before

    def menu_labels(self) -> dict[str, str]:
        """Wait for the next menu; returns {label: number}."""
        self.expect("== ")
        block = self.expect("Choose a number")
        return {m.group(2).strip(): m.group(1) for m in re.finditer(r"^\s*(\d+)\) (.+?)\s*$", block, re.M)}

    def pick(self, label: str) -> None:
        labels = self.menu_labels()
        assert label in labels, f"{label!r} is not in the menu: {sorted(labels)}"
        self.child.send(labels[label] + "\r")

    def sign_in(self, username: str, password: str) -> None:
        self.answer("Username:", username)
        self.answer("Password:", password)

    def quit(self) -> None:
        self.pick("Quit")
        self.expect("Goodbye")
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0


@pytest.fixture
def accounts(ctx):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "ana", "analyst")
    make_user(ctx, "stan", "staff")
    make_plan(ctx)
    return ctx


def test_admin_session(accounts, cli_env, tmp_path):
    s = Session(cli_env, tmp_path)
    # a wrong password first, then the right one
    s.sign_in("boss", "not-the-password")
    s.expect("wrong username or password")
    s.sign_in("boss", PASSWORD)
    s.expect(r"Signed in as boss \(admin\)")

    # add a customer: an invalid number is refused with the reason, then a valid one
    s.pick("Administration")
    s.pick("Add a customer")
    s.answer("MSISDN (phone number):", "12345")
    s.expect("is not a valid number")
    s.child.send("\x15")                     # Ctrl-U: clear the line
    s.child.send("07911 123456\r")
    s.answer("Name:", "Erin Example")
    s.answer("Plan", "1")
    s.answer("Region (optional):", "North")
    s.answer("Handset (optional):", "")
    s.answer("E-mail (optional):", "not-an-email")
    s.expect("is not an e-mail address")     # the same validator as `customer add --email`
    s.child.send("\x15")
    s.child.send("\r")
    s.answer("Customer since (optional, default today):", "")
    s.expect(r"added customer #\d+ \+447911123456 \(Erin Example\)")

    # it is in the list
    s.pick("Find / list customers")
    s.answer("Search name or number (optional):", "")
    s.answer("Status (active/suspended/closed, optional):", "")
    s.answer("Region (optional):", "")
    s.expect(r"\+447911123456")
    s.expect("Erin Example")

    # Ctrl-C at a prompt goes back to the menu
    s.pick("Show a customer")
    s.expect("MSISDN:")
    s.child.sendcontrol("c")
    s.expect("cancelled, back to the menu")
    s.pick("Back")
    s.quit()


@pytest.mark.parametrize("username,role", [("ana", "analyst"), ("stan", "staff")])
def test_each_role_sees_its_menu(accounts, cli_env, tmp_path, username, role):
    s = Session(cli_env, tmp_path)
    s.sign_in(username, PASSWORD)
    s.expect(rf"Signed in as {username} \({role}\)")
    labels = s.menu_labels()
    assert "Administration" not in labels
    assert "Quit" in labels and "Change my password" in labels
    sections = [lb for lb in labels if lb not in ("Save the last report", "Change my password", "Quit")]
    for title in sections:                   # open each section of the role's menu and come back
        s.child.send(labels[title] + "\r")
        section = s.menu_labels()
        assert "Back" in section and len(section) > 1
        s.child.send(section["Back"] + "\r")
        labels = s.menu_labels()
    s.child.send(labels["Quit"] + "\r")
    s.expect("Goodbye")
    s.child.expect(pexpect.EOF)
    s.child.close()
    assert s.child.exitstatus == 0


def test_admin_menu_lists_administration(accounts, cli_env, tmp_path):
    s = Session(cli_env, tmp_path)
    s.sign_in("boss", PASSWORD)
    s.pick("Administration")
    labels = s.menu_labels()
    assert {"Add a customer", "List plans", "Add an account", "Audit log", "Back"} <= set(labels)
    s.child.send(labels["Back"] + "\r")
    s.quit()


def test_first_run_asks_for_the_first_admin(ctx, cli_env, tmp_path):
    s = Session(cli_env, tmp_path)
    s.expect("No accounts yet: create the first administrator")
    s.answer("Admin username:", "first")
    s.answer("New password:", "short")
    s.expect("at least 8 characters")
    s.child.send("\x15")
    s.child.send("first-admin-pw\r")
    s.answer("Again:", "first-admin-pw")
    s.expect(r"Signed in as first \(admin\)")
    s.quit()
    from telco_console.services import auth

    assert auth.login(ctx, "first", "first-admin-pw", sleep=lambda s: None).role == "admin"


def test_staff_logs_a_call_typing_as_a_person_would(accounts, cli_env, tmp_path):
    """The prompts as typed: `?ann` finds the customer, `2` picks the second choice, Enter takes a
    shown default, one `y` answers a yes/no question; the record number then undoes the call; Tab
    completes a name to the customer's number."""
    import json

    from helpers import make_customer

    make_customer(accounts, "07911123456", name="Ann Smith")
    make_customer(accounts, "07911000002", name="Bob Jones")
    s = Session(cli_env, tmp_path)
    s.sign_in("stan", PASSWORD)
    s.pick("Data collection")
    s.pick("Log a call")
    s.answer("Customer MSISDN:", "?ann")
    s.expect(r"1\) \+447911123456  Ann Smith")
    s.answer("Which customer?", "1")
    s.answer("Direction [1) out, 2) in]", "2")
    s.answer("Other party (number or extension):", "07400123456")
    s.answer("Start time", "yesterday 10:00")
    s.answer("Give the call's [1) duration, 2) end time]", "")          # Enter: the default, duration
    s.answer("Duration (90, 1:30, 2m30s):", "90")
    s.expect(r"Answered\?")
    s.child.send("y")                                                    # one key, not "yy"
    s.expect("Call to save")
    screen = s.expect(r"Save this call\?")
    assert re.search(r"Direction\s*\|\s*in\b", screen) and re.search(r"Answered\s*\|\s*yes", screen)
    s.child.send("y")
    s.expect(r"saved call as record ")
    s.child.expect(r"(\d+) \(")
    number = s.child.match.group(1)
    s.pick("Back")
    s.pick("Save the last report")
    s.answer("Format [1) csv, 2) json, 3) html]", "2")                   # 2 is json, not "csv2"
    s.answer("File", "")                                                 # Enter: the default file name
    s.expect(r"saved Call to save to exports/call-to-save\.json")
    saved = json.loads((tmp_path / "exports" / "call-to-save.json").read_text())
    assert "Call to save" in json.dumps(saved)
    s.pick("Data collection")
    s.pick("Undo a record logged today")
    s.answer("Record number to undo:", number)
    s.expect(rf"Remove record {number}\?")
    s.child.send("y")
    s.expect(rf"undid record {number}: the call of \+447911123456")
    s.pick("Back")
    # Tab completes a name to the customer's number
    s.pick("Billing")
    s.pick("Log an enquiry")
    s.expect("Customer MSISDN:")
    s.child.send("jones\t")
    s.expect(r"\+447911000002")
    s.child.send("\r")
    s.answer("Subject:", "Roaming")
    s.answer("Enquiry:", "Does my plan cover France?")
    s.expect(r"logged enquiry #\d+")
    s.pick("Back")
    s.quit()
    from telco_console.repositories.base import fetch_value

    assert accounts.db.run(fetch_value, "SELECT c.name FROM enquiries e JOIN customers c ON c.id = e.customer_id"
                                        " WHERE e.subject = 'Roaming'") == "Bob Jones"
