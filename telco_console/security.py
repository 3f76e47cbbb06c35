"""Passwords: scrypt (memory-hard) hashes, constant-time checks, and the lock-out policy."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# n=2**14, r=8 -> 16 MiB per hash: memory-hard, ~50 ms here
N, R, P = 2 ** 14, 8, 1
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(dk).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, dk = stored.split("$")
        if scheme != "scrypt":
            return False
        expect = base64.b64decode(dk)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=64 * 1024 * 1024, dklen=len(expect))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expect)


def check_password_strength(password: str, username: str = "") -> str | None:
    """None if acceptable, else the reason."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    if username and password.lower() == username.lower():
        return "the password must not be the username"
    if "\x00" in password:
        return "the password must not contain a NUL character"
    return None


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def failure_delay(failed_attempts: int) -> float:
    """Seconds to wait after a failed login: grows with repeated failures (0.5, 1, 2, 4 s max)."""
    return min(4.0, 0.25 * 2 ** max(0, failed_attempts))
