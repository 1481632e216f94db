"""BookingDesk: everything the citizen's phone asks of central.

Places are counted in `booking_counts` under a row lock (atomic across
nodes): a person's row first, then the slot's, always in that order, so two
requests never wait on each other crosswise. Refusals say what is wrong and
what to do, and a full slot answers with the next free ones."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from central.booking.rules import BookingRules, RulesStore, day_slot_starts
from central.clock import from_db, utcnow
from central.config import CentralConfig
from central.notify import outbox
from central.notify.adapters import Message, Notifier
from central.notify.texts import render
from central.rawsql import Exec, transact
from central.sites.model import Site
from central.sites.store import SiteDirectory
from common.booking import BookingCard, CodeSent, DaySlots, Identity, PhoneSession, Slot, mask_name, mask_phone
from common.identity import InvalidIdentity, keyed_hash, keyed_parts, mask_id, validate_id_number

log = logging.getLogger(__name__)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # read off a phone, typed on the kiosk (as the CLI's)
RESEND_AFTER_S = 60
FULL_REMEMBERED_S = 1.0  # a slot seen full is answered as full this long without asking the database


class BookingError(Exception):
    def __init__(self, code: str, message: str, status: int = 409, next_free: tuple[datetime, ...] = ()):
        super().__init__(message)
        self.code, self.message, self.status, self.next_free = code, message, status, next_free


@dataclass(frozen=True)
class Phone:
    """A verified phone's session: the number (messages go there) and its key."""

    number: str
    key: str


