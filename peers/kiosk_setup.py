"""A kiosk's config on disk, enrolled on a real central: how tests and
benchmarks set up a kiosk (the same steps an installer takes)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from peers.central import Central, run_cli

FONT_CACHE = Path(tempfile.gettempdir()) / "kiosk-test-fonts"  # extract the SC face once per machine
LEXICON = Path(tempfile.gettempdir()) / "kiosk-test-ime" / "pinyin.tsv"  # built once per machine (5 s)


def write_kiosk_config(directory: Path, server_url: str = "http://127.0.0.1:9", **ui) -> Path:
    ui_lines = "\n".join(
        f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {str(v).lower() if isinstance(v, bool) else v}"
        for k, v in ui.items()
    )
    path = directory / "kiosk.toml"
    data_dir = directory / "kiosk-data"
    cache = data_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "fonts").exists():
        FONT_CACHE.mkdir(exist_ok=True)
        (cache / "fonts").symlink_to(FONT_CACHE)
    path.write_text(
        f'[kiosk]\ndata_dir = "{data_dir}"\n[server]\nurl = "{server_url}"\ntimeout_s = 2.0\n[ui]\n{ui_lines}\n'
        '[voice]\noutput = "recording"\n'  # what was said is kept for the test; no sound device here
        # one lexicon for all tests; loaded when a keyboard with Chinese input first opens, not at start
        f'[input]\nlexicon = "{LEXICON}"\npreload = false\n'
    )
    return path


def enrolled_kiosk(central: Central, name: str, directory: Path, printer_port: int, extra: str = "") -> Path:
    """A kiosk config enrolled on `central`, printing tickets to 127.0.0.1:`printer_port`."""
    code = json.loads(central.cli("kiosks", "add", name, "--json").stdout)["code"]
    directory.mkdir(parents=True, exist_ok=True)
    path = write_kiosk_config(directory, central.url)
    path.write_text(
        path.read_text() + f'[devices]\nticket_printer = "escpos"\nreader = "none"\n'
        f'document_printer = "none"\n[printer]\nhost = "127.0.0.1"\nport = {printer_port}\n'
        f"timeout_s = 2.0\n{extra}"
    )
    result = run_cli("kiosk", "--config", str(path), "enroll", code)
    assert result.returncode == 0, result.stderr
    return path
