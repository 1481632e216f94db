"""Central's configuration: config/central.toml -> frozen dataclasses."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path

from common.settings import BUILT_IN, config_path, default_data_dir, load_toml
from common.tickets import type_code_problem
from common.wire import SITE_CODE, SITE_KINDS

DEFAULT_PATH = "/etc/kiosk/central.toml"
SYSTEM_DATA_DIR = "/var/lib/kiosk-central"

ENV_OVERRIDES = {
    "storage.data_dir": "KIOSK_CENTRAL_DATA_DIR",
    "storage.secrets_dir": "KIOSK_CENTRAL_SECRETS_DIR",
    "database.url": "KIOSK_CENTRAL_DATABASE_URL",
    "server.host": "KIOSK_CENTRAL_HOST",
    "server.port": "KIOSK_CENTRAL_PORT",
}


@dataclass(frozen=True)
class ServerSection:
    host: str = "127.0.0.1"
    port: int = 8700
    workers: int = 1
    public_url: str = ""
    max_body_kb: int = 1024  # larger request bodies get 413
    header_timeout_s: float = 10.0  # a connection whose request headers take longer is closed
    body_timeout_s: float = 30.0  # a request body that takes longer gets 408
    max_connections: int = 4096  # per worker; more get 503 (keep LimitNOFILE well above it)
    api_docs: str = "managers"  # /docs and /openapi.json: public, managers (a manager's login) or off

    def validate(self):
        if not 1 <= self.port <= 65535:
            return "port", f"expected a TCP port 1-65535, got {self.port}"
        if not 1 <= self.workers <= 64:
            return "workers", f"expected 1-64 worker processes, got {self.workers}"
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            return "public_url", f"expected an http(s) URL, got {self.public_url!r}"
        if not 1 <= self.max_body_kb <= 1024 * 1024:
            return "max_body_kb", f"expected 1-1048576 KB, got {self.max_body_kb}"
        for key in ("header_timeout_s", "body_timeout_s"):
            if not 1 <= getattr(self, key) <= 600:
                return key, f"expected 1-600 seconds, got {getattr(self, key)}"
        if not 16 <= self.max_connections <= 1_000_000:
            return "max_connections", f"expected 16-1000000, got {self.max_connections}"
        if self.api_docs not in ("public", "managers", "off"):
            return "api_docs", f"expected public, managers or off, got {self.api_docs!r}"
        return None


@dataclass(frozen=True)
class DatabaseSection:
    url: str = ""  # empty: SQLite file central.db in storage.data_dir
    # PostgreSQL connections per worker process: pool_size kept open, up to max_overflow more
    # under load. A node holds workers x (pool_size + max_overflow) + 1 (event listener) at
    # most; all nodes together must stay under the server's max_connections (docs/operations.md)
    pool_size: int = 8
    max_overflow: int = 8
    pool_timeout_s: float = 10.0  # a request waits this long for a free connection, then fails (503)

    def validate(self):
        if self.url and not self.url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            return "url", f"expected a sqlite: or postgresql: SQLAlchemy URL, got {self.url!r}"
        if not 1 <= self.pool_size <= 200:
            return "pool_size", f"expected 1-200 connections, got {self.pool_size}"
        if not 0 <= self.max_overflow <= 200:
            return "max_overflow", f"expected 0-200 connections, got {self.max_overflow}"
        if not 0.1 <= self.pool_timeout_s <= 120:
            return "pool_timeout_s", f"expected 0.1-120 seconds, got {self.pool_timeout_s}"
        return None


@dataclass(frozen=True)
class StorageSection:
    data_dir: str = ""  # empty: /var/lib/kiosk-central, or the XDG data directory for a user who cannot write there
    # master.key, id_hash.key, certificate-signing.key and retired certificate keys; every
    # node of one database must see the same files (central.node_keys). Empty: data_dir
    secrets_dir: str = ""


@dataclass(frozen=True)
class SecuritySection:
    clock_skew_s: int = 300
    enrollment_code_ttl_h: int = 24
    citizen_session_min: int = 15  # a card presented at a kiosk opens the citizen's records there this long
    identities_per_hour: int = 60  # different ID cards one kiosk may present in an hour; more suspends it; 0: no limit
    foreign_identities_per_hour: int = 20  # cards from provinces unusual for the kiosk, per hour; 0: no check
    home_provinces: tuple[str, ...] = ()  # 2-digit province codes usual here; empty: learned per kiosk
    tickets_per_minute: int = 20  # tickets one kiosk may take a minute (a ticket prints in ~3 s); 0: no limit
    login_failures_before_backoff: int = 5  # failed staff logins from one address before it must wait
    logins_per_second: int = 20  # staff login attempts per second per worker, from everyone together

    def validate(self):
        if not 30 <= self.clock_skew_s <= 3600:
            return "clock_skew_s", f"expected 30-3600 seconds, got {self.clock_skew_s}"
        if not 1 <= self.enrollment_code_ttl_h <= 24 * 14:
            return "enrollment_code_ttl_h", f"expected 1-336 hours, got {self.enrollment_code_ttl_h}"
        if not 1 <= self.citizen_session_min <= 120:
            return "citizen_session_min", f"expected 1-120 minutes, got {self.citizen_session_min}"
        for key in ("identities_per_hour", "foreign_identities_per_hour", "tickets_per_minute"):
            if not 0 <= getattr(self, key) <= 100_000:
                return key, f"expected 0 (no limit) to 100000, got {getattr(self, key)}"
        bad = [p for p in self.home_provinces if not re.fullmatch(r"[1-9]\d", p)]
        if bad:
            return "home_provinces", f"expected 2-digit province codes (the start of an ID number), got {bad}"
        if not 1 <= self.login_failures_before_backoff <= 100:
            return "login_failures_before_backoff", f"expected 1-100, got {self.login_failures_before_backoff}"
        if not 1 <= self.logins_per_second <= 10_000:
            return "logins_per_second", f"expected 1-10000, got {self.logins_per_second}"
        return None


@dataclass(frozen=True)
class HallSection:
    """The first site, seeded once into a new (or upgraded) database; later
    changes go through `kiosk-central sites` or the API (docs/sites.md)."""

    code: str = "main"
    kind: str = "hall"
    name: str = "政务服务中心"
    name_en: str = "Government Service Center"
    address: str = ""
    timezone: str = "Asia/Shanghai"

    def validate(self):
        if not re.fullmatch(SITE_CODE, self.code):
            return "code", f"expected 2-24 lower-case letters, digits or '-', starting with a letter; got {self.code!r}"
        if self.kind not in SITE_KINDS:
            return "kind", f"expected one of {', '.join(SITE_KINDS)}, got {self.kind!r}"
        return None


@dataclass(frozen=True)
class BusinessType:
    code: str
    name: str
    name_en: str = ""
    avg_minutes: float = 8.0  # average handling time at a counter

    def validate(self):
        problem = type_code_problem(self.code)
        if problem:
            return "code", problem
        if not 0.5 <= self.avg_minutes <= 240:
            return "avg_minutes", f"expected 0.5-240 minutes, got {self.avg_minutes}"
        return None


@dataclass(frozen=True)
class Counter:
    number: int
    name: str = ""
    types: tuple[str, ...] = ()  # empty: a 综合窗口 that serves every type

    def validate(self):
        if not 1 <= self.number <= 999:
            return "number", f"expected 1-999, got {self.number}"
        return None


@dataclass(frozen=True)
class QueueSection:
    reset_at: str = "00:00"  # local time when daily numbering restarts
    first_number: int = 1
    last_number: int = 999
    daily_limit_per_person: int = 5  # real-name tickets per person per day, all types
    appointment_early_min: int = 30  # check-in allowed this long before the slot...
    appointment_late_min: int = 15  # ...and this long after its start
    offline_first_number: int = 900  # numbers from here to last_number are leased to kiosks for offline use; 0: none
    offline_block_size: int = 10  # numbers per lease (per kiosk, type and day)
    keep_person_days: int = 30  # tickets and bookings forget whose they were (the keyed hash) after this long
    types: tuple[BusinessType, ...] = (
        BusinessType("A", "综合业务", "General services", 6.0),
        BusinessType("B", "社保医保", "Social insurance and medical insurance", 8.0),
        BusinessType("C", "不动产登记", "Real estate registration", 15.0),
        BusinessType("D", "企业开办", "Starting a business", 12.0),
        BusinessType("E", "户籍证件", "Household registration and ID cards", 7.0),
    )
    counters: tuple[Counter, ...] = (
        Counter(1, "1号窗口", ()),
        Counter(2, "2号窗口", ("A", "E")),
        Counter(3, "3号窗口", ("B",)),
        Counter(4, "4号窗口", ("B",)),
        Counter(5, "5号窗口", ("C",)),
        Counter(6, "6号窗口", ("D", "A")),
    )

    def validate(self):
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.reset_at):
            return "reset_at", f"expected HH:MM, got {self.reset_at!r}"
        if not 1 <= self.first_number < self.last_number <= 999:
            return "last_number", "expected 1 <= first_number < last_number <= 999 (three digits on the ticket)"
        if self.offline_first_number and not self.first_number < self.offline_first_number <= self.last_number:
            return "offline_first_number", (
                f"expected a number in {self.first_number + 1}-{self.last_number} "
                f"(the top of the range, leased for offline issue), or 0 for none"
            )
        if not 1 <= self.offline_block_size <= 100:
            return "offline_block_size", f"expected 1-100 numbers per lease, got {self.offline_block_size}"
        if not 1 <= self.keep_person_days <= 3650:
            return "keep_person_days", f"expected 1-3650 days, got {self.keep_person_days}"
        letters = [t.code for t in self.types]
        if len(set(letters)) != len(letters):
            return "types", "two business types share a code"
        for counter in self.counters:
            unknown = set(counter.types) - set(letters)
            if unknown:
                return "counters", f"counter {counter.number} serves unknown type(s) {sorted(unknown)}"
        if len({c.number for c in self.counters}) != len(self.counters):
            return "counters", "two counters share a number"
        return None

    @property
    def online_last_number(self) -> int:
        return self.offline_first_number - 1 if self.offline_first_number else self.last_number


ANNOUNCE_FIELDS = {"number", "counter"}


def announcement_problem(template: str) -> str | None:
    """What is wrong with a call's template ("" is fine: the default), or None."""
    if not template:
        return None
    want = f"a template of at most 120 characters with {{number}} and optionally {{counter}}, got {template!r}"
    try:
        found = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return want
    if len(template) > 120 or found - ANNOUNCE_FIELDS or "number" not in found:
        return want
    return None


