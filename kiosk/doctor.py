"""`kiosk doctor`: one command an operator runs on a kiosk that misbehaves.
Each check says OK, WARN or FAIL, and what to do about it."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

from kiosk.config import KioskConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn, fail
    detail: str
    hint: str = ""


def _data_dir(cfg: KioskConfig) -> Check:
    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        probe = cfg.data_dir / ".doctor"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("data directory", "fail", f"{cfg.data_dir}: {exc.strerror}", "make it writable by the kiosk user")
    return Check("data directory", "ok", str(cfg.data_dir))


def _font(cfg: KioskConfig) -> Check:
    from common.fonts import FontError, resolve

    try:
        path = resolve("regular", cfg.ui.font, cfg.data_dir / "cache" / "fonts")
    except FontError as exc:
        return Check("Chinese font", "fail", str(exc), "apt-get install fonts-noto-cjk, or set [ui] font")
    return Check("Chinese font", "ok", str(path))


def _central(cfg: KioskConfig) -> list[Check]:
    from kiosk.services import build_services
    from kiosk.sync.client import CentralClient, CentralError

    checks = []
    try:
        health = CentralClient(cfg.server.url, timeout_s=cfg.server.timeout_s).health()
        checks.append(Check("central", "ok", f"{cfg.server.url} (version {health.version}, {health.database})"))
    except CentralError as exc:
        checks.append(
            Check(
                "central",
                "fail",
                str(exc),
                "check the network and [server] url; the kiosk keeps working offline meanwhile",
            )
        )
    services = build_services(cfg)
    if services.heartbeat is None:
        checks.append(
            Check(
                "enrollment",
                "fail",
                "not enrolled",
                "run kiosk-central kiosks add NAME on central, then kiosk enroll CODE here",
            )
        )
    else:
        status = services.heartbeat.beat_once()
        checks.append(
            Check(
                "enrollment",
                "ok" if status.online else "fail",
                f"enrolled as {services.enrolled_as}" + ("" if status.online else f": {status.detail}"),
                "" if status.online else "re-enroll if the kiosk was revoked or reissued",
            )
        )
    state = services.catalog.open().state
    checks.append(
        Check(
            "catalog",
            "ok" if state.source == "central" else "warn",
            f"version {state.version} from {state.source}, {state.matters} matters",
            "" if state.source == "central" else "run kiosk catalog sync once central is reachable",
        )
    )
    printer = services.printing.printer
    if printer is None:
        checks.append(Check("ticket printer", "warn", "none configured", "set [devices] ticket_printer"))
    else:
        p = printer.status()
        ok = p.online and p.paper != "out"
        checks.append(
            Check(
                "ticket printer",
                "ok" if ok and p.paper != "near_end" else ("warn" if ok else "fail"),
                f"{cfg.devices.ticket_printer}: {'online' if p.online else 'offline'}, paper {p.paper}"
                + (f" ({p.detail})" if p.detail else ""),
                "" if ok else "check power, cable, cover and paper",
            )
        )
    for damage in (services.outbox.damage if services.outbox else None, services.catalog.store.damage):
        if damage is not None:
            checks.append(
                Check(
                    f"{damage.path.name}",
                    "warn",
                    f"was damaged ({damage.reason}); moved to {damage.moved_to.name}, "
                    f"{damage.recovered} undelivered item(s) recovered",
                    "keep the moved file for a technician; the kiosk runs on a new one",
                )
            )
    services.stop()
    return checks


def _libraries(cfg: KioskConfig) -> list[Check]:
    """The driver library each configured device needs; a missing one fails with the install command."""
    from drivers.printer import cups, escpos
    from drivers.reader import ga467, pcsc

    needed = []
    if cfg.devices.reader == "pcsc":
        needed.append(("card reader", "pyscard", "pcsc", pcsc.is_usable()))
    if cfg.devices.reader == "ga467":
        needed.append(("card reader", "pyserial", "serial", ga467.is_usable()))
    if cfg.devices.ticket_printer == "escpos" and cfg.printer.transport in escpos.TRANSPORT_LIBRARIES:
        module, extra = escpos.TRANSPORT_LIBRARIES[cfg.printer.transport]
        needed.append(("ticket printer", module, extra, escpos.is_usable(cfg.printer.transport)))
    if cfg.devices.document_printer == "cups":
        needed.append(("document printer", "pycups", "cups", cups.is_usable()))
    return [
        Check(
            f"{device} library",
            "ok" if usable else "fail",
            f"{library} {'installed' if usable else 'is missing'}",
            "" if usable else f"pip install 'hall-kiosk[{extra}]' (or from requirements/kiosk.txt)",
        )
        for device, library, extra, usable in needed
    ]


def _reader(cfg: KioskConfig) -> Check:
    choice = cfg.devices.reader
    if choice == "none":
        return Check("card reader", "warn", "none configured", "set [devices] reader")
    if choice == "virtual":
        return Check("card reader", "warn", "virtual (demo only)", "use pcsc or ga467 on a deployed kiosk")
    if choice == "ga467":
        device = cfg.reader.serial_device
        if not os.path.exists(device):
            return Check(
                "card reader", "fail", f"{device} does not exist", "connect the reader, or set [reader] serial_device"
            )
        return Check("card reader", "ok", f"GA/T 467 on {device} at {cfg.reader.serial_baud} baud")
    from smartcard import scard  # _libraries() has checked that it is installed

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return Check("card reader", "fail", scard.SCardGetErrorMessage(hr), "start pcscd: systemctl start pcscd")
    hr, readers = scard.SCardListReaders(ctx, [])
    scard.SCardReleaseContext(ctx)
    matching = [r for r in readers or [] if cfg.reader.pcsc_name in r]
    if not matching:
        return Check(
            "card reader",
            "fail",
            "no PC/SC reader" + (f" matching {cfg.reader.pcsc_name!r}" if cfg.reader.pcsc_name else ""),
            "connect the reader, or check [reader] pcsc_name",
        )
    return Check("card reader", "ok", "PC/SC: " + ", ".join(matching))


def _guarded(name: str, check: Callable[[], Check | list[Check]]) -> list[Check]:
    """One check's rows; a check that breaks is a failed row, never a traceback (doctor runs on sick kiosks)."""
    try:
        result = check()
    except Exception as exc:
        log.exception("doctor: the %s check failed", name)
        return [Check(name, "fail", f"the check itself failed: {type(exc).__name__}: {exc}", "see kiosk.log")]
    return result if isinstance(result, list) else [result]


def run(cfg: KioskConfig, as_json: bool) -> int:
    libraries = _libraries(cfg)
    reader_missing = any(c.name == "card reader library" and c.status == "fail" for c in libraries)
    checks = [
        Check("configuration", "ok", cfg.source),
        *_guarded("data directory", lambda: _data_dir(cfg)),
        *_guarded("Chinese font", lambda: _font(cfg)),
        *libraries,
        *_guarded("central", lambda: _central(cfg)),
    ]
    if reader_missing:
        checks.append(Check("card reader", "fail", "driver library missing"))
    else:
        checks += _guarded("card reader", lambda: _reader(cfg))
    if as_json:
        for check in checks:
            print(json.dumps(asdict(check), ensure_ascii=False))
    else:
        for c in checks:
            print(f"{c.status.upper():<4}  {c.name:<15} {c.detail}" + (f"\n      -> {c.hint}" if c.hint else ""))
    failed = [c for c in checks if c.status == "fail"]
    if failed and not as_json:
        print(f"{len(failed)} problem(s) found", file=sys.stderr)
    return 1 if failed else 0
