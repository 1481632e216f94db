"""A stored certificate is checked with the key that signed it, whichever that was:
a key id changed in the database makes edited content invalid, never "genuine";
certificates of a retired key still verify once its public half is kept."""

from __future__ import annotations

import uuid

import pytest
from conftest import central_config
from sqlalchemy import text

from central.app import certificate_service
from central.certs.keys import keyring, load_or_create, retire
from central.state import open_state
from common.certificates import CertificateRequest
from common.identity import keyed_hash

DEMO_ID = "11010519491231002X"  # 张伟明, in the sample back office


@pytest.fixture
def hall_state(tmp_path):
    config = central_config(tmp_path / "central")
    return config, open_state(config)


def issue(service, state):
    request = CertificateRequest(request_id=uuid.uuid4().hex, kind="tax", citizen_token="t" * 32)
    return service.issue("kiosk-1", request, keyed_hash(state.id_hash_key, DEMO_ID))


def tamper(state, cert_id: str, **columns) -> None:
    sets = ", ".join(f"{name} = :{name}" for name in columns)
    with state.engine.begin() as conn:
        conn.execute(text(f"UPDATE certificates SET {sets} WHERE id = :id"), {"id": cert_id, **columns})


def test_a_changed_key_id_does_not_make_edited_content_genuine(hall_state):
    config, state = hall_state
    service = certificate_service(config, state)
    cert = issue(service, state)
    assert service.verify(cert.id, cert.signature).state == "genuine"
    edited = cert.content.model_copy(update={"subject_name": "李四"}).model_dump_json()
    tamper(state, cert.id, content=edited)
    assert service.verify(cert.id, cert.signature).state == "invalid"
    tamper(state, cert.id, key_id="0000000000000000")  # and claim another key signed it
    reply = service.verify(cert.id, cert.signature)
    assert reply.state == "invalid" and reply.certificate is None


def test_certificates_of_a_retired_key_verify_with_its_kept_public_half(hall_state):
    config, state = hall_state
    old_service = certificate_service(config, state)
    cert = issue(old_service, state)
    retire(old_service.key, config.data_dir)
    (config.data_dir / "certificate-signing.key").unlink()  # rotation: a new signing key
    new_service = certificate_service(config, state)
    assert new_service.key.key_id != cert.key_id
    assert new_service.verify(cert.id, cert.signature).state == "genuine"
    assert issue(new_service, state).key_id == new_service.key.key_id
    (config.data_dir / "certificate-keys" / f"{cert.key_id}.pub").unlink()  # the old key forgotten
    assert certificate_service(config, state).verify(cert.id, cert.signature).state == "invalid"


def test_a_mislabelled_retired_key_is_refused(hall_state, tmp_path):
    config, _state = hall_state
    key = load_or_create(tmp_path / "k.key")
    path = retire(key, config.data_dir)
    path.rename(path.with_name("ffffffffffffffff.pub"))
    with pytest.raises(ValueError, match="not ffffffffffffffff"):
        keyring(key, config.data_dir)


def test_rotate_key_from_the_command_line(tmp_path):
    from conftest import run_cli

    config = tmp_path / "central.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    first = run_cli("kiosk-central", "--config", str(config), "certificates", "public-key")
    assert first.returncode == 0 and "BEGIN PUBLIC KEY" in first.stdout
    rotated = run_cli("kiosk-central", "--config", str(config), "certificates", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "retired" in rotated.stdout and len(list((tmp_path / "data" / "certificate-keys").glob("*.pub"))) == 1
    second = run_cli("kiosk-central", "--config", str(config), "certificates", "public-key")
    assert second.stdout != first.stdout
