"""Widgets shared by screens: buttons, tiles, the shell around every screen."""
