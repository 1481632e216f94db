"""Wire formats between kiosk and central, imported by both sides.

Central uses these models for its request and response bodies (so they appear
in /openapi.json); the kiosk validates every answer against the same models,
so a garbled reply is caught at the edge with a precise message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from common.text import first_control

API_PREFIX = "/api/v1"
# A site's code (a hall, a 便民服务中心, a self-service point): in URLs, logs and the CLI
SITE_CODE = r"^[a-z][a-z0-9-]{1,23}$"
SITE_KINDS = ("hall", "centre", "self_service")  # 政务服务中心, 便民服务中心, 24-hour self-service point


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(WireModel):
    code: str = Field(description="stable machine-readable code, e.g. 'bad_signature'")
    message: str = Field(description="what went wrong and what to do, for an operator")
    next_free: list[datetime] | None = Field(default=None, description="slot_full: the next free slots")


class ErrorReply(WireModel):
    error: ErrorBody


class EnrollRequest(WireModel):
    code: str = Field(min_length=4, max_length=64, description="one-time enrollment code")
    version: str = Field(max_length=40)
    hostname: str = Field(default="", max_length=120)


class EnrollReply(WireModel):
    kiosk_id: str
    name: str
    secret: str = Field(description="per-kiosk HMAC secret, base64; shown once")
    server_time: datetime


class CardPresented(WireModel):
    """The card a citizen just put on this kiosk's reader (sent over TLS, kept
    by central only as a keyed hash): it opens that citizen's records at this
    kiosk for a short while."""

    document_type: str = Field(default="resident_id", pattern=r"^[a-z_]{2,30}$", description="resident_id, eid, ...")
    number: str = Field(min_length=6, max_length=40, pattern=r"^[0-9A-Za-z]+$")
    reader: str = Field(default="", max_length=20, pattern=r"^[a-z0-9_]*$", description="pcsc, ga467, virtual")


CitizenTokenStr = Annotated[
    str,
    Field(
        min_length=20,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="from POST /citizens/present, valid at the kiosk that presented the card",
    ),
]


class CitizenToken(WireModel):
    token: CitizenTokenStr
    expires_in_s: int = Field(ge=1)


DeviceState = Literal["ok", "warning", "fault", "absent", "unknown"]


class DeviceStatus(WireModel):
    state: DeviceState
    detail: str = Field(default="", max_length=300)


KioskMode = Literal["normal", "after_hours", "maintenance"]


class KioskHealth(WireModel):
    """What an operator needs to see from afar, in every heartbeat."""

    disk_free_mb: int = Field(ge=0, le=2**53)
    disk_used_pct: float = Field(ge=0, le=100)
    memory_rss_mb: float = Field(ge=0)
    outbox_backlog: int = Field(ge=0, le=2**53, description="items not yet delivered")
    outbox_failed: int = Field(ge=0, le=2**53, description="items central refused for good")
    outbox_oldest_s: float = Field(ge=0, description="age of the oldest undelivered item")
    last_sync_at: datetime | None = Field(default=None, description="last successful catalog sync")
    catalog_version: int = Field(ge=0, le=2**53)
    config_version: int = Field(ge=0, le=2**53)
    offline_numbers: int = Field(ge=0, le=2**53, description="numbers left in the kiosk's leased blocks for today")
    mode: KioskMode = "normal"


class HeartbeatRequest(WireModel):
    version: str = Field(max_length=40)
    uptime_s: float = Field(ge=0)
    sent_at: AwareDatetime = Field(description="the kiosk's clock, with its UTC offset")
    devices: dict[str, DeviceStatus] = Field(default_factory=dict, max_length=32)
    health: KioskHealth | None = None


class HeartbeatReply(WireModel):
    server_time: datetime
    kiosk_name: str
    config_version: int = Field(default=0, description="fetch /kiosks/config when it differs from yours")


class Fault(WireModel):
    """A device fault or its clearing (through the outbox: kept once per key)."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    device: str = Field(max_length=40)
    reason: str = Field(max_length=40, description="paper_out, offline, jammed, ...; 'cleared' when it works again")
    detail: str = Field(default="", max_length=300)
    at: datetime


