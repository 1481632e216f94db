"""`kiosk doctor` names each problem and what to do about it."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli, write_kiosk_config

pytestmark = pytest.mark.central


def checks(result) -> dict:
    return {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}


def test_an_unenrolled_offline_kiosk_is_told_what_to_fix(tmp_path):
    result = run_cli("kiosk", "--config", str(write_kiosk_config(tmp_path)), "doctor", "--json")
    assert result.returncode == 1
    rows = checks(result)
    assert rows["central"]["status"] == "fail" and "[server] url" in rows["central"]["hint"]
    assert rows["enrollment"]["status"] == "fail" and "kiosk enroll" in rows["enrollment"]["hint"]
    assert rows["Chinese font"]["status"] == "ok" and rows["data directory"]["status"] == "ok"
    assert "Traceback" not in result.stderr


def test_an_enrolled_synced_kiosk_passes(central, tmp_path):
    from common.assets import asset_path

    central.cli("catalog", "import", str(asset_path("catalog/sample_catalog.json")))
    code = json.loads(central.cli("kiosks", "add", "doctor", "--json").stdout)["code"]
    cfg = str(write_kiosk_config(tmp_path, central.url))
    assert run_cli("kiosk", "--config", cfg, "enroll", code).returncode == 0
    assert run_cli("kiosk", "--config", cfg, "catalog", "sync").returncode == 0
    result = run_cli("kiosk", "--config", cfg, "doctor", "--json")
    rows = checks(result)
    assert result.returncode == 0, result.stdout
    assert rows["enrollment"]["detail"] == "enrolled as doctor" and rows["catalog"]["status"] == "ok"
    missing = run_cli(
        "kiosk", "--config", cfg, "doctor", env={"KIOSK_READER": "ga467", "KIOSK_READER_DEVICE": "/dev/ttyNOPE"}
    )
    assert missing.returncode == 1 and "/dev/ttyNOPE does not exist" in missing.stdout


def test_a_device_whose_driver_library_is_missing_is_named_with_the_install_command(tmp_path, monkeypatch):
    import importlib.util

    from kiosk import config, doctor

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "cups" else real(name, *a))
    monkeypatch.setenv("KIOSK_DOCUMENT_PRINTER", "cups")
    monkeypatch.setenv("KIOSK_READER", "pcsc")
    rows = {c.name: c for c in doctor._libraries(config.load(write_kiosk_config(tmp_path)))}
    assert rows["document printer library"].status == "fail"
    assert rows["document printer library"].hint.startswith("pip install 'hall-kiosk[cups]'")
    assert rows["card reader library"].status == "ok"  # pyscard is installed here
