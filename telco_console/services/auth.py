"""Sign-in, accounts and roles: scrypt hashes, slow-down and lock-out after failures, audit.

Sign-in tells an outsider nothing: a wrong password gets the same message, the same scrypt work and the
same delay whether the account exists, is disabled or is locked; the real state goes to audit_log and is
shown only after the right password. Who may manage which accounts is permissions.MANAGES."""
from __future__ import annotations

import time
from datetime import timedelta

from telco_console import permissions
from telco_console.context import ROLES, AppContext, Role, User
from telco_console.errors import AuthError, DuplicateError, NotFoundError, PermissionDenied, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import audit as audit_repo
from telco_console.repositories import customers as customers_repo
from telco_console.repositories import regions as regions_repo
from telco_console.repositories import users as users_repo
from telco_console.security import check_password_strength, failure_delay, hash_password, verify_password

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def validate_username(name: str) -> str:
    name = (name or "").strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise ValidationError("a username is 2-64 characters: letters, digits, '.', '_' or '-'")
    return name


def has_users(ctx: AppContext) -> bool:
    return ctx.db.run(users_repo.count) > 0


# the hash a missing account is checked against: the same scrypt work as a real check
_DUMMY_HASH = hash_password("no account has this password")
WRONG = "wrong username or password"


def login(ctx: AppContext, username: str, password: str, sleep=time.sleep) -> User:
    """The user, or AuthError. A wrong password always gets the same message; each failure of a
    username waits a little longer (counted from the audit log, so for names that exist or not);
    after [security] max_failed_logins failures an account is locked for lockout_minutes. A disabled
    or locked account is told so only when the password is right."""
    max_failed = ctx.config.get("security", "max_failed_logins")
    lock_minutes = ctx.config.get("security", "lockout_minutes")
    name = (username or "").strip().lower()[:64]

    def attempt(conn):
        row = users_repo.by_username(conn, name, for_update=True) if name else None
        now = ctx.now()
        ok = verify_password(password or "", row["password_hash"] if row else _DUMMY_HASH)
        actor = User(row["id"] if row else None, name or "?", row["role"] if row else "none")
        audit = ctx.with_user(actor).audit
        if row is not None and ok:
            if not row["active"]:
                audit(conn, "login.failed", name, "disabled account, right password")
                return None, "this account is disabled: ask an administrator"
            if row["locked_until"] and row["locked_until"] > now:
                audit(conn, "login.failed", name, "locked account, right password")
                return None, f"this account is locked after repeated failures until {row['locked_until']:%H:%M}"
            users_repo.login_succeeded(conn, row["id"], now)
            user = User(row["id"], row["username"], row["role"], row["region"], row["customer_id"])
            ctx.with_user(user).audit(conn, "login", name)
            return user, ""
        if row is None:
            detail = "unknown user"
        else:
            failed = row["failed_attempts"] + 1
            locked = row["locked_until"] and row["locked_until"] > now
            lock = None if locked else (now + timedelta(minutes=lock_minutes) if failed >= max_failed else None)
            users_repo.login_failed(conn, row["id"], failed, lock or row["locked_until"])
            detail = f"attempt {failed}" + (", locked" if lock else "")
            if not row["active"]:
                detail += ", disabled account"
            elif locked:
                detail += ", locked account"
        audit(conn, "login.failed", name, detail)
        return None, WRONG

    def failures(conn):
        return audit_repo.recent_login_failures(conn, name, ctx.now() - timedelta(minutes=lock_minutes))

    user, message = ctx.db.run(attempt)
    if user is None:
        if message == WRONG:
            sleep(failure_delay(ctx.db.run(failures)))
        raise AuthError(message)
    return user


def _role(role) -> Role:
    try:
        return Role(str(role))
    except ValueError:
        raise ValidationError(f"unknown role '{role}': use one of {', '.join(ROLES)}") from None


def check_manage(ctx: AppContext, role, region: str | None, verb: str, name: str = "") -> None:
    """Refuse unless the signed-in account may manage an account of this role and region (its own
    region; for a customer account, its customer's region). See permissions.MANAGES."""
    actor = ctx.user
    own = actor.scope_region
    target = _role(role)
    if str(actor.role) == Role.ADMIN.value and own is None:
        kind = "operator-wide admin"
    elif str(actor.role) == Role.REGIONAL.value:
        kind = "regional manager"
    elif str(actor.role) == Role.ADMIN.value:
        kind = "admin of a region"
    else:
        raise PermissionDenied(f"{permissions.who(actor)} may not {verb} accounts")
    what = f"the account {name}" if name else "accounts"
    if target not in permissions.MANAGES[kind]:
        raise PermissionDenied(f"{permissions.who(actor)} may not {verb} {what} of role {target.value}: "
                               f"a {kind} manages {', '.join(r.value for r in permissions.MANAGES[kind])} accounts")
    if own is not None and (region or None) != own:
        where = f"region {region}" if region else "the whole operator"
        raise PermissionDenied(f"{permissions.who(actor)} may not {verb} {what} of {where}: "
                               f"it manages accounts of region {own} only")


def _existing_region(conn, ctx: AppContext, region: str, new_region: bool) -> str:
    found = regions_repo.find(conn, region)
    if found:
        return found
    if not new_region:
        raise ValidationError(f"there is no region '{region}' (no customer is in it and it is not declared): "
                              "check the spelling, or give --new-region to declare it")
    regions_repo.declare(conn, region, ctx.user.username)
    ctx.audit(conn, "region.add", region)
    return region


