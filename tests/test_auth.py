import re

import pytest

from helpers import make_plan, make_user
from telco_console.errors import AuthError, DuplicateError, PermissionDenied, ValidationError
from telco_console.repositories.base import fetch_all
from telco_console.security import hash_password, verify_password
from telco_console.services import auth

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


@pytest.mark.production_scrypt
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
    with pytest.raises(AuthError, match=r"^wrong username or password$"):
        auth.login(ctx, "boss", "wrong-one", sleep=sleep)
    with pytest.raises(AuthError, match=r"^wrong username or password$"):
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
    for _ in range(maximum + 1):                 # the lock is never announced to a wrong password
        with pytest.raises(AuthError, match=r"^wrong username or password$"):
            auth.login(ctx, "boss", "nope-nope", sleep=sleep)
    assert waits == sorted(waits) and waits[-1] > waits[0]          # each failure waits longer
    details = [r["detail"] for r in audit_rows(ctx, "login.failed")]
    assert details[maximum - 1] == f"attempt {maximum}, locked" and details[-1].endswith("locked account")
    with pytest.raises(AuthError, match="this account is locked after repeated failures until"):
        auth.login(ctx, "boss", PW, sleep=sleep)                      # the right password learns why
    assert audit_rows(ctx, "login.failed")[-1]["detail"] == "locked account, right password"
    auth.set_active(ctx, "boss", True)                                # an admin unlocks
    assert auth.login(ctx, "boss", PW, sleep=sleep).username == "boss"


def test_disabled_account(ctx):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "stan", "staff")
    auth.set_active(ctx, "stan", False)
    with pytest.raises(AuthError, match=r"^wrong username or password$"):
        auth.login(ctx, "stan", "not-his-password", sleep=lambda s: None)
    with pytest.raises(AuthError, match=r"^this account is disabled"):
        auth.login(ctx, "stan", PW, sleep=lambda s: None)
    assert [(r["action"], r["target"]) for r in audit_rows(ctx, "user.disable")] == [("user.disable", "stan")]
    boss = auth.login(ctx, "boss", PW, sleep=lambda s: None)
    with pytest.raises(ValidationError, match="cannot disable your own account"):
        auth.set_active(ctx.with_user(boss), "boss", False)


@pytest.mark.production_scrypt
def test_a_wrong_password_reveals_nothing_about_the_account(ctx, config, monkeypatch):
    """Unknown, active, disabled and locked accounts: the same message, the same scrypt work, the same
    delays for the same number of failures; the state is in the audit log only."""
    import telco_console.services.auth as auth_mod

    make_user(ctx, "boss", "admin")
    for name in ("active1", "disabled1", "locked1"):
        make_user(ctx, name, "staff")
    auth.set_active(ctx, "disabled1", False)
    maximum = config.get("security", "max_failed_logins")
    for _ in range(maximum):
        with pytest.raises(AuthError):
            auth.login(ctx, "locked1", "nope-nope", sleep=lambda s: None)
    ctx.db.run(lambda conn: conn.cursor().execute("DELETE FROM audit_log WHERE action = 'login.failed'"))
    hashes = []
    real_verify = auth_mod.verify_password
    monkeypatch.setattr(auth_mod, "verify_password",
                        lambda pw, stored: hashes.append(stored) or real_verify(pw, stored))
    seen = {}
    for name in ("nobody-here", "active1", "disabled1", "locked1"):
        waits, sleep = no_sleep_log()
        messages = []
        for _ in range(maximum + 1):
            with pytest.raises(AuthError) as err:
                auth.login(ctx, name, "nope-nope", sleep=sleep)
            messages.append(str(err.value))
        seen[name] = (messages, waits)
    assert len({repr(v) for v in seen.values()}) == 1, seen            # identical for all four
    assert set(seen["active1"][0]) == {"wrong username or password"}
    assert len(hashes) == 4 * (maximum + 1) and all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    details = {r["target"]: r["detail"] for r in audit_rows(ctx, "login.failed")}
    assert details["nobody-here"] == "unknown user"
    assert "disabled account" in details["disabled1"] and "locked account" in details["locked1"]


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


