"""Screen registry: name -> where its class lives. Screens are imported and
their .kv loaded only when first shown (fast start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScreenEntry:
    module: str
    cls: str
    options: dict = field(default_factory=dict)


SCREENS: dict[str, ScreenEntry] = {
    "home": ScreenEntry("kiosk.ui.screens.home", "HomeScreen"),
    "guides": ScreenEntry("kiosk.ui.screens.guides", "GuidesScreen"),
    "matter": ScreenEntry("kiosk.ui.screens.matter", "MatterScreen"),
    "card": ScreenEntry("kiosk.ui.screens.card", "CardScreen"),
    "tickets": ScreenEntry("kiosk.ui.screens.tickets", "TicketsScreen"),
    "certificates": ScreenEntry("kiosk.ui.screens.certificates", "CertificatesScreen"),
    "rating": ScreenEntry("kiosk.ui.screens.rating", "RatingScreen"),
    "cases": ScreenEntry("kiosk.ui.screens.cases", "CasesScreen"),
    "maintenance": ScreenEntry("kiosk.ui.screens.maintenance", "MaintenanceScreen"),
    "out_of_service": ScreenEntry("kiosk.ui.screens.out_of_service", "OutOfServiceScreen"),
}
