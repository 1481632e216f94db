"""The kiosk's core objects, built once from the configuration and handed to
the UI (which never builds services or talks HTTP itself)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from common import wire
from common.fonts import resolve
from kiosk.cards import CardService, make_reader
from kiosk.catalog.service import CatalogService
from kiosk.catalog.store import CatalogStore
from kiosk.catalog.where import MatterSites
from kiosk.certificates.render import DocumentFonts
from kiosk.certificates.service import CertificateService
from kiosk.config import KioskConfig
from kiosk.events import CatalogUpdated, EventBus, SessionEnded
from kiosk.faults import FaultLog
from kiosk.health import DiskGuard, HealthProbe
from kiosk.help import HelpService
from kiosk.i18n import Translator
from kiosk.ime.service import InputMethods
from kiosk.printing import TicketPrinting, make_document_printer
from kiosk.queue.offline import OfflineTickets
from kiosk.queue.service import TicketService
from kiosk.ratings import RatingService
from kiosk.session import CitizenSession, IdleTimer
from kiosk.sync import credentials
from kiosk.sync.catalog_sync import CatalogSyncWorker
from kiosk.sync.client import CentralClient
from kiosk.sync.heartbeat import HeartbeatWorker
from kiosk.sync.outbox import Outbox, OutboxWorker
from kiosk.sync.senders import senders_for
from kiosk.sync.settings_sync import PushedSettings
from kiosk.usage import UsageRecorder
from kiosk.voice import ClipLibrary, Voice

log = logging.getLogger(__name__)


@dataclass
class KioskServices:
    config: KioskConfig
    events: EventBus
    translator: Translator
    session: CitizenSession
    central: CentralClient
    catalog: CatalogService
    printing: TicketPrinting
    heartbeat: HeartbeatWorker | None  # None until the kiosk is enrolled
    enrolled_as: str | None
    catalog_sync: CatalogSyncWorker | None = None
    cards: CardService | None = None
    tickets: TicketService | None = None
    outbox: Outbox | None = None
    outbox_worker: OutboxWorker | None = None
    certificates: CertificateService | None = None
    ratings: RatingService | None = None
    offline: OfflineTickets | None = None
    settings: PushedSettings | None = None
    faults: FaultLog | None = None
    help: HelpService | None = None
    usage: UsageRecorder | None = None
    health: HealthProbe | None = None
    matter_sites: MatterSites | None = None
    voice: Voice | None = None
    input: InputMethods | None = None
    _site_code: str = ""

    def warm_up(self) -> None:
        """Slow loads the home screen does not need, once it is showing."""
        self.catalog.open_in_background()
        if self.certificates:
            self.certificates.fonts.prepare_in_background()
        if self.input and self.config.input.preload:
            self.input.start()

    def start(self) -> None:
        for worker in (self.heartbeat, self.catalog_sync, self.cards, self.outbox_worker):
            if worker:
                worker.start()

    def stop(self) -> None:
        if self.usage is not None:
            self.usage.flush(force=True)  # the counts so far go to the outbox, sent after the restart
        for worker in (self.heartbeat, self.catalog_sync, self.cards, self.outbox_worker):
            if worker:
                worker.stop()
        self.central.close()
        if self.voice:
            self.voice.close()
        if self.input:
            self.input.stop()

    def after_heartbeat(self, reply: wire.HeartbeatReply) -> None:
        """Central is reachable: keep the clock offset and the offline number blocks current."""
        offline, heartbeat, tickets = self.offline, self.heartbeat, self.tickets
        if offline is None or heartbeat is None or tickets is None:
            return
        offline.clock_offset_s = heartbeat.clock_offset_s
        if not tickets.types():
            tickets.queues(fresh=True)
        offline.refill(tickets.types(), self.offline_day())
        if self.outbox_worker:
            self.outbox_worker.kick()

    def apply_limits(self, settings: wire.KioskSettings) -> None:
        """Limits pushed from central, over the kiosk's own (0: keep the kiosk's)."""
        ui = self.config.ui
        idle = self.session.idle
        idle.timeout_s = settings.idle_timeout_s or ui.idle_timeout_s
        idle.reading_timeout_s = max(ui.idle_reading_s, idle.timeout_s)
        idle.warning_s = min(ui.warning_s, idle.timeout_s - 1)
        if self.certificates:
            self.certificates.pushed_max_copies = settings.max_copies
            self.certificates.max_copies = min(self.config.document.max_copies, settings.max_copies or 99)
        if self.tickets:
            self.tickets.follow_site(settings.site)
        self.printing.site = settings.site
        moved = bool(settings.site and self._site_code and settings.site.code != self._site_code)
        if moved and self.matter_sites:
            self.matter_sites.forget()
        if moved and self.offline:
            self.offline.forget_leases()
        self._site_code = settings.site.code if settings.site else self._site_code

    def offline_day(self):
        """Today's service day as central counts it (from the queue list it sent)."""
        queues = self.tickets.queues() if self.tickets else None
        if queues is not None:
            return queues.service_day
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(self.config.kiosk.timezone)).date()

    def force_sync(self) -> dict[str, object]:
        """The maintenance screen's "sync now": beat, catalog, settings, outbox, leases."""
        result: dict[str, object] = {}
        if self.heartbeat:
            result["central"] = self.heartbeat.beat_once().online
        if self.catalog_sync:
            result["catalog"] = self.catalog_sync.run_once()
        if self.settings:
            self.settings.fetch()
        if self.tickets and self.offline:
            result["leases"] = self.offline.refill(self.tickets.types(), self.offline_day(), force=True)
        if self.outbox and self.outbox_worker:
            result["delivered"] = self.outbox.drain(10.0, self.outbox_worker)
        return result

    def device_status(self) -> dict[str, wire.DeviceStatus]:
        """What the heartbeat reports; device drivers fill this in as they land."""
        devices = self.config.devices
        report = {}
        fault = self.cards.reader_fault if self.cards else None
        if devices.reader != "none" and fault is not None:
            report["reader"] = wire.DeviceStatus(state="fault", detail=f"{devices.reader}: {fault.reason}")
        if self.faults and devices.reader != "none":
            self.faults.note("reader", fault.reason if fault else "", f"{devices.reader}")
        if self.faults and devices.document_printer != "none" and self.certificates:
            self.faults.note(
                "document_printer", self.certificates.last_fault.split(":")[0], self.certificates.last_fault
            )
        if devices.ticket_printer != "none" and self.printing.last_fault:
            report["ticket_printer"] = wire.DeviceStatus(state="fault", detail=self.printing.last_fault)
        if devices.document_printer != "none" and self.certificates and self.certificates.last_fault:
            report["document_printer"] = wire.DeviceStatus(state="fault", detail=self.certificates.last_fault)
        for name, choice in (
            ("reader", devices.reader),
            ("ticket_printer", devices.ticket_printer),
            ("document_printer", devices.document_printer),
        ):
            if name in report:
                continue
            if choice == "none":
                report[name] = wire.DeviceStatus(state="absent", detail="not configured")
            else:
                report[name] = wire.DeviceStatus(state="ok" if choice == "virtual" else "unknown", detail=choice)
        return report


