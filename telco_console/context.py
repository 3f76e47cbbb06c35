"""The application context that every service receives: settings, database, the signed-in user."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from telco_console import permissions
from telco_console.config import Config
from telco_console.permissions import ROLES, Role, Scope
from telco_console.timeutil import now_local

if TYPE_CHECKING:     # typing only: the driver is imported when a context is made, not with this module
    from telco_console.db.pool import Database


@dataclass(frozen=True)
class User:
    id: int | None
    username: str
    role: Role | str            # a Role; any other text (e.g. "none" for an unknown login) has no grants
    region: str | None = None
    customer_id: int | None = None

    def __post_init__(self):
        if not isinstance(self.role, Role) and self.role in ROLES:
            object.__setattr__(self, "role", Role(self.role))

    def can(self, *roles: str) -> bool:
        return str(self.role) in [str(r) for r in roles]

    @property
    def scope_region(self) -> str | None:
        """The region this account is limited to (None: operator-wide, or a customer)."""
        return permissions.scope_region(self)


SYSTEM = User(None, "system", "admin")


@dataclass
class AppContext:
    config: Config
    db: Database                     # the application account's pool
    user: User = SYSTEM
    notify: Callable[[str], None] = field(default=lambda msg: None)
    progress: bool = True            # show progress bars for long work
    _owner_db: Database | None = None

    @property
    def tz(self) -> str:
        return self.config.get("operator", "timezone")

    @property
    def region(self) -> str:
        return self.config.get("operator", "default_region")

    def now(self) -> datetime:
        return now_local(self.tz)

    def check(self, action: str) -> Scope:
        """The signed-in user's scope for an action of the permission matrix, or PermissionDenied."""
        return permissions.check(self.user, action)

    def require(self, *roles: str, action: str = "do this") -> None:
        """The compatible form of check(): `action` may name an action of the matrix ("rates.add"),
        which is then checked; otherwise the role must be one of `roles`, and an account limited to a
        region is refused unless the roles include regional (see permissions.require_roles)."""
        if action in permissions.MATRIX:
            permissions.check(self.user, action)
        else:
            permissions.require_roles(self.user, roles, action)

    def narrow_region(self, asked: str | None) -> str | None:
        """The region filter a list or report applies for this user (refuses another region)."""
        return permissions.narrow_region(self.user, asked)

    def check_customer(self, customer: dict) -> None:
        """Refuse a customer of another region, or another number to a customer account."""
        permissions.check_customer(self.user, customer)

    def audit(self, conn, action: str, target: str = "", detail: str | None = None) -> None:
        from telco_console.repositories import audit

        audit.record(conn, self.now(), self.user.username, action, target, detail)

    def owner_db(self) -> Database:
        """A connection pool as the schema owner (migrations, archives, backups)."""
        if self._owner_db is None:
            from telco_console.db.pool import Database

            self._owner_db = Database(self.config, owner=True, notify=self.notify)
        return self._owner_db

    def with_user(self, user: User) -> AppContext:
        return AppContext(self.config, self.db, user, self.notify, self.progress, self._owner_db)
