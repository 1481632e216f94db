"""One version for the whole distribution (kiosk and central are released together)."""

__version__ = "0.1.0"
