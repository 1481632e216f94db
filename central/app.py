"""The FastAPI application. `create_app` takes a loaded config; `app_from_env`
is the factory uvicorn workers import (they read KIOSK_CENTRAL_CONFIG)."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from central import __version__, db, errors, node_keys
from central.api import (
    admin,
    api_docs,
    booking,
    cases,
    catalog,
    certificates,
    citizens,
    counters,
    fleet,
    hall,
    help,
    kiosks,
    ratings,
    reports,
    sites,
    tickets,
)
from central.api.event_hub import EventHub
from central.api.ticket_desk import CentralApp, TicketDesk
from central.booking.service import BookingDesk
from central.certs.backoffice import SampleBackOffice
from central.certs.keys import keyring, load_or_create
from central.certs.service import CertificateService
from central.citizens import CitizenDesk
from central.clock import utcnow
from central.config import CentralConfig, load
from central.db import WalCheckpointer
from central.help import HelpDesk
from central.http_guard import HttpGuard
from central.notify.adapters import notifiers_from_config
from central.notify.outbox import NotifyWorker
from central.periodic import PeriodicJob
from central.queue.board import HallBoard
from central.queue.calling import Calling
from central.queue.engine import QueueEngine
from central.queue.group_commit import GroupCommit
from central.queue.offline import OfflineDesk
from central.queue.store import QueueStore
from central.ratings.cases import CaseRules, MatterIndex
from central.ratings.delivery import RatingDelivery, sink_from_config
from central.ratings.service import RatingService
from central.rawsql import SqliteRunner
from central.retention import run as retention_pass
from central.sites.store import SiteDirectory, SiteStore
from central.staff import StaffStore
from central.state import CentralState, open_state
from central.stats.reports import Reports
from central.stats.store import StatsStore, fold_job
from central.stats.usage import UsageStore
from central.voice import VoiceClips
from central.web import STATIC, book, evaluator, pages, phone, verify
from common import sd_notify, wire


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    db.serve_requests_on(asyncio.get_running_loop())  # from now on a blocking write here is refused
    state = app.state.central
    # personal data past its time goes, hourly; overdue bad reviews are escalated
    retention = PeriodicJob("retention", 3600, lambda: retention_pass(state.config, state.engine)).start()
    escalation = PeriodicJob(
        "rating-escalation", state.config.ratings.sweep_every_s, app.state.ratings.escalate
    ).start()
    delivery = app.state.rating_delivery
    if delivery is not None:
        delivery.start()
    app.state.notify_worker.start()
    # closed days are folded into the statistics' rollups
    statistics = PeriodicJob(
        "statistics",
        state.config.statistics.fold_every_s,
        fold_job(app.state.stats, lambda: list(app.state.sites.get().sites.values())),
    ).start()
    yield
    statistics.stop()
    app.state.notify_worker.stop()
    retention.stop()
    escalation.stop()
    if delivery is not None:
        delivery.stop()
    # graceful shutdown has begun (uvicorn re-raises SIGTERM once it is done, so
    # nothing after uvicorn.run() would run): tell systemd now
    sd_notify.notify("STOPPING=1")


def create_app(config: CentralConfig, *, state: CentralState | None = None, migrate: bool = True) -> FastAPI:
    app = CentralApp(
        lifespan=_lifespan,
        title="Service hall central",
        version=__version__,
        description="Matter catalog, hall queue and kiosk fleet for government service halls.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.central = state or open_state(config, migrate=migrate)
    errors.install(app)
    app.include_router(kiosks.router)
    app.include_router(catalog.router)
    app.include_router(tickets.router)
    app.include_router(counters.router)
    app.include_router(hall.router)
    app.include_router(citizens.router)
    app.include_router(certificates.router)
    app.include_router(ratings.router)
    app.include_router(cases.router)
    app.include_router(booking.router)
    app.include_router(help.router)
    app.include_router(book.router)
    app.include_router(fleet.router)
    app.include_router(sites.router)
    app.include_router(reports.router)
    app.include_router(admin.router)
    app.include_router(phone.router)
    app.include_router(evaluator.router)
    app.include_router(pages.router)
    app.include_router(verify.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.sites = SiteDirectory(app.state.central.engine)
    app.state.sites.reload()  # loaded before serving: the first ticket never reads it on the event loop
    app.state.site_store = SiteStore(app.state.central.engine, on_change=app.state.sites.reload)
    app.state.queue = QueueEngine(
        config, QueueStore(app.state.central.engine, app.state.central.runner), app.state.sites
    )
    app.state.ticket_desk = TicketDesk(app.state.central, GroupCommit(app.state.queue))
    app.state.offline = OfflineDesk(app.state.queue)
    app.state.calling = Calling(app.state.queue, config.display)
    app.state.help = HelpDesk(app.state.queue.store)
    app.state.stats = StatsStore(app.state.central.engine, app.state.queue.reset_minutes, app.state.central.runner)
    app.state.board = HallBoard(app.state.calling)
    engine = app.state.central.engine
    app.state.event_hub = EventHub(
        app.state.calling,
        max_streams=config.display.max_streams,
        max_per_address=config.display.max_streams_per_address,
        listen_dsn=db.libpq_dsn(engine),
    )
    app.state.voice = VoiceClips(config.data_dir / "voice", config.display)
    app.state.certificates = certificate_service(config, app.state.central)
    app.state.ratings = RatingService(config, engine, app.state.sites)
    app.state.matter_index = MatterIndex(engine)
    app.state.usage = UsageStore(app.state.central.engine, app.state.central.runner)
    app.state.reports = Reports(
        app.state.stats,
        lambda: app.state.sites.get().sites,
        lambda site: app.state.queue.service_day(utcnow(), site),
        app.state.usage,
        app.state.matter_index.names,
    )
    app.state.matter_index.warm()
    app.state.case_rules = CaseRules(
        config.ratings.case_number_format,
        config.ratings.region,
        timedelta(days=config.ratings.rate_within_days),
        ZoneInfo(config.hall.timezone),
    )
    sink = sink_from_config(config.ratings, config.secrets_dir)
    app.state.rating_delivery = (
        RatingDelivery(engine, config.ratings, sink, ZoneInfo(config.hall.timezone)) if sink is not None else None
    )
    if app.state.rating_delivery is not None:
        app.state.ratings.kick = app.state.rating_delivery.kick
    central = app.state.central
    app.state.notifiers = notifiers_from_config(config.notify, config.data_dir, config.secrets_dir)
    app.state.booking = BookingDesk(
        config,
        central.runner,
        app.state.sites,
        central.id_hash_key,
        matter_name=lambda code: entry.name if (entry := app.state.matter_index.get(code)) else None,
        sms=app.state.notifiers.get("sms"),
    )
    app.state.notify_worker = NotifyWorker(
        engine,
        central.runner,
        config.notify,
        app.state.notifiers,
        site_name=lambda code: app.state.sites.site(code).name,
        sweep=app.state.booking.sweep,
        public_url=config.server.public_url,
    )
    app.state.booking.kick = app.state.notify_worker.kick
    app.state.staff = StaffStore(
        central.engine,
        hmac.new(central.master_key, b"staff-csrf", hashlib.sha256).digest(),
        config.security.login_failures_before_backoff,
    )
    app.state.citizens = CitizenDesk(central.engine, central.id_hash_key, config.security)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        HttpGuard,
        max_body=config.server.max_body_kb * 1024,
        body_timeout_s=config.server.body_timeout_s,
        public_url=config.server.public_url,
    )
    api_docs.install(app, config.server.api_docs)
    runner = app.state.central.runner
    if isinstance(runner, SqliteRunner):  # the serving process checkpoints the log (central.db.SQLITE_PRAGMAS)
        app.state.checkpointer = WalCheckpointer(runner.path).start()

    @app.get("/healthz", response_model=wire.Health, tags=["ops"])
    def healthz() -> wire.Health:
        with app.state.central.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return wire.Health(status="ok", version=__version__, database=app.state.central.engine.dialect.name)

    # the app's long-lived objects leave the collector's generations: its full
    # collections, a pause in whatever request they interrupt, stay short
    gc.collect()
    gc.freeze()
    return app


def certificate_service(config: CentralConfig, state: CentralState) -> CertificateService:
    """The sample back office unless a deployment wires in its own."""
    backoffice = SampleBackOffice(
        state.id_hash_key, Path(config.certificates.backoffice) if config.certificates.backoffice else None
    )
    key = load_or_create(config.secrets_dir / node_keys.SIGNING)
    return CertificateService(config, state.engine, key, backoffice, keyring(key, config.secrets_dir))


def app_from_env() -> FastAPI:
    # migrations already ran in the parent `serve` process
    return create_app(load(), migrate=False)
