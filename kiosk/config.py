"""The kiosk's configuration: config/kiosk.toml -> frozen dataclasses,
validated at start-up (see common.settings for the error contract)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from common.settings import BUILT_IN, ConfigError, config_path, default_data_dir, load_toml

DEFAULT_PATH = "/etc/kiosk/kiosk.toml"
SYSTEM_DATA_DIR = "/var/lib/kiosk"

ENV_OVERRIDES = {
    "server.url": "KIOSK_SERVER_URL",
    "kiosk.data_dir": "KIOSK_DATA_DIR",
    "devices.reader": "KIOSK_READER",
    "devices.ticket_printer": "KIOSK_TICKET_PRINTER",
    "devices.document_printer": "KIOSK_DOCUMENT_PRINTER",
    "ui.fullscreen": "KIOSK_FULLSCREEN",
    "reader.serial_device": "KIOSK_READER_DEVICE",
    "printer.host": "KIOSK_PRINTER_HOST",
}

Language = Literal["zh_CN", "en"]
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")


@dataclass(frozen=True)
class KioskSection:
    hall_name: str = "政务服务中心"
    hall_name_en: str = "Government Service Center"
    data_dir: str = ""  # empty: /var/lib/kiosk, or the XDG data directory for a user who cannot write there
    timezone: str = "Asia/Shanghai"  # the hall's local time (dates printed on certificates)

    def place_name(self, language: str, site=None) -> str:
        """What the kiosk calls where it stands, in `language`: its site as central
        has it (a `wire.SiteInfo` from the pushed settings), else the configured name."""
        if site is not None:
            return site.name_en if language == "en" and site.name_en else site.name
        return self.hall_name_en if language == "en" else self.hall_name

    def validate(self):
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(self.timezone)
        except Exception:
            return "timezone", f"expected an IANA time zone such as Asia/Shanghai, got {self.timezone!r}"
        return None


@dataclass(frozen=True)
class ServerSection:
    url: str = "http://127.0.0.1:8700"
    timeout_s: float = 5.0
    heartbeat_interval_s: int = 30

    def validate(self):
        if not re.match(r"^https?://[^/\s]+", self.url):
            return "url", f"expected an http(s) URL such as http://central:8700, got {self.url!r}"
        if not 0.2 <= self.timeout_s <= 120:
            return "timeout_s", f"expected 0.2-120 seconds, got {self.timeout_s}"
        if not 5 <= self.heartbeat_interval_s <= 3600:
            return "heartbeat_interval_s", f"expected 5-3600 seconds, got {self.heartbeat_interval_s}"
        return None


@dataclass(frozen=True)
class UiSection:
    language: Language = "zh_CN"
    size: str = "1080x1920"
    fullscreen: bool = False
    idle_timeout_s: int = 60  # no touch for this long ends the citizen's session ...
    idle_reading_s: int = 120  # ... on screens people read (a guide, a certificate) this long
    idle_slow_factor: float = 1.5  # both times this much longer in large-text or voice mode
    idle_warning_s: int = 20  # "are you still there?" this long before the end (20 s at least, whatever is set)

    MIN_WARNING_S = 20  # time to read the question and answer it (适老化)

    @property
    def warning_s(self) -> int:
        """The warning in force: the configured one, at least MIN_WARNING_S, ending before the timeout."""
        return min(max(self.idle_warning_s, self.MIN_WARNING_S), self.idle_timeout_s - 1)

    font: str = ""
    font_bold: str = ""

    def validate(self):
        if not re.fullmatch(r"\d{3,5}x\d{3,5}", self.size):
            return "size", f"expected WIDTHxHEIGHT such as 1080x1920, got {self.size!r}"
        if not 10 <= self.idle_timeout_s <= 3600:
            return "idle_timeout_s", f"expected 10-3600 seconds, got {self.idle_timeout_s}"
        if not 3 <= self.idle_warning_s < self.idle_timeout_s:
            return "idle_warning_s", f"expected 3 seconds to less than idle_timeout_s, got {self.idle_warning_s}"
        if not self.idle_timeout_s <= self.idle_reading_s <= 3600:
            return (
                "idle_reading_s",
                f"expected idle_timeout_s ({self.idle_timeout_s}) to 3600 seconds, got {self.idle_reading_s}",
            )
        if not 1.0 <= self.idle_slow_factor <= 4.0:
            return "idle_slow_factor", f"expected 1.0-4.0, got {self.idle_slow_factor}"
        for key in ("font", "font_bold"):
            value = getattr(self, key)
            if value and not Path(value).is_file():
                return key, f"font file not found: {value}"
        return None

    @property
    def window_size(self) -> tuple[int, int]:
        w, h = self.size.split("x")
        return int(w), int(h)


@dataclass(frozen=True)
class CatalogSection:
    guide_url: str = "https://zwfw.example.gov.cn/guide/{code}"
    sync_interval_s: int = 600

    def validate(self):
        if "{code}" not in self.guide_url or not self.guide_url.startswith(("http://", "https://")):
            return "guide_url", f"expected an http(s) URL template containing {{code}}, got {self.guide_url!r}"
        if not 30 <= self.sync_interval_s <= 86400:
            return "sync_interval_s", f"expected 30-86400 seconds, got {self.sync_interval_s}"
        return None


@dataclass(frozen=True)
class ReaderSection:
    pcsc_name: str = ""  # only readers whose name contains this ("" = any)
    serial_device: str = "/dev/ttyUSB0"  # GA/T 467 SAM reader
    serial_baud: int = 115200
    virtual_identity: str = ""  # JSON identity for the virtual reader ("" = the bundled demo card)
    elderly_age: int = 60  # priority (green channel) from this age; local practice: 60, 65 or 70

    def validate(self):
        if self.serial_baud not in (9600, 19200, 38400, 57600, 115200):
            return "serial_baud", f"expected 9600, 19200, 38400, 57600 or 115200, got {self.serial_baud}"
        if not 50 <= self.elderly_age <= 90:
            return "elderly_age", f"expected 50-90, got {self.elderly_age}"
        if self.virtual_identity and not Path(self.virtual_identity).is_file():
            return "virtual_identity", f"file not found: {self.virtual_identity}"
        return None


@dataclass(frozen=True)
class PrinterSection:
    """The ESC/POS ticket printer ([devices] ticket_printer = "escpos")."""

    transport: Literal["network", "usb", "serial", "file"] = "network"
    host: str = "192.168.1.100"
    port: int = 9100
    usb_vendor: str = "0x0416"
    usb_product: str = "0x5011"
    serial_device: str = "/dev/ttyS0"
    serial_baud: int = 19200
    file_path: str = "/dev/usb/lp0"
    mode: Literal["text", "image"] = "text"
    native_qr: bool = True
    timeout_s: float = 3.0
    header: str = ""  # a line above the hall name, e.g. 欢迎光临
    footer: str = "请留意叫号，过号请重新取号"
    reprints_per_ticket: int = 1  # 重新打印 after a ticket printed well; a failed print may always be retried

    def validate(self):
        if not 0 <= self.reprints_per_ticket <= 5:
            return "reprints_per_ticket", f"expected 0-5 reprints, got {self.reprints_per_ticket}"
        for key in ("usb_vendor", "usb_product"):
            if not re.fullmatch(r"0x[0-9a-fA-F]{4}", getattr(self, key)):
                return key, f"expected a USB id like 0x0416, got {getattr(self, key)!r}"
        if not 1 <= self.port <= 65535:
            return "port", f"expected a TCP port, got {self.port}"
        if not 0.2 <= self.timeout_s <= 30:
            return "timeout_s", f"expected 0.2-30 seconds, got {self.timeout_s}"
        return None


@dataclass(frozen=True)
class DocumentSection:
    """The A4 printer for certificates ([devices] document_printer = "cups")."""

    cups_queue: str = "KioskA4"
    cups_server: str = ""  # empty: the local CUPS; or host:port, or a socket path
    timeout_s: float = 120.0  # a job not finished by then is cancelled and reported
    max_copies: int = 3  # per print (central may allow fewer)
    provider: str = "示例市政务服务管理局"  # named in the usage watermark: 此件由…提供

    def validate(self):
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,127}", self.cups_queue):
            return "cups_queue", f"expected a CUPS queue name, got {self.cups_queue!r}"
        if not 5 <= self.timeout_s <= 1800:
            return "timeout_s", f"expected 5-1800 seconds, got {self.timeout_s}"
        if not 1 <= self.max_copies <= 20:
            return "max_copies", f"expected 1-20, got {self.max_copies}"
        return None


@dataclass(frozen=True)
class MaintenanceSection:
    """Unattended operation: the hidden maintenance screen, logs, disk."""

    pin: str = ""  # digits for the maintenance screen (5 taps top-left); empty: screen disabled
    log_max_mb: int = 5  # kiosk.log is rotated at this size...
    log_files: int = 5  # ...keeping this many old files
    disk_min_free_mb: int = 200  # below this, old logs, then previews, then delivered outbox items are deleted
    watchdog: bool = True  # ping systemd's watchdog (WatchdogSec= in the unit) while the UI is alive

    def validate(self):
        if self.pin and not re.fullmatch(r"\d{4,8}", self.pin):
            return "pin", "expected 4-8 digits (typed on the maintenance keypad), or empty to disable the screen"
        if not 1 <= self.log_max_mb <= 500:
            return "log_max_mb", f"expected 1-500 MB, got {self.log_max_mb}"
        if not 1 <= self.log_files <= 50:
            return "log_files", f"expected 1-50 files, got {self.log_files}"
        if not 10 <= self.disk_min_free_mb <= 100000:
            return "disk_min_free_mb", f"expected 10-100000 MB, got {self.disk_min_free_mb}"
        return None


VoiceKind = Literal["screen", "tap", "error", "read", "card", "take_card", "ticket", "idle", "help"]


@dataclass(frozen=True)
class VoiceSection:
    """Voice guidance (语音引导): spoken screens, taps, numbers and errors."""

    guidance: bool = False  # voice mode at the start of every session (the home screen's button switches it)
    always: tuple[VoiceKind, ...] = ("card", "take_card", "ticket")  # spoken outside voice mode too
    volume: float = 0.7  # 0.1-1.0; the volume button steps through 0.4, 0.7, 1.0
    output: Literal["sdl", "recording", "none"] = "sdl"  # the terminal's speaker, a log of what was said, nothing
    rate: int = 150  # espeak-ng words a minute (its default, 175, is fast for older listeners)
    voice_zh: str = "cmn"  # espeak-ng voices
    voice_en: str = "en"
    clips_dir: str = ""  # empty: <data_dir>/voice

    def validate(self):
        if not 0.1 <= self.volume <= 1.0:
            return "volume", f"expected 0.1-1.0, got {self.volume}"
        if not 80 <= self.rate <= 300:
            return "rate", f"expected 80-300 words a minute, got {self.rate}"
        for key in ("voice_zh", "voice_en"):
            if not re.fullmatch(r"[A-Za-z0-9_+-]{1,32}", getattr(self, key)):
                return key, f"expected an espeak-ng voice name such as cmn or en, got {getattr(self, key)!r}"
        return None


@dataclass(frozen=True)
class InputSection:
    """Chinese input on the on-screen keyboard: 拼音 (pinyin) and 手写 (handwriting)."""

    pinyin_database: str = "/usr/share/pinyin-database/main.db"  # Debian's pinyin-database
    handwriting_model: str = (
        "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model"  # tegaki-zinnia-simplified-chinese
    )
    lexicon: str = ""  # empty: <data_dir>/ime/pinyin.tsv, built from pinyin_database on first use
    preload: bool = True  # load both at start (1 s, 60 MB); false: when a keyboard first offers them
    search_mode: Literal["abc", "pinyin", "handwriting"] = "abc"  # letters search by pinyin as typed (sfz)
    comment_mode: Literal["abc", "pinyin", "handwriting"] = "pinyin"  # a comment is written in characters


@dataclass(frozen=True)
class DevicesSection:
    reader: Literal["virtual", "pcsc", "ga467", "none"] = "virtual"
    ticket_printer: Literal["virtual", "escpos", "none"] = "virtual"
    document_printer: Literal["virtual", "cups", "none"] = "virtual"


@dataclass(frozen=True)
class KioskConfig:
    kiosk: KioskSection = field(default_factory=KioskSection)
    server: ServerSection = field(default_factory=ServerSection)
    ui: UiSection = field(default_factory=UiSection)
    catalog: CatalogSection = field(default_factory=CatalogSection)
    reader: ReaderSection = field(default_factory=ReaderSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    document: DocumentSection = field(default_factory=DocumentSection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    maintenance: MaintenanceSection = field(default_factory=MaintenanceSection)
    voice: VoiceSection = field(default_factory=VoiceSection)
    input: InputSection = field(default_factory=InputSection)
    source: str = field(default="", compare=False, metadata={"config": False})

    @property
    def data_dir(self) -> Path:
        return Path(self.kiosk.data_dir) if self.kiosk.data_dir else default_data_dir(SYSTEM_DATA_DIR, "kiosk")

    @property
    def lexicon_path(self) -> Path:
        return Path(self.input.lexicon) if self.input.lexicon else self.data_dir / "ime" / "pinyin.tsv"

    @property
    def voice_dir(self) -> Path:
        return Path(self.voice.clips_dir) if self.voice.clips_dir else self.data_dir / "voice"


def load(path: Path | str | None = None) -> KioskConfig:
    """The file named (or $KIOSK_CONFIG), else /etc/kiosk/kiosk.toml if it
    exists, else the built-in defaults (`source` says which)."""
    chosen = config_path(path, "KIOSK_CONFIG", DEFAULT_PATH)
    cfg = load_toml(KioskConfig, chosen, ENV_OVERRIDES)
    cfg = replace(cfg, kiosk=replace(cfg.kiosk, data_dir=str(cfg.data_dir)))
    return replace(cfg, source=str(chosen) if chosen else BUILT_IN)


__all__ = ["BUILT_IN", "LANGUAGES", "ConfigError", "KioskConfig", "load"]
