"""Every statement on the rollup tables. Folding a site-day is one write
transaction on either engine: the month's row is locked first (then the day's),
so two nodes folding days of one month queue up, and the second finds the day
already folded from the same rows (its fingerprint) and leaves it."""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from central.clock import day_from_db, utcnow
from central.rawsql import Exec, in_list, runner_for, transact
from central.sites.model import Site
from central.stats.facts import HISTOGRAMS, NUMBERS, Facts
from central.stats.fold import DayRows, DayWindow, Key, fold, read_day, read_fingerprint

log = logging.getLogger(__name__)
COLUMNS = NUMBERS + HISTOGRAMS
GRACE = timedelta(hours=2)  # a day is folded two hours after it closes (a late finish)
RECHECK_DAYS = 7  # folded days looked at again each pass (offline tickets, late ratings)


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _insert(table: str, period: str) -> str:
    names = ", ".join(COLUMNS)
    values = ", ".join(f":{n}" for n in COLUMNS)
    return f"INSERT INTO {table} (dim, site, {period}, key, {names}) VALUES (:dim, :site, :period, :key, {values})"


_INSERT_DAILY = _insert("stats_daily", "day")
_INSERT_MONTHLY = _insert("stats_monthly", "month")
_SELECT = ", ".join(COLUMNS)


