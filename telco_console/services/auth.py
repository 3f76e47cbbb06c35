"""Sign-in, accounts and roles: scrypt hashes, slow-down and lock-out after failures, audit."""
from __future__ import annotations

import time
from datetime import timedelta

from telco_console.context import ROLES, AppContext, User
from telco_console.errors import AuthError, DuplicateError, NotFoundError, ValidationError
from telco_console.repositories import customers as customers_repo
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


def login(ctx: AppContext, username: str, password: str, sleep=time.sleep) -> User:
    """The user, or AuthError. Failures are counted; after [security] max_failed_logins the account
    is locked for lockout_minutes; each failure waits a little longer."""
    max_failed = ctx.config.get("security", "max_failed_logins")
    lock_minutes = ctx.config.get("security", "lockout_minutes")
    name = (username or "").strip().lower()

    def attempt(conn):
        row = users_repo.by_username(conn, name, for_update=True) if name else None
        now = ctx.now()
        if row is None:
            verify_password(password or "", "scrypt$16384$8$AAAA$AAAA")   # same work as a real check
            ctx.with_user(User(None, name or "?", "none")).audit(conn, "login.failed", name, "unknown user")
            return None, 1, "wrong username or password"
        if not row["active"]:
            ctx.with_user(User(row["id"], name, row["role"])).audit(conn, "login.failed", name, "disabled")
            return None, 1, "this account is disabled"
        if row["locked_until"] and row["locked_until"] > now:
            ctx.with_user(User(row["id"], name, row["role"])).audit(conn, "login.failed", name, "locked")
            return None, row["failed_attempts"], (
                f"this account is locked after repeated failures until {row['locked_until']:%H:%M}")
        if not verify_password(password or "", row["password_hash"]):
            failed = row["failed_attempts"] + 1
            locked = now + timedelta(minutes=lock_minutes) if failed >= max_failed else None
            users_repo.login_failed(conn, row["id"], failed, locked)
            ctx.with_user(User(row["id"], name, row["role"])).audit(
                conn, "login.failed", name, f"attempt {failed}" + (", locked" if locked else ""))
            msg = "wrong username or password"
            if locked:
                msg = f"too many failed attempts: the account is locked for {lock_minutes} minutes"
            return None, failed, msg
        users_repo.login_succeeded(conn, row["id"], now)
        user = User(row["id"], row["username"], row["role"], row["region"], row["customer_id"])
        ctx.with_user(user).audit(conn, "login", name)
        return user, 0, ""

    user, failed, message = ctx.db.run(attempt)
    if user is None:
        sleep(failure_delay(failed))
        raise AuthError(message)
    return user


def add_user(ctx: AppContext, username: str, password: str, role: str, region: str | None = None,
             msisdn: str | None = None, bootstrap: bool = False) -> User:
    """A new account. The first account (bootstrap) must be an admin and needs no sign-in."""
    name = validate_username(username)
    if role not in ROLES:
        raise ValidationError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
    if bootstrap:
        if role != "admin":
            raise ValidationError("the first account must be an admin")
    else:
        ctx.require("admin", "regional", action="add accounts")
        if ctx.user.role == "regional":
            if role != "admin" or (region or ctx.user.region) != ctx.user.region:
                raise ValidationError(f"a regional manager adds admins of region {ctx.user.region} only")
            region = ctx.user.region
    reason = check_password_strength(password or "", name)
    if reason:
        raise ValidationError(reason)
    if role == "regional" and not region:
        raise ValidationError("a regional manager needs --region")
    if role == "customer" and not msisdn:
        raise ValidationError("a customer account needs --msisdn")
    hashed = hash_password(password)

    def do(conn):
        if bootstrap and users_repo.count(conn) > 0:
            raise ValidationError("accounts exist already: sign in as an admin to add more")
        if users_repo.by_username(conn, name):
            raise DuplicateError(f"the username '{name}' is taken")
        customer_id = None
        if role == "customer":
            from telco_console.phone import normalise_msisdn

            number = normalise_msisdn(msisdn, ctx.region)
            cust = customers_repo.by_msisdn(conn, number)
            if not cust:
                raise NotFoundError(f"no customer with number {number}")
            customer_id = cust["id"]
        uid = users_repo.add(conn, name, hashed, role, region, customer_id,
                             None if bootstrap else ctx.user.username)
        actor = User(uid, name, role) if bootstrap else ctx.user
        ctx.with_user(actor).audit(conn, "user.add", name, f"role {role}")
        return User(uid, name, role, region, customer_id)

    return ctx.db.run(do)


def list_users(ctx: AppContext) -> list[dict]:
    ctx.require("admin", "regional", action="list accounts")
    region = ctx.user.region if ctx.user.role == "regional" else None
    return ctx.db.run(users_repo.list_users, region)


def set_active(ctx: AppContext, username: str, active: bool) -> None:
    ctx.require("admin", "regional", action="disable accounts")
    name = validate_username(username)

    def do(conn):
        row = users_repo.by_username(conn, name)
        if not row:
            raise NotFoundError(f"no account '{name}'")
        if ctx.user.role == "regional" and (row["role"] != "admin" or row["region"] != ctx.user.region):
            raise ValidationError(f"a regional manager manages the admins of region {ctx.user.region} only")
        if name == ctx.user.username and not active:
            raise ValidationError("you cannot disable your own account")
        users_repo.set_active(conn, name, active)
        ctx.audit(conn, "user.enable" if active else "user.disable", name)

    ctx.db.run(do)


def change_password(ctx: AppContext, username: str, new_password: str) -> None:
    name = validate_username(username)
    if name != ctx.user.username:
        ctx.require("admin", action="change another user's password")
    reason = check_password_strength(new_password or "", name)
    if reason:
        raise ValidationError(reason)
    hashed = hash_password(new_password)

    def do(conn):
        if not users_repo.set_password(conn, name, hashed):
            raise NotFoundError(f"no account '{name}'")
        ctx.audit(conn, "user.password", name)

    ctx.db.run(do)
