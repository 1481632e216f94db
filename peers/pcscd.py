"""A real pcscd with vsmartcard's vpcd reader on a private port, for tests,
benchmarks and the demo."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from peers import process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pcscd:
    """A real pcscd with vsmartcard's vpcd reader on a private port. pcscd's
    socket is machine-wide (/run/pcscd), so a pcscd already running is stopped
    first; tests and CI own this machine's smart-card service while they run."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.conf = directory / "reader.conf.d"
        self.conf.mkdir(parents=True, exist_ok=True)
        (self.conf / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            "LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
            f"CHANNELID    0x{self.port:04X}\n"
        )
        self.log = directory / "pcscd.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run(["pkill", "-x", "pcscd"], check=False)
        for _ in range(50):
            if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode != 0:
                break
            time.sleep(0.1)
        self.proc = subprocess.Popen(
            ["pcscd", "--foreground", "-c", str(self.conf)], stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        from smartcard import scard

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr == scard.SCARD_S_SUCCESS:
                hr, readers = scard.SCardListReaders(ctx, [])
                scard.SCardReleaseContext(ctx)
                if readers and any("Virtual PCD" in r for r in readers):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"pcscd did not come up: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        process.stop(self.proc)
