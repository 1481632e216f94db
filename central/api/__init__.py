"""HTTP routers, all under /api/v1."""
