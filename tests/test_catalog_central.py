"""Catalog import on central: all or nothing, precise line numbers; the
synthetic generator; deltas by version to kiosks over real HTTP."""

from __future__ import annotations

import json

import pytest
from conftest import Central, run_cli, write_kiosk_config

from common.assets import asset_path
from kiosk.catalog.service import CatalogService
from kiosk.catalog.store import CatalogRejected, CatalogStore
from kiosk.sync import credentials
from kiosk.sync.client import CentralClient, CentralError

pytestmark = pytest.mark.central
SAMPLE = asset_path("catalog/sample_catalog.json")


@pytest.fixture
def server(tmp_path):
    central = Central(tmp_path)
    central.start()
    yield central
    central.stop()


def _status(central) -> str:
    return central.cli("catalog", "status").stdout.strip()


def test_import_is_idempotent_and_versioned(server):
    first = server.cli("catalog", "import", str(SAMPLE))
    assert first.returncode == 0 and "83 added" in first.stdout
    again = server.cli("catalog", "import", str(SAMPLE))
    assert again.returncode == 0 and "no changes" in again.stdout
    assert _status(server) == "catalog version 1: 83 matters"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(server, tmp_path):
    server.cli("catalog", "import", str(SAMPLE))
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["matters"][3]["materials"][0]["originals"] = -1
    data["matters"][10]["type_code"] = "99"
    data["matters"][5]["name"] = "改了名字但是另一行是坏的"
    bad = tmp_path / "bad.json"
    text = json.dumps(data, ensure_ascii=False, indent=1)
    bad.write_text(text, encoding="utf-8")
    result = server.cli("catalog", "import", str(bad))
    assert result.returncode == 1
    lines = text.splitlines()
    reported = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert len(reported) == 2
    for report, index in zip(reported, (3, 10), strict=False):
        line_no = int(report.split(":")[1])
        assert lines[line_no - 1].strip() == "{"  # the line where that matter starts
        assert f"matters[{index}]" in report and data["matters"][index]["name"] in lines[line_no + 2]
    assert "nothing was imported" in result.stderr
    assert _status(server) == "catalog version 1: 83 matters"
    assert "改了名字" not in server.cli("catalog", "status").stdout


def test_unknown_references_and_duplicates(server, tmp_path):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["matters"][7]["code"] = data["matters"][8]["code"]
    data["themes"][0]["matters"] = [*list(data["themes"][0]["matters"]), "1100000000000000000000"]
    bad = tmp_path / "refs.json"
    bad.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    result = server.cli("catalog", "import", str(bad))
    assert result.returncode == 1
    assert (
        "already used by matters[7]" in result.stderr and "unknown matter code 1100000000000000000000" in result.stderr
    )