@dataclass(frozen=True)
class DisplaySection:
    """The hall display board: what it says when a number is called, and how."""

    announce_zh: str = "请{number}号到{counter}号窗口办理"
    announce_en: str = "Number {number}, please go to counter {counter}"
    voice_zh: str = "cmn"  # espeak-ng voices for the pre-generated clips
    voice_en: str = "en"
    speech_rate: int = 150  # words per minute
    latest_calls: int = 8  # calls listed on the board
    max_streams: int = 2000  # live event streams (boards, phone pages) per worker process
    max_streams_per_address: int = 200  # from one address: a hall's Wi-Fi puts many phones behind one

    def validate(self):
        for key in ("announce_zh", "announce_en"):
            template = getattr(self, key)
            problem = announcement_problem(template) if template else "a template is needed"
            if problem:
                return key, problem
        if not 80 <= self.speech_rate <= 400:
            return "speech_rate", f"expected 80-400 words per minute, got {self.speech_rate}"
        if not 1 <= self.latest_calls <= 20:
            return "latest_calls", f"expected 1-20, got {self.latest_calls}"
        if not 1 <= self.max_streams <= 100_000:
            return "max_streams", f"expected 1-100000, got {self.max_streams}"
        if not 1 <= self.max_streams_per_address <= self.max_streams:
            return "max_streams_per_address", f"expected 1-max_streams, got {self.max_streams_per_address}"
        return None


