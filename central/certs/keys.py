"""Central's Ed25519 signing key: made once in the data directory (0600),
published as its public half so anyone can check a certificate offline."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.certificates import b64url, from_b64url


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    @property
    def fingerprint(self) -> str:
        """What central.node_keys records of it (its public half only)."""
        return hashlib.sha256(self.public_raw).hexdigest()[:32]

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.public_raw).hexdigest()[:16]

    def sign(self, data: bytes) -> str:
        return b64url(self.private.sign(data))


def load_or_create(path: Path) -> SigningKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return SigningKey(key)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    try:
        os.link(tmp, path)  # first writer wins when several workers start at once
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return load_or_create(path)


RETIRED_DIR = "certificate-keys"  # <data_dir>/certificate-keys/<key_id>.pub: retired public keys (raw, base64url)


def keyring(current: SigningKey, data_dir: Path) -> dict[str, bytes]:
    """Every public key a stored certificate may have been signed with, by key id: the
    current one and the retired ones kept in the data directory. A certificate is checked
    with the key its key_id names; an id not in here is a forgery, never a skipped check."""
    ring = {current.key_id: current.public_raw}
    folder = data_dir / RETIRED_DIR
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else ():
        raw = from_b64url(path.read_text().strip())
        key_id = hashlib.sha256(raw).hexdigest()[:16]
        if key_id != path.stem:
            raise ValueError(f"{path}: the file holds key {key_id}, not {path.stem}")
        ring[key_id] = raw
    return ring


def retire(current: SigningKey, data_dir: Path) -> Path:
    """Keep the current key's public half, so certificates it signed still verify after a rotation."""
    folder = data_dir / RETIRED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{current.key_id}.pub"
    path.write_text(b64url(current.public_raw) + "\n")
    return path