def add_user(ctx: AppContext, username: str, password: str, role: str, region: str | None = None,
             msisdn: str | None = None, bootstrap: bool = False, new_region: bool = False) -> User:
    """A new account. The first account (bootstrap) must be an admin and needs no sign-in. An account
    with a region must name an existing region (a customer's, or a declared one) unless new_region."""
    name = validate_username(username)
    role = _role(role)
    region = (region or "").strip() or None
    if region is not None and len(region) > 60:
        raise ValidationError("a region is at most 60 characters")
    if bootstrap:
        if role is not Role.ADMIN:
            raise ValidationError("the first account must be an admin")
        if region:
            raise ValidationError("the first account is an operator-wide admin: give no --region")
    else:
        ctx.check("user.add")
        if new_region:
            ctx.check("region.add")
        own = ctx.user.scope_region
        if own is not None and role is not Role.CUSTOMER:
            region = region or own               # an admin added by a regional manager is of its region
        if role is not Role.CUSTOMER:
            check_manage(ctx, role, region, "add")
    reason = check_password_strength(password or "", name)
    if reason:
        raise ValidationError(reason)
    if role is Role.REGIONAL and not region:
        raise ValidationError("a regional manager needs --region")
    if role is Role.CUSTOMER and not msisdn:
        raise ValidationError("a customer account needs --msisdn")
    if role is Role.CUSTOMER:
        region = None                            # a customer account's region is its customer's
    hashed = hash_password(password)

    def do(conn):
        nonlocal region
        if bootstrap and users_repo.count(conn) > 0:
            raise ValidationError("accounts exist already: sign in as an admin to add more")
        customer_id = None
        if role is Role.CUSTOMER:
            from telco_console.phone import normalise_msisdn

            number = normalise_msisdn(msisdn, ctx.region)
            cust = customers_repo.by_msisdn(conn, number)
            if not cust:
                raise NotFoundError(f"no customer with number {number}")
            if not bootstrap:
                check_manage(ctx, role, cust["region"] or None, "add")
            customer_id = cust["id"]
        elif region is not None:
            region = _existing_region(conn, ctx, region, new_region)
        if users_repo.by_username(conn, name):
            raise DuplicateError(f"the username '{name}' is taken")
        uid = users_repo.add(conn, name, hashed, role.value, region, customer_id,
                             None if bootstrap else ctx.user.username)
        actor = User(uid, name, role) if bootstrap else ctx.user
        detail = f"role {role.value}" + (f", region {region}" if region else "")
        ctx.with_user(actor).audit(conn, "user.add", name, detail)
        return User(uid, name, role, region, customer_id)

    return ctx.db.run(do)


def list_users(ctx: AppContext) -> list[dict]:
    ctx.check("user.list")
    return ctx.db.run(users_repo.list_users, ctx.narrow_region(None))


def _target(conn, name: str) -> dict:
    row = users_repo.by_username(conn, name)
    if not row:
        raise NotFoundError(f"no account '{name}'")
    return row


def set_active(ctx: AppContext, username: str, active: bool) -> None:
    ctx.check("user.enable" if active else "user.disable")
    name = validate_username(username)

    def do(conn):
        row = _target(conn, name)
        if name == ctx.user.username and not active:
            raise ValidationError("you cannot disable your own account")
        check_manage(ctx, row["role"], row["scope_region"], "enable" if active else "disable", name)
        if active and not row["active"] and ctx.user.scope_region is not None:
            by = audit_repo.last_actor(conn, "user.disable", name)
            above = users_repo.by_username(conn, by) if by else None
            if above is not None and above["role"] == Role.ADMIN.value and not above["region"]:
                raise PermissionDenied(f"{name} was disabled by {by}, an operator-wide admin: only an "
                                       "operator-wide admin can enable it")
        users_repo.set_active(conn, name, active)
        ctx.audit(conn, "user.enable" if active else "user.disable", name)

    ctx.db.run(do)


def change_password(ctx: AppContext, username: str, new_password: str) -> None:
    """Every account changes its own password; another's is changed by who manages it."""
    name = validate_username(username)
    scope = ctx.check("user.password")
    if name != ctx.user.username and scope is permissions.Scope.SELF:
        raise PermissionDenied(f"{permissions.who(ctx.user)} is not allowed to change another user's "
                               "password; it may change its own only")
    reason = check_password_strength(new_password or "", name)
    if reason:
        raise ValidationError(reason)
    hashed = hash_password(new_password)

    def do(conn):
        row = _target(conn, name)
        if name != ctx.user.username:
            check_manage(ctx, row["role"], row["scope_region"], "reset the password of", name)
        users_repo.set_password(conn, name, hashed)
        ctx.audit(conn, "user.password", name)

    ctx.db.run(do)


def region_exists(ctx: AppContext, region: str) -> bool:
    return ctx.db.run(regions_repo.find, (region or "").strip()) is not None


def list_regions(ctx: AppContext) -> list[dict]:
    """The regions (declared, or used by a customer) this account may see."""
    ctx.check("region.list")
    return ctx.db.run(regions_repo.list_regions, ctx.user.scope_region)


def regions_report(ctx: AppContext) -> Report:
    report = Report("Regions", [Column("Region"), Column("Declared"), Column("Customers", "int"),
                                Column("Accounts", "int")], empty_message="no regions yet")
    for r in list_regions(ctx):
        report.rows.append([r["name"], "yes" if r["declared"] else "no", r["customers"], r["accounts"]])
    return report


def add_region(ctx: AppContext, region: str) -> str:
    ctx.check("region.add")
    text = (region or "").strip()
    if not 1 <= len(text) <= 60 or "\x00" in text:
        raise ValidationError("a region is 1 to 60 characters")

    def do(conn):
        name = regions_repo.find(conn, text) or text
        if regions_repo.declare(conn, name, ctx.user.username) == 0:
            raise DuplicateError(f"the region '{name}' is declared already")
        ctx.audit(conn, "region.add", name)
        return name

    return ctx.db.run(do)
