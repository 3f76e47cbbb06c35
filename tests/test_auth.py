import re

import pytest

from telco_console.errors import AuthError, DuplicateError, PermissionDenied, ValidationError
from telco_console.repositories.base import fetch_all
from telco_console.security import hash_password, verify_password
from telco_console.services import auth

from helpers import make_plan, make_user

PW = "correct-horse-9"


def no_sleep_log():
    waits = []
    return waits, waits.append


def audit_rows(ctx, action=None):
    sql = "SELECT username, action, target, detail FROM audit_log"
    params = ()
    if action:
        sql += " WHERE action = %s"
        params = (action,)
    return ctx.db.run(lambda conn: fetch_all(conn, sql + " ORDER BY id", params))


def test_scrypt_hash_format_and_check():
    h = hash_password("s3cret-pass")
    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}", h)
    assert h != hash_password("s3cret-pass")                 # salted
    assert verify_password("s3cret-pass", h)
    assert not verify_password("s3cret-pasS", h)
    assert not verify_password("x", "bcrypt$whatever")
    assert not verify_password("x", "garbage")


def test_login_records_success_and_failure(ctx):
    make_user(ctx, "boss", "admin")
    waits, sleep = no_sleep_log()
    user = auth.login(ctx, " Boss ", PW, sleep=sleep)
    assert (user.username, user.role) == ("boss", "admin") and waits == []
    with pytest.raises(AuthError, match="^wrong username or password$"):
        auth.login(ctx, "boss", "wrong-one", sleep=sleep)
    with pytest.raises(AuthError, match="^wrong username or password$"):
        auth.login(ctx, "nobody", "wrong-one", sleep=sleep)
    assert len(waits) == 2
    rows = audit_rows(ctx)
    assert [(r["action"], r["target"]) for r in rows] == [
        ("user.add", "boss"), ("login", "boss"), ("login.failed", "boss"), ("login.failed", "nobody")]
    assert rows[2]["detail"] == "attempt 1" and rows[3]["detail"] == "unknown user"


def test_failures_slow_down_then_lock_the_account(ctx, config):
    make_user(ctx, "boss", "admin")
    maximum = config.get("security", "max_failed_logins")
    waits, sleep = no_sleep_log()
    for _ in range(maximum - 1):
        with pytest.raises(AuthError, match="wrong username or password"):
            auth.login(ctx, "boss", "nope-nope", sleep=sleep)
    with pytest.raises(AuthError, match="too many failed attempts: the account is locked for 15 minutes"):
        auth.login(ctx, "boss", "nope-nope", sleep=sleep)
    assert waits == sorted(waits) and waits[-1] > waits[0]          # each failure waits longer
    with pytest.raises(AuthError, match="this account is locked after repeated failures until"):
        auth.login(ctx, "boss", PW, sleep=sleep)                      # even the right password
    assert audit_rows(ctx, "login.failed")[-1]["detail"] == "locked"
    auth.set_active(ctx, "boss", True)                                # an admin unlocks
    assert auth.login(ctx, "boss", PW, sleep=sleep).username == "boss"


def test_disabled_account(ctx):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "stan", "staff")
    auth.set_active(ctx, "stan", False)
    with pytest.raises(AuthError, match="^this account is disabled$"):
        auth.login(ctx, "stan", PW, sleep=lambda s: None)
    assert [(r["action"], r["target"]) for r in audit_rows(ctx, "user.disable")] == [("user.disable", "stan")]
    boss = auth.login(ctx, "boss", PW, sleep=lambda s: None)
    with pytest.raises(ValidationError, match="cannot disable your own account"):
        auth.set_active(ctx.with_user(boss), "boss", False)


def test_first_admin_bootstrap(ctx):
    assert not auth.has_users(ctx)
    with pytest.raises(ValidationError, match="the first account must be an admin"):
        auth.add_user(ctx, "ana", PW, "analyst", bootstrap=True)
    first = auth.add_user(ctx, "Root.Admin", PW, "admin", bootstrap=True)
    assert (first.username, first.role) == ("root.admin", "admin")
    assert auth.has_users(ctx)
    with pytest.raises(ValidationError, match="accounts exist already"):
        auth.add_user(ctx, "second", PW, "admin", bootstrap=True)
    rows = audit_rows(ctx)
    assert [(r["username"], r["action"], r["target"]) for r in rows] == [("root.admin", "user.add", "root.admin")]


def test_account_validation(ctx):
    make_user(ctx, "boss", "admin")
    for name, why in (("x", "a username is 2-64"), ("bad name", "a username is 2-64")):
        with pytest.raises(ValidationError, match=why):
            auth.add_user(ctx, name, PW, "staff")
    with pytest.raises(ValidationError, match="at least 8 characters"):
        auth.add_user(ctx, "stan", "short", "staff")
    with pytest.raises(ValidationError, match="must not be the username"):
        auth.add_user(ctx, "stanley99", "STANLEY99", "staff")
    with pytest.raises(ValidationError, match="unknown role 'boss'"):
        auth.add_user(ctx, "stan", PW, "boss")
    with pytest.raises(ValidationError, match="needs --region"):
        auth.add_user(ctx, "reg", PW, "regional")
    with pytest.raises(DuplicateError, match="the username 'boss' is taken"):
        auth.add_user(ctx, "boss", PW, "staff")


def test_regional_adds_only_admins_of_its_region(ctx, as_role):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "north", "regional", region="North")
    regional = as_role("regional", region="North", username="north")
    with pytest.raises(ValidationError, match="adds admins of region North only"):
        auth.add_user(regional, "ana", PW, "analyst")
    with pytest.raises(ValidationError, match="adds admins of region North only"):
        auth.add_user(regional, "south-admin", PW, "admin", region="South")
    made = auth.add_user(regional, "north-admin", PW, "admin")
    assert made.region == "North"
    assert {u["username"] for u in auth.list_users(regional)} >= {"north-admin"}
    assert "boss" not in {u["username"] for u in auth.list_users(regional)}
    with pytest.raises(ValidationError, match="manages the admins of region North only"):
        auth.set_active(regional, "boss", False)
    with pytest.raises(PermissionDenied):
        auth.add_user(as_role("analyst"), "someone", PW, "staff")


def test_customer_account_needs_a_known_number(ctx):
    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    from helpers import make_customer

    cust = make_customer(ctx)
    with pytest.raises(ValidationError, match="needs --msisdn"):
        auth.add_user(ctx, "ann", PW, "customer")
    u = auth.add_user(ctx, "ann", PW, "customer", msisdn="07911 123456")
    assert u.customer_id == cust["id"]


def test_writes_are_audited(ctx):
    boss = make_user(ctx, "boss", "admin")
    admin = ctx.with_user(boss)
    make_plan(admin)
    from helpers import make_customer

    make_customer(admin)
    auth.change_password(admin, "boss", "another-pass-1")
    rows = [(r["username"], r["action"], r["target"]) for r in audit_rows(ctx)]
    assert rows == [("boss", "user.add", "boss"), ("boss", "plan.add", "BASIC"),
                    ("boss", "customer.add", "+447911123456"), ("boss", "user.password", "boss")]
    assert auth.login(ctx, "boss", "another-pass-1", sleep=lambda s: None)