@dataclass(frozen=True)
class CertificateKind:
    code: str
    name: str
    name_en: str = ""
    subject: str = "person"  # person, or company (printed by its legal representative)
    issuer: str = ""  # the body that issues it; empty: [certificates] issuer

    def validate(self):
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", self.code):
            return "code", f"expected a lower-case identifier, got {self.code!r}"
        if self.subject not in ("person", "company"):
            return "subject", f"expected person or company, got {self.subject!r}"
        return None


@dataclass(frozen=True)
class CertificatesSection:
    issuer: str = "示例市政务服务管理局"
    valid_days: int = 90  # the usage watermark's 有效期至
    max_copies: int = 3  # copies a citizen may print at once
    keep_content_days: int = 30  # a certificate's content (names, income) is removed this long after it expires
    backoffice: str = ""  # JSON dataset for the sample adapter; empty: the bundled sample
    kinds: tuple[CertificateKind, ...] = (
        CertificateKind(
            "social_insurance",
            "社会保险参保缴费证明",
            "Social insurance contribution record",
            "person",
            "示例市社会保险事业管理中心",
        ),
        CertificateKind("tax", "个人纳税证明", "Personal tax payment record", "person", "国家税务总局示例市税务局"),
        CertificateKind(
            "real_estate", "不动产登记信息查询结果", "Real estate registration record", "person", "示例市不动产登记中心"
        ),
        CertificateKind(
            "business_license", "营业执照（副本）", "Business licence (copy)", "company", "示例市市场监督管理局"
        ),
    )

    def validate(self):
        if not 1 <= self.valid_days <= 3650:
            return "valid_days", f"expected 1-3650 days, got {self.valid_days}"
        if not 1 <= self.max_copies <= 20:
            return "max_copies", f"expected 1-20, got {self.max_copies}"
        if not 0 <= self.keep_content_days <= 3650:
            return "keep_content_days", f"expected 0-3650 days, got {self.keep_content_days}"
        if self.backoffice and not Path(self.backoffice).is_file():
            return "backoffice", f"file not found: {self.backoffice}"
        codes = [k.code for k in self.kinds]
        if len(set(codes)) != len(codes):
            return "kinds", "two certificate kinds share a code"
        return None