def _login(ctx, name):
    return ctx.with_user(auth.login(ctx, name, PW, sleep=lambda s: None))


@pytest.fixture
def north(ctx):
    """An operator-wide admin, customers in North and South, a regional manager of North and the admin
    it added (an admin of North)."""
    from helpers import make_customer

    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    make_customer(ctx, "+447911000001", "Nora North", region="North")
    make_customer(ctx, "+447911000002", "Sam South", region="South")
    make_user(ctx, "northboss", "regional", region="North")
    regional = _login(ctx, "northboss")
    made = auth.add_user(regional, "zadmin", PW, "admin")
    assert made.region == "North"                       # an admin added by a regional manager is of its region
    return regional, _login(ctx, "zadmin")


def test_an_admin_added_by_a_regional_manager_cannot_take_over(ctx, north):
    regional, zadmin = north
    assert zadmin.user.region == "North" and zadmin.user.scope_region == "North"
    for role, kw in (("admin", {}), ("regional", {"region": "North"}), ("admin", {"region": "South"})):
        with pytest.raises(PermissionDenied):
            auth.add_user(zadmin, "evil", PW, role, **kw)
    with pytest.raises(PermissionDenied):
        auth.change_password(zadmin, "boss", "taken-over-1")
    for active in (False, True):
        for target in ("boss", "northboss"):
            with pytest.raises(PermissionDenied):
                auth.set_active(zadmin, target, active)
    assert {u["username"] for u in auth.list_users(zadmin)} == {"northboss", "zadmin"}
    # it manages staff, analyst and customer accounts of its region
    assert auth.add_user(zadmin, "northclerk", PW, "staff").region == "North"
    assert auth.add_user(zadmin, "nora", PW, "customer", msisdn="+447911000001").customer_id
    with pytest.raises(PermissionDenied):
        auth.add_user(zadmin, "sam", PW, "customer", msisdn="+447911000002")
    with pytest.raises(PermissionDenied):
        auth.add_user(zadmin, "southclerk", PW, "staff", region="South")
    auth.change_password(zadmin, "northclerk", "another-pass-1")
    auth.set_active(zadmin, "nora", False)
    # every action is scoped to the region: customers, bills, reports
    from telco_console.services import customers, reports
    from telco_console.services.billing import statements

    assert [r[1] for r in customers.list_customers(zadmin).report.rows] == ["+447911000001"]
    with pytest.raises(PermissionDenied):
        customers.get_customer(zadmin, "+447911000002")
    with pytest.raises(PermissionDenied):
        customers.edit_customer(zadmin, "+447911000001", region="South")
    with pytest.raises(PermissionDenied):
        statements.list_bills(zadmin, region="South")
    with pytest.raises(PermissionDenied):
        reports.run_report(zadmin, "usage-summary", reports.params_from(zadmin, region="South"))
    from telco_console.services import plans

    with pytest.raises(PermissionDenied):
        plans.add_plan(zadmin, code="EVIL", name="x", monthly_fee="1", included_minutes=0, included_sms=0,
                       included_mb=0, peak_rate="0.1", offpeak_rate="0.1", sms_rate="0.1", mb_rate="0.1")


