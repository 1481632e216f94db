"""Reports over any range of service days, for the sites a user may see,
grouped by one dimension: complete months come from the monthly rollups, the
other folded days from the daily ones, and days not folded yet (today) are
folded on the fly from their raw rows (kept while their counts stay the same)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from central.clock import utcnow
from central.sites.model import Site
from central.stats.facts import HISTOGRAMS, Facts, percentile, within
from central.stats.fold import Key
from central.stats.store import StatsStore, month_days, month_of
from central.stats.tables import DIMENSIONS
from central.stats.usage import UsageStore

LIVE_TTL_S = 30.0
DAILY_TREND_UNTIL = 62  # days: a longer range trends by month
MAX_RANGE_DAYS = 3 * 366
TOP_USAGE = 30  # guides and failed searches listed
LINE_HISTOGRAMS = ("wait_hist", "handle_hist")  # a line's percentiles; arrivals are drawn for the total only


class ReportError(ValueError):
    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date
    dim: str = "site"
    sites: tuple[str, ...] = ()  # within the user's; () = all the user may see
    sla_minutes: int = 30  # service level: called within this many minutes

    def check(self) -> None:
        if self.dim not in DIMENSIONS:
            raise ReportError("bad_dimension", f"group by one of {', '.join(DIMENSIONS)}, not {self.dim!r}")
        if self.end < self.start:
            raise ReportError("bad_range", f"the range ends ({self.end}) before it starts ({self.start})")
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise ReportError("range_too_long", f"a report covers at most {MAX_RANGE_DAYS} days")
        if not 1 <= self.sla_minutes <= 240:
            raise ReportError("bad_sla", "the service level is counted within 1 to 240 minutes")


@dataclass(frozen=True)
class Figures:
    """What a report line shows, derived from its Facts."""

    issued: int
    issued_kiosk: int
    issued_offline: int
    issued_appointment: int
    issued_staff: int
    served: int
    no_shows: int
    transfers: int
    unserved: int
    wait_avg_min: float | None
    wait_median_min: int | None
    wait_p90_min: int | None
    wait_max_min: float | None
    handle_avg_min: float | None
    handle_median_min: int | None
    handle_p90_min: int | None
    handle_max_min: float | None
    service_level: float | None  # share of calls within the SLA
    rated: int
    satisfaction: float | None  # share of ratings 非常满意, 满意 or 基本满意
    bad_reviews: int
    prints: int

    @classmethod
    def of(cls, f: Facts, sla_minutes: int) -> Figures:
        def avg(total: int, n: int) -> float | None:
            return round(total / n / 60, 1) if n else None

        return cls(
            issued=f.issued,
            issued_kiosk=f.issued_kiosk,
            issued_offline=f.issued_offline,
            issued_appointment=f.issued_appointment,
            issued_staff=f.issued_staff,
            served=f.served,
            no_shows=f.no_shows,
            transfers=f.transfers,
            unserved=f.unserved,
            wait_avg_min=avg(f.wait_sum, f.wait_n),
            wait_median_min=percentile(f.wait_hist, 0.5),
            wait_p90_min=percentile(f.wait_hist, 0.9),
            wait_max_min=round(f.wait_max / 60, 1) if f.wait_n else None,
            handle_avg_min=avg(f.handle_sum, f.handle_n),
            handle_median_min=percentile(f.handle_hist, 0.5),
            handle_p90_min=percentile(f.handle_hist, 0.9),
            handle_max_min=round(f.handle_max / 60, 1) if f.handle_n else None,
            service_level=round(within(f.wait_hist, sla_minutes) / f.wait_n, 4) if f.wait_n else None,
            rated=f.rated,
            satisfaction=round(f.satisfied / f.rated, 4) if f.rated else None,
            bad_reviews=f.bad,
            prints=f.prints,
        )


@dataclass
class ReportLine:
    key: str  # the site code, "site/type", "site/counter", the username or the kiosk id
    site: str
    label: str
    figures: Figures


@dataclass
class Report:
    query: ReportQuery
    sites: tuple[str, ...]
    made_at: datetime
    total: Figures
    lines: list[ReportLine]
    trend: list[tuple[str, Figures]]  # (day or month, figures of every site in the report)
    arrivals: list[list[int]]  # [weekday][hour], local time
    wait_histogram: list[tuple[int, int]]  # (minute, calls)
    live_days: int = 0  # days folded on the fly (not folded yet)
    usage: dict = field(default_factory=dict)  # kiosk use: top guides, failed searches, per kiosk


class Reports:
    def __init__(
        self,
        store: StatsStore,
        sites: Callable[[], dict[str, Site]],
        today: Callable[[Site], date],
        usage: UsageStore | None = None,
        matter_names: Callable[[list[str]], dict[str, str]] = lambda codes: {},
    ):
        self.store = store
        self.usage_store = usage
        self.matter_names = matter_names
        self._sites = sites
        self._today = today
        self._live: dict[tuple[str, date], tuple[float, str, dict[Key, Facts]]] = {}
        self._live_lock = threading.Lock()

    # -- the pieces ------------------------------------------------------------------
    def _live_day(self, site: Site, day: date) -> dict[Key, Facts]:
        """Kept while the day's fingerprint (counts of its rows) stays the same,
        30 s at most: a report right after a call shows it."""
        now = time.monotonic()
        stamp = self.store.fingerprint(site, day)
        with self._live_lock:
            cached = self._live.get((site.code, day))
            if cached is not None and now - cached[0] < LIVE_TTL_S and cached[1] == stamp:
                return cached[2]
        facts = self.store.live_day(site, day)
        with self._live_lock:
            self._live[(site.code, day)] = (now, stamp, facts)
            for stale in [k for k, (at, _, _) in self._live.items() if now - at >= LIVE_TTL_S]:
                del self._live[stale]
        return facts

    def facts(
        self,
        dim: str,
        sites: Sequence[Site],
        start: date,
        end: date,
        *,
        months: bool = True,
        histograms: Sequence[str] = HISTOGRAMS,
        memo: dict[tuple[str, date], dict[Key, Facts]] | None = None,
        unfolded: dict[str, date | None] | None = None,
    ) -> tuple[list[tuple[str, date, str, Facts]], int]:
        """(site, day, key, facts) of `dim` over [start, end] (a complete month's
        rows carry its first day; `months=False`: days only), and how many days
        were folded live. Each site's complete months come from the monthly
        rollups, its other days from the daily ones (sites with the same gaps in
        one query), the days not folded yet from their rows. `memo`: the live
        days of one report, looked up once."""
        memo = {} if memo is None else memo
        codes = [s.code for s in sites]
        full = _full_months(start, end) if months else []
        complete = self.store.complete_months(codes, full[0], full[-1]) if full else set()
        out: list[tuple[str, date, str, Facts]] = []
        if complete:
            monthly = self.store.facts("month", dim, codes, full[0], full[-1], histograms)
            out += [r for r in monthly if (r[0], r[1]) in complete]
        gaps: dict[tuple[tuple[date, date], ...], list[str]] = defaultdict(list)
        for code in codes:
            gaps[tuple(_gaps(start, end, {m for m in full if (code, m) in complete}))].append(code)
        for intervals, group in gaps.items():
            for a, b in intervals:
                out += self.store.facts("day", dim, group, a, b, histograms)
        live = 0
        unfolded = self.store.unfolded_from(codes) if unfolded is None else unfolded
        for site in sites:
            since = unfolded[site.code]
            if since is None:
                continue  # no tickets yet
            day, last = max(start, since), min(end, self._today(site))
            while day <= last:
                if (site.code, month_of(day)) not in complete:
                    if (site.code, day) not in memo:
                        memo[(site.code, day)] = self._live_day(site, day)
                    out += [(site.code, day, k, f) for (d, k), f in memo[(site.code, day)].items() if d == dim]
                    live += 1
                day += timedelta(days=1)
        return out, live

    # -- the report ------------------------------------------------------------------
    def report(self, query: ReportQuery, visible: Sequence[str] | None) -> Report:
        """`visible`: the sites the user may see (None: every site)."""
        query.check()
        known = self._sites()
        allowed = [c for c in known if visible is None or c in visible]
        if query.sites:
            outside = [c for c in query.sites if c not in allowed]
            if outside:
                raise ReportError("other_site", f"not a site you may see: {', '.join(outside)}", 403)
            chosen = [c for c in allowed if c in query.sites]
        else:
            chosen = allowed
        sites = [known[c] for c in chosen]
        memo: dict[tuple[str, date], dict[Key, Facts]] = {}
        unfolded = self.store.unfolded_from(chosen)  # once a report
        totals_rows, live = self.facts("site", sites, query.start, query.end, memo=memo, unfolded=unfolded)
        total = Facts()
        for r in totals_rows:
            total.add(r[3])
        rows = (
            totals_rows
            if query.dim == "site"
            else self.facts(
                query.dim, sites, query.start, query.end, histograms=LINE_HISTOGRAMS, memo=memo, unfolded=unfolded
            )[0]
        )
        grouped: dict[tuple[str, str], Facts] = defaultdict(Facts)
        for site, _day, key, f in rows:
            grouped[_group(query.dim, site, key)].add(f)
        lines = [
            ReportLine(
                key=f"{site}/{key}" if query.dim in ("type", "counter") else (key or site),
                site=site,
                label=_label(query.dim, known.get(site), key),
                figures=Figures.of(f, query.sla_minutes),
            )
            for (site, key), f in sorted(grouped.items(), key=lambda kv: _order(query.dim, known, kv[0]))
        ]
        return Report(
            query=query,
            sites=tuple(chosen),
            made_at=utcnow(),
            total=Figures.of(total, query.sla_minutes),
            lines=lines,
            trend=self._trend(query, sites, totals_rows, memo, unfolded),
            arrivals=[[total.arrivals.get(wd * 24 + h, 0) for h in range(24)] for wd in range(7)],
            wait_histogram=sorted(total.wait_hist.items()),
            live_days=live,
            usage=self._usage(query, chosen),
        )

    def _usage(self, query: ReportQuery, sites: Sequence[str]) -> dict:
        """What citizens opened and did not find at the kiosks: the catalog team's list."""
        if self.usage_store is None:
            return {}
        u = self.usage_store
        guides = u.top("guide", sites, query.start, query.end, TOP_USAGE)
        names = self.matter_names([c for c, _ in guides])
        return {
            "guides": [{"code": c, "name": names.get(c, c), "count": n} for c, n in guides],
            "failed_searches": [
                {"text": t, "count": n} for t, n in u.top("failed_search", sites, query.start, query.end, TOP_USAGE)
            ],
            "by_kiosk": {
                k: {"guides": c["guide"], "failed_searches": c["failed_search"]}
                for k, c in u.by_kiosk(sites, query.start, query.end).items()
            },
        }

    def _trend(self, query: ReportQuery, sites: Sequence[Site], rows, memo, unfolded) -> list[tuple[str, Figures]]:
        """Every site together, by day for a short range, else by month."""
        by_day = (query.end - query.start).days < DAILY_TREND_UNTIL
        if by_day:
            rows = self.facts(
                "site", sites, query.start, query.end, months=False, histograms=(), memo=memo, unfolded=unfolded
            )[0]
        buckets: dict[str, Facts] = defaultdict(Facts)
        for _site, day, _key, f in rows:
            buckets[day.isoformat() if by_day else day.strftime("%Y-%m")].add(f)
        return [(k, Figures.of(v, query.sla_minutes)) for k, v in sorted(buckets.items())]


