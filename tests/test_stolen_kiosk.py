"""A kiosk's credentials.json in an attacker's hands, end to end over real
HTTP: it holds no key to hash (or brute-force) ID numbers, a citizen's records
open only for a card presented at that kiosk, and presenting many identities
(or many from far away) suspends the kiosk until a manager reviews it on
/fleet. Tickets are limited per kiosk too."""

from __future__ import annotations

import uuid

import pytest
import requests
from conftest import Central, add_staff, enrolled_clients, login

from common.certificates import AvailableRequest
from common.identity import id_check_char
from common.tickets import TicketRequest
from common.wire import CardPresented
from kiosk.sync.client import CentralError

pytestmark = pytest.mark.central
DEMO_ID = "11010519491231002X"  # has records in the sample back office
LIMITS = """
[security]
identities_per_hour = 5
foreign_identities_per_hour = 2
home_provinces = ["11"]
tickets_per_minute = 6
"""


def id_number(region: str, n: int) -> str:
    body = f"{region}1980010{n % 10}{n:03d}"[:17]
    return body + id_check_char(body)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stolen")
    server = Central(tmp / "c", extra=LIMITS)
    server.start()
    add_staff(server, "mona", "manager")
    names = ["lobby", "bank", "library", "station"]
    kiosks = dict(zip(names, enrolled_clients(server, names), strict=True))
    yield server, kiosks
    server.stop()


def present(kiosk, number: str) -> str:
    return kiosk.present_card(CardPresented(number=number, reader="virtual")).token


def refused(call) -> CentralError:
    with pytest.raises(CentralError) as err:
        call()
    return err.value


def test_records_open_only_for_a_card_presented_at_that_kiosk(city):
    _central, kiosks = city
    lobby, bank = kiosks["lobby"], kiosks["bank"]
    token = present(lobby, DEMO_ID)
    assert [c.kind for c in lobby.available_certificates(AvailableRequest(citizen_token=token)).certificates]
    elsewhere = refused(lambda: bank.available_certificates(AvailableRequest(citizen_token=token)))
    assert elsewhere.status == 403 and elsewhere.code == "card_not_present"
    invented = refused(lambda: lobby.available_certificates(AvailableRequest(citizen_token="A" * 43)))
    assert invented.code == "card_not_present"
    bad = refused(lambda: present(lobby, DEMO_ID[:-1] + "0"))  # a wrong check digit is no card
    assert bad.status == 422 and bad.code == "invalid_id"


def test_many_identities_suspend_the_kiosk_until_a_manager_reviews_it(city):
    central, kiosks = city
    library = kiosks["library"]
    tokens = [present(library, id_number("110105", n)) for n in range(1, 5)]  # with DEMO_ID below: 5 people
    first = present(library, DEMO_ID)
    assert present(library, id_number("110105", 1))  # the same person again is not another identity
    tripped = refused(lambda: present(library, id_number("110105", 9)))  # the 6th in an hour
    assert tripped.status == 403 and tripped.code == "kiosk_suspended"
    # from now on the kiosk serves no citizen: not with earlier tokens, not tickets, not new cards
    assert refused(lambda: library.available_certificates(AvailableRequest(citizen_token=first))).code == (
        "kiosk_suspended"
    )
    ticket = TicketRequest(request_id=uuid.uuid4().hex, type="A", citizen_token=tokens[0])
    assert refused(lambda: library.take_ticket(ticket)).code == "kiosk_suspended"
    assert refused(lambda: present(library, DEMO_ID)).code == "kiosk_suspended"
    assert library.settings().maintenance  # it goes out of service at its next heartbeat
    assert present(kiosks["bank"], id_number("110105", 9))  # other kiosks are not affected
    mona = login(central, "mona")
    fleet = {k["name"]: k for k in mona.get(f"{central.url}/api/v1/fleet", timeout=5).json()["kiosks"]}
    alert = next(a for a in fleet["library"]["alerts"] if a["code"] == "suspended")
    assert alert["severity"] == "critical" and "identity_rate" in alert["message"]
    assert not any(a["code"] == "suspended" for a in fleet["bank"]["alerts"])
    # the manager reviews it: back in service, and the earlier tokens stay void
    assert mona.post(f"{central.url}/api/v1/fleet/library/review", timeout=5).ok
    assert mona.post(f"{central.url}/api/v1/fleet/library/review", timeout=5).status_code == 409
    assert not library.settings().maintenance
    assert refused(lambda: library.available_certificates(AvailableRequest(citizen_token=first))).code == (
        "card_not_present"
    )
    assert present(library, DEMO_ID)


def test_many_cards_from_far_away_suspend_the_kiosk(city):
    _central, kiosks = city
    station = kiosks["station"]
    assert present(station, id_number("110101", 1))  # home province: never counted as far
    for n in range(1, 3):
        assert present(station, id_number("440305", n))  # Shenzhen: two are a normal day at a station
    tripped = refused(lambda: present(station, id_number("440305", 3)))
    assert tripped.code == "kiosk_suspended"
    central = city[0]
    reviewed = central.cli("kiosks", "review", "station")  # the operator's way, beside the /fleet button
    assert reviewed.returncode == 0 and "foreign_identities" in reviewed.stdout
    assert central.cli("kiosks", "review", "station").returncode == 1  # not suspended any more
    assert present(station, id_number("110101", 2))


def test_tickets_are_limited_per_kiosk(city):
    central, kiosks = city
    bank = kiosks["bank"]
    for _ in range(6):
        bank.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    over = refused(lambda: bank.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A")))
    assert over.status == 429 and over.code == "too_many_tickets"
    assert kiosks["lobby"].take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))  # per kiosk
    queues = requests.get(f"{central.url}/api/v1/queues", timeout=5).json()["queues"]
    assert next(q for q in queues if q["type"] == "A")["waiting"] == 7  # the refused one took no number
