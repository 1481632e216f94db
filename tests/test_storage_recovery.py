"""A damaged local database never stops the kiosk: it is moved aside, rebuilt, and
what SQLite can still read (undelivered outbox items) is carried over; the catalog
comes back from the bundled copy; `kiosk doctor` says so instead of crashing."""

from __future__ import annotations

import json
import sqlite3

from conftest import run_cli, write_kiosk_config

from kiosk.sync.outbox import Outbox

PAGE = 4096


def damage_pages(path, first_page: int, count: int = 1) -> None:
    """Overwrite whole pages in the middle of a SQLite file with garbage."""
    with open(path, "r+b") as fh:
        fh.seek(first_page * PAGE)
        fh.write(b"\xa5" * (PAGE * count))


def test_a_damaged_outbox_is_rebuilt_with_what_can_be_read(tmp_path):
    path = tmp_path / "outbox.db"
    box = Outbox(path)
    for n in range(400):
        box.put("rating", f"rating-{n:04d}", {"n": n, "text": "x" * 300})
    done = box.claim(5)
    for item in done:
        box.ack(item)
    box.close()
    pages = path.stat().st_size // PAGE
    damage_pages(path, pages - 3, 2)  # the newest items' pages
    reopened = Outbox(path)
    assert reopened.damage is not None and reopened.damage.moved_to.exists()
    assert reopened.damage.moved_to.name.startswith("outbox.db.corrupt-")
    recovered = reopened.damage.recovered
    assert 0 < recovered < 395  # the readable undelivered items, the acked ones left behind
    assert reopened.counts().get("ready") == recovered
    keys = [item.key for item in reopened.claim(500)]
    assert "rating-0000" not in keys and "rating-0005" in keys  # acked stay delivered, ready come back
    reopened.put("rating", "after", {"n": -1})  # and it works as an outbox
    reopened.close()


def test_garbage_instead_of_a_database_gives_an_empty_outbox(tmp_path):
    path = tmp_path / "outbox.db"
    path.write_bytes(b"this is not a database" * 100)
    box = Outbox(path)
    assert box.damage is not None and box.damage.recovered == 0
    assert box.put("rating", "first-after", {}) and box.counts()["ready"] == 1
    box.close()


def test_a_damaged_catalog_comes_back_from_the_bundled_copy_and_doctor_says_so(tmp_path):
    cfg = write_kiosk_config(tmp_path)
    assert run_cli("kiosk", "--config", str(cfg), "catalog", "search", "sfz").returncode == 0  # made and seeded
    data = tmp_path / "kiosk-data"
    catalog = data / "catalog.db"
    with sqlite3.connect(catalog) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_pages(catalog, 2, 4)
    result = run_cli("kiosk", "--config", str(cfg), "catalog", "search", "sfz", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["name"] == "居民身份证办理"
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    assert list(data.glob("catalog.db.corrupt-*"))
    (data / "outbox.db").write_bytes(b"garbage" * 1000)
    doctor = run_cli("kiosk", "--config", str(cfg), "doctor", "--json")
    assert "Traceback" not in doctor.stderr
    rows = {row["name"]: row for row in map(json.loads, doctor.stdout.splitlines())}
    assert rows["outbox.db"]["status"] == "warn" and "moved to outbox.db.corrupt-" in rows["outbox.db"]["detail"]
