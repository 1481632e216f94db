"""The matter catalog on the kiosk: local store, search, guide rendering."""