def open_catalog(config: KioskConfig) -> CatalogService:
    return CatalogService(CatalogStore(config.data_dir / "catalog.db")).open()


def build_services(config: KioskConfig) -> KioskServices:
    events = EventBus()
    translator = Translator(config.ui.language)
    try:
        creds = credentials.load(config.data_dir)
    except credentials.CredentialsError as exc:
        log.error("%s", exc)
        creds = None
    ui = config.ui
    idle = IdleTimer(
        ui.idle_timeout_s, ui.warning_s, reading_timeout_s=ui.idle_reading_s, slow_factor=ui.idle_slow_factor
    )
    session = CitizenSession(events, idle)
    central = CentralClient(config.server.url, creds, timeout_s=config.server.timeout_s)
    catalog = CatalogService(CatalogStore(config.data_dir / "catalog.db"))  # opened after the first frame
    printing = TicketPrinting(catalog, config)
    services = KioskServices(
        config, events, translator, session, central, catalog, printing, None, creds.name if creds else None
    )
    services.cards = CardService(make_reader(config), session, events)
    outbox = services.outbox = Outbox(config.data_dir / "outbox.db")
    if creds is not None:
        services.outbox_worker = OutboxWorker(outbox, senders_for(central))
    kick = services.outbox_worker.kick if services.outbox_worker else (lambda: None)
    services.faults = printing.faults = FaultLog(outbox, kick)
    for damage in (outbox.damage, catalog.store.damage):
        if damage is not None:  # reported once, like any device fault (central lists it on /fleet)
            services.faults.note(
                f"storage:{damage.path.name}",
                "damaged",
                f"moved to {damage.moved_to.name}; {damage.recovered} undelivered item(s) recovered; {damage.reason}",
            )
    services.offline = OfflineTickets(outbox, central if creds else None)
    services.tickets = TicketService(
        config, central, session, printing, translator, outbox, services.offline, services.outbox_worker
    )
    services.matter_sites = MatterSites(central if creds else None)
    services.settings = PushedSettings(
        config.data_dir / "settings.json", central if creds else None, events, config.kiosk.timezone
    )
    cache = config.data_dir / "cache" / "fonts"
    fonts = DocumentFonts(
        resolve("regular", config.ui.font, cache), resolve("bold", config.ui.font_bold or config.ui.font, cache), cache
    )
    services.certificates = CertificateService(
        config, central, session, make_document_printer(config), fonts, outbox, services.outbox_worker
    )
    services.ratings = RatingService(outbox, services.outbox_worker, central if creds else None, session)
    services.help = HelpService(outbox, kick, lambda: _online(services))
    services.usage = UsageRecorder(outbox, kick)
    services.voice = Voice(
        config.voice, ClipLibrary(config.voice_dir, config.voice, translator), audio_output(config), translator
    )
    services.input = InputMethods(
        config.lexicon_path,
        Path(config.input.pinyin_database),
        Path(config.input.handwriting_model),
        domain=lambda: [s.name for s in catalog.view.summaries],
    )
    inputs, catalog_ = services.input, catalog
    events.subscribe(CatalogUpdated, lambda _event: inputs.set_domain(s.name for s in catalog_.view.summaries))
    certificates = services.certificates
    events.subscribe(SessionEnded, lambda _event: certificates.wipe())
    services.settings.on_change.append(services.apply_limits)
    settings = services.settings
    services.tickets.on_moved = lambda: threading.Thread(target=settings.fetch, name="settings", daemon=True).start()
    services.settings.apply()
    guard = DiskGuard(config.data_dir, config.maintenance.disk_min_free_mb, prune_outbox=outbox.prune_acked)
    if creds is None:
        log.warning("kiosk not enrolled: working offline until `kiosk enroll CODE` is run")
    else:
        catalog_client = CentralClient(config.server.url, creds, timeout_s=max(config.server.timeout_s, 30))
        services.catalog_sync = CatalogSyncWorker(catalog, catalog_client, events, config.catalog.sync_interval_s)
        services.heartbeat = HeartbeatWorker(
            central, events, config.server.heartbeat_interval_s, services.device_status
        )
        services.heartbeat.after_beat += [services.after_heartbeat, services.settings.on_heartbeat]
    services.health = HealthProbe(
        config.data_dir,
        outbox=outbox,
        catalog=catalog,
        catalog_sync=services.catalog_sync,
        settings=services.settings,
        offline=services.offline,
        guard=guard,
    )
    if services.heartbeat:
        services.heartbeat.health = services.health
    return services


def audio_output(config: KioskConfig):
    """The recording twin, or nothing; "sdl" is the UI's (it owns SDL) and starts silent."""
    from drivers.audio.recording import NoAudio, RecordingAudio

    return RecordingAudio() if config.voice.output == "recording" else NoAudio()


def _online(services: KioskServices) -> bool:
    """Central answered the last heartbeat."""
    status = services.heartbeat.last_status if services.heartbeat else None
    return bool(status and status.online)
