"""The application context that every service receives: settings, database, the signed-in user."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from telco_console.config import Config
from telco_console.errors import PermissionDenied
from telco_console.timeutil import now_local

if TYPE_CHECKING:     # typing only: the driver is imported when a context is made, not with this module
    from telco_console.db.pool import Database

ROLES = ("admin", "analyst", "staff", "regional", "customer")


@dataclass(frozen=True)
class User:
    id: int | None
    username: str
    role: str
    region: str | None = None
    customer_id: int | None = None

    def can(self, *roles: str) -> bool:
        return self.role in roles


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

    def require(self, *roles: str, action: str = "do this") -> None:
        """Refuse unless the signed-in user has one of the roles (enforced in services)."""
        if self.user.role not in roles:
            raise PermissionDenied(f"{self.user.username} ({self.user.role}) is not allowed to {action}; "
                                   f"it needs the role {' or '.join(roles)}")

    def audit(self, conn, action: str, target: str = "", detail: str | None = None) -> None:
        from telco_console.repositories import audit

        audit.record(conn, self.now(), self.user.username, action, target, detail)

    def owner_db(self) -> Database:
        """A connection pool as the schema owner (migrations, archives, backups)."""
        if self._owner_db is None:
            from telco_console.db.pool import Database

            self._owner_db = Database(self.config, owner=True, notify=self.notify)
        return self._owner_db

    def with_user(self, user: User) -> "AppContext":
        return AppContext(self.config, self.db, user, self.notify, self.progress, self._owner_db)
