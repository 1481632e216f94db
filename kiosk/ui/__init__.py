"""The touchscreen UI: the only package that imports Kivy. Call
kiosk.ui.boot.prepare() before anything else here is imported."""