class StatsStore:
    def __init__(self, engine: Engine, reset_minutes: int, runner=None):
        self.engine = engine
        self.runner = runner or runner_for(engine)
        self.reset_minutes = reset_minutes
        self.postgres = engine.dialect.name == "postgresql"

    def window(self, site: Site, day: date) -> DayWindow:
        return DayWindow.of(site.code, day, site.tz, self.reset_minutes)

    def closed_until(self, site: Site, now: datetime) -> date:
        """The last day of `site` that is over (two hours ago, at the site's reset time)."""
        local = (now - GRACE).astimezone(site.tz)
        day = local.date()
        if local.hour * 60 + local.minute < self.reset_minutes:
            day -= timedelta(days=1)
        return day - timedelta(days=1)

    # -- folding -------------------------------------------------------------------
    def fold_pending(self, sites: Iterable[Site], now: datetime | None = None, limit: int | None = None) -> int:
        """Folds every closed day not folded yet, and refolds the recent ones whose
        rows changed. Returns how many days were (re)folded."""
        now = now or utcnow()
        done = 0
        for site in sites:
            last = self.closed_until(site, now)
            for day in self._days_to_check(site.code, last):
                if limit is not None and done >= limit:
                    return done
                done += self.fold_day(site, day)
        return done

    def _days_to_check(self, site: str, last: date) -> list[date]:
        """The recent folded days again, the closed days after them, and all from
        the first ticket's month if tickets older than the oldest folded day
        appeared (a restored backup, an import)."""
        db = self.runner.read()
        oldest, newest = db.one("SELECT MIN(day), MAX(day) FROM stats_days WHERE site = :site", site=site)
        first = db.one("SELECT MIN(service_day) FROM tickets WHERE site = :site", site=site)[0]
        starts = []
        if newest is not None:
            starts.append(day_from_db(newest) - timedelta(days=RECHECK_DAYS - 1))
        if first is not None and (oldest is None or day_from_db(first) < day_from_db(oldest)):
            starts.append(month_of(day_from_db(first)))  # whole months, so the first one rolls up too
        if not starts:
            return []
        start = min(starts)
        return [start + timedelta(days=i) for i in range((last - start).days + 1)]

    def fold_day(self, site: Site, day: date) -> bool:
        """(Re)folds one closed site-day; False when it was folded from the same rows."""
        window = self.window(site, day)
        month = month_of(day)
        row = self.runner.read().one(
            "SELECT fingerprint FROM stats_days WHERE site = :site AND day = :day", site=site.code, day=day
        )
        if row is not None and row[0] == read_fingerprint(self.runner.read(), window):
            return False  # the cheap check first, outside the write lock

        def work(db: Exec) -> bool:
            db.run(
                "INSERT INTO stats_months (site, month, days) VALUES (:site, :month, 0) ON CONFLICT DO NOTHING",
                site=site.code,
                month=month,
            )
            days = db.one(
                "SELECT days FROM stats_months WHERE site = :site AND month = :month" + self._lock,
                site=site.code,
                month=month,
            )[0]
            old = db.one(
                "SELECT fingerprint FROM stats_days WHERE site = :site AND day = :day" + self._lock,
                site=site.code,
                day=day,
            )
            rows = read_day(db, window)
            fingerprint = rows.fingerprint()
            if old is not None and old[0] == fingerprint:
                return False
            self._write_day(db, site.code, day, rows, window)
            if old is None:
                db.run(
                    "INSERT INTO stats_days (site, day, fingerprint, folded_at) VALUES (:site, :day, :f, :at)",
                    site=site.code,
                    day=day,
                    f=fingerprint,
                    at=utcnow(),
                )
                days += 1
                db.run(
                    "UPDATE stats_months SET days = :days WHERE site = :site AND month = :month",
                    days=days,
                    site=site.code,
                    month=month,
                )
            else:
                db.run(
                    "UPDATE stats_days SET fingerprint = :f, folded_at = :at WHERE site = :site AND day = :day",
                    f=fingerprint,
                    at=utcnow(),
                    site=site.code,
                    day=day,
                )
            if days >= month_days(month):
                self._roll_up_month(db, site.code, month)
            return True

        return transact(self.runner, work)

    @property
    def _lock(self) -> str:
        return " FOR UPDATE" if self.postgres else ""

    def _write_day(self, db: Exec, site: str, day: date, rows: DayRows, window: DayWindow) -> None:
        db.run("DELETE FROM stats_daily WHERE site = :site AND day = :day", site=site, day=day)
        for (dim, key), facts in sorted(fold(rows, window).items()):
            db.run(_INSERT_DAILY, dim=dim, site=site, period=day, key=key, **facts.row())

    def _roll_up_month(self, db: Exec, site: str, month: date) -> None:
        """A complete month's rows: the sum of its days'."""
        end = month + timedelta(days=month_days(month) - 1)
        merged: dict[Key, Facts] = defaultdict(Facts)
        for r in db.all(
            f"SELECT dim, key, {_SELECT} FROM stats_daily WHERE site = :site AND day >= :start AND day <= :end",
            site=site,
            start=month,
            end=end,
        ):
            merged[(r[0], r[1])].add(Facts.from_row(dict(zip(COLUMNS, r[2:], strict=True))))
        db.run("DELETE FROM stats_monthly WHERE site = :site AND month = :month", site=site, month=month)
        for (dim, key), facts in sorted(merged.items()):
            db.run(_INSERT_MONTHLY, dim=dim, site=site, period=month, key=key, **facts.row())

    def forget(self) -> None:
        """Every rollup gone: the next pass folds every day again (`stats fold --rebuild`)."""

        def work(db: Exec) -> None:
            for table in ("stats_monthly", "stats_months", "stats_daily", "stats_days"):
                db.run(f"DELETE FROM {table}")

        transact(self.runner, work)

    # -- reading -------------------------------------------------------------------
    def unfolded_from(self, sites: Sequence[str]) -> dict[str, date | None]:
        """Per site, the first day the rollups do not cover yet: the day after the
        newest folded one, else the first ticket's (None: no tickets at all)."""
        out: dict[str, date | None] = {}
        db = self.runner.read()
        for site in sites:
            newest = db.one("SELECT MAX(day) FROM stats_days WHERE site = :site", site=site)[0]
            if newest is not None:
                out[site] = day_from_db(newest) + timedelta(days=1)
            else:
                first = db.one("SELECT MIN(service_day) FROM tickets WHERE site = :site", site=site)[0]
                out[site] = day_from_db(first) if first is not None else None
        return out

    def complete_months(self, sites: Sequence[str], start: date, end: date) -> set[tuple[str, date]]:
        if not sites:
            return set()
        names, params = in_list("s", sites)
        rows = self.runner.read().all(
            f"SELECT site, month, days FROM stats_months WHERE site IN {names} AND month >= :start AND month <= :end",
            start=start,
            end=end,
            **params,
        )
        return {(r[0], day_from_db(r[1])) for r in rows if r[2] >= month_days(day_from_db(r[1]))}

    def facts(
        self,
        period: str,
        dim: str,
        sites: Sequence[str],
        start: date,
        end: date,
        histograms: Sequence[str] = HISTOGRAMS,
    ) -> list[tuple[str, date, str, Facts]]:
        """(site, day or month, key, facts) of `dim` in [start, end], with only
        the `histograms` asked for (decoding them is most of a report's work)."""
        if not sites:
            return []
        table = "stats_daily" if period == "day" else "stats_monthly"
        names, params = in_list("s", sites)
        columns = NUMBERS + tuple(histograms)
        rows = self.runner.read().all(
            f"SELECT site, {period}, key, {', '.join(columns)} FROM {table} WHERE dim = :dim AND site IN {names} "
            f"AND {period} >= :start AND {period} <= :end",
            dim=dim,
            start=start,
            end=end,
            **params,
        )
        return [(r[0], day_from_db(r[1]), r[2], Facts.from_row(dict(zip(columns, r[3:], strict=True)))) for r in rows]

    def fingerprint(self, site: Site, day: date) -> str:
        return read_fingerprint(self.runner.read(), self.window(site, day))

    def live_day(self, site: Site, day: date) -> dict[Key, Facts]:
        """A day not folded yet (today), folded in memory."""
        window = self.window(site, day)
        return fold(read_day(self.runner.read(), window), window)


def fold_job(store: StatsStore, sites: Callable[[], Iterable[Site]]) -> Callable[[], None]:
    """The periodic pass (central.periodic): folds what closed since the last one."""

    def run() -> None:
        done = store.fold_pending(sites())
        if done:
            log.info("statistics: %d site-days folded", done)

    return run