def _full_months(start: date, end: date) -> list[date]:
    """The first days of the calendar months lying wholly inside [start, end]."""
    months = []
    month = month_of(start) if start.day == 1 else _next_month(start)
    while month + timedelta(days=month_days(month) - 1) <= end:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _gaps(start: date, end: date, covered: set[date]) -> list[tuple[date, date]]:
    """[start, end] less the months in `covered`, as day intervals."""
    gaps, a = [], start
    for month in sorted(covered):
        if a < month:
            gaps.append((a, month - timedelta(days=1)))
        a = month + timedelta(days=month_days(month))
    if a <= end:
        gaps.append((a, end))
    return gaps


def _group(dim: str, site: str, key: str) -> tuple[str, str]:
    """Counters and types belong to a site; staff and kiosks are themselves."""
    if dim in ("type", "counter"):
        return (site, key)
    if dim == "site":
        return (site, "")
    return ("", key)


def _label(dim: str, site: Site | None, key: str) -> str:
    if dim == "site":
        return site.name if site else key
    if dim == "type" and site is not None:
        kind = site.type_map.get(key)
        return f"{site.name} · {kind.name if kind else key}"
    if dim == "counter" and site is not None:
        counter = site.counter_map.get(int(key)) if key.isdigit() else None
        return f"{site.name} · {counter.label if counter else key}"
    return key


def _order(dim: str, known: dict[str, Site], group: tuple[str, str]):
    site, key = group
    position = known[site].position if site in known else 0
    return (position, int(key) if key.isdigit() else 0, key)