def test_a_regional_manager_manages_its_own_region_only(ctx, north):
    regional, zadmin = north
    boss = _login(ctx, "boss")
    auth.add_user(boss, "southboss", PW, "regional", region="South")
    auth.add_user(boss, "northboss2", PW, "regional", region="North")
    auth.add_user(boss, "southadmin", PW, "admin", region="South")
    for target in ("boss", "southboss", "northboss2", "southadmin"):
        for active in (False, True):
            with pytest.raises(PermissionDenied):
                auth.set_active(regional, target, active)
        with pytest.raises(PermissionDenied):
            auth.change_password(regional, target, "taken-over-1")
    with pytest.raises(PermissionDenied):
        auth.add_user(regional, "another", PW, "regional", region="North")
    with pytest.raises(PermissionDenied):
        auth.add_user(regional, "south2", PW, "admin", region="South")
    # its own region's admin: managed by the regional manager, but what the operator disabled stays so
    auth.set_active(regional, "zadmin", False)
    auth.set_active(regional, "zadmin", True)
    auth.set_active(boss, "zadmin", False)
    with pytest.raises(PermissionDenied, match="disabled by boss, an operator-wide admin"):
        auth.set_active(regional, "zadmin", True)
    auth.set_active(boss, "zadmin", True)
    auth.change_password(regional, "zadmin", "fresh-pass-12")
    assert {u["username"] for u in auth.list_users(regional)} == {"northboss", "northboss2", "zadmin"}
    # only an operator-wide admin creates operator-wide admins and regional managers
    assert auth.add_user(boss, "boss2", PW, "admin").region is None


def test_refusals_exit_4(ctx, north, run_cli):
    code, out, err = run_cli("user", "disable", "boss", user="northboss", password=PW)
    assert code == 4, err
    code, out, err = run_cli("report", "engagement", "--region", "South", user="northboss", password=PW)
    assert code == 4 and "sees region North only" in err
    code, out, err = run_cli("user", "add", "evil", "--role", "admin", user="zadmin", password=PW,
                             env={"TELCO_NEW_PASSWORD": PW})
    assert code == 4, err
    code, out, err = run_cli("user", "password", "boss", user="zadmin", password=PW,
                             env={"TELCO_NEW_PASSWORD": "taken-over-1"})
    assert code == 4, err
    rows = ctx.db.run(lambda conn: fetch_all(conn, "SELECT username, active FROM staff_users ORDER BY id"))
    assert [r["username"] for r in rows] == ["boss", "northboss", "zadmin"] and all(r["active"] for r in rows)
    assert auth.login(ctx, "boss", PW, sleep=lambda s: None)


def test_a_region_must_exist_unless_declared(ctx, run_cli):
    from helpers import make_customer

    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    make_customer(ctx, region="Scotland")
    with pytest.raises(ValidationError, match=r"there is no region 'Scotlnd'.*--new-region"):
        auth.add_user(ctx, "scot", PW, "regional", region="Scotlnd")
    assert auth.add_user(ctx, "scot", PW, "regional", region="scotland").region == "Scotland"   # its spelling
    assert auth.add_user(ctx, "wales", PW, "regional", region="Wales", new_region=True).region == "Wales"
    assert auth.add_region(ctx, "Ireland") == "Ireland"
    with pytest.raises(DuplicateError):
        auth.add_region(ctx, "ireland")
    assert auth.add_user(ctx, "irl", PW, "admin", region="Ireland").region == "Ireland"
    assert [(r["name"], r["declared"], r["customers"]) for r in auth.list_regions(ctx)] == [
        ("Ireland", 1, 0), ("Scotland", 0, 1), ("Wales", 1, 0)]
    env = {"TELCO_NEW_PASSWORD": PW}
    code, out, err = run_cli("user", "add", "scot2", "--role", "regional", "--region", "Scotlnd",
                             user="boss", password=PW, env=env)
    assert code == 1 and "there is no region 'Scotlnd'" in err
    assert ctx.db.run(lambda conn: fetch_all(conn, "SELECT 1 FROM staff_users WHERE username = 'scot2'")) == []
    code, out, err = run_cli("user", "add", "scot2", "--role", "regional", "--region", "Highlands",
                             "--new-region", user="boss", password=PW, env=env)
    assert code == 0, err
    code, out, err = run_cli("region", "list", "--format", "csv", user="scot2", password=PW)
    assert code == 0 and out.splitlines()[1:] == ["Highlands,yes,0,1"]
    code, out, err = run_cli("user", "add", "hi-admin", "--role", "admin", "--region", "Nowhere", "--new-region",
                             user="scot2", password=PW, env=env)
    assert code == 4, err                       # a regional manager declares no regions
