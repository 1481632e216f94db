"""Configuration: the shipped files are valid, and every kind of mistake stops
start-up with one precise message and exit code 2, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import BIN, REPO, run_cli

from central import config as central_config
from kiosk import config as kiosk_config


def test_shipped_configs_load_with_documented_defaults():
    k = kiosk_config.load(REPO / "config" / "kiosk.toml")
    assert k.data_dir == kiosk_config.KioskConfig().data_dir  # empty in the file: resolved at load
    assert replace(k, kiosk=replace(k.kiosk, data_dir="")) == kiosk_config.KioskConfig()  # exactly the defaults
    c = central_config.load(REPO / "config" / "central.toml")
    assert c.server.port == 8700 and c.database_url.startswith("sqlite:///")


@pytest.mark.parametrize("tool", ["kiosk", "kiosk-central"])
def test_config_check_accepts_shipped_file(tool):
    name = "kiosk.toml" if tool == "kiosk" else "central.toml"
    result = run_cli(tool, "--config", str(REPO / "config" / name), "config", "check")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


KIOSK_CASES = [
    ("unknown key", "[ui]\nidle_timout_s = 30\n", "ui.idle_timout_s", "unknown key"),
    ("wrong type", '[ui]\nidle_timeout_s = "sixty"\n', "ui.idle_timeout_s", "expected an integer"),
    ("bad choice", '[devices]\nreader = "usb"\n', "devices.reader", "expected one of 'virtual'"),
    ("bad value", '[server]\nurl = "central:8700"\n', "server.url", "expected an http(s) URL"),
    ("unknown table", "[printr]\nx = 1\n", "printr", "unknown key"),
    ("not a table", "ui = 3\n", "ui", "expected a table"),
    ("unreadable TOML", "[ui\nsize = 1\n", "", "not valid TOML"),
]


@pytest.mark.parametrize("label,text,key,expected", KIOSK_CASES, ids=[c[0] for c in KIOSK_CASES])
def test_kiosk_config_errors(tmp_path, label, text, key, expected):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    for argv in (["config", "check"], ["run"]):  # the app itself refuses to start, too
        result = run_cli("kiosk", "--config", str(path), *argv)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert str(path) in line and expected in line
        if key:
            assert f": {key}: " in line


def test_missing_file_names_it(tmp_path):
    missing = tmp_path / "nope.toml"
    for tool in ("kiosk", "kiosk-central"):
        result = run_cli(tool, "--config", str(missing), "config", "check")
        assert result.returncode == 2
        assert f"{missing}: file not found" in result.stderr
        assert "Traceback" not in result.stderr


def test_central_config_errors(tmp_path):
    path = tmp_path / "central.toml"
    path.write_text("[server]\nport = 70000\n")
    result = run_cli("kiosk-central", "--config", str(path), "serve")
    assert result.returncode == 2
    assert "server.port: expected a TCP port 1-65535, got 70000" in result.stderr
    path.write_text('[database]\nurl = "mysql://x"\n')
    result = run_cli("kiosk-central", "--config", str(path), "config", "check")
    assert result.returncode == 2 and "database.url" in result.stderr


def test_environment_overrides_win(tmp_path, monkeypatch):
    path = tmp_path / "kiosk.toml"
    path.write_text('[server]\nurl = "http://a:1"\n')
    monkeypatch.setenv("KIOSK_SERVER_URL", "http://b:2")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("KIOSK_READER", "pcsc")
    cfg = kiosk_config.load(path)
    assert (cfg.server.url, cfg.data_dir, cfg.devices.reader) == ("http://b:2", tmp_path / "d", "pcsc")
    monkeypatch.setenv("KIOSK_READER", "telepathy")
    with pytest.raises(kiosk_config.ConfigError) as err:
        kiosk_config.load(path)
    assert err.value.key == "devices.reader"


def test_bad_environment_override_is_reported(tmp_path):
    path = tmp_path / "central.toml"
    path.write_text("")
    result = run_cli("kiosk-central", "--config", str(path), "config", "check", env={"KIOSK_CENTRAL_PORT": "eighty"})
    assert result.returncode == 2
    assert "environment KIOSK_CENTRAL_PORT: server.port: expected an integer" in result.stderr


@pytest.fixture
def plain_home():
    """A home directory `nobody` can reach (pytest's own tmp_path is root-only)."""
    home = Path(tempfile.mkdtemp(prefix="kiosk-plain-user-"))
    home.chmod(0o755)
    os.chown(home, 65534, 65534)
    yield home
    shutil.rmtree(home, ignore_errors=True)


def as_plain_user(home, *argv):
    """Run a command as `nobody` (root could write /var/lib), with no configuration anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "XDG_"))}
    env.update(HOME=str(home), KIOSK_FONT_CACHE=str(home / "fonts"))
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(BIN / argv[0]), *argv[1:]]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=home)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a command as another user")
@pytest.mark.skipif(Path(kiosk_config.DEFAULT_PATH).exists(), reason="this machine has a kiosk configuration")
def test_no_configuration_anywhere_runs_on_built_in_defaults(plain_home):
    home = plain_home
    probe = as_plain_user(home, "python", "-c", "import kiosk")
    if probe.returncode != 0:  # e.g. a checkout under /root, which `nobody` cannot enter
        pytest.skip(f"an unprivileged user cannot run this checkout's Python: {probe.stderr.strip()[-200:]}")
    result = as_plain_user(home, "kiosk", "catalog", "search", "sfz", "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert "居民身份证" in result.stdout  # the bundled catalog, searched by initials
    note = [line for line in result.stderr.splitlines() if "built-in defaults" in line]
    assert note == [f"kiosk: no /etc/kiosk/kiosk.toml: using the built-in defaults (data in {home}/.local/share/kiosk)"]
    assert (home / ".local/share/kiosk/catalog.db").exists()
    result = as_plain_user(home, "kiosk-central", "kiosks", "list")
    assert result.returncode == 0, result.stderr
    assert "using the built-in defaults (data in " + str(home / ".local/share/kiosk-central") in result.stderr
    assert (home / ".local/share/kiosk-central/central.db").exists()


def test_a_named_file_that_is_missing_stays_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(kiosk_config.ConfigError, match="file not found"):
        kiosk_config.load()
    monkeypatch.delenv("KIOSK_CONFIG")
    monkeypatch.setattr(kiosk_config, "DEFAULT_PATH", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "d"))
    cfg = kiosk_config.load()
    assert cfg.source == kiosk_config.BUILT_IN and cfg.data_dir == tmp_path / "d"  # overrides still apply


def test_default_data_dir_falls_back_to_xdg(tmp_path, monkeypatch):
    from common.settings import default_data_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    read_only = tmp_path / "lib"
    read_only.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != read_only)  # root may write anywhere
    assert default_data_dir(str(read_only / "kiosk"), "kiosk") == tmp_path / "xdg" / "kiosk"
    assert default_data_dir(str(tmp_path / "kiosk"), "kiosk") == tmp_path / "kiosk"  # creatable: the system path
