"""Real protocol peers for tests and the demo: a virtual PC/SC card (vpcd),
a fake GA/T 467 serial reader (pty). Not part of the installed product."""
