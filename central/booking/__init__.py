"""Booking from the citizen's phone (/book): slots with quotas per site and
business type, the verified mobile number, the no-show rule, and the remote
queue place (线上取号) checked in at a kiosk of the site. See docs/booking.md."""