class HelpCall(WireModel):
    """一键呼叫: a citizen at a kiosk asks for a member of staff (through the
    outbox: kept once per key, delivered late when central was away)."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    screen: str = Field(max_length=40, pattern=r"^[a-z_]*$", description="the screen the citizen was on")
    at: AwareDatetime = Field(description="the kiosk's time of the tap (central's own time when they differ by a day)")


USAGE_QUERY_MAX = 40


class UsageReport(WireModel):
    """What citizens did at a kiosk, counted there and sent in batches through
    the outbox (kept once per key): which guides they opened, and what they
    searched for and did not find, which tells the catalog team what is
    missing. No identity, no times finer than the hour."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    hour: AwareDatetime = Field(description="the start of the hour counted (the kiosk's clock)")
    guides: dict[str, int] = Field(default_factory=dict, max_length=500, description="matter code -> times opened")
    failed_searches: dict[str, int] = Field(
        default_factory=dict, max_length=200, description="search text (masked) -> times nothing was found"
    )

    @field_validator("guides", "failed_searches")
    @classmethod
    def _counts(cls, value: dict[str, int]) -> dict[str, int]:
        for key, count in value.items():
            if not 0 < len(key) <= USAGE_QUERY_MAX or first_control(key):
                raise ValueError(f"a key of 1-{USAGE_QUERY_MAX} printable characters, not {key!r}")
            if not 0 < count <= 100000:
                raise ValueError(f"a count of 1-100000, not {count}")
        return value


class HelpCallView(WireModel):
    """A call for help as staff see it on the counter and manager pages."""

    id: int
    site: str
    kiosk: str = Field(description="the kiosk's name")
    screen: str
    at: datetime
    received_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class SiteInfo(WireModel):
    """The site a kiosk is enrolled at, as its settings carry it."""

    code: str = Field(pattern=SITE_CODE)
    kind: Literal["hall", "centre", "self_service"]
    name: str
    name_en: str = ""
    address: str = ""
    types: tuple[str, ...] = Field(default=(), description="business type codes issued here, in screen order")
    config_version: int = Field(default=0, ge=0, description="grows with every change of any site's configuration")

    @property
    def issues_tickets(self) -> bool:
        return self.kind != "self_service"


class KioskSettings(WireModel):
    """Settings central pushes to kiosks (no restart needed). Version grows
    with each change; the kiosk keeps the last one it got."""

    version: int = Field(ge=0)
    # until a hall sets its hours, counters count as always open: hiding a service is opt-in
    open_time: str = Field(
        default="00:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="counters open (local time); outside hours counter-only services hide",
    )
    close_time: str = Field(default="24:00", pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    open_days: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5, 6, 7), description="ISO weekdays the counters work")
    closed_dates: tuple[str, ...] = Field(default=(), description="YYYY-MM-DD the site is closed (holidays)")
    notice_zh: str = Field(default="", max_length=200, description="a line on the home screen")
    notice_en: str = Field(default="", max_length=200)
    idle_timeout_s: int = Field(default=0, ge=0, le=3600, description="0: the kiosk's own setting")
    max_copies: int = Field(default=0, ge=0, le=20, description="0: the kiosk's own setting")
    maintenance: bool = Field(default=False, description="out of service: the kiosk shows a notice only")
    site: SiteInfo | None = Field(default=None, description="where this kiosk stands (None: an older central)")

    @field_validator("notice_zh", "notice_en")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        bad = first_control(value)
        if bad:
            raise ValueError(f"control character {bad}: a notice is plain text")
        return value

    @property
    def etag(self) -> str:
        """What central tags these settings with; a kiosk sends its own back as If-None-Match."""
        site = f"-{self.site.code}-{self.site.config_version}" if self.site else ""
        return f'"settings-{self.version}-{int(self.maintenance)}{site}"'


class Health(WireModel):
    status: Literal["ok"]
    version: str
    database: str