class BookingDesk:
    def __init__(
        self,
        config: CentralConfig,
        runner,
        sites: SiteDirectory,
        secret: bytes,
        *,
        matter_name: Callable[[str], str | None] = lambda code: None,
        sms: Notifier | None = None,
        kick: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.cfg, self.runner, self.sites, self.secret = config.booking, runner, sites, secret
        self.queue_cfg = config.queue
        self.notify_cfg = config.notify
        self.rules = RulesStore(runner, config.booking)
        self.matter_name, self.sms, self.kick, self.clock = matter_name, sms, kick, clock
        self._next_free: dict[tuple, tuple[float, tuple[datetime, ...]]] = {}
        self._sessions: dict[str, tuple[float, Phone, datetime]] = {}
        self._full: dict[str, float] = {}  # slot scope -> until when it is taken to be full
        self._reminded: set[tuple[str, str]] = set()  # (booking, slot) reminders this process has planned

    # -- where and what ------------------------------------------------------
    def _site(self, code: str) -> Site:
        from central.sites.model import SiteError

        try:
            site = self.sites.site(code)
        except SiteError as exc:
            raise BookingError(exc.code, exc.message, 404) from None
        if not site.issues_tickets or not site.active:
            raise BookingError("no_numbers_here", f"{site.name} is a self-service point: book at a hall", 409)
        return site

    def _type(self, site: Site, letter: str) -> str:
        kind = site.type_map.get(letter)
        if kind is None:
            raise BookingError("unknown_type", f"no business type {letter!r} at {site.name}", 422)
        return kind.name

    def day_slots(self, site_code: str, letter: str, day: date) -> DaySlots:
        site = self._site(site_code)
        self._type(site, letter)
        rules = self.rules.get(site.code, letter)
        now = self.clock()
        starts = day_slot_starts(site, rules, day)
        taken = self._taken([self._slot_scope(site.code, letter, s) for s in starts])
        last_day = now.astimezone(site.tz).date() + timedelta(days=rules.days_ahead)
        slots = [
            Slot(
                start=s,
                end=s + timedelta(minutes=rules.slot_minutes),
                quota=rules.quota,
                free=max(0, rules.quota - taken.get(self._slot_scope(site.code, letter, s), 0)),
                bookable=now < s - timedelta(minutes=rules.cutoff_minutes) and day <= last_day,
            )
            for s in starts
        ]
        today = now.astimezone(site.tz).date()
        return DaySlots(
            site=site.code,
            type=letter,
            day=day,
            open=bool(starts),
            slots=slots,
            remote=rules.remote and day == today and site.hours.open_at(now.astimezone(site.tz)),
        )

    def _taken(self, scopes: list[str]) -> dict[str, int]:
        if not scopes:
            return {}
        names = {f"s{i}": s for i, s in enumerate(scopes)}
        sql = f"SELECT scope, taken FROM booking_counts WHERE scope IN ({', '.join(':' + n for n in names)})"
        return {row[0]: row[1] for row in self.runner.read().all(sql, **names)}

    @staticmethod
    def _slot_scope(site: str, letter: str, start: datetime) -> str:
        return f"slot|{site}|{letter}|{start.astimezone(UTC):%Y%m%dT%H%MZ}"

    def next_free(self, site: Site, letter: str, after: datetime, limit: int = 3) -> tuple[datetime, ...]:
        """The first free, bookable slots after the one asked for (remembered
        for a second: a rush on a full slot asks the same question)."""
        key = (site.code, letter, after, limit)
        hit = self._next_free.get(key)
        if hit is not None and monotonic() - hit[0] < 1.0:
            return hit[1]
        found = self._find_free(site, letter, after, limit)
        if len(self._next_free) > 1000:
            self._next_free.clear()
        self._next_free[key] = (monotonic(), found)
        return found

    def _find_free(self, site: Site, letter: str, after: datetime, limit: int) -> tuple[datetime, ...]:
        rules = self.rules.get(site.code, letter)
        found: list[datetime] = []
        day = after.astimezone(site.tz).date()
        for offset in range(rules.days_ahead + 1):
            for slot in self.day_slots(site.code, letter, day + timedelta(days=offset)).slots:
                if slot.bookable and slot.free > 0 and slot.start >= after:
                    found.append(slot.start)
                    if len(found) == limit:
                        return tuple(found)
        return tuple(found)

    # -- the verified phone ---------------------------------------------------
    def request_code(self, phone: str, address: str) -> CodeSent:
        """Send a 6-digit code to `phone`; limited per number and per address."""
        now = self.clock()
        phone_key, address_key = keyed_parts(self.secret, "phone", phone), keyed_parts(self.secret, "addr", address)
        code = f"{secrets.randbelow(1_000_000):06d}"

        def work(db: Exec) -> None:
            hour_ago = now - timedelta(hours=1)
            last = db.one("SELECT MAX(sent_at) FROM phone_codes WHERE phone_key = :k", k=phone_key)[0]
            if last is not None and (now - from_db(last)).total_seconds() < RESEND_AFTER_S:
                wait = RESEND_AFTER_S - int((now - from_db(last)).total_seconds())
                raise BookingError("code_too_soon", f"a code was just sent: ask again in {wait} seconds", 429)
            per_number = db.one(
                "SELECT COUNT(*) FROM phone_codes WHERE phone_key = :k AND sent_at > :t", k=phone_key, t=hour_ago
            )[0]
            if per_number >= self.cfg.codes_per_number_hour:
                raise BookingError("too_many_codes", "too many codes for this number: try again in an hour", 429)
            per_address = db.one(
                "SELECT COUNT(*) FROM phone_codes WHERE address_key = :k AND sent_at > :t", k=address_key, t=hour_ago
            )[0]
            if per_address >= self.cfg.codes_per_address_hour:
                raise BookingError("too_many_codes", "too many codes from this network: try again in an hour", 429)
            db.run(
                "INSERT INTO phone_codes (phone_key, address_key, code_hash, sent_at, expires_at, attempts, used) "
                "VALUES (:p, :a, :h, :now, :exp, 0, FALSE)",
                p=phone_key,
                a=address_key,
                h=keyed_parts(self.secret, "code", phone, code),
                now=now,
                exp=now + timedelta(seconds=self.cfg.code_ttl_s),
            )

        transact(self.runner, work)
        if self.sms is None:
            raise BookingError("no_sms", "this deployment sends no text messages: book at the hall's kiosk", 503)
        params = {"code": code, "minutes": str(self.cfg.code_ttl_s // 60)}
        title, text, text_en = render("code", params)
        result = self.sms.send(
            Message(f"code:{phone_key[:16]}:{now.timestamp():.0f}", "code", "sms", phone, title, text, text_en, params)
        )
        if result.outcome != "sent":
            log.warning("verification code to %s not sent: %s", mask_phone(phone), result.detail)
            raise BookingError("code_not_sent", "the text message could not be sent: try again in a minute", 503)
        return CodeSent(phone_masked=mask_phone(phone), expires_in_s=self.cfg.code_ttl_s, resend_after_s=RESEND_AFTER_S)

    def verify(self, phone: str, code: str) -> PhoneSession:
        now = self.clock()
        phone_key = keyed_parts(self.secret, "phone", phone)
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(days=self.cfg.session_days)

        def work(db: Exec) -> bool:
            row = db.one(
                "SELECT id, code_hash, attempts, expires_at FROM phone_codes WHERE phone_key = :k AND used = FALSE "
                "ORDER BY id DESC LIMIT 1",
                k=phone_key,
            )
            if row is None or from_db(row[3]) < now:
                raise BookingError("code_expired", "no valid code for this number: ask for a new one", 422)
            if row[2] >= self.cfg.code_attempts:
                raise BookingError("code_expired", "too many wrong tries: ask for a new code", 422)
            if not hmac.compare_digest(row[1], keyed_parts(self.secret, "code", phone, code)):
                db.run("UPDATE phone_codes SET attempts = attempts + 1 WHERE id = :id", id=row[0])
                return False
            db.run("UPDATE phone_codes SET used = TRUE WHERE id = :id", id=row[0])
            db.run(
                "INSERT INTO phone_sessions (token_hash, phone, phone_key, expires_at) VALUES (:t, :p, :k, :e)",
                t=hashlib.sha256(token.encode()).hexdigest(),
                p=phone,
                k=phone_key,
                e=expires,
            )
            return True

        if not transact(self.runner, work):
            raise BookingError("wrong_code", "the code is not right: check the text message and type it again", 422)
        return PhoneSession(token=token, phone_masked=mask_phone(phone), expires_at=expires)

    def phone(self, token: str) -> Phone:
        """The verified phone of a session token (sessions found are remembered
        for a minute: each request of a page carries the token)."""
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        hit = self._sessions.get(token_hash)
        now = self.clock()
        if hit is not None and monotonic() - hit[0] < 60 and hit[2] > now:
            return hit[1]
        row = self.runner.read().one(
            "SELECT phone, phone_key, expires_at FROM phone_sessions WHERE token_hash = :t", t=token_hash
        )
        if row is None or from_db(row[2]) < now:
            raise BookingError("phone_not_verified", "confirm your mobile number with a code first", 401)
        if len(self._sessions) > 10_000:
            self._sessions.clear()
        self._sessions[token_hash] = (monotonic(), Phone(row[0], row[1]), from_db(row[2]))
        return self._sessions[token_hash][1]

    # -- booking ---------------------------------------------------------------
    def _person(self, who: Identity) -> tuple[str, str]:
        """(person key, masked ID) of a valid resident ID number."""
        try:
            number = validate_id_number(who.id_number)
        except InvalidIdentity as exc:
            raise BookingError("invalid_id", f"{exc}: check the ID number", 422) from None
        return keyed_hash(self.secret, number), mask_id(number)

    def _check_person(self, db: Exec, person: str, now: datetime) -> None:
        """The no-show rule and the limit of open bookings, under the person's
        row lock (taken first: one person's requests on two nodes queue up)."""
        db.run(
            "INSERT INTO booking_counts (scope, taken) VALUES (:s, 0) "
            "ON CONFLICT (scope) DO UPDATE SET taken = booking_counts.taken",  # made or locked, one round trip
            s=f"person|{person}",
        )
        missed, last_missed, open_ = db.one(
            "SELECT SUM(CASE WHEN state = 'missed' AND slot_start > :since THEN 1 ELSE 0 END), "
            "MAX(CASE WHEN state = 'missed' AND slot_start > :since THEN slot_start END), "
            "SUM(CASE WHEN state = 'booked' AND slot_end > :now THEN 1 ELSE 0 END) "
            "FROM bookings WHERE person_key = :p",
            p=person,
            since=now - timedelta(days=self.cfg.no_show_days),
            now=now,
        )
        if (missed or 0) >= self.cfg.no_show_limit:
            until = from_db(last_missed) + timedelta(days=self.cfg.block_days)
            if until > now:
                raise BookingError(
                    "booking_blocked",
                    f"{missed} bookings were missed in the last {self.cfg.no_show_days} days: "
                    f"booking is possible again from {until:%Y-%m-%d}",
                    403,
                )
        if (open_ or 0) >= self.cfg.active_per_person:
            raise BookingError(
                "too_many_bookings",
                f"{open_} open bookings already (at most {self.cfg.active_per_person}): cancel one first",
            )

    def _seen_full(self, scope: str, quota: int) -> bool:
        """Whether the slot is full: remembered for a moment once seen (a rush
        on a full slot is answered without the database), else read. Only a
        hint: the count taken under the row lock decides who gets a place."""
        if self._full.get(scope, 0.0) > monotonic():
            return True
        if self._taken([scope]).get(scope, 0) < quota:
            return False
        if len(self._full) > 10_000:
            self._full.clear()
        self._full[scope] = monotonic() + FULL_REMEMBERED_S
        return True

    def _take(self, db: Exec, scope: str, limit: int) -> bool:
        """One place of `scope` if fewer than `limit` are taken: made, or
        counted up under the row's lock, in one statement."""
        return (
            db.one(
                "INSERT INTO booking_counts (scope, taken) VALUES (:s, 1) ON CONFLICT (scope) DO UPDATE "
                "SET taken = booking_counts.taken + 1 WHERE booking_counts.taken < :n RETURNING taken",
                s=scope,
                n=limit,
            )
            is not None
        )

    def _give_back(self, db: Exec, scope: str) -> None:
        db.run("UPDATE booking_counts SET taken = taken - 1 WHERE scope = :s AND taken > 0", s=scope)

    def _check_slot(self, site: Site, letter: str, rules: BookingRules, start: datetime, now: datetime) -> None:
        local = start.astimezone(site.tz)
        if start not in day_slot_starts(site, rules, local.date()):
            raise BookingError(
                "no_such_slot", f"{local:%Y-%m-%d %H:%M} is not a slot of {site.name}: pick one from the list", 422
            )
        if local.date() > now.astimezone(site.tz).date() + timedelta(days=rules.days_ahead):
            raise BookingError("too_far_ahead", f"slots can be booked up to {rules.days_ahead} days ahead", 422)
        if now >= start - timedelta(minutes=rules.cutoff_minutes):
            raise BookingError(
                "past_cutoff",
                f"booking closes {rules.cutoff_minutes} minutes before the slot: pick a later one or take a number at the hall",
            )

    def book(
        self, phone: Phone, site_code: str, letter: str, start: datetime, who: Identity, matter: str | None
    ) -> BookingCard:
        site = self._site(site_code)
        self._type(site, letter)
        matter_name = self._matter(matter)
        rules = self.rules.get(site.code, letter)
        now = self.clock()
        self._check_slot(site, letter, rules, start, now)
        person, id_masked = self._person(who)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        end = start + timedelta(minutes=rules.slot_minutes)
        scope = self._slot_scope(site.code, letter, start)
        if self._seen_full(scope, rules.quota):  # full already: answer without a write
            raise with_next_free(
                BookingError("slot_full", f"{start.astimezone(site.tz):%H:%M} is fully booked"),
                self.next_free(site, letter, start),
                site.tz,
            )

        def work(db: Exec) -> None:
            self._check_person(db, person, now)
            self._insert(db, code, "slot", site, letter, start, end, person, who, id_masked, phone, matter, now)
            # the place last: the contended slot row stays locked only until the commit that follows
            if not self._take(db, scope, rules.quota):  # the count under the lock decides; a refusal undoes the rest
                self._full[scope] = monotonic() + FULL_REMEMBERED_S
                raise BookingError("slot_full", f"{start.astimezone(site.tz):%H:%M} is fully booked")

        try:
            transact(self.runner, work)
        except BookingError as exc:
            if exc.code == "slot_full":
                raise with_next_free(exc, self.next_free(site, letter, start), site.tz) from None
            raise
        self.kick()  # the confirmation goes now, not at the outbox's next look
        row = (code, "slot", "booked", site.code, letter, matter, start, end, mask_name(who.name), id_masked, None)
        return self._card(row, matter_name)

    def remote(self, phone: Phone, site_code: str, letter: str, who: Identity, matter: str | None) -> BookingCard:
        """A remote queue place (线上取号): it holds the citizen's place from
        now, valid once checked in at a kiosk of the site within the window."""
        site = self._site(site_code)
        self._type(site, letter)
        rules = self.rules.get(site.code, letter)
        now = self.clock()
        if not rules.remote:
            raise BookingError("remote_not_offered", f"{site.name} offers no remote queue place for this service", 409)
        if not site.hours.open_at(now.astimezone(site.tz)):
            raise BookingError("site_closed", f"{site.name} is closed now: take a remote place during opening hours")
        person, id_masked = self._person(who)
        matter_name = self._matter(matter)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        day = now.astimezone(site.tz).date()
        end = now + timedelta(minutes=rules.remote_window_min)

        def work(db: Exec) -> None:
            self._check_person(db, person, now)
            if not self._take(db, f"remote|{person}|{day.isoformat()}", self.cfg.remote_daily_limit):
                raise BookingError(
                    "daily_limit_reached",
                    f"{self.cfg.remote_daily_limit} remote places per person a day: limit reached",
                )
            self._insert(db, code, "remote", site, letter, now, end, person, who, id_masked, phone, matter, now)

        transact(self.runner, work)
        self.kick()
        row = (code, "remote", "booked", site.code, letter, matter, now, end, mask_name(who.name), id_masked, None)
        return self._card(row, matter_name)

    def _matter(self, code: str | None) -> str:
        """The name of the matter the visit is for ('' for none); unknown ones are refused."""
        if not code:
            return ""
        name = self.matter_name(code)
        if name is None:
            raise BookingError("unknown_matter", f"no matter {code!r} in the catalog", 422)
        return name

    def _insert(self, db, code, kind, site, letter, start, end, person, who, id_masked, phone, matter, now) -> None:
        db.run(
            "INSERT INTO bookings (code, site, type, person_key, slot_start, slot_end, state, kind, matter_code, "
            "name_masked, id_masked, phone_key, created_at) VALUES (:code, :site, :type, :person, :start, :end, "
            "'booked', :kind, :matter, :name, :id, :phone, :now)",
            code=code, site=site.code, type=letter, person=person, start=start, end=end, kind=kind,
            matter=matter, name=mask_name(who.name), id=id_masked, phone=phone.key, now=now,
        )  # fmt: skip
        sub = outbox.subscribe(
            db, self.secret, site=site.code, channel="sms", address=phone.number, now=now, booking_code=code, new=True
        )
        outbox.plan(
            db,
            kind="confirmed",
            params=self._params(site, letter, code, start, end, kind),
            now=now,
            booking_code=code,
            round_=f"{start:%Y%m%d%H%M}",
            subs=[sub],
        )

    def _params(self, site: Site, letter: str, code: str, start: datetime, end: datetime, kind: str) -> dict[str, str]:
        at = (end if kind == "remote" else start).astimezone(site.tz)
        return {
            "site": site.name,
            "type": site.type_map[letter].name if letter in site.type_map else letter,
            "time": f"{at:%m月%d日 %H:%M}" if kind == "slot" else f"{at:%H:%M}",
            "code": code,
            "remote": "1" if kind == "remote" else "0",
        }

    # -- the holder's bookings -------------------------------------------------
    COLUMNS = "code, kind, state, site, type, matter_code, slot_start, slot_end, name_masked, id_masked, ticket_id"

    def card(self, code: str) -> BookingCard:
        row = self.runner.read().one(f"SELECT {self.COLUMNS} FROM bookings WHERE code = :c", c=code)
        if row is None:
            raise BookingError("booking_not_found", "no such booking", 404)
        return self._card(row)

    def _card(self, row, matter_name: str | None = None) -> BookingCard:
        code, kind, state, site_code, letter, matter, start, end, name, id_masked, ticket_id = row
        site = self.sites.site(site_code)
        start, end = from_db(start), from_db(end)
        until = None
        if state == "booked":
            rules = self.rules.get(site_code, letter)
            until = end if kind == "remote" else start - timedelta(minutes=rules.cutoff_minutes)
            if until <= self.clock():
                until = None
        kind_info = site.type_map.get(letter)
        return BookingCard(
            code=code, kind=kind, state=state, site=site_code, site_name=site.name, type=letter,
            type_name=kind_info.name if kind_info else letter, matter_code=matter,
            matter_name=matter_name if matter_name is not None else ((self.matter_name(matter) or "") if matter else ""),
            slot_start=start, slot_end=end,
            name_masked=name, id_masked=id_masked, changeable_until=until, ticket_id=ticket_id,
        )  # fmt: skip

    def mine(self, phone: Phone) -> list[BookingCard]:
        rows = self.runner.read().all(
            f"SELECT {self.COLUMNS} FROM bookings WHERE phone_key = :k AND slot_end > :since ORDER BY slot_start",
            k=phone.key,
            since=self.clock() - timedelta(days=1),
        )
        return [self._card(r) for r in rows]

    def _own(self, db: Exec, phone: Phone, code: str) -> tuple:
        row = db.one(
            "SELECT kind, state, site, type, slot_start, slot_end FROM bookings WHERE code = :c AND phone_key = :k",
            c=code,
            k=phone.key,
        )
        if row is None:
            raise BookingError("booking_not_found", "no such booking for this phone", 404)
        kind, state, site, letter, start, end = row
        if state != "booked":
            raise BookingError("booking_closed", f"this booking is {state}: it can no longer be changed")
        start = from_db(start)
        rules = self.rules.get(site, letter)
        if kind == "slot" and self.clock() >= start - timedelta(minutes=rules.cutoff_minutes):
            raise BookingError(
                "past_cutoff",
                f"bookings can be changed or cancelled until {rules.cutoff_minutes} minutes before the slot",
            )
        return kind, site, letter, start, from_db(end)

    def cancel(self, phone: Phone, code: str) -> BookingCard:
        def work(db: Exec) -> None:
            kind, site, letter, start, _ = self._own(db, phone, code)
            db.run("UPDATE bookings SET state = 'cancelled' WHERE code = :c", c=code)
            if kind == "slot":  # a remote place's daily count is not given back: no take-and-drop loops
                self._give_back(db, self._slot_scope(site, letter, start))

        transact(self.runner, work)
        return self.card(code)

    def change(self, phone: Phone, code: str, new_start: datetime) -> BookingCard:
        """Move a booking to another slot of the same site and type, in one
        transaction: the old place is kept if the new one cannot be had."""
        now = self.clock()
        row = self.runner.read().one("SELECT site, type, kind FROM bookings WHERE code = :c", c=code)
        if row is None or row[2] != "slot":
            raise BookingError(
                "booking_not_found", "no such booking for this phone (a remote place cannot be moved)", 404
            )
        site = self._site(row[0])
        letter = row[1]
        rules = self.rules.get(site.code, letter)
        self._check_slot(site, letter, rules, new_start, now)

        def work(db: Exec) -> None:
            _, _, _, old_start, _ = self._own(db, phone, code)
            if old_start == new_start:
                return
            if not self._take(db, self._slot_scope(site.code, letter, new_start), rules.quota):
                raise BookingError("slot_full", f"{new_start.astimezone(site.tz):%H:%M} is fully booked")
            self._give_back(db, self._slot_scope(site.code, letter, old_start))
            end = new_start + timedelta(minutes=rules.slot_minutes)
            db.run("UPDATE bookings SET slot_start = :s, slot_end = :e WHERE code = :c", s=new_start, e=end, c=code)
            params = self._params(site, letter, code, new_start, end, "slot")
            outbox.plan(
                db, kind="confirmed", params=params, now=now, booking_code=code, round_=f"{new_start:%Y%m%d%H%M}"
            )

        try:
            transact(self.runner, work)
        except BookingError as exc:
            if exc.code == "slot_full":
                raise with_next_free(exc, self.next_free(site, letter, new_start), site.tz) from None
            raise
        self.kick()
        return self.card(code)

    # -- the sweep -------------------------------------------------------------
    def sweep(self, now: datetime | None = None) -> int:
        """Reminders for slots coming up, and bookings not checked in marked
        missed (with a message); what it did."""
        now = now or self.clock()
        lead = timedelta(minutes=self.notify_cfg.reminder_minutes)
        late = timedelta(minutes=self.queue_cfg.appointment_late_min)
        reads = self.runner.read()
        # reads first: a sweep with nothing to do writes nothing
        pending_reminders = [r for r in self._soon(reads, now, lead) if _reminder_key(r) not in self._reminded]
        overdue = reads.one(
            "SELECT 1 FROM bookings WHERE state = 'booked' AND ((kind = 'slot' AND slot_start < :slot_gone) "
            "OR (kind = 'remote' AND slot_end < :now)) LIMIT 1",
            slot_gone=now - late,
            now=now,
        )
        if not pending_reminders and not overdue:
            return 0

        def work(db: Exec) -> int:
            done = 0
            soon = [r for r in self._soon(db, now, lead) if _reminder_key(r) not in self._reminded]
            for code, site_code, letter, stored_start, stored_end in soon:
                site = self.sites.site(site_code)
                start, end = from_db(stored_start), from_db(stored_end)
                params = self._params(site, letter, code, start, end, "slot")
                round_ = f"{start:%Y%m%d%H%M}"  # a booking moved to another slot is reminded of that one
                done += outbox.plan(db, kind="reminder", params=params, now=now, booking_code=code, round_=round_)
            gone = db.all(
                "SELECT code, site, type, slot_start, slot_end, kind FROM bookings WHERE state = 'booked' "
                "AND ((kind = 'slot' AND slot_start < :slot_gone) OR (kind = 'remote' AND slot_end < :now))",
                slot_gone=now - late,
                now=now,
            )
            for code, site_code, letter, start, end, kind in gone:
                db.run("UPDATE bookings SET state = 'missed' WHERE code = :c AND state = 'booked'", c=code)
                site = self.sites.site(site_code)
                params = self._params(site, letter, code, from_db(start), from_db(end), kind)
                done += 1
                outbox.plan(db, kind="missed", params=params, now=now, booking_code=code)
            return done

        done = transact(self.runner, work)
        if len(self._reminded) > 10_000:
            self._reminded.clear()
        self._reminded.update(
            _reminder_key(r) for r in pending_reminders
        )  # planned (once: by key): not looked at again here
        return done

    def _soon(self, db: Exec, now: datetime, lead: timedelta) -> list:
        rows = db.all(
            "SELECT code, site, type, slot_start, slot_end, created_at FROM bookings WHERE state = 'booked' "
            "AND kind = 'slot' AND slot_start > :now AND slot_start <= :until",
            now=now,
            until=now + lead,
        )
        # a booking made inside the reminder's lead time was just confirmed: no reminder
        return [r[:5] for r in rows if r[5] is None or from_db(r[5]) < from_db(r[3]) - lead]


def _reminder_key(row) -> tuple[str, str]:
    """(code, slot start) of a booking row (code, site, type, slot_start, ...)."""
    return row[0], f"{from_db(row[3]):%Y%m%d%H%M}"


def with_next_free(exc: BookingError, free: tuple[datetime, ...], tz: ZoneInfo) -> BookingError:
    """A full slot's refusal, naming the next free slots (local time)."""
    if free:
        when = ", ".join(f"{f.astimezone(tz):%m-%d %H:%M}" for f in free)
        return BookingError(exc.code, f"{exc.message}: the next free slots are {when}", exc.status, free)
    return BookingError(exc.code, f"{exc.message}, and no later slot is free", exc.status)
