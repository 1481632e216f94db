"""好差评 on central: ratings from every channel, one per case (一次一评), and
the follow-up of bad reviews.

- A kiosk rates its own service (a guide, a ticket, a certificate, the hall)
  through its outbox; each such rating gets a case number of its own.
- A case (办件) is rated once, within the rating period, through the window
  evaluator, the ticket's phone page (QR) or a kiosk. The ratings table's
  unique case number refuses a second rating on every node at once.
- A bad review (levels 4-5) opens a follow-up with three deadlines: contact
  the citizen, resolve, close. Managers record each step; `sweep` escalates
  what is overdue. Every step is kept with who took it.
- Who rated is never shown to staff: the rater is kept only as the keyed hash
  of their ID number (from the ticket taken with their card, or the card read
  at the kiosk)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from central.clock import db_now, from_db, to_db, utcnow
from central.config import CentralConfig
from central.db import writer
from central.ratings.tables import cases, follow_up_steps, rating_deliveries, ratings
from central.sites.model import Site
from common.privacy import scrub
from common.ratings import (
    BAD_LEVELS,
    FOLLOW_UP_STEPS,
    RATING_REASONS,
    CaseInfo,
    CaseRating,
    FollowUpState,
    RatedCase,
    RatingRequest,
)

log = logging.getLogger(__name__)
_r, _c, _s = ratings.c, cases.c, follow_up_steps.c
STEP_NEEDS = {"contacted": "open", "resolved": "contacted", "closed": "resolved"}
ESCALATION_NOTES = {
    1: "联系群众期限已过 / contact deadline passed",
    2: "整改期限已过 / resolve deadline passed",
    3: "办结期限已过 / close deadline passed",
}


class RatingError(Exception):
    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def working_days_after(start: datetime, days: int, site: Site | None, tz: ZoneInfo) -> datetime:
    """The end (local midnight after) of the `days`-th working day after
    `start`: a day the site's counters work (its weekdays, not its holidays)."""
    day = start.astimezone(tz).date()
    open_days = site.hours.days if site is not None else (1, 2, 3, 4, 5)
    holidays = set(site.hours.holidays) if site is not None else set()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.isoweekday() in open_days and day.isoformat() not in holidays:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


