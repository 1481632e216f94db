"""The kiosk's enrollment credentials, kept 0600 in its data directory."""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

FILENAME = "credentials.json"
log = logging.getLogger(__name__)


class CredentialsError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    kiosk_id: str
    name: str
    server_url: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret by accident
        return f"Credentials(kiosk_id={self.kiosk_id!r}, name={self.name!r}, server_url={self.server_url!r})"


def path_in(data_dir: Path) -> Path:
    return Path(data_dir) / FILENAME


def save(data_dir: Path, creds: Credentials) -> Path:
    """Write atomically with mode 0600 from the first byte (no window where
    another user could read the secret)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    target = path_in(data_dir)
    tmp = target.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(
            {
                "kiosk_id": creds.kiosk_id,
                "name": creds.name,
                "server_url": creds.server_url,
                "secret": base64.b64encode(creds.secret).decode(),
            },
            fh,
        )
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def load(data_dir: Path) -> Credentials | None:
    """None when the kiosk is not enrolled yet; CredentialsError when the file
    exists but is unusable (the operator must re-enroll)."""
    path = path_in(data_dir)
    try:
        raw = json.loads(path.read_text())
        creds = Credentials(raw["kiosk_id"], raw["name"], raw["server_url"], base64.b64decode(raw["secret"]))
        if "id_hash_key" in raw:  # enrolled by an older release: a kiosk keeps no key that unlocks citizens
            save(data_dir, creds)
            log.warning("%s: removed the ID hash key an older release kept (central hashes ID numbers now)", path)
        return creds
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CredentialsError(
            f"{path}: unreadable credentials ({exc}); enroll again with `kiosk enroll CODE`"
        ) from None
