"""Menus are data: a Section (title, roles) holds Items (label, handler). Section modules are
listed in SECTIONS in main-menu order; each exposes `section() -> Section`."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

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


@dataclass
class Item:
    label: str
    handler: Callable  # handler(console) -> None
    roles: tuple[str, ...] | None = None   # None: everyone who sees the section


@dataclass
class Section:
    title: str
    roles: tuple[str, ...]
    items: list[Item] = field(default_factory=list)

    def visible_items(self, role: str) -> list[Item]:
        return [i for i in self.items if i.roles is None or role in i.roles]


def load_sections() -> list[Section]:
    return [importlib.import_module(m).section() for m in SECTIONS]


def sections_for(role: str) -> list[Section]:
    return [s for s in load_sections() if role in s.roles and s.visible_items(role)]