class RatingService:
    def __init__(self, config: CentralConfig, engine: Engine, sites=None, clock: Callable[[], datetime] = utcnow):
        self.cfg = config.ratings
        self.tz = ZoneInfo(config.hall.timezone)
        self.first_site = config.hall.code
        self.engine = engine
        self.sites = sites  # central.sites.store.SiteDirectory (names, hours); None in tools
        self.clock = clock
        self.kick: Callable[[], None] = lambda: None  # wakes the delivery worker (central.ratings.delivery)

    # -- recording -----------------------------------------------------------
    def _site(self, code: str) -> Site | None:
        if self.sites is None:
            return None
        return self.sites.get().sites.get(code)

    def _follow_up(self, level: int, site: str, now: datetime) -> dict:
        if level not in BAD_LEVELS:
            return {"follow_up_state": None}
        where = self._site(site)
        return {
            "follow_up_state": "open",
            "contact_due": to_db(now + timedelta(hours=self.cfg.contact_hours)),
            "resolve_due": to_db(working_days_after(now, self.cfg.follow_up_days, where, self.tz)),
            "close_due": to_db(working_days_after(now, self.cfg.close_days, where, self.tz)),
        }

    def _insert(self, conn: Connection, values: dict) -> int:
        rating_id = conn.execute(insert(ratings).values(**values).returning(_r.id)).scalar_one()
        conn.execute(
            insert(rating_deliveries).values(rating_id=rating_id, state="pending", next_at=values["received_at"])
        )
        return rating_id

    def record(self, kiosk_id: str, rating: RatingRequest, site: str | None = None) -> tuple[str, bool]:
        """A kiosk's rating of its own service: (case number, duplicate)."""
        if rating.subject == "case":
            raise RatingError("use_case_rating", "a case is rated through /api/v1/cases/{case}/rating")
        self._check_reasons(rating.reasons)
        now = self.clock()
        where = site or self.first_site
        case = now.astimezone(self.tz).strftime("%Y%m%d") + secrets.token_hex(4).upper()
        values = {
            "case_number": case,
            "kiosk_id": kiosk_id,
            "site": where,
            "key": rating.key,
            "level": rating.level,
            "level_code": self.cfg.level_codes[rating.level - 1],
            "subject": rating.subject,
            "subject_ref": rating.subject_ref,
            "reasons": ",".join(rating.reasons),
            "text": scrub(rating.text.strip()),  # an ID number typed into a comment is never kept
            "channel": "terminal",
            "region": self.cfg.region,
            "at": to_db(rating.at),
            "received_at": to_db(now),
            **self._follow_up(rating.level, where, now),
        }
        try:
            with writer(self.engine) as conn, conn.begin():
                self._insert(conn, values)
        except IntegrityError:
            with self.engine.connect() as conn:
                return conn.execute(
                    select(_r.case_number).where(_r.kiosk_id == kiosk_id, _r.key == rating.key)
                ).scalar_one(), True
        self.kick()
        return case, False

    @staticmethod
    def _check_reasons(reasons) -> None:
        unknown = set(reasons) - set(RATING_REASONS)
        if unknown:
            raise RatingError("bad_reason", f"unknown reasons {sorted(unknown)}; known: {', '.join(RATING_REASONS)}")

    def rate_case(
        self,
        case_number: str,
        rating: CaseRating,
        channel: str,
        *,
        kiosk_id: str = "",
        key: str = "",
        rater_key: str | None = None,
        allowed: Callable[[dict], str | None] = lambda case: None,
    ) -> RatedCase:
        """Rate a case once. `allowed(case)` says why this caller may not rate
        it (None: it may). A kiosk's retry of the same rating (same key) is
        answered as the first time; any other second rating is refused."""
        self._check_reasons(rating.reasons)
        now = self.clock()
        case = self.case_row(case_number)
        if case is None:
            raise RatingError("unknown_case", f"no case {case_number}", 404)
        refusal = allowed(case)
        if refusal:
            raise RatingError("not_your_case", refusal, 403)
        values = {
            "case_number": case_number,
            "kiosk_id": kiosk_id,
            "site": case["site"],
            "key": key or f"{channel}-{case_number}",
            "level": rating.level,
            "level_code": self.cfg.level_codes[rating.level - 1],
            "subject": "case",
            "subject_ref": case["matter_code"],
            "reasons": ",".join(rating.reasons) if rating.level in BAD_LEVELS else "",
            "text": scrub(rating.text.strip())[:500],
            "channel": channel,
            "region": self.cfg.region,
            "at": to_db(now),
            "received_at": to_db(now),
            "rater_key": rater_key or case["person_key"],
            **self._follow_up(rating.level, case["site"], now),
        }
        existing = self.rating_of(case_number)
        if existing is None and now > case["rate_until"]:
            raise RatingError(
                "rating_closed",
                f"case {case_number} could be rated until {case['rate_until'].astimezone(self.tz):%Y-%m-%d %H:%M}",
                409,
            )
        if existing is None:
            try:
                with writer(self.engine) as conn, conn.begin():
                    self._insert(conn, values)
                self.kick()
                return RatedCase(case_number=case_number, level=rating.level, follow_up=values["follow_up_state"])
            except IntegrityError:
                existing = self.rating_of(case_number)
        if existing is not None and kiosk_id and existing["kiosk_id"] == kiosk_id and existing["key"] == key:
            return RatedCase(case_number=case_number, level=existing["level"], follow_up=existing["follow_up_state"])
        raise RatingError("already_rated", f"case {case_number} has been rated already: one rating per case", 409)

    # -- reading -------------------------------------------------------------
    def case_row(self, case_number: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(cases).where(_c.case_number == case_number)).mappings().first()
        return self._case_dict(row) if row else None

    @staticmethod
    def _case_dict(row) -> dict:
        out = dict(row)
        out["finished_at"], out["rate_until"] = from_db(row["finished_at"]), from_db(row["rate_until"])
        return out

    def rating_of(self, case_number: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_r.kiosk_id, _r.key, _r.level, _r.follow_up_state).where(_r.case_number == case_number)
            ).first()
        return dict(row._mapping) if row else None

    def cases(self, *conditions, limit: int = 20) -> list[CaseInfo]:
        """Cases with their rating state, newest first."""
        query = (
            select(cases, _r.level.label("rated_level"), _r.follow_up_state.label("rated_follow_up"))
            .select_from(cases.outerjoin(ratings, _r.case_number == _c.case_number))
            .where(*conditions)
            .order_by(_c.finished_at.desc(), _c.case_number.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        now, names = self.clock(), self.staff_names() if rows else {}
        return [self._info(self._case_dict(r), r["rated_level"], r["rated_follow_up"], now, names) for r in rows]

    def _info(
        self, case: dict, level: int | None, follow_up: str | None, now: datetime, names: dict[str, str]
    ) -> CaseInfo:
        site = self._site(case["site"])
        counter = site.counter_map.get(case["counter"]) if site is not None else None
        return CaseInfo(
            case_number=case["case_number"],
            site=case["site"],
            site_name=site.name if site is not None else case["site"],
            counter=case["counter"],
            counter_name=counter.name if counter is not None else f"{case['counter']}号窗口",
            staff_name=names.get(case["staff"], case["staff"]),
            matter_code=case["matter_code"],
            matter_name=case["matter_name"],
            outcome=case["outcome"],
            finished_at=case["finished_at"],
            rate_until=case["rate_until"],
            rateable=level is None and now <= case["rate_until"],
            level=level,
            follow_up=cast(FollowUpState | None, follow_up),
        )

    def staff_names(self) -> dict[str, str]:
        from central.staff import staff_table

        with self.engine.connect() as conn:
            rows = conn.execute(select(staff_table.c.username, staff_table.c.display_name))
            return {r.username: r.display_name or r.username for r in rows}

    def staff_at(self, site: str, counter: int) -> str:
        """Who is logged in at the counter now ("" when nobody)."""
        from central.staff import sessions_table as st

        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(st.c.username).where(st.c.site == site, st.c.counter == counter, st.c.expires_at > db_now())
                ).scalar()
                or ""
            )

    def cases_of_ticket(self, ticket_id: str) -> list[CaseInfo]:
        return self.cases(_c.ticket_id == ticket_id)

    def cases_of_person(self, person_key: str, days: int = 30) -> list[CaseInfo]:
        since = to_db(self.clock() - timedelta(days=days))
        return self.cases(_c.person_key == person_key, _c.finished_at >= since)

    def cases_at_counter(self, site: str, counter: int, within: timedelta) -> list[CaseInfo]:
        """The counter's cases finished within `within` and not rated yet (the evaluator's)."""
        since = to_db(self.clock() - within)
        return [
            c
            for c in self.cases(_c.site == site, _c.counter == counter, _c.finished_at >= since, limit=10)
            if c.rateable
        ]

    def cases_of_ticket_number(self, site: str, display: str, day: date) -> list[CaseInfo]:
        """Cases of today's ticket with this number at the site (a kiosk asks by number)."""
        from central.queue.tables import tickets

        ids = select(tickets.c.id).where(
            tickets.c.site == site, tickets.c.service_day == day, tickets.c.display == display.upper()
        )
        return self.cases(_c.ticket_id.in_(ids))

    # -- bad reviews ---------------------------------------------------------
    def bad_reviews(self, state: str | None = None, sites: tuple[str, ...] | None = None) -> list[dict]:
        """Bad reviews and their follow-up: at `sites`, or everywhere (None).
        Nothing here says who rated."""
        query = (
            select(ratings, _c.counter, _c.staff, _c.matter_name)
            .select_from(ratings.outerjoin(cases, _c.case_number == _r.case_number))
            .where(_r.follow_up_state.is_not(None))
        )
        if sites is not None:
            query = query.where(_r.site.in_(sites))
        if state:
            query = query.where(_r.follow_up_state == state)
        now = self.clock()
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(_r.escalation.desc(), _r.resolve_due, _r.id)).mappings().all()
            numbers = [r["case_number"] for r in rows]
            steps: dict[str, list[dict]] = {n: [] for n in numbers}
            if numbers:
                for s in conn.execute(
                    select(follow_up_steps).where(_s.case_number.in_(numbers)).order_by(_s.id)
                ).mappings():
                    steps[s["case_number"]].append(
                        {"step": s["step"], "staff": s["staff"], "at": from_db(s["at"]).isoformat(), "note": s["note"]}
                    )
        return [self._bad_review(r, steps[r["case_number"]], now) for r in rows]

    def _bad_review(self, r, steps: list[dict], now: datetime) -> dict:
        state = r["follow_up_state"]
        dues = {k: from_db(r[k]) for k in ("contact_due", "resolve_due", "close_due")}
        next_due = {"open": "contact_due", "contacted": "resolve_due", "resolved": "close_due"}.get(state)
        return {
            "case_number": r["case_number"],
            "site": r["site"],
            "level": r["level"],
            "level_code": r["level_code"],
            "subject": r["subject"],
            "subject_ref": r["subject_ref"],
            "matter_name": r["matter_name"] or "",
            "counter": r["counter"],
            "staff": r["staff"] or "",
            "reasons": [x for x in r["reasons"].split(",") if x],
            "text": r["text"],
            "channel": r["channel"],
            "region": r["region"],
            "at": from_db(r["at"]).isoformat(),
            **{k: v.isoformat() if v else None for k, v in dues.items()},
            "state": state,
            "next_due": dues[next_due].isoformat() if next_due and dues[next_due] else None,
            "overdue": bool(next_due and dues[next_due] and now > dues[next_due]),
            "escalation": r["escalation"],
            "steps": steps,
        }

    def follow_up(
        self, case_number: str, step: str, note: str, staff: str, sites: tuple[str, ...] | None = None
    ) -> str:
        """Record a step (contacted, resolved, closed, or a note) taken by
        `staff`; the new state. Steps go in order; a note needs text."""
        if step not in (*FOLLOW_UP_STEPS, "note"):
            raise RatingError("bad_step", f"step is one of {', '.join(FOLLOW_UP_STEPS)} or note")
        if step == "note" and not note.strip():
            raise RatingError("empty_note", "a note needs some text")
        now = to_db(self.clock())
        query = select(_r.follow_up_state, _r.site).where(
            _r.case_number == case_number, _r.follow_up_state.is_not(None)
        )
        with writer(self.engine) as conn, conn.begin():
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update()
            row = conn.execute(query).first()
            if row is None or (sites is not None and row.site not in sites):
                raise RatingError("unknown_case", f"no bad review {case_number}", 404)
            state = row.follow_up_state
            if step != "note":
                if STEP_NEEDS[step] != state:
                    raise RatingError(
                        "wrong_step", f"the review is {state}: {step} comes after {STEP_NEEDS[step]}", 409
                    )
                conn.execute(update(ratings).where(_r.case_number == case_number).values(follow_up_state=step))
                state = step
            conn.execute(
                insert(follow_up_steps).values(
                    case_number=case_number, step=step, staff=staff, at=now, note=scrub(note.strip())[:2000]
                )
            )
        return state

    def sweep(self) -> int:
        """Escalate bad reviews whose next deadline has passed (once per
        deadline, on whichever node sweeps first); how many were escalated.
        Central runs it every `[ratings] sweep_every_s` (central.periodic)."""
        now = to_db(self.clock())
        level = (
            # 3: not closed by close_due; 2: not resolved by resolve_due; 1: nobody contacted by contact_due
            (and_(_r.follow_up_state != "closed", _r.close_due < now), 3),
            (and_(_r.follow_up_state.in_(("open", "contacted")), _r.resolve_due < now), 2),
            (and_(_r.follow_up_state == "open", _r.contact_due < now), 1),
        )
        escalated = 0
        with writer(self.engine) as conn, conn.begin():
            for condition, lvl in level:
                rows = conn.execute(
                    select(_r.case_number).where(_r.follow_up_state.is_not(None), _r.escalation < lvl, condition)
                ).all()
                for (number,) in rows:
                    changed = conn.execute(
                        update(ratings).where(_r.case_number == number, _r.escalation < lvl).values(escalation=lvl)
                    ).rowcount
                    if changed:
                        conn.execute(
                            insert(follow_up_steps).values(
                                case_number=number,
                                step="escalated",
                                staff="system",
                                at=now,
                                note=ESCALATION_NOTES[lvl],
                            )
                        )
                        escalated += 1
        return escalated

    def escalate(self) -> None:
        """One sweep, said in the log when it escalated anything (the city's 好差评 office watches it)."""
        escalated = self.sweep()
        if escalated:
            log.warning("%d bad review(s) escalated: a follow-up deadline passed", escalated)

    # -- figures -------------------------------------------------------------
    def summary(self, sites: tuple[str, ...] | None = None, staff: str | None = None) -> dict:
        query = select(_r.level, func.count()).group_by(_r.level)
        if sites is not None:
            query = query.where(_r.site.in_(sites))
        if staff is not None:
            query = query.select_from(ratings.join(cases, _c.case_number == _r.case_number)).where(_c.staff == staff)
        with self.engine.connect() as conn:
            counts: dict[int, int] = {row[0]: row[1] for row in conn.execute(query)}
        total = sum(counts.values())
        return {
            "count": total,
            "by_level": {str(lv): counts.get(lv, 0) for lv in range(1, 6)},
            "satisfied_share": round(sum(counts.get(lv, 0) for lv in (1, 2, 3)) / total, 3) if total else None,
        }

    def staff_view(self, username: str, limit: int = 50) -> dict:
        """A clerk's own figures and the comments on their cases, without who
        rated, when to the minute, or which case (nothing to trace a rater by)."""
        query = (
            select(_r.level, _r.reasons, _r.text, _r.at, _c.matter_name)
            .select_from(ratings.join(cases, _c.case_number == _r.case_number))
            .where(_c.staff == username, _r.text != "")
            .order_by(_r.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        comments = [
            {
                "level": r.level,
                "reasons": [x for x in r.reasons.split(",") if x],
                "text": r.text,
                "day": from_db(r.at).astimezone(self.tz).date().isoformat(),
                "matter_name": r.matter_name,
            }
            for r in rows
        ]
        return {"summary": self.summary(staff=username), "comments": comments}
