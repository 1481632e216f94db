"""The central server: matter catalog, the hall's queue, kiosk fleet. Never imports Kivy."""
from kiosk import __version__  # one version for the whole distribution

__all__ = ["__version__"]
