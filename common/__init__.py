"""Code that both the kiosk and the central server run: wire formats, request
signing and the typed configuration loader. Nothing here imports Kivy or a web
framework, so either side can depend on it."""
