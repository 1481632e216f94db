"""Central's web pages: the phone page, the counter desk, the display board and the manager view."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