@dataclass(frozen=True)
class RatingSinkSection:
    """Where ratings go beyond central (the provincial 好差评 system), and how
    the outbox retries: none (they stay on central), http or file."""

    kind: str = "none"
    url: str = ""  # http: the province's endpoint
    app_key: str = ""  # http: this deployment's app key
    secret_file: str = "province.key"  # http: the signing secret, a file in [storage] secrets_dir
    directory: str = ""  # file: one ratings-YYYYMMDD.jsonl per day here
    timeout_s: float = 10.0
    retry_min_s: float = 5.0  # first retry after this, doubling ...
    retry_max_s: float = 600.0  # ... up to this
    poll_s: float = 5.0  # how often the delivering node looks for new ratings

    def validate(self):
        if self.kind not in ("none", "http", "file"):
            return "kind", f"expected none, http or file, got {self.kind!r}"
        if self.kind == "http" and not self.url.startswith(("http://", "https://")):
            return "url", f"the http sink needs the province's http(s) URL, got {self.url!r}"
        if self.kind == "http" and not self.app_key:
            return "app_key", "the http sink needs the app key the province issued"
        if self.kind == "file" and not self.directory:
            return "directory", "the file sink needs a directory to write to"
        if not 1 <= self.timeout_s <= 120:
            return "timeout_s", f"expected 1-120 seconds, got {self.timeout_s}"
        if not 0.1 <= self.retry_min_s <= self.retry_max_s <= 86400:
            return "retry_min_s", "expected 0.1 <= retry_min_s <= retry_max_s <= 86400 seconds"
        if not 0.1 <= self.poll_s <= 3600:
            return "poll_s", f"expected 0.1-3600 seconds, got {self.poll_s}"
        return None


