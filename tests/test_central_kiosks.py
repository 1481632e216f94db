"""Enrollment and authenticated kiosk requests against a real central server
over loopback HTTP."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC

import pytest
import requests
from conftest import TEST_DATABASE, add_staff, login, run_cli, write_kiosk_config

from common import signing, wire
from kiosk.sync import credentials
from kiosk.sync.client import CentralClient, CentralError

pytestmark = pytest.mark.central


def _add(central, name: str, *extra: str) -> dict:
    result = central.cli("kiosks", "add", name, "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _kiosk_row(central, name: str) -> dict:
    rows = [json.loads(line) for line in central.cli("kiosks", "list", "--json").stdout.splitlines()]
    return next(r for r in rows if r["name"] == name)


@pytest.fixture
def enrolled(central, tmp_path, request):
    name = f"k-{request.node.name[:40]}"
    code = _add(central, name)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    result = run_cli("kiosk", "--config", str(cfg_path), "enroll", code)
    assert result.returncode == 0, result.stderr
    creds = credentials.load(tmp_path / "kiosk-data")
    return name, creds, CentralClient(central.url, creds)


def _beat(version="0.1.0") -> wire.HeartbeatRequest:
    from datetime import datetime

    return wire.HeartbeatRequest(
        version=version,
        uptime_s=12.5,
        sent_at=datetime.now(UTC),
        devices={"ticket_printer": wire.DeviceStatus(state="warning", detail="paper low")},
    )


def test_health_and_openapi_for_managers_only(central):
    health = requests.get(central.url + "/healthz", timeout=5).json()
    assert health["status"] == "ok" and health["database"] == TEST_DATABASE
    for path in ("/openapi.json", "/docs"):
        assert requests.get(central.url + path, timeout=5).status_code == 401  # a map for attackers: not public
    add_staff(central, "docs-clerk")
    assert login(central, "docs-clerk").get(central.url + "/openapi.json", timeout=5).status_code == 403
    add_staff(central, "docs-manager", "manager")
    manager = login(central, "docs-manager")
    assert "swagger" in manager.get(central.url + "/docs", timeout=5).text.lower()
    paths = manager.get(central.url + "/openapi.json", timeout=5).json()["paths"]
    api = [p for p in paths if p not in ("/healthz",)]
    assert api and all(p.startswith("/api/v1/") for p in api)


def test_enroll_writes_private_credentials_and_heartbeat_is_stored(enrolled, central, tmp_path):
    name, creds, client = enrolled
    path = credentials.path_in(tmp_path / "kiosk-data")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert creds.name == name and len(creds.secret) == 32
    assert _kiosk_row(central, name)["state"] == "enrolled"
    reply = client.heartbeat(_beat("9.9.9"))
    assert reply.kiosk_name == name
    row = _kiosk_row(central, name)
    assert row["version"] == "9.9.9" and row["last_seen_at"]
    assert row["devices"]["ticket_printer"] == {"state": "warning", "detail": "paper low"}


def test_enrollment_code_is_single_use(central, tmp_path):
    code = _add(central, "single-use")["code"]
    client = CentralClient(central.url)
    client.enroll(wire.EnrollRequest(code=code, version="t"))
    with pytest.raises(CentralError) as err:
        client.enroll(wire.EnrollRequest(code=code, version="t"))
    assert err.value.code == "bad_enrollment_code" and err.value.status == 403
    result = run_cli("kiosk", "--config", str(write_kiosk_config(tmp_path, central.url)), "enroll", "ABCD-EFGH-JKLM")
    assert result.returncode == 1 and "unknown or already used enrollment code" in result.stderr


def _signed_post(central, creds, body: bytes, **sign_kwargs) -> requests.Response:
    path = wire.API_PREFIX + "/kiosks/heartbeat"
    headers = signing.sign(creds.secret, "POST", path, body, creds.kiosk_id, **sign_kwargs)
    headers["Content-Type"] = "application/json"
    return requests.post(central.url + path, data=body, headers=headers, timeout=5)


def test_wrong_signature_is_rejected_and_nothing_stored(enrolled, central):
    name, creds, _client = enrolled
    body = _beat("6.6.6").model_dump_json().encode()
    forged = credentials.Credentials(creds.kiosk_id, name, central.url, b"x" * 32)
    resp = _signed_post(central, forged, body)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "bad_signature"
    # a valid signature over a different body does not cover this body either
    headers = signing.sign(creds.secret, "POST", wire.API_PREFIX + "/kiosks/heartbeat", b"{}", creds.kiosk_id)
    resp = requests.post(
        central.url + wire.API_PREFIX + "/kiosks/heartbeat",
        data=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=5,
    )
    assert resp.status_code == 401
    assert _kiosk_row(central, name)["version"] != "6.6.6"


def test_replayed_nonce_is_rejected(enrolled, central):
    name, creds, _client = enrolled
    body = _beat("1.0.0").model_dump_json().encode()
    first = _signed_post(central, creds, body, nonce="a" * 32)
    assert first.status_code == 200
    body2 = _beat("2.0.0").model_dump_json().encode()
    replay = _signed_post(central, creds, body2, nonce="a" * 32)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed_request"
    assert _kiosk_row(central, name)["version"] == "1.0.0"


def test_stale_timestamp_is_rejected(enrolled, central):
    import time

    _name, creds, _client = enrolled
    resp = _signed_post(central, creds, _beat().model_dump_json().encode(), now=time.time() - 3600)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "stale_timestamp"


def test_revoked_and_unknown_kiosks_are_rejected(enrolled, central):
    name, _creds, client = enrolled
    client.heartbeat(_beat("3.0.0"))
    assert central.cli("kiosks", "revoke", name).returncode == 0
    with pytest.raises(CentralError) as err:
        client.heartbeat(_beat("4.0.0"))
    assert err.value.status == 401 and err.value.code == "revoked_kiosk"
    assert _kiosk_row(central, name)["version"] == "3.0.0"
    assert _kiosk_row(central, name)["state"] == "revoked"
    stranger = credentials.Credentials("00000000-0000-0000-0000-000000000000", "x", central.url, b"k" * 32)
    with pytest.raises(CentralError) as err:
        CentralClient(central.url, stranger).heartbeat(_beat())
    assert err.value.code == "unknown_kiosk"
    resp = requests.post(central.url + wire.API_PREFIX + "/kiosks/heartbeat", json={}, timeout=5)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "missing_signature"


def test_reissue_invalidates_the_old_secret(enrolled, central):
    name, _creds, client = enrolled
    code = _add(central, name, "--reissue")["code"]
    with pytest.raises(CentralError):
        client.heartbeat(_beat())
    reply = CentralClient(central.url).enroll(wire.EnrollRequest(code=code, version="t"))
    fresh = credentials.Credentials(
        reply.kiosk_id, reply.name, central.url, __import__("base64").b64decode(reply.secret)
    )
    assert CentralClient(central.url, fresh).heartbeat(_beat()).kiosk_name == name


def test_duplicate_name_needs_reissue(central):
    _add(central, "dup")
    result = central.cli("kiosks", "add", "dup")
    assert result.returncode == 1 and "--reissue" in result.stderr


def test_garbled_and_unreachable_replies_are_typed_errors(central, tmp_path):
    import http.server
    import threading

    class Garbled(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"status": "fine", "extra": 1}')

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Garbled)
    threading.Thread(target=srv.handle_request, daemon=True).start()
    with pytest.raises(CentralError) as err:
        CentralClient(f"http://127.0.0.1:{srv.server_port}").health()
    assert err.value.kind == "garbled"
    srv.server_close()
    from conftest import free_port

    with pytest.raises(CentralError) as err:
        CentralClient(f"http://127.0.0.1:{free_port()}", timeout_s=1).health()
    assert err.value.kind == "network"


def test_a_kiosk_holds_no_key_that_unlocks_citizens(central, tmp_path):
    """Central hashes ID numbers; enrollment hands out no hash key, and a key
    an older release stored is removed from the credentials file."""
    code = _add(central, "no-hash-key")["code"]
    reply = requests.post(
        central.url + "/api/v1/kiosks/enroll", json={"code": code, "version": "1.0", "hostname": "x"}, timeout=5
    ).json()
    assert set(reply) == {"kiosk_id", "name", "secret", "server_time"}
    old = {**reply, "server_url": central.url, "id_hash_key": base64.b64encode(b"k" * 32).decode()}
    (tmp_path / credentials.FILENAME).write_text(json.dumps(old))
    creds = credentials.load(tmp_path)
    assert creds is not None and creds.kiosk_id == reply["kiosk_id"]
    stored = json.loads((tmp_path / credentials.FILENAME).read_text())
    assert "id_hash_key" not in stored and stored["secret"] == reply["secret"]
    assert stat.S_IMODE((tmp_path / credentials.FILENAME).stat().st_mode) == 0o600


def test_a_notice_with_control_characters_is_refused(central):
    refused = central.cli("kiosks", "settings", "notice_zh=系统升级\x1b@")
    assert refused.returncode != 0 and "control character U+001B" in refused.stderr
    assert "Traceback" not in refused.stderr
