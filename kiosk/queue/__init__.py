"""Taking a queue ticket at the kiosk: from central online (offline number
blocks come with the around-the-clock release)."""
