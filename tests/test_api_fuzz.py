"""Hostile input never makes central answer 5xx. Schemathesis generates
requests from central's own OpenAPI document, valid and invalid alike, and
sends them to a real central over HTTP, signed as an enrolled kiosk and
carrying a manager's session and CSRF token (so the checks behind
authentication are reached too). A bounded run: `FUZZ_EXAMPLES` per
operation (raise it locally for a deeper run). Then the inputs the attack
found by hand: odd headers, huge integers, naive timestamps, concurrency."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime

import pytest
import requests
import schemathesis
from conftest import Central, add_staff, enrolled_client, enrolled_clients, login
from hypothesis import HealthCheck, given, settings

from central import fleet
from central.config import load as load_central
from central.db import write_session
from central.state import open_state
from common import signing, wire

pytestmark = pytest.mark.central
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
QUIET = """
[security]
tickets_per_minute = 0
identities_per_hour = 0
logins_per_second = 10000
login_failures_before_backoff = 100
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    server = Central(tmp / "c", extra=QUIET)
    server.start()
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "fuzzer", tmp / "k")
    manager = login(server, "mona")
    yield server, kiosk, manager
    server.stop()


class KioskSignature(requests.auth.AuthBase):
    """Signs each prepared request as the kiosk does (common.signing)."""

    def __init__(self, creds):
        self.creds = creds

    def __call__(self, r):
        body = r.body or b""
        body = body.encode() if isinstance(body, str) else body
        r.headers.update(signing.sign(self.creds.secret, r.method, r.path_url, body, self.creds.kiosk_id))
        return r


def test_no_request_from_the_openapi_document_gets_a_5xx(target):
    central, kiosk, manager = target
    document = manager.get(f"{central.url}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    auth = KioskSignature(kiosk.credentials)
    failures: list[str] = []
    sent = [0]

    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def probe(case):
            if case.path == "/api/v1/events":  # a stream never ends: its status line is the answer
                kwargs = case.as_transport_kwargs(base_url=central.url)
                with manager.request(**kwargs, auth=auth, timeout=15, stream=True) as response:
                    status, text = response.status_code, "" if response.ok else response.text
            else:
                response = case.call(base_url=central.url, session=manager, auth=auth, timeout=15)
                status, text = response.status_code, response.text
            sent[0] += 1
            if status >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {status} {text[:200]}")

        probe()
    print(f"schemathesis: {sent[0]} requests over {len(operations)} operations, {len(failures)} 5xx")
    assert not failures, "\n".join(failures[:20])
    assert sent[0] >= len(operations) * min(FUZZ_EXAMPLES, 5)
    assert requests.get(f"{central.url}/healthz", timeout=5).ok


def signed_headers(kiosk, method, path, body=b"", **override) -> dict:
    headers = signing.sign(kiosk.credentials.secret, method, path, body, kiosk.credentials.kiosk_id)
    headers.update(override)
    return {**headers, "Content-Type": "application/json"}


def test_the_inputs_found_by_hand_get_a_clear_4xx(target):
    central, kiosk, _ = target
    url = central.url
    r = requests.get(f"{url}/api/v1/events", headers={"Last-Event-ID": "²"}, timeout=5)
    assert r.status_code == 422
    path = f"{wire.API_PREFIX}/kiosks/heartbeat"
    beat = b'{"version": "1", "uptime_s": 1, "sent_at": "2026-12-01T10:00:00"}'  # a naive timestamp
    r = requests.post(url + path, data=beat, headers=signed_headers(kiosk, "POST", path, beat), timeout=5)
    assert r.status_code == 422 and "timezone" in r.text
    for bad in ({signing.HEADER_SIGNATURE: "签名" * 10}, {signing.HEADER_SIGNATURE: "9" * 5000}):
        hdrs = {
            k: v.encode("utf-8").decode("latin-1") for k, v in signed_headers(kiosk, "POST", path, beat, **bad).items()
        }
        r = requests.post(url + path, data=beat, headers=hdrs, timeout=5)
        assert r.status_code in (400, 401, 431), r.text
    for timestamp in ("9" * 400, "-5", "１２３"):
        hdrs = signed_headers(kiosk, "POST", path, beat, **{signing.HEADER_TIMESTAMP: timestamp})
        hdrs = {k: v.encode("utf-8").decode("latin-1") for k, v in hdrs.items()}
        assert requests.post(url + path, data=beat, headers=hdrs, timeout=5).status_code == 401
    lease = f"{wire.API_PREFIX}/tickets/offline"
    huge = (
        b'{"request_id": "abcdefgh1", "id": "abcdefghijkl", "lease_id": 9223372036854775808, "type": "A", '
        b'"number": 5, "issued_at": "2026-12-01T10:00:00Z"}'
    )
    r = requests.post(url + lease, data=huge, headers=signed_headers(kiosk, "POST", lease, huge), timeout=5)
    assert r.status_code == 422
    r = requests.get(f"{url}/api/v1/tickets/{'x' * 5000}", timeout=5)
    assert r.status_code == 404
    big = b"x" * (1024 * 1024 + 1)
    r = requests.post(f"{url}/api/v1/kiosks/enroll", data=big, timeout=10)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_heartbeats_and_enrollments_at_once_never_fail(target):
    """Writes under contention wait their turn: never a 500 'database is locked'."""
    central, _, _ = target
    kiosks = enrolled_clients(central, [f"beat-{i}" for i in range(8)])
    state = open_state(load_central(central.config))
    with write_session(state.engine) as db:
        codes = [json.dumps({"code": fleet.add_kiosk(db, f"new-{i}", 24).code}) for i in range(8)]
    state.engine.dispose()
    statuses: list[int] = []
    lock = threading.Lock()

    def beat(kiosk):
        for _ in range(25):
            body = wire.HeartbeatRequest(version="1", uptime_s=1, sent_at=datetime.now().astimezone())
            try:
                kiosk.heartbeat(body)
                status = 200
            except Exception as exc:  # CentralError carries the status
                status = getattr(exc, "status", 599)
            with lock:
                statuses.append(status)

    def enroll(raw):
        code = json.loads(raw)["code"]
        for _ in range(2):  # the second use of a one-time code must be refused, not crash
            r = requests.post(
                f"{central.url}/api/v1/kiosks/enroll", json={"code": code, "version": "1", "hostname": "h"}, timeout=15
            )
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=beat, args=(k,)) for k in kiosks]
    threads += [threading.Thread(target=enroll, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) == 8 * 25 + 8  # every beat, and each code's first use
    assert sorted(set(statuses)) == [200, 403]  # the second uses: refused, never a 5xx
    assert statuses.count(403) == 8