@dataclass(frozen=True)
class RatingsSection:
    # case numbers (办件编号): {region} {site} {date} (YYYYMMDD) {seq}, restarting each day
    case_number_format: str = "{region}{date}{seq:06d}"
    rate_within_days: int = 7  # a case can be rated this long after it ends
    evaluator_window_min: int = 10  # the window evaluator offers a case finished this recently
    evaluator_idle_s: int = 60  # and goes back to idle after this long without a rating
    # a bad review's follow-up: contact the citizen within hours, resolve and close within working days
    contact_hours: int = 24
    follow_up_days: int = 10  # resolve (local rule: 5-15 working days)
    close_days: int = 15
    sweep_every_s: float = 60.0  # how often overdue follow-ups are escalated
    region: str = "110105"  # administrative division code sent with each rating
    # level 1..5 (GB/T 39046: 1 very satisfied) -> the code this deployment reports
    level_codes: tuple[str, ...] = ("1", "2", "3", "4", "5")
    sink: RatingSinkSection = field(default_factory=RatingSinkSection)

    def validate(self):
        from central.ratings.cases import format_problem

        problem = format_problem(self.case_number_format)
        if problem:
            return "case_number_format", problem
        if not 1 <= self.rate_within_days <= 90:
            return "rate_within_days", f"expected 1-90 days, got {self.rate_within_days}"
        if not 1 <= self.evaluator_window_min <= 240:
            return "evaluator_window_min", f"expected 1-240 minutes, got {self.evaluator_window_min}"
        if not 10 <= self.evaluator_idle_s <= 600:
            return "evaluator_idle_s", f"expected 10-600 seconds, got {self.evaluator_idle_s}"
        if not 1 <= self.contact_hours <= 720:
            return "contact_hours", f"expected 1-720 hours, got {self.contact_hours}"
        if not 1 <= self.follow_up_days <= 60:
            return "follow_up_days", f"expected 1-60 working days, got {self.follow_up_days}"
        if not self.follow_up_days <= self.close_days <= 90:
            return (
                "close_days",
                f"expected follow_up_days ({self.follow_up_days}) to 90 working days, got {self.close_days}",
            )
        if not 1 <= self.sweep_every_s <= 3600:
            return "sweep_every_s", f"expected 1-3600 seconds, got {self.sweep_every_s}"
        if not re.fullmatch(r"[0-9]{6,12}", self.region):
            return "region", f"expected the 6-12 digit administrative division code, got {self.region!r}"
        if len(self.level_codes) != 5 or len(set(self.level_codes)) != 5:
            return "level_codes", "expected five distinct codes, for levels 1 (very satisfied) to 5"
        return None


@dataclass(frozen=True)
class FleetSection:
    """When the fleet page raises an alert for a kiosk."""

    offline_after_min: int = 5  # no heartbeat for this long
    backlog_alert: int = 50  # undelivered outbox items
    stuck_after_min: int = 15  # oldest undelivered item older than this while the kiosk is online
    disk_alert_pct: float = 90.0  # disk use

    def validate(self):
        if not 1 <= self.offline_after_min <= 1440:
            return "offline_after_min", f"expected 1-1440 minutes, got {self.offline_after_min}"
        if not 1 <= self.backlog_alert <= 100000:
            return "backlog_alert", f"expected 1-100000 items, got {self.backlog_alert}"
        if not 1 <= self.stuck_after_min <= 1440:
            return "stuck_after_min", f"expected 1-1440 minutes, got {self.stuck_after_min}"
        if not 50 <= self.disk_alert_pct <= 100:
            return "disk_alert_pct", f"expected 50-100 percent, got {self.disk_alert_pct}"
        return None


@dataclass(frozen=True)
class BookingSection:
    """The citizen's phone: booking rules (the defaults of every site and type;
    `kiosk-central booking rules` sets them per site and type in the database),
    the verification code and the remote queue place (线上取号)."""

    slot_minutes: int = 30  # slot length
    quota: int = 10  # places per slot and business type
    days_ahead: int = 7  # how far ahead a slot can be booked
    cutoff_minutes: int = 60  # booking, changing and cancelling close this long before the slot
    # no-show rule: `no_show_limit` missed bookings within `no_show_days` block booking for `block_days`
    no_show_limit: int = 3
    no_show_days: int = 30
    block_days: int = 7
    active_per_person: int = 3  # open bookings one person may hold, all sites
    remote: bool = False  # 线上取号 for every type (per site and type in the rules)
    remote_window_min: int = 60  # a remote place must be checked in at a kiosk within this
    remote_daily_limit: int = 2  # remote places per person per day, all sites
    code_ttl_s: int = 300  # a verification code is valid this long ...
    code_attempts: int = 5  # ... for this many tries
    codes_per_number_hour: int = 5  # codes sent to one number per hour
    codes_per_address_hour: int = 20  # codes requested from one network address per hour
    session_days: int = 30  # a verified phone stays signed in on its browser this long

    def validate(self):
        if not 5 <= self.slot_minutes <= 240:
            return "slot_minutes", f"expected 5-240 minutes, got {self.slot_minutes}"
        if not 1 <= self.quota <= 1000:
            return "quota", f"expected 1-1000 places per slot, got {self.quota}"
        if not 1 <= self.days_ahead <= 90:
            return "days_ahead", f"expected 1-90 days, got {self.days_ahead}"
        if not 0 <= self.cutoff_minutes <= 2880:
            return "cutoff_minutes", f"expected 0-2880 minutes, got {self.cutoff_minutes}"
        if not 1 <= self.no_show_limit <= 100:
            return "no_show_limit", f"expected 1-100 missed bookings, got {self.no_show_limit}"
        if not 1 <= self.no_show_days <= 365 or not 0 <= self.block_days <= 365:
            return "no_show_days", "expected no_show_days 1-365 and block_days 0-365"
        if not 1 <= self.active_per_person <= 20:
            return "active_per_person", f"expected 1-20, got {self.active_per_person}"
        if not 5 <= self.remote_window_min <= 480:
            return "remote_window_min", f"expected 5-480 minutes, got {self.remote_window_min}"
        if not 1 <= self.remote_daily_limit <= 20:
            return "remote_daily_limit", f"expected 1-20, got {self.remote_daily_limit}"
        if not 60 <= self.code_ttl_s <= 3600:
            return "code_ttl_s", f"expected 60-3600 seconds, got {self.code_ttl_s}"
        if not 1 <= self.code_attempts <= 10:
            return "code_attempts", f"expected 1-10, got {self.code_attempts}"
        if not 1 <= self.codes_per_number_hour <= 60 or not 1 <= self.codes_per_address_hour <= 1000:
            return "codes_per_number_hour", "expected 1-60 codes per number and 1-1000 per address an hour"
        if not 1 <= self.session_days <= 365:
            return "session_days", f"expected 1-365 days, got {self.session_days}"
        return None


