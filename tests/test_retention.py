"""Personal data central keeps for a limited time: a certificate's content
(name, income, tax) is removed `keep_content_days` after it expires, and the
verify page then shows nothing of it; tickets and bookings forget whose they
were after `keep_person_days`. The pass is idempotent, and runs from the CLI."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from conftest import central_config, run_cli
from sqlalchemy import text

from central import retention
from central.app import certificate_service
from central.queue.engine import QueueEngine
from central.queue.store import QueueStore
from central.state import open_state
from common.certificates import CertificateRequest
from common.identity import keyed_hash
from common.tickets import TicketRequest

DEMO_ID = "11010519491231002X"  # 张伟明, in the sample back office


NOTHING = dict.fromkeys(
    (
        "certificate_contents",
        "ticket_holders",
        "bookings",
        "verification_codes",
        "phone_sessions",
        "message_addresses",
        "messages",
        "person_counts",
    ),
    0,
)


def test_certificate_contents_and_ticket_holders_are_forgotten_in_time(tmp_path):
    config = central_config(tmp_path / "central")
    config = replace(config, certificates=replace(config.certificates, valid_days=90, keep_content_days=30))
    state = open_state(config)
    person = keyed_hash(state.id_hash_key, DEMO_ID)
    service = certificate_service(config, state)
    cert = service.issue(
        "k1", CertificateRequest(request_id=uuid.uuid4().hex, kind="tax", citizen_token="t" * 32), person
    )
    assert cert.content.subject_name == "张伟明"
    queue = QueueEngine(config, QueueStore(state.engine))
    with state.engine.begin() as conn:  # a real-name ticket as the ticket path leaves it
        ticket = queue.issue("k1", TicketRequest(request_id=uuid.uuid4().hex, type="A"))
        conn.execute(text("UPDATE tickets SET person_key = :p WHERE id = :id"), {"p": person, "id": ticket.id})
    queue.book("C", person, datetime.now(UTC) + timedelta(hours=1))

    now = datetime.now(UTC)
    assert retention.run(config, state.engine, now) == {**NOTHING}
    assert service.verify(cert.id, signature=cert.signature).state == "genuine"

    later = now + timedelta(
        days=90 + 32
    )  # expired 31+ days ago (in any timezone); the ticket and booking are months old
    assert retention.run(config, state.engine, later) == {
        **NOTHING,
        "certificate_contents": 1,
        "ticket_holders": 1,
        "bookings": 1,
    }
    reply = service.verify(cert.id, signature=cert.signature)
    assert reply.state == "expired" and reply.certificate is None and "retention" in reply.message
    with state.engine.connect() as conn:
        content = conn.execute(text("SELECT content FROM certificates WHERE id = :id"), {"id": cert.id}).scalar_one()
        holders = conn.execute(text("SELECT COUNT(*) FROM tickets WHERE person_key IS NOT NULL")).scalar_one()
        dumped = " ".join(str(v) for row in conn.execute(text("SELECT * FROM certificates")) for v in row)
    assert json.loads(content) == {"purged": True} and holders == 0
    assert "张伟明" not in dumped and "1101" not in dumped
    assert retention.run(config, state.engine, later) == {**NOTHING}

    config_file = tmp_path / "central.toml"
    config_file.write_text(f'[storage]\ndata_dir = "{tmp_path / "central"}"\n')
    done = run_cli("kiosk-central", "--config", str(config_file), "retention", "run")
    assert done.returncode == 0 and "0 certificate contents" in done.stdout
