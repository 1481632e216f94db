"""Self-service kiosk for government service halls.

Only kiosk.ui imports Kivy; everything else here is plain Python.
"""
__version__ = "0.1.0"
