"""`kiosk card read`: masked identity or a typed error with exit code 1."""

from __future__ import annotations

import json
import threading

from conftest import run_cli, wait_until, write_kiosk_config

from peers.ga467_reader import ZHANG, FakeSamReader
from peers.vpcd_card import VirtualCard


def test_virtual_reader(tmp_path):
    result = run_cli(
        "kiosk", "--config", str(write_kiosk_config(tmp_path)), "card", "read", "--reader", "virtual", "--json"
    )
    assert result.returncode == 0
    row = json.loads(result.stdout)
    assert row["number"] == "1101**********002X" and row["name"] == "张*明" and row["valid_to"] == "长期"
    assert row["birth_date"] == "1949-**-**" and row["age"] >= 76  # the year, never the full date
    assert ZHANG["id_number"] not in result.stdout + result.stderr and "1231" not in result.stdout


def test_ga467_reader_good_and_failing(tmp_path):
    cfg = str(write_kiosk_config(tmp_path))
    fake = FakeSamReader()
    try:
        fake.card = dict(ZHANG)
        ok = run_cli(
            "kiosk",
            "--config",
            cfg,
            "card",
            "read",
            "--reader",
            "ga467",
            "--device",
            fake.path,
            "--json",
            "--timeout",
            "5",
        )
        assert ok.returncode == 0 and json.loads(ok.stdout)["nation"] == "汉"
        fake.status = {b"\x30\x01": 0x41}
        bad = run_cli(
            "kiosk", "--config", cfg, "card", "read", "--reader", "ga467", "--device", fake.path, "--timeout", "5"
        )
        assert bad.returncode == 1 and "card not read: unreadable" in bad.stderr and "Traceback" not in bad.stderr
    finally:
        fake.close()
    missing = run_cli(
        "kiosk", "--config", cfg, "card", "read", "--reader", "ga467", "--device", "/dev/nope", "--timeout", "1"
    )
    assert missing.returncode == 1 and "no_reader" in missing.stderr and "/dev/nope" in missing.stderr


def test_pcsc_reader_and_no_card(pcscd, tmp_path):
    cfg = str(write_kiosk_config(tmp_path))
    card = VirtualCard(ZHANG, port=pcscd.port)
    threading.Timer(1.0, card.insert).start()
    try:
        ok = run_cli(
            "kiosk",
            "--config",
            cfg,
            "card",
            "read",
            "--reader",
            "pcsc",
            "--reader-name",
            "Virtual PCD 00 00",
            "--json",
            "--timeout",
            "10",
        )
        assert ok.returncode == 0 and json.loads(ok.stdout)["number"] == "1101**********002X"
    finally:
        card.remove()
    # pcscd polls the reader: once it has seen the removal, a read waits and times out
    none = wait_until(
        lambda: (
            (r := run_cli("kiosk", "--config", cfg, "card", "read", "--reader", "pcsc", "--timeout", "1")).returncode
            == 1
            and "timeout: no card within 1 s" in r.stderr
            and r
        ),
        what="pcscd to see the removal",
    )
    assert "Traceback" not in none.stderr
