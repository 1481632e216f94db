"""A private cupsd for tests and benchmarks: its own config, spool and
socket under a temporary directory (the machine's CUPS is not touched), and
a cups-pdf queue whose PDFs land in a folder we choose.

cups-pdf reads /etc/cups/cups-pdf-<name>.conf for a device URI
`cups-pdf:/<name>`, so that one file is written there (and removed at stop)."""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
import time
from pathlib import Path

from peers import process

CUPSD = shutil.which("cupsd") or "/usr/sbin/cupsd"
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"


def available() -> str | None:
    """None when a private cupsd with cups-pdf can run here, else why not."""
    if not Path(CUPSD).exists():
        return "cupsd is not installed (apt-get install cups)"
    if not Path("/usr/lib/cups/backend/cups-pdf").exists():
        return "cups-pdf is not installed (apt-get install printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "a private cupsd with the cups-pdf backend needs root"
    return None


class Cupsd:
    def __init__(self, directory: Path):
        self.dir = directory
        self.socket = directory / "cups.sock"
        self.proc: subprocess.Popen | None = None
        self.pdf_configs: list[Path] = []

    @property
    def env(self) -> dict:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def start(self) -> None:
        d = self.dir
        for sub in ("etc/ppd", "spool", "cache", "run", "tmp", "log"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        lp = grp.getgrnam("lp").gr_gid
        for sub in ("spool", "cache", "run", "tmp"):
            os.chown(d / sub, 0, lp)
            os.chmod(d / sub, 0o770)
        os.chmod(d, 0o755)
        (d / "etc/cupsd.conf").write_text(
            f"Listen {self.socket}\nLogLevel info\nWebInterface No\nDefaultAuthType None\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        (d / "etc/cups-files.conf").write_text(
            f"ServerRoot {d}/etc\nRequestRoot {d}/spool\nCacheDir {d}/cache\nStateDir {d}/run\nTempDir {d}/tmp\n"
            f"ErrorLog {d}/log/error_log\nAccessLog {d}/log/access_log\nPageLog {d}/log/page_log\n"
            "ServerBin /usr/lib/cups\nDataDir /usr/share/cups\nSystemGroup root\n"
        )
        self.proc = subprocess.Popen(
            [CUPSD, "-f", "-c", str(d / "etc/cupsd.conf"), "-s", str(d / "etc/cups-files.conf")],
            stdout=(d / "log/stdout").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cupsd exited: {(d / 'log/error_log').read_text()[-2000:]}")
            if self.socket.exists() and self.lp("lpstat", "-r").returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("cupsd did not start in 15 s")

    def lp(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=30)

    def add_pdf_queue(self, name: str, out_dir: Path) -> None:
        """A queue printing to PDFs in out_dir, through the real cups-pdf backend."""
        out_dir.mkdir(parents=True, exist_ok=True)
        tag = f"kiosktest{os.getpid()}{name.lower()}"
        config = Path("/etc/cups") / f"cups-pdf-{tag}.conf"
        config.write_text(f"Out {out_dir}\nLog {self.dir}/log\nLabel 0\n")
        self.pdf_configs.append(config)
        result = self.lp("lpadmin", "-p", name, "-E", "-v", f"cups-pdf:/{tag}", "-m", PPD, "-o", "PageSize=A4")
        if result.returncode != 0:
            raise RuntimeError(f"lpadmin failed: {result.stderr}")

    def stop(self) -> None:
        process.stop(self.proc)
        for config in self.pdf_configs:
            config.unlink(missing_ok=True)
