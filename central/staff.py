"""Staff accounts: scrypt password hashes, cookie sessions stored only as a
hash of their token, a CSRF token derived from the session, back-off for an
address that keeps failing to log in (counted in the database, so it holds
across worker processes; the account itself is never locked, so nobody can
lock a clerk out), counters bound to the clerk who holds them, and an audit
trail of what staff grant."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

from central.citizens import token_hash
from central.clock import db_now
from central.db import insert_or_ignore, writer
from central.sites.tables import sites as site_table
from central.sites.tables import staff_sites

metadata = MetaData()
staff_table = Table(
    "staff",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("display_name", String(40), nullable=False, default=""),  # shown to citizens by the evaluator
)
sessions_table = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(40), nullable=False),
    Column("counter", Integer, nullable=True),
    Column("site", String(24), nullable=True),  # the site of the counter taken
    Column("expires_at", DateTime, nullable=False),
)
throttle_table = Table(
    "login_throttle",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime, nullable=False),
    Column("blocked_until", DateTime, nullable=True),
)
ROLES = ("counter", "manager", "auditor", "admin")  # central.access: what each may do; admin: every site
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
FORGET_MINUTES = 15  # failures older than this are forgotten
MAX_BACKOFF_S = 900
SESSION_HOURS = 12


class StaffError(Exception):
    def __init__(self, code: str, message: str, status: int = 401):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode()
    )


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


@functools.cache
def _dummy_hash() -> str:
    """Checked for an unknown user: it costs the same scrypt as a known one."""
    return hash_password(secrets.token_urlsafe(16))


def backoff_s(failures: int, free: int) -> int:
    """Seconds an address waits after its `failures`-th failure in a row: the
    first `free` cost nothing, then 1, 2, 4 ... up to 15 minutes."""
    return 0 if failures <= free else min(MAX_BACKOFF_S, 2 ** (failures - free - 1))


def _sites_of(username: str):
    """The account's sites, in the sites' own order (the first is where its pages open)."""
    return (
        select(staff_sites.c.site)
        .join(site_table, site_table.c.code == staff_sites.c.site)
        .where(staff_sites.c.username == username)
        .order_by(site_table.c.position, site_table.c.code)
    )


@dataclass(frozen=True)
class StaffSession:
    username: str
    role: str
    counter: int | None
    site: str | None = None  # the site of the counter taken
    sites: tuple[str, ...] = ()  # the sites this account works at (an admin: every site)

    def may_see(self, site: str | None) -> bool:
        return self.role == "admin" or (site is not None and site in self.sites)


class StaffStore:
    def __init__(self, engine: Engine, key: bytes = b"", free_failures: int = 5):
        self.engine = engine
        self.key = key  # for CSRF tokens (derived from central's master key)
        self.free_failures = free_failures

    def csrf_token(self, session_token: str) -> str:
        """Sent by the pages in X-CSRF-Token: another site can make the browser send the
        cookie, but cannot read this (it lives in a SameSite=Strict cookie of ours)."""
        return hmac.new(self.key, f"csrf|{session_token}".encode(), hashlib.sha256).hexdigest()[:43]

    def add(
        self, username: str, password: str, role: str, sites: tuple[str, ...] = (), *, display_name: str = ""
    ) -> None:
        """An account working at `sites` (none given: the first site; an admin needs none)."""
        if len(display_name) > 40:
            raise StaffError("bad_name", "a display name has at most 40 characters", 422)
        if role not in ROLES:
            raise StaffError("bad_role", f"role is one of {', '.join(ROLES)}", 422)
        if len(password) < 10:
            raise StaffError("weak_password", "a password has at least 10 characters", 422)
        with writer(self.engine) as conn, conn.begin():
            if conn.execute(select(staff_table.c.username).where(staff_table.c.username == username)).first():
                raise StaffError("exists", f"staff {username!r} exists", 409)
            known = list(
                conn.execute(select(site_table.c.code).order_by(site_table.c.position, site_table.c.code)).scalars()
            )
            unknown = sorted(set(sites) - set(known))
            if unknown:
                raise StaffError("unknown_site", f"no site(s) {unknown}; known: {', '.join(known)}", 422)
            for code in sorted(set(sites or ((known[0],) if known and role != "admin" else ()))):
                conn.execute(insert(staff_sites).values(username=username, site=code))
            conn.execute(
                insert(staff_table).values(
                    username=username,
                    password_hash=hash_password(password),
                    role=role,
                    disabled=False,
                    created_at=db_now(),
                    display_name=display_name.strip(),
                )
            )

    def list(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(staff_table.c.username, staff_table.c.role, staff_table.c.disabled).order_by(
                    staff_table.c.username
                )
            ).all()
            where: dict[str, list[str]] = {}
            for user, site in conn.execute(
                select(staff_sites.c.username, staff_sites.c.site).order_by(staff_sites.c.site)
            ):
                where.setdefault(user, []).append(site)
        return [{"username": u, "role": r, "disabled": d, "sites": where.get(u, [])} for u, r, d in rows]

    def account(self, username: str) -> dict | None:
        """An account as the console shows it (never its password hash)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(staff_table.c.role, staff_table.c.disabled, staff_table.c.display_name).where(
                    staff_table.c.username == username
                )
            ).first()
            if row is None:
                return None
            sites = list(conn.execute(_sites_of(username)).scalars())
        return {"username": username, "role": row[0], "disabled": row[1], "display_name": row[2], "sites": sites}

    def change(
        self,
        username: str,
        *,
        role: str | None = None,
        sites: tuple[str, ...] | None = None,
        disabled: bool | None = None,
        password: str | None = None,
        display_name: str | None = None,
    ) -> tuple[dict, dict]:
        """Changes an account in one transaction; (before, after). Disabling or a
        new password ends its sessions."""
        if role is not None and role not in ROLES:
            raise StaffError("bad_role", f"role is one of {', '.join(ROLES)}", 422)
        if password is not None and len(password) < 10:
            raise StaffError("weak_password", "a password has at least 10 characters", 422)
        if display_name is not None and len(display_name.strip()) > 40:
            raise StaffError("bad_name", "a display name has at most 40 characters", 422)
        before = self.account(username)
        if before is None:
            raise StaffError("unknown_staff", f"no staff {username!r}", 404)
        values: dict = {}
        if role is not None:
            values["role"] = role
        if disabled is not None:
            values["disabled"] = disabled
        if password is not None:
            values["password_hash"] = hash_password(password)
        if display_name is not None:
            values["display_name"] = display_name.strip()
        with writer(self.engine) as conn, conn.begin():
            if values:
                conn.execute(update(staff_table).where(staff_table.c.username == username).values(**values))
            if sites is not None:
                known = set(conn.execute(select(site_table.c.code)).scalars())
                unknown = sorted(set(sites) - known)
                if unknown:
                    raise StaffError("unknown_site", f"no site(s) {unknown}", 422)
                conn.execute(delete(staff_sites).where(staff_sites.c.username == username))
                for code in sorted(set(sites)):
                    conn.execute(insert(staff_sites).values(username=username, site=code))
            if disabled or password is not None or role is not None or sites is not None:
                conn.execute(delete(sessions_table).where(sessions_table.c.username == username))
        after = self.account(username)
        assert after is not None
        return before, after

    def set_display_name(self, username: str, name: str) -> None:
        if len(name.strip()) > 40:
            raise StaffError("bad_name", "a display name has at most 40 characters", 422)
        with writer(self.engine) as conn, conn.begin():
            if not conn.execute(
                update(staff_table).where(staff_table.c.username == username).values(display_name=name.strip())
            ).rowcount:
                raise StaffError("unknown_staff", f"no staff {username!r}", 404)

    def disable(self, username: str) -> None:
        with writer(self.engine) as conn, conn.begin():
            if not conn.execute(
                update(staff_table).where(staff_table.c.username == username).values(disabled=True)
            ).rowcount:
                raise StaffError("unknown_staff", f"no staff {username!r}", 404)
            conn.execute(delete(sessions_table).where(sessions_table.c.username == username))

    def login(self, username: str, password: str, source: str = "") -> tuple[str, StaffSession]:
        """A new session, or StaffError. Failures are counted per source
        address with growing back-off; an unknown username takes the same time
        as a wrong password (one scrypt either way)."""
        now = db_now()
        source = source[:64] or "unknown"
        with writer(self.engine) as conn, conn.begin():
            # the source's row, made if missing and locked: simultaneous logins from one
            # address are checked one after the other, so the back-off counts every one
            conn.execute(
                insert_or_ignore(self.engine.dialect.name, throttle_table).values(
                    source=source, failures=0, last_at=now, blocked_until=None
                )
            )
            throttle = conn.execute(
                select(throttle_table).where(throttle_table.c.source == source).with_for_update()
            ).first()
            if throttle is not None and throttle.blocked_until is not None and throttle.blocked_until > now:
                wait = int((throttle.blocked_until - now).total_seconds()) + 1
                raise StaffError("locked", f"too many failed logins from this address; try again in {wait} s", 429)
            row = conn.execute(select(staff_table).where(staff_table.c.username == username)).first()
            matches = check_password(password, row.password_hash if row is not None else _dummy_hash())
            failed = row is None or row.disabled or not matches
            if failed:  # recorded and committed, then refused
                recent = throttle is not None and throttle.last_at > now - timedelta(minutes=FORGET_MINUTES)
                failures = (throttle.failures if recent else 0) + 1
                wait = backoff_s(failures, self.free_failures)
                values = {
                    "failures": failures,
                    "last_at": now,
                    "blocked_until": now + timedelta(seconds=wait) if wait else None,
                }
                if throttle is None:
                    conn.execute(insert(throttle_table).values(source=source, **values))
                else:
                    conn.execute(update(throttle_table).where(throttle_table.c.source == source).values(**values))
                conn.execute(delete(throttle_table).where(throttle_table.c.last_at < now - timedelta(days=1)))
            else:
                conn.execute(delete(throttle_table).where(throttle_table.c.source == source))
                token = secrets.token_urlsafe(32)
                conn.execute(
                    insert(sessions_table).values(
                        token_hash=token_hash(token),
                        username=username,
                        counter=None,
                        expires_at=now + timedelta(hours=SESSION_HOURS),
                    )
                )
        if failed:
            raise StaffError("bad_login", "wrong username or password")
        return token, StaffSession(username, row.role, None, None, self._sites(username))

    def _sites(self, username: str) -> tuple[str, ...]:
        with self.engine.connect() as conn:
            return tuple(conn.execute(_sites_of(username)).scalars())

    def session(self, token: str | None) -> StaffSession | None:
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    sessions_table.c.username,
                    sessions_table.c.counter,
                    sessions_table.c.site,
                    staff_table.c.role,
                    staff_table.c.disabled,
                    sessions_table.c.expires_at,
                )
                .join(staff_table, staff_table.c.username == sessions_table.c.username)
                .where(sessions_table.c.token_hash == token_hash(token))
            ).first()
            if row is None or row.disabled or row.expires_at < db_now():
                return None
            sites = tuple(conn.execute(_sites_of(row.username)).scalars())
        return StaffSession(row.username, row.role, row.counter, row.site, sites)

    def choose_counter(self, token: str, counter: int, site: str) -> None:
        """Take a counter; refused (409) while another clerk's live session holds
        it. The check and the update are one transaction, and the counter's
        holders are read with a row lock, so two clerks cannot both take it."""
        with writer(self.engine) as conn, conn.begin():
            mine = conn.execute(
                select(sessions_table.c.username).where(sessions_table.c.token_hash == token_hash(token))
            ).scalar_one_or_none()
            holders = conn.execute(
                select(sessions_table.c.username)
                .where(
                    sessions_table.c.counter == counter,
                    sessions_table.c.site == site,
                    sessions_table.c.expires_at > db_now(),
                    sessions_table.c.username != mine,
                )
                .with_for_update()
            ).all()
            if holders:
                raise StaffError(
                    "counter_taken",
                    f"counter {counter} is held by {holders[0][0]}; they log out, or the hall manager closes it",
                    409,
                )
            conn.execute(
                update(sessions_table)
                .where(sessions_table.c.token_hash == token_hash(token))
                .values(counter=counter, site=site)
            )

    def release_counter(self, site: str, counter: int) -> int:
        """The manager closed the counter: nobody holds it any more."""
        with writer(self.engine) as conn, conn.begin():
            return conn.execute(
                update(sessions_table)
                .where(sessions_table.c.counter == counter, sessions_table.c.site == site)
                .values(counter=None)
            ).rowcount

    def audit(
        self, username: str, action: str, target: str, detail: str = "", *, role: str = "", site: str = ""
    ) -> int:
        """One entry of the audit trail (central/audit.py: hash-chained, append-only)."""
        from central.audit import AuditTrail

        return AuditTrail(self.engine).record(username, action, target, detail, role=role, site=site)

    def logout(self, token: str) -> None:
        with writer(self.engine) as conn, conn.begin():
            conn.execute(delete(sessions_table).where(sessions_table.c.token_hash == token_hash(token)))