NOTIFY_KINDS = ("confirmed", "reminder", "three_ahead", "called", "missed", "code")


@dataclass(frozen=True)
class SmsSection:
    """An SMS gateway over HTTP (the common shape of the big providers), or
    `log`: messages written to a file (the demo and tests read codes there)."""

    kind: str = "log"  # log, http or none
    url: str = ""
    app_key: str = ""
    secret_file: str = "sms.key"  # in [storage] secrets_dir
    sign_name: str = ""  # 短信签名, as registered with the provider
    templates: dict[str, str] = field(default_factory=dict)  # message kind -> the provider's template id
    log_file: str = ""  # log: where (default: <data_dir>/notify.log)
    timeout_s: float = 10.0

    def validate(self):
        if self.kind not in ("none", "log", "http"):
            return "kind", f"expected none, log or http, got {self.kind!r}"
        if self.kind == "http":
            if not self.url.startswith(("http://", "https://")):
                return "url", f"the SMS gateway needs an http(s) URL, got {self.url!r}"
            if not self.app_key or not self.sign_name:
                return "app_key", "the SMS gateway needs the app key and the sign name the provider issued"
            missing = [k for k in NOTIFY_KINDS if k not in self.templates]
            if missing:
                return "templates", f"no template id for {', '.join(missing)} (one per message kind)"
        if not 1 <= self.timeout_s <= 60:
            return "timeout_s", f"expected 1-60 seconds, got {self.timeout_s}"
        return None


@dataclass(frozen=True)
class WeChatSection:
    """WeChat subscribe messages (服务通知) of the hall's mini program."""

    enabled: bool = False
    api_url: str = "https://api.weixin.qq.com"
    app_id: str = ""
    secret_file: str = "wechat.key"
    page: str = "pages/ticket/index"  # the mini program page a message opens
    templates: dict[str, str] = field(default_factory=dict)  # message kind -> template id
    timeout_s: float = 10.0

    def validate(self):
        if self.enabled and not self.app_id:
            return "app_id", "WeChat messages need the mini program's app id"
        if self.enabled:
            missing = [k for k in NOTIFY_KINDS if k != "code" and k not in self.templates]
            if missing:
                return "templates", f"no template id for {', '.join(missing)}"
        if not 1 <= self.timeout_s <= 60:
            return "timeout_s", f"expected 1-60 seconds, got {self.timeout_s}"
        return None


@dataclass(frozen=True)
class WebPushSection:
    """Web Push from the ticket's phone page (VAPID keys: `kiosk-central notify vapid`)."""

    enabled: bool = True
    key_file: str = "vapid.pem"  # in [storage] secrets_dir; made on first start when missing
    subject: str = "mailto:hall@example.gov.cn"  # who push services contact about this sender
    timeout_s: float = 10.0

    def validate(self):
        if not self.subject.startswith(("mailto:", "https://")):
            return "subject", f"expected mailto: or https: (the VAPID contact), got {self.subject!r}"
        if not 1 <= self.timeout_s <= 60:
            return "timeout_s", f"expected 1-60 seconds, got {self.timeout_s}"
        return None


