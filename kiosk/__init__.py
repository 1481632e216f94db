"""Self-service kiosk for government service halls.

Only kiosk.ui imports Kivy; everything else here is plain Python.
"""

from common.version import __version__

__all__ = ["__version__"]
