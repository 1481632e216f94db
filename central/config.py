"""Central's configuration: config/central.toml -> frozen dataclasses."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from common.settings import load_toml

DEFAULT_PATH = Path(os.environ.get("KIOSK_CENTRAL_CONFIG", "/etc/kiosk/central.toml"))

ENV_OVERRIDES = {
    "storage.data_dir": "KIOSK_CENTRAL_DATA_DIR",
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

    def validate(self):
        if not 1 <= self.port <= 65535:
            return "port", f"expected a TCP port 1-65535, got {self.port}"
        if not 1 <= self.workers <= 64:
            return "workers", f"expected 1-64 worker processes, got {self.workers}"
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            return "public_url", f"expected an http(s) URL, got {self.public_url!r}"
        return None


@dataclass(frozen=True)
class DatabaseSection:
    url: str = ""  # empty: SQLite file central.db in storage.data_dir

    def validate(self):
        if self.url and not self.url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            return "url", f"expected a sqlite: or postgresql: SQLAlchemy URL, got {self.url!r}"
        return None


@dataclass(frozen=True)
class StorageSection:
    data_dir: str = "/var/lib/kiosk-central"


@dataclass(frozen=True)
class SecuritySection:
    clock_skew_s: int = 300
    enrollment_code_ttl_h: int = 24

    def validate(self):
        if not 30 <= self.clock_skew_s <= 3600:
            return "clock_skew_s", f"expected 30-3600 seconds, got {self.clock_skew_s}"
        if not 1 <= self.enrollment_code_ttl_h <= 24 * 14:
            return "enrollment_code_ttl_h", f"expected 1-336 hours, got {self.enrollment_code_ttl_h}"
        return None


@dataclass(frozen=True)
class HallSection:
    name: str = "政务服务中心"
    name_en: str = "Government Service Center"
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class CentralConfig:
    server: ServerSection = field(default_factory=ServerSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    storage: StorageSection = field(default_factory=StorageSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    hall: HallSection = field(default_factory=HallSection)
    source: str = field(default="", compare=False, metadata={"config": False})

    @property
    def data_dir(self) -> Path:
        return Path(self.storage.data_dir)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'central.db'}"


def load(path: Path | str | None = None) -> CentralConfig:
    path = Path(path) if path else DEFAULT_PATH
    cfg = load_toml(CentralConfig, path, ENV_OVERRIDES)
    return _with_source(cfg, path)


def _with_source(cfg: CentralConfig, path: Path) -> CentralConfig:
    from dataclasses import replace

    return replace(cfg, source=str(path))
