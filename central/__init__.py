"""The central server: matter catalog, the hall's queue, kiosk fleet. Never imports Kivy."""

from common.version import __version__

__all__ = ["__version__"]
