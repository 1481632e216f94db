"""Statistics for managers, auditors and the city (docs/operations.md,
"Statistics"): a day's tickets, calls, ratings and kiosk prints are folded once
into rollup rows per site and dimension (the site, business type, counter,
staff member, kiosk) when the day closes, and again if a late ticket or rating
changes it; complete months are rolled up from their days. Reports read the
rollups, never a year of raw tickets; only the days not folded yet (today) are
folded on the fly."""
