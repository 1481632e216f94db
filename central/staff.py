"""Staff accounts: scrypt password hashes, cookie sessions stored only as a
hash of their token, and a login lock after repeated failures (counted in the
database, so it holds across worker processes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from central.db import writer

metadata = MetaData()
staff_table = Table(
    "staff",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)
sessions_table = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(40), nullable=False),
    Column("counter", Integer, nullable=True),
    Column("expires_at", DateTime, nullable=False),
)
failures_table = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(40), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)

ROLES = ("counter", "manager")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MAX_FAILURES, LOCK_MINUTES = 5, 15
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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    username: str
    role: str
    counter: int | None


class StaffStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, username: str, password: str, role: str) -> None:
        if role not in ROLES:
            raise StaffError("bad_role", f"role is one of {', '.join(ROLES)}", 422)
        if len(password) < 10:
            raise StaffError("weak_password", "a password has at least 10 characters", 422)
        with writer(self.engine) as conn, conn.begin():
            if conn.execute(select(staff_table.c.username).where(staff_table.c.username == username)).first():
                raise StaffError("exists", f"staff {username!r} exists", 409)
            conn.execute(
                insert(staff_table).values(
                    username=username,
                    password_hash=hash_password(password),
                    role=role,
                    disabled=False,
                    created_at=_now(),
                )
            )

    def list(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(staff_table.c.username, staff_table.c.role, staff_table.c.disabled).order_by(
                    staff_table.c.username
                )
            ).all()
        return [{"username": u, "role": r, "disabled": d} for u, r, d in rows]

    def disable(self, username: str) -> None:
        with writer(self.engine) as conn, conn.begin():
            if not conn.execute(
                update(staff_table).where(staff_table.c.username == username).values(disabled=True)
            ).rowcount:
                raise StaffError("unknown_staff", f"no staff {username!r}", 404)
            conn.execute(delete(sessions_table).where(sessions_table.c.username == username))

    def login(self, username: str, password: str) -> tuple[str, StaffSession]:
        now = _now()
        with writer(self.engine) as conn, conn.begin():
            recent = conn.execute(
                select(func.count())
                .select_from(failures_table)
                .where(
                    failures_table.c.username == username, failures_table.c.at > now - timedelta(minutes=LOCK_MINUTES)
                )
            ).scalar_one()
            if recent >= MAX_FAILURES:
                raise StaffError("locked", f"too many failed logins; try again in {LOCK_MINUTES} minutes", 429)
            row = conn.execute(select(staff_table).where(staff_table.c.username == username)).first()
            failed = row is None or row.disabled or not check_password(password, row.password_hash)
            if failed:  # recorded and committed, then refused
                conn.execute(insert(failures_table).values(username=username, at=now))
            else:
                conn.execute(delete(failures_table).where(failures_table.c.username == username))
                token = secrets.token_urlsafe(32)
                conn.execute(
                    insert(sessions_table).values(
                        token_hash=_token_hash(token),
                        username=username,
                        counter=None,
                        expires_at=now + timedelta(hours=SESSION_HOURS),
                    )
                )
        if failed:
            raise StaffError("bad_login", "wrong username or password")
        return token, StaffSession(username, row.role, None)

    def session(self, token: str | None) -> StaffSession | None:
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    sessions_table.c.username,
                    sessions_table.c.counter,
                    staff_table.c.role,
                    staff_table.c.disabled,
                    sessions_table.c.expires_at,
                )
                .join(staff_table, staff_table.c.username == sessions_table.c.username)
                .where(sessions_table.c.token_hash == _token_hash(token))
            ).first()
        if row is None or row.disabled or row.expires_at < _now():
            return None
        return StaffSession(row.username, row.role, row.counter)

    def choose_counter(self, token: str, counter: int) -> None:
        with writer(self.engine) as conn, conn.begin():
            conn.execute(
                update(sessions_table).where(sessions_table.c.token_hash == _token_hash(token)).values(counter=counter)
            )

    def logout(self, token: str) -> None:
        with writer(self.engine) as conn, conn.begin():
            conn.execute(delete(sessions_table).where(sessions_table.c.token_hash == _token_hash(token)))
