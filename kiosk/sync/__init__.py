"""Talking to central: credentials, the signed HTTP client, background workers."""
