"""Booking rules per site and business type: the [booking] defaults, changed
per site and type in the database (`kiosk-central booking rules`, and the
console when it exists) and in force at once on every node."""

from __future__ import annotations

import time as clock
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta

from central.config import BookingSection
from central.rawsql import transact
from central.sites.model import Site

FIELDS = ("slot_minutes", "quota", "days_ahead", "cutoff_minutes", "remote", "remote_window_min")


@dataclass(frozen=True)
class BookingRules:
    slot_minutes: int
    quota: int
    days_ahead: int
    cutoff_minutes: int
    remote: bool
    remote_window_min: int

    @classmethod
    def defaults(cls, cfg: BookingSection) -> BookingRules:
        return cls(cfg.slot_minutes, cfg.quota, cfg.days_ahead, cfg.cutoff_minutes, cfg.remote, cfg.remote_window_min)

    def problem(self) -> tuple[str, str] | None:
        """What is wrong with these rules (the key and why), or None."""
        probe = BookingSection(
            slot_minutes=self.slot_minutes,
            quota=self.quota,
            days_ahead=self.days_ahead,
            cutoff_minutes=self.cutoff_minutes,
            remote_window_min=self.remote_window_min,
        )
        return probe.validate()


def day_slot_starts(site: Site, rules: BookingRules, day: date) -> list[datetime]:
    """The slots of a day at the site (aware, local): from opening, one slot
    length apart, each ending by closing; none on a closed day or holiday."""
    hours = site.hours
    if day.isoweekday() not in hours.days or day.isoformat() in hours.holidays:
        return []
    opens = datetime.combine(day, time.fromisoformat(hours.open), site.tz)
    closes = (
        datetime.combine(day + timedelta(days=1), time(0), site.tz)
        if hours.close == "24:00"
        else datetime.combine(day, time.fromisoformat(hours.close), site.tz)
    )
    step = timedelta(minutes=rules.slot_minutes)
    starts, at = [], opens
    while at + step <= closes:
        starts.append(at)
        at += step
    return starts


class RulesStore:
    """The rules, read through a cache of `TTL_S` (a change made on another
    node is in force there within that time; here at once)."""

    TTL_S = 1.0

    def __init__(self, runner, cfg: BookingSection):
        self.runner, self.cfg = runner, cfg
        self._cache: dict[tuple[str, str], tuple[float, BookingRules]] = {}

    def get(self, site: str, letter: str) -> BookingRules:
        hit = self._cache.get((site, letter))
        if hit is not None and clock.monotonic() - hit[0] < self.TTL_S:
            return hit[1]
        rules = self._read(site, letter)
        self._cache[(site, letter)] = (clock.monotonic(), rules)
        return rules

    def _read(self, site: str, letter: str) -> BookingRules:
        row = self.runner.read().one(
            f"SELECT {', '.join(FIELDS)} FROM booking_rules WHERE site = :site AND type = :type", site=site, type=letter
        )
        if row is None:
            return BookingRules.defaults(self.cfg)
        values = dict(zip(FIELDS, row, strict=True))
        values["remote"] = bool(values["remote"])
        return BookingRules(**values)

    def set(self, site: str, letter: str, **changes) -> BookingRules:
        """Change some rules of a site's type; the rest keep their value."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown rule(s) {sorted(unknown)}; known: {', '.join(FIELDS)}")
        rules = replace(self._read(site, letter), **changes)
        problem = rules.problem()
        if problem:
            raise ValueError(f"{problem[0]}: {problem[1]}")
        values = asdict(rules)

        def work(db) -> None:
            db.run("DELETE FROM booking_rules WHERE site = :site AND type = :type", site=site, type=letter)
            db.run(
                f"INSERT INTO booking_rules (site, type, {', '.join(FIELDS)}) "
                f"VALUES (:site, :type, {', '.join(':' + f for f in FIELDS)})",
                site=site,
                type=letter,
                **values,
            )

        transact(self.runner, work)
        self._cache.pop((site, letter), None)
        return rules
