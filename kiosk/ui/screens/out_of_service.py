"""Shown while central (or the maintenance screen) has the kiosk out of
service: nothing to touch but the hidden maintenance corner."""

from kiosk.ui.screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    pass
