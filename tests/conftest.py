"""Shared fixtures. Kivy runs offscreen (a real GL context through Mesa);
central runs as a real server process on a free loopback port."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import requests

# Kivy reads these once, at first import.
_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_LOG_MODE"] = "PYTHON"
os.environ["KIVY_NO_FILELOG"] = "1"

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from peers.central import Central, run_cli  # noqa: F401  (tests import run_cli from here)
from peers.events import wait_event, wait_until  # noqa: F401  (tests import them from here)
from peers.kiosk_setup import FONT_CACHE, write_kiosk_config
from peers.pcscd import free_port  # noqa: F401  (tests import it from here)

BIN = Path(sys.executable).parent
os.environ.setdefault("KIOSK_FONT_CACHE", str(FONT_CACHE))  # the certificates' subset of the font too


def enrolled_client(central: Central, name: str, directory: Path):
    """A signed client for a kiosk freshly enrolled on `central`, with a kiosk config
    and its credentials in `directory` as `kiosk enroll` leaves them. Registered
    in-process and enrolled over HTTP (the CLI's own path is tested in
    test_central_kiosks.py; two processes a kiosk cost seconds a test)."""
    from kiosk.sync import credentials

    (client,) = enrolled_clients(central, [name])
    directory.mkdir(parents=True, exist_ok=True)
    write_kiosk_config(directory, central.url)
    credentials.save(directory / "kiosk-data", client.credentials)
    return client


def enrolled_clients(central: Central, names: list[str]) -> list:
    """Signed clients for many kiosks at once: registered in-process (one `kiosk
    enroll` run each would take a second apiece), enrolled over HTTP."""
    import base64

    from central import fleet
    from central.config import load as load_central
    from central.db import write_session
    from central.state import open_state
    from common import wire
    from kiosk.sync.client import CentralClient
    from kiosk.sync.credentials import Credentials

    state = open_state(load_central(central.config))
    with write_session(state.engine) as db:  # the server writes meanwhile
        codes = [fleet.add_kiosk(db, name, 24).code for name in names]
    state.engine.dispose()
    clients = []
    for code in codes:
        reply = CentralClient(central.url).enroll(wire.EnrollRequest(code=code, version="test"))
        creds = Credentials(reply.kiosk_id, reply.name, central.url, base64.b64decode(reply.secret))
        clients.append(CentralClient(central.url, creds))
    return clients


# Which engine central's tests run on: `sqlite` (a file per server, the default) or
# `postgresql` (a private cluster this session starts; a fresh database per server).
# ./scripts/test runs the central modules on both (see docs/testing.md).
TEST_DATABASE = os.environ.get("KIOSK_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"KIOSK_TEST_DATABASE: expected sqlite or postgresql, got {TEST_DATABASE!r}")
_PG_CLUSTER: list = []


def postgres_cluster():
    """The session's private PostgreSQL cluster, started on first use."""
    if not _PG_CLUSTER:
        from peers.postgres import DatabaseFactory, PostgresCluster

        cluster = PostgresCluster().start()
        _PG_CLUSTER.extend([cluster, DatabaseFactory(cluster)])
    return _PG_CLUSTER[0]


def new_database(hint: str) -> str:
    """The URL of a new empty database on the session's cluster."""
    postgres_cluster()
    return _PG_CLUSTER[1](hint)


_DATABASES: dict[str, str] = {}


def central_config(data_dir: Path, **sections):
    """A CentralConfig for in-process tests, on the engine under test: on
    PostgreSQL, one fresh database per data directory (as a file would be)."""
    from central.config import CentralConfig, DatabaseSection, StorageSection

    url = ""
    if TEST_DATABASE == "postgresql":
        if str(data_dir) not in _DATABASES:
            _DATABASES[str(data_dir)] = new_database(data_dir.name)
        url = _DATABASES[str(data_dir)]
    return CentralConfig(storage=StorageSection(data_dir=str(data_dir)), database=DatabaseSection(url=url), **sections)


