"""Certificates and ratings at central over real HTTP: only the card holder's
own records, signed and verifiable; an altered QR is rejected; revocation and
expiry; print audits and ratings applied once per key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login
from pydantic import ValidationError

from common.certificates import (
    AvailableRequest,
    CertificateRequest,
    PrintAudit,
    from_b64url,
    verify_signature,
)
from common.ratings import RatingRequest
from common.wire import CardPresented
from kiosk.sync.client import CentralError

pytestmark = pytest.mark.central
DEMO_ID = "11010519491231002X"  # 张伟明: social insurance, tax, real estate; no company
LEGAL_REP = "110102197203040017"  # 王建国: two companies, no real estate
STRANGER = "110101199001011237"  # valid number, not in the sample dataset


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("certs")
    server = Central(tmp / "c")
    server.start()
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "k1", tmp / "k1")
    other = enrolled_client(server, "k2", tmp / "k2")
    yield server, kiosk, other
    server.stop()


def person(kiosk, number: str) -> str:
    """The card is presented at this kiosk: central answers a citizen token."""
    return kiosk.present_card(CardPresented(number=number, reader="virtual")).token


def issue(kiosk, number, kind="social_insurance", ref="", request_id=None):
    return kiosk.issue_certificate(
        CertificateRequest(
            request_id=request_id or uuid.uuid4().hex, kind=kind, citizen_token=person(kiosk, number), subject_ref=ref
        )
    )


def test_a_card_holder_sees_and_gets_only_their_own_records(hall):
    _central, kiosk, _ = hall
    mine = kiosk.available_certificates(AvailableRequest(citizen_token=person(kiosk, DEMO_ID)))
    assert [c.kind for c in mine.certificates] == ["social_insurance", "tax", "real_estate"]
    assert all("1101**********002X" in c.subject_label for c in mine.certificates)
    rep = kiosk.available_certificates(AvailableRequest(citizen_token=person(kiosk, LEGAL_REP)))
    companies = [c for c in rep.certificates if c.kind == "business_license"]
    assert len(companies) == 2 and all("*" in c.subject_label for c in companies)
    assert "real_estate" not in [c.kind for c in rep.certificates]
    assert kiosk.available_certificates(AvailableRequest(citizen_token=person(kiosk, STRANGER))).certificates == ()
    with pytest.raises(CentralError) as refused:  # a stranger gets nothing, not someone else's record
        issue(kiosk, STRANGER)
    assert refused.value.code == "no_record"
    with pytest.raises(CentralError) as not_theirs:  # a company the card holder does not represent
        issue(kiosk, DEMO_ID, "business_license", companies[0].subject_ref)
    assert not_theirs.value.code == "no_record"
    licence = issue(kiosk, LEGAL_REP, "business_license", companies[0].subject_ref)
    assert licence.content.subject_id == companies[0].subject_ref and licence.content.fields[3].value == "王建国"


def test_no_card_identity_no_certificate(hall):
    central, _kiosk, _ = hall
    body = {"request_id": uuid.uuid4().hex, "kind": "tax"}
    r = requests.post(f"{central.url}/api/v1/certificates", json=body, timeout=5)
    assert r.status_code == 401  # unsigned
    with pytest.raises(ValidationError):
        CertificateRequest(request_id=uuid.uuid4().hex, kind="tax", citizen_token="")


def test_signed_verifiable_and_tamper_evident(hall):
    central, kiosk, _ = hall
    cert = issue(kiosk, DEMO_ID, "tax")
    assert cert.content.subject_id == "1101**********002X" and DEMO_ID not in cert.model_dump_json()
    assert cert.verify_url == f"{central.url}/verify/{cert.id}?s={cert.signature}"
    public = requests.get(f"{central.url}/api/v1/certificates/public-key", timeout=5)
    assert "BEGIN PUBLIC KEY" in public.text
    raw = from_b64url(public.headers["x-public-key-raw"])
    assert verify_signature(raw, cert)  # offline, with the published key
    edited = cert.model_copy(update={"content": cert.content.model_copy(update={"subject_name": "李四"})})
    assert not verify_signature(raw, edited)

    def state(url):
        r = requests.get(url.replace("/verify/", "/api/v1/verify/"), timeout=5)
        assert r.status_code == 200
        return r.json()["state"]

    assert state(cert.verify_url) == "genuine"
    flipped_sig = cert.signature[:10] + ("A" if cert.signature[10] != "A" else "B") + cert.signature[11:]
    assert state(f"{central.url}/verify/{cert.id}?s={flipped_sig}") == "invalid"
    flipped_id = cert.id[:5] + ("A" if cert.id[5] != "A" else "B") + cert.id[6:]
    assert state(f"{central.url}/verify/{flipped_id}?s={cert.signature}") == "unknown"
    by_code = requests.get(f"{central.url}/api/v1/verify", params={"code": cert.check_code.lower()}, timeout=5).json()
    assert by_code["state"] == "genuine" and by_code["certificate"]["content"]["subject_name"] == "张伟明"
    page = requests.get(cert.verify_url, timeout=5).text
    assert 'data-state="genuine"' in page.replace("'", '"') and "个人纳税证明" in page and "张伟明" in page
    assert cert.id in page and cert.check_code in page

    revoked = central.cli("certificates", "revoke", cert.id, "--reason", "issued in error")
    assert revoked.returncode == 0, revoked.stderr
    reply = requests.get(f"{central.url}/api/v1/verify/{cert.id}", params={"s": cert.signature}, timeout=5).json()
    assert reply["state"] == "revoked" and "issued in error" in reply["message"]


def test_a_retried_request_gets_the_same_certificate(hall):
    _, kiosk, other = hall
    request_id = uuid.uuid4().hex
    first = issue(kiosk, DEMO_ID, "real_estate", request_id=request_id)
    again = issue(kiosk, DEMO_ID, "real_estate", request_id=request_id)
    assert again.id == first.id and again.signature == first.signature
    assert issue(other, DEMO_ID, "real_estate", request_id=request_id).id != first.id  # per kiosk


def test_print_audit_and_ratings_apply_once(hall):
    central, kiosk, other = hall
    cert = issue(kiosk, DEMO_ID)
    now = datetime.now(UTC)
    audit = PrintAudit(
        key=uuid.uuid4().hex,
        certificate_id=cert.id,
        kind=cert.kind,
        copies=2,
        pages=1,
        outcome="printed",
        attempt=1,
        at=now,
    )
    assert kiosk.record_print(audit).duplicate is False
    assert kiosk.record_print(audit).duplicate is True
    with pytest.raises(CentralError) as foreign:  # another kiosk cannot audit this kiosk's certificate
        other.record_print(audit.model_copy(update={"key": uuid.uuid4().hex}))
    assert foreign.value.code == "unknown_certificate"
    mona = login(central, "mona")
    prints = [
        p
        for p in mona.get(f"{central.url}/api/v1/certificates/prints", timeout=5).json()["prints"]
        if p["certificate_id"] == cert.id
    ]
    assert len(prints) == 1 and prints[0]["copies"] == 2 and prints[0]["outcome"] == "printed"

    bad = RatingRequest(
        key=uuid.uuid4().hex,
        level=5,
        subject="certificate",
        subject_ref="social_insurance",
        reasons=("slow", "device_fault"),
        text=f"打印机卡纸，我的身份证号{DEMO_ID}",  # sent by a client that does not scrub
        at=now,
    )
    good = RatingRequest(key=uuid.uuid4().hex, level=1, subject="guide", subject_ref="11100000000000000A", at=now)
    for rating in (bad, bad, good):
        kiosk.rate(rating)
    with pytest.raises(CentralError):
        kiosk.rate(RatingRequest(key=uuid.uuid4().hex, level=2, subject="ticket", reasons=("bribe",), at=now))
    reviews = mona.get(f"{central.url}/api/v1/ratings/bad", timeout=5).json()
    assert len(reviews["reviews"]) == 1 and reviews["summary"]["count"] == 2
    case = reviews["reviews"][0]
    assert case["text"] == "打印机卡纸，我的身份证号1101**********002X"  # central stores it masked
    assert case["state"] == "open" and case["channel"] == "terminal"
    assert case["contact_due"] < case["resolve_due"] <= case["close_due"] and not case["overdue"]
    step = f"{central.url}/api/v1/ratings/bad/{case['case_number']}"
    assert mona.post(step, json={"step": "contacted", "note": "已电话联系"}, timeout=5).json()["state"] == "contacted"
    assert mona.post(step, json={"step": "resolved", "note": "已更换打印机"}, timeout=5).ok
    resolved = mona.get(f"{central.url}/api/v1/ratings/bad?state=resolved", timeout=5).json()["reviews"][0]
    assert [(s["step"], s["staff"], s["note"]) for s in resolved["steps"]] == [
        ("contacted", "mona", "已电话联系"),
        ("resolved", "mona", "已更换打印机"),
    ]


def test_the_verify_page_in_a_browser(hall, browser):
    import os
    from pathlib import Path

    central, kiosk, _ = hall
    cert = issue(kiosk, DEMO_ID, "social_insurance")
    page = browser.new_page(viewport={"width": 430, "height": 1100}, device_scale_factor=2)
    page.goto(cert.verify_url)
    assert page.get_attribute("#state", "data-state") == "genuine"
    assert "真实有效" in page.text_content("#state") and "张伟明" in page.content()
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "verify-page.png"))
    page.goto(f"{central.url}/verify")
    page.fill("#code", "AAAA-BBBB-CCCC")
    page.click("form button")
    page.wait_for_selector("#state")
    assert page.get_attribute("#state", "data-state") == "unknown"
    page.fill("#code", cert.check_code)
    page.click("form button")
    page.wait_for_function("document.getElementById('state').dataset.state === 'genuine'")
    page.close()
