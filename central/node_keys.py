"""The secrets every central node must share, and the check that they do.

Kiosk secrets derive from master.key, ID-number hashes from id_hash.key, and
certificates are signed with certificate-signing.key. Two nodes with different
files would refuse each other's kiosks (`bad_signature`), count one citizen as
two, and disagree about which certificates are genuine. The files live in
`[storage] secrets_dir` (default: the data directory), which every node mounts
from the same place (a secret store, configuration management, systemd
credentials). The database records a fingerprint of each (an HMAC of a fixed
label, or the signing key's public id; never the secret), written by the first
node; a node whose files give another fingerprint refuses to start and says
which file differs and what to do."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from central.clock import utcnow
from central.db import insert_or_ignore, write_session
from central.models import CentralKey

MASTER, ID_HASH, SIGNING = "master.key", "id_hash.key", "certificate-signing.key"
LABEL = b"kiosk-central shared-key fingerprint v1"


class KeyMismatch(RuntimeError):
    """This node's key file is not the one the database was set up with."""


def fingerprint(secret: bytes) -> str:
    """Identifies a symmetric key without revealing it."""
    return hmac.new(secret, LABEL, hashlib.sha256).hexdigest()[:32]


def check(engine: Engine, secrets_dir: Path, fingerprints: dict[str, str]) -> None:
    """Record each fingerprint the first time; raise KeyMismatch when one differs."""
    with write_session(engine) as db:
        for name in sorted(fingerprints):  # a fixed order: two nodes starting at once never deadlock
            db.execute(
                insert_or_ignore(engine.dialect.name, CentralKey.__table__).values(
                    name=name, fingerprint=fingerprints[name], recorded_at=utcnow()
                )
            )
        recorded = {row.name: row.fingerprint for row in db.scalars(select(CentralKey))}
        db.commit()
    wrong = [name for name in sorted(fingerprints) if recorded.get(name) != fingerprints[name]]
    if wrong:
        detail = "; ".join(
            f"{secrets_dir / name} (this node: {fingerprints[name][:12]}, the database: {recorded.get(name, '?')[:12]})"
            for name in wrong
        )
        raise KeyMismatch(
            f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not the key(s) this database was set up with: "
            f"{detail}. Every central node must use the same key files: copy them from a running node (or point "
            "[storage] secrets_dir at the shared secrets), then start again. Never make new ones for a database in use."
        )


def replace(engine: Engine, name: str, new_fingerprint: str) -> None:
    """After a deliberate change (a certificate key rotation): the new key is the one."""
    with write_session(engine) as db:
        row = db.get(CentralKey, name)
        if row is None:
            db.add(CentralKey(name=name, fingerprint=new_fingerprint, recorded_at=utcnow()))
        else:
            row.fingerprint, row.recorded_at = new_fingerprint, utcnow()
        db.commit()
