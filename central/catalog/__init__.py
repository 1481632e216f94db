"""The matter catalog: central is its source of truth. Import, generate,
version, and serve deltas to kiosks."""