def test_control_characters_in_a_catalog_are_refused(server, tmp_path):
    """ESC @ (reset), GS V (cut), ESC p (cash drawer) must never reach a thermal printer from a catalog."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["matters"][3]["name"] += "\x1b@"
    data["matters"][5]["faq"] = [{"question": "问", "answer": "答\x1dV\x00"}]
    bad = tmp_path / "controls.json"
    bad.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    before = server.cli("catalog", "status").stdout
    result = server.cli("catalog", "import", str(bad))
    assert result.returncode == 1 and "nothing was imported" in result.stderr
    assert "control character U+001B" in result.stderr and "control character U+001D" in result.stderr
    assert "matters[5]" in result.stderr and "faq[0].answer" in result.stderr
    assert server.cli("catalog", "status").stdout == before


def test_csv_import_and_its_errors(server, tmp_path):
    import csv

    matter = json.loads(SAMPLE.read_text(encoding="utf-8"))["matters"][0]
    fields = [
        "code",
        "basic_code",
        "name",
        "type_code",
        "group",
        "category",
        "department",
        "department_code",
        "aliases",
        "materials",
        "statutory_limit",
        "promised_limit",
        "case_kind",
        "location",
        "consult_phone",
        "complaint_phone",
    ]
    path = tmp_path / "matters.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(fields)
        row = [
            json.dumps(matter[f], ensure_ascii=False)
            if isinstance(matter[f], (dict, list)) and f != "aliases"
            else (";".join(matter[f]) if f == "aliases" else matter[f])
            for f in fields
        ]
        w.writerow(row)
        bad = list(row)
        bad[fields.index("code")] = "2299010101010010000001"
        bad[fields.index("case_kind")] = "7"
        w.writerow(bad)
    result = server.cli("catalog", "import", str(path))
    assert result.returncode == 1 and f"{path}:3: case_kind" in result.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    ok = server.cli("catalog", "import", str(path))
    assert ok.returncode == 0 and "1 added" in ok.stdout


def test_generate_makes_an_importable_catalog_of_any_size(server, tmp_path):
    out = tmp_path / "gen.json"
    result = server.cli("catalog", "generate", "--matters", "300", "--out", str(out))
    assert result.returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["matters"]) == 300 and len({m["name"] for m in data["matters"]}) == 300
    assert server.cli("catalog", "import", str(out)).returncode == 0
    assert _status(server) == "catalog version 1: 300 matters"


def _enrolled_catalog(server, tmp_path, name):
    code = json.loads(server.cli("kiosks", "add", name, "--json").stdout)["code"]
    cfg = write_kiosk_config(tmp_path, server.url)
    assert run_cli("kiosk", "--config", str(cfg), "enroll", code).returncode == 0
    creds = credentials.load(tmp_path / "kiosk-data")
    return (
        CatalogService(CatalogStore(tmp_path / "kiosk-data" / "catalog.db")).open(),
        CentralClient(server.url, creds),
        cfg,
    )


def test_kiosk_sync_full_then_incremental_then_withdrawn(server, tmp_path):
    server.cli("catalog", "import", str(SAMPLE))
    catalog, client, cfg = _enrolled_catalog(server, tmp_path, "sync-kiosk")
    assert catalog.state.source == "bundled"
    first = catalog.sync(client)
    assert first.full and first.version == 1 and catalog.state.source == "central" and catalog.state.matters == 83
    assert catalog.sync(client).changed == 0  # nothing new
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["matters"][0]["materials"][0]["copies"] = 3
    withdrawn = data["matters"].pop()
    data["themes"] = [t for t in data["themes"] if withdrawn["code"] not in t["matters"]]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert server.cli("catalog", "import", str(edited), "--replace").returncode == 0
    delta = client.catalog(1)
    assert not delta.full and [m.code for m in delta.matters] == [data["matters"][0]["code"]]
    assert list(delta.removed) == [withdrawn["code"]]
    second = catalog.sync(client)
    assert not second.full and second.version == 2 and catalog.state.matters == 82
    assert catalog.matter(data["matters"][0]["code"]).materials[0].copies == 3
    assert (
        catalog.search(withdrawn["name"], 5) == [] or catalog.search(withdrawn["name"], 5)[0].name != withdrawn["name"]
    )
    # the CLI does the same, and says so
    result = run_cli("kiosk", "--config", str(cfg), "catalog", "sync")
    assert result.returncode == 0 and "catalog version 2" in result.stdout


def test_offline_kiosk_keeps_its_last_catalog(server, tmp_path):
    server.cli("catalog", "import", str(SAMPLE))
    catalog, client, cfg = _enrolled_catalog(server, tmp_path, "offline-kiosk")
    catalog.sync(client)
    server.stop()
    with pytest.raises(CentralError) as err:
        catalog.sync(client)
    assert err.value.kind == "network"
    assert catalog.state.version == 1 and catalog.search("sfz", 1)[0].name == "居民身份证办理"
    result = run_cli("kiosk", "--config", str(cfg), "catalog", "search", "sfz", "--json")
    assert result.returncode == 0 and json.loads(result.stdout.splitlines()[0])["name"] == "居民身份证办理"
    failed = run_cli("kiosk", "--config", str(cfg), "catalog", "sync")
    assert failed.returncode == 1 and "keeping version 1" in failed.stderr


def test_empty_or_stale_updates_are_rejected(tmp_path):
    from common.matters import CatalogDelta

    catalog = CatalogService(CatalogStore(tmp_path / "c.db")).open()
    before = catalog.state
    with pytest.raises(CatalogRejected):
        catalog.store.apply(CatalogDelta(version=5, full=True, departments=[], themes=[], matters=[]))
    assert catalog.store.state() == before and catalog.search("sfz", 1)
    matters = [catalog.matter(hit.code) for hit in catalog.search("sfz", 3)]
    catalog.store.apply(CatalogDelta(version=7, full=True, departments=[], themes=[], matters=matters))
    with pytest.raises(CatalogRejected, match="older than ours"):  # a full catalog may not roll back either
        catalog.store.apply(CatalogDelta(version=6, full=True, departments=[], themes=[], matters=matters[:1]))
    assert catalog.store.state().version == 7


def test_fresh_install_uses_the_bundled_catalog(tmp_path):
    cfg = write_kiosk_config(tmp_path)
    result = run_cli("kiosk", "--config", str(cfg), "catalog", "search", "yyzz", "--json", "--limit", "2")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["name"] for r in rows} == {"企业登记", "个体工商户登记"}
    assert all({"code", "name", "rank", "tier"} <= set(r) for r in rows)
    status = run_cli("kiosk", "--config", str(cfg), "catalog", "status")
    assert "from bundled, 83 matters" in status.stdout


def test_first_open_and_first_sync_do_not_undo_each_other(server, tmp_path):
    """The app opens its catalog on a background thread while the sync worker
    runs its first sync. On a real kiosk the first open is slow (pypinyin's
    dictionaries load); here the seed is slowed on purpose, so the sync
    always lands in the middle of it. Central's catalog must win."""
    import threading
    import time

    server.cli("catalog", "import", str(SAMPLE))
    catalog, client, _cfg = _enrolled_catalog(server, tmp_path, "race")
    fresh = CatalogService(CatalogStore(catalog.store.path.parent / "race.db"))
    seed = fresh.store.seed
    seeding = threading.Event()

    def slow_seed(sample):
        seeding.set()
        time.sleep(0.5)
        seed(sample)

    fresh.store.seed = slow_seed
    opener = threading.Thread(target=fresh.open)
    opener.start()
    seeding.wait(5)
    fresh.sync(client)  # arrives while the bundled sample is being seeded
    opener.join()
    assert fresh.state.source == "central" and fresh.store.state().source == "central"