@pytest.fixture(scope="session", autouse=True)
def test_database():
    """On PostgreSQL, every Central a test starts gets a fresh database of the session's cluster."""
    if TEST_DATABASE == "sqlite":
        yield None
        return
    from peers import central as central_peer

    central_peer.DATABASES = new_database
    yield postgres_cluster()
    central_peer.DATABASES = None
    postgres_cluster().stop()


def pytest_collection_modifyitems(config, items):
    if TEST_DATABASE == "sqlite":
        for item in items:
            if item.get_closest_marker("postgresql_only"):
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (KIOSK_TEST_DATABASE=postgresql)"))
        return
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="about SQLite's file, lock or WAL"))


@pytest.fixture(scope="session")
def central(tmp_path_factory):
    server = Central(tmp_path_factory.mktemp("central"))
    server.start()
    yield server
    server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def still_clock(services) -> FakeClock:
    """Give the session's idle timer a clock the test controls: a slow machine must not
    end a citizen's session in the middle of a test (idle tests advance it on purpose)."""
    clock = FakeClock()
    services.session.idle.clock = clock
    return clock


@pytest.fixture
def kiosk_ui(tmp_path):
    """The real app, offscreen, 1080x1920, with an idle clock the test controls."""
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    cfg = load(write_kiosk_config(tmp_path, idle_timeout_s=60, idle_warning_s=20))
    services = build_services(cfg)
    clock = still_clock(services)
    with OffscreenKiosk(cfg, services=services, size=(1080, 1920), draw=False) as kiosk:
        kiosk.clock = clock
        yield kiosk


from peers.pcscd import Pcscd


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory):
    daemon = Pcscd(tmp_path_factory.mktemp("pcscd"))
    daemon.start()
    yield daemon
    daemon.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--autoplay-policy=no-user-gesture-required",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download, ever)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield TestBrowser(chromium)
        chromium.close()


class TestBrowser:
    """Chromium for tests that wait on page state with `wait_for_function`,
    which evaluates a string and so needs the page's CSP relaxed
    (`bypass_csp`). `strict_page` keeps the CSP, for the test that checks
    every page runs under it (test_web_hall)."""

    def __init__(self, chromium):
        self.chromium = chromium

    def new_page(self, **options):
        return self.chromium.new_page(bypass_csp=True, **options)

    def new_context(self, **options):
        return self.chromium.new_context(bypass_csp=True, **options)

    def strict_page(self, **options):
        return self.chromium.new_page(**options)


# Staff accounts on a running Central (counter and manager pages, their API)
PASSWORD = "correct horse battery"


def add_staff(central, name, role="counter"):
    """A staff account with the test password, added in-process (the `staff add`
    command itself is run by test_web_phone.py)."""
    from central.config import load as load_central
    from central.staff import StaffStore
    from central.state import open_state

    state = open_state(load_central(central.config), migrate=False)
    try:
        StaffStore(state.engine).add(name, PASSWORD, role)
    finally:
        state.engine.dispose()


def login(central, name, counter=None) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{central.url}/api/v1/staff/login", json={"username": name, "password": PASSWORD}, timeout=5)
    assert r.status_code == 200, r.text
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # as the pages send it, from the hall_csrf cookie
    if counter is not None:
        assert s.post(f"{central.url}/api/v1/staff/counter", json={"counter": counter}, timeout=5).ok
    return s


# A private cupsd with a cups-pdf queue (certificates on A4)
@pytest.fixture(scope="session")
def cupsd(tmp_path_factory):
    from peers import cupsd as cupsd_peer

    why = cupsd_peer.available()
    if why:
        pytest.fail(f"CUPS is needed for the certificate tests: {why}")
    # not under pytest's tmp (0700): CUPS filters run as user lp and must reach the spool
    root = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-"))
    daemon = cupsd_peer.Cupsd(root)
    daemon.start()
    daemon.pdf_out = root / "printed"
    daemon.add_pdf_queue("KioskA4", daemon.pdf_out)
    yield daemon
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)
