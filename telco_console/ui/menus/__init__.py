"""Menus are data: a Section (title, roles) holds Items (label, handler, action). Section modules are
listed in SECTIONS in main-menu order; each exposes `section() -> Section`.

A section's roles are its audience; within it an item is shown when the permission matrix allows its
action to the signed-in user (telco_console/permissions.py), so the menus and the services agree. An
item without an action (an older form) is shown to its roles, or to the whole audience."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from telco_console import permissions

SECTIONS = [
    "telco_console.ui.menus.collection",       # Data collection (staff, admin)
    "telco_console.ui.menus.billing",          # Billing (admin; regional in its region)
    "telco_console.ui.menus.analytics",        # Analytics and reports (analyst, admin, regional)
    "telco_console.ui.menus.intelligence",     # Customer intelligence (analyst, admin)
    "telco_console.ui.menus.self_service",     # My account (customer)
    "telco_console.ui.menus.admin",            # Administration (admin, regional)
    "telco_console.ui.menus.backups",
    "telco_console.ui.menus.maintenance",
    "telco_console.ui.menus.setup",
    "telco_console.ui.menus.rates",            # Rate decks (admin; quotes for analysts and staff)
]


def _as_user(user_or_role):
    """A User, from a User or a bare role name (an operator-wide account of that role)."""
    if isinstance(user_or_role, str):
        from telco_console.context import User

        return User(None, f"any-{user_or_role}", user_or_role)
    return user_or_role


@dataclass
class Item:
    label: str
    handler: Callable  # handler(console) -> None
    roles: tuple[str, ...] | None = None   # without an action: None = everyone who sees the section
    action: str | None = None              # the permission matrix's action the item does

    def visible_to(self, user) -> bool:
        if self.action is not None:
            return permissions.allowed(user, self.action)
        if self.roles is not None and str(user.role) not in self.roles:
            return False
        # an item that names no action cannot narrow to a region: operator-wide accounts only
        return permissions.scope_region(user) is None or str(user.role) == "regional"


@dataclass
class Section:
    title: str
    roles: tuple[str, ...]
    items: list[Item] = field(default_factory=list)

    def visible_items(self, user_or_role) -> list[Item]:
        user = _as_user(user_or_role)
        if str(user.role) not in self.roles:
            return []
        return [i for i in self.items if i.visible_to(user)]


def load_sections() -> list[Section]:
    return [importlib.import_module(m).section() for m in SECTIONS]


def sections_for(user_or_role) -> list[Section]:
    user = _as_user(user_or_role)
    return [s for s in load_sections() if s.visible_items(user)]