@dataclass(frozen=True)
class NotifySection:
    """Messages to citizens: what is sent, how often, and the outbox's retries."""

    reminder_minutes: int = 60  # the reminder goes this long before a booked slot
    ahead_at: int = 3  # "nearly your turn" when this many people are ahead
    per_number_hour: int = 10  # messages to one number (or push subscription) per hour
    retry_min_s: float = 10.0
    retry_max_s: float = 600.0
    poll_s: float = 2.0  # how often the outbox and the queue's events are looked at
    sweep_s: float = 30.0  # how often bookings are swept: reminders due, check-ins missed
    sms: SmsSection = field(default_factory=SmsSection)
    wechat: WeChatSection = field(default_factory=WeChatSection)
    webpush: WebPushSection = field(default_factory=WebPushSection)

    def validate(self):
        if not 5 <= self.reminder_minutes <= 2880:
            return "reminder_minutes", f"expected 5-2880 minutes, got {self.reminder_minutes}"
        if not 1 <= self.ahead_at <= 20:
            return "ahead_at", f"expected 1-20 people, got {self.ahead_at}"
        if not 1 <= self.per_number_hour <= 100:
            return "per_number_hour", f"expected 1-100, got {self.per_number_hour}"
        if not 0.1 <= self.retry_min_s <= self.retry_max_s <= 86400:
            return "retry_min_s", "expected 0.1 <= retry_min_s <= retry_max_s <= 86400 seconds"
        if not 0.1 <= self.poll_s <= 60:
            return "poll_s", f"expected 0.1-60 seconds, got {self.poll_s}"
        if not 0.1 <= self.sweep_s <= 3600:
            return "sweep_s", f"expected 0.1-3600 seconds, got {self.sweep_s}"
        return None


@dataclass(frozen=True)
class StatisticsSection:
    """Reports (central.stats): how often closed days are folded into the
    rollups, and the service level's default target."""

    fold_every_s: float = 600.0
    service_level_minutes: int = 30  # share of citizens called within this many minutes

    def validate(self):
        if not 1 <= self.fold_every_s <= 86400:
            return "fold_every_s", f"expected 1-86400 seconds, got {self.fold_every_s}"
        if not 1 <= self.service_level_minutes <= 240:
            return "service_level_minutes", f"expected 1-240 minutes, got {self.service_level_minutes}"
        return None


@dataclass(frozen=True)
class CentralConfig:
    server: ServerSection = field(default_factory=ServerSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    storage: StorageSection = field(default_factory=StorageSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    hall: HallSection = field(default_factory=HallSection)
    queue: QueueSection = field(default_factory=QueueSection)
    display: DisplaySection = field(default_factory=DisplaySection)
    certificates: CertificatesSection = field(default_factory=CertificatesSection)
    ratings: RatingsSection = field(default_factory=RatingsSection)
    booking: BookingSection = field(default_factory=BookingSection)
    notify: NotifySection = field(default_factory=NotifySection)
    fleet: FleetSection = field(default_factory=FleetSection)
    statistics: StatisticsSection = field(default_factory=StatisticsSection)
    source: str = field(default="", compare=False, metadata={"config": False})

    @property
    def data_dir(self) -> Path:
        if self.storage.data_dir:
            return Path(self.storage.data_dir)
        return default_data_dir(SYSTEM_DATA_DIR, "kiosk-central")

    @property
    def secrets_dir(self) -> Path:
        return Path(self.storage.secrets_dir) if self.storage.secrets_dir else self.data_dir

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'central.db'}"


def load(path: Path | str | None = None) -> CentralConfig:
    """The file named (or $KIOSK_CENTRAL_CONFIG), else /etc/kiosk/central.toml
    if it exists, else the built-in defaults (`source` says which)."""
    chosen = config_path(path, "KIOSK_CENTRAL_CONFIG", DEFAULT_PATH)
    cfg = load_toml(CentralConfig, chosen, ENV_OVERRIDES)
    cfg = replace(cfg, storage=replace(cfg.storage, data_dir=str(cfg.data_dir)))
    return replace(cfg, source=str(chosen) if chosen else BUILT_IN)
