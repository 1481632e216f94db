"""What a running central process holds: config, engine, sessions, master key."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from central import db
from central.config import CentralConfig


@dataclass
class CentralState:
    config: CentralConfig
    engine: Engine
    sessions: sessionmaker
    master_key: bytes
    id_hash_key: bytes
    runner: object = None  # central.rawsql runner for the hot paths


def load_master_key(data_dir: Path, name: str = "master.key") -> bytes:
    """A 32-byte key made once and kept 0600: master.key (all kiosk secrets
    derive from it), id_hash.key (keyed hashes of ID numbers). Written whole
    under a temporary name and linked into place: of two processes starting at
    once, one key wins and both read it."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(32))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            tmp.unlink()
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"{path}: expected 32 bytes, found {len(key)}; restore it from backup")
    return key


def open_state(config: CentralConfig, *, migrate: bool = True) -> CentralState:
    """Connect, migrate (unless the parent process did), load the shared keys
    and check that they are the ones this database was set up with."""
    from central import node_keys
    from central.certs.keys import load_or_create
    from central.rawsql import runner_for
    from central.sites.model import seed_from_config

    config.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(config.database_url, config.database)
    if migrate:
        db.upgrade(engine, seed_from_config(config).describe())
    secrets_dir = config.secrets_dir
    master = load_master_key(secrets_dir, node_keys.MASTER)
    id_hash = load_master_key(secrets_dir, node_keys.ID_HASH)
    signing = load_or_create(secrets_dir / node_keys.SIGNING)
    node_keys.check(
        engine,
        secrets_dir,
        {
            node_keys.MASTER: node_keys.fingerprint(master),
            node_keys.ID_HASH: node_keys.fingerprint(id_hash),
            node_keys.SIGNING: signing.fingerprint,
        },
    )
    return CentralState(config, engine, db.make_sessionmaker(engine), master, id_hash, runner_for(engine))
