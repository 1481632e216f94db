"""PC/SC card readers through pcscd (pyscard's low-level `scard` API).

pyscard's CardMonitor thread dies for good when pcscd restarts; kiosks run for
months, so this is our own SCardGetStatusChange loop: on any service error it
drops the context and establishes a new one, and it follows readers coming and
going. Cards are read with the profile their ATR selects.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time

from drivers.reader import CardFailed, CardInserted, CardReading, CardRemoved, Publish, ReaderFault
from drivers.reader.errors import ReaderError
from drivers.reader.profiles import Apdu, profile_for

log = logging.getLogger(__name__)
PNP = "\\\\?PnP?\\Notification"


def is_usable() -> bool:
    """Whether the library this driver needs (smartcard) is installed; `kiosk doctor` asks."""
    return importlib.util.find_spec("smartcard") is not None


class _ContextLost(Exception):
    pass


class PcscReader:
    def __init__(self, name_filter: str = "", poll_ms: int = 500, retry_s: float = 1.0):
        from smartcard import scard

        self.sc = scard
        self.name = "pcsc"
        self.name_filter = name_filter
        self.poll_ms = poll_ms
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = None
        self._fault: str | None = None
        self.last_read_s = 0.0  # APDU exchange time of the last card, for benchmarks
        sc = scard
        self._lost = {sc.SCARD_E_NO_SERVICE, sc.SCARD_E_SERVICE_STOPPED, sc.SCARD_E_INVALID_HANDLE}
        self._removed = {
            sc.SCARD_W_REMOVED_CARD,
            sc.SCARD_E_NOT_TRANSACTED,
            sc.SCARD_W_RESET_CARD,
            sc.SCARD_E_NO_SMARTCARD,
            sc.SCARD_W_UNRESPONSIVE_CARD,
            sc.SCARD_E_READER_UNAVAILABLE,
            sc.SCARD_E_COMM_DATA_LOST,
        }

    # -- lifecycle -----------------------------------------------------------
    def start(self, publish: Publish) -> None:
        self._publish = publish
        self._thread = threading.Thread(target=self._run, name="pcsc-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ctx = self._ctx
        if ctx is not None:
            self.sc.SCardCancel(ctx)
        if self._thread:
            self._thread.join(5)

    def _report_fault(self, error: ReaderError | None) -> None:
        key = error.reason if error else None
        if key != self._fault:
            self._fault = key
            if error:
                log.warning("card reader unavailable: %s", error)
            else:
                log.info("card reader available")
            self._publish(ReaderFault(self.name, error))

    def _run(self) -> None:
        sc = self.sc
        while not self._stop.is_set():
            hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
            if hr != sc.SCARD_S_SUCCESS:
                self._report_fault(ReaderError("no_service", sc.SCardGetErrorMessage(hr)))
                self._stop.wait(self.retry_s)
                continue
            self._ctx = ctx
            try:
                self._watch(ctx)
            except _ContextLost as exc:
                log.info("PC/SC context lost (%s); establishing a new one", exc)
            except Exception:
                log.exception("card reader loop failed; restarting it")
                self._stop.wait(self.retry_s)
            finally:
                self._ctx = None
                sc.SCardReleaseContext(ctx)

    # -- watching ------------------------------------------------------------
    def _readers(self, ctx) -> list[str]:
        sc = self.sc
        hr, readers = sc.SCardListReaders(ctx, [])
        if hr in self._lost:
            raise _ContextLost(sc.SCardGetErrorMessage(hr))
        if hr not in (sc.SCARD_S_SUCCESS, sc.SCARD_E_NO_READERS_AVAILABLE):
            raise _ContextLost(sc.SCardGetErrorMessage(hr))
        return [r for r in (readers or []) if self.name_filter in r]

    def _watch(self, ctx) -> None:
        sc = self.sc
        states: dict[str, int] = {}
        present: dict[str, bool] = {}
        while not self._stop.is_set():
            readers = self._readers(ctx)
            if not readers:
                for gone in [r for r, p in present.items() if p]:
                    self._publish(CardRemoved(gone))
                states.clear()
                present.clear()
                self._report_fault(
                    ReaderError(
                        "no_reader",
                        f"no reader matching {self.name_filter!r}" if self.name_filter else "no reader connected",
                    )
                )
                self._stop.wait(self.retry_s)
                continue
            self._report_fault(None)
            for stale in set(states) - set(readers):  # a reader was unplugged
                if present.pop(stale, False):
                    self._publish(CardRemoved(stale))
                states.pop(stale, None)
            query = [(r, states.get(r, sc.SCARD_STATE_UNAWARE)) for r in readers]
            hr, changes = sc.SCardGetStatusChange(ctx, self.poll_ms, query)
            if hr == sc.SCARD_E_TIMEOUT:
                continue
            if hr == sc.SCARD_E_CANCELLED:
                return
            if hr != sc.SCARD_S_SUCCESS:
                raise _ContextLost(sc.SCardGetErrorMessage(hr))
            for reader, event, atr in changes:
                states[reader] = event & ~sc.SCARD_STATE_CHANGED
                now = bool(event & sc.SCARD_STATE_PRESENT)
                if now and not present.get(reader, False):
                    present[reader] = True
                    if event & sc.SCARD_STATE_MUTE:
                        self._publish(CardFailed(reader, ReaderError("unreadable", "card does not answer (mute)")))
                    else:
                        self._read(ctx, reader, bytes(atr))
                elif not now and present.get(reader, False):
                    present[reader] = False
                    self._publish(CardRemoved(reader))

    # -- reading -------------------------------------------------------------
    def _read(self, ctx, reader: str, atr: bytes) -> None:
        sc = self.sc
        self._publish(CardReading(reader))
        started = time.perf_counter()
        hr, hcard, protocol = sc.SCardConnect(
            ctx, reader, sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
        )
        if hr != sc.SCARD_S_SUCCESS:
            if hr in self._lost:
                raise _ContextLost(sc.SCardGetErrorMessage(hr))
            reason = "card_removed" if hr in self._removed else "device"
            self._publish(CardFailed(reader, ReaderError(reason, sc.SCardGetErrorMessage(hr))))
            return

        def transmit(apdu: bytes) -> Apdu:
            rv, response = sc.SCardTransmit(hcard, protocol, list(apdu))
            if rv != sc.SCARD_S_SUCCESS:
                if rv in self._lost:
                    raise _ContextLost(sc.SCardGetErrorMessage(rv))
                reason = "card_removed" if rv in self._removed else "device"
                raise ReaderError(reason, sc.SCardGetErrorMessage(rv))
            if len(response) < 2:
                raise ReaderError("card_removed", "empty reply")
            return Apdu(bytes(response[:-2]), (response[-2] << 8) | response[-1])

        try:
            profile = profile_for(atr)
            identity = profile.read(transmit)
        except ReaderError as exc:
            log.info("card on %s not read: %s", reader, exc.reason)
            self._publish(CardFailed(reader, exc))
            return
        finally:
            sc.SCardDisconnect(hcard, sc.SCARD_LEAVE_CARD)
        self.last_read_s = time.perf_counter() - started
        log.info("card read on %s with profile %s in %.0f ms", reader, profile.name, self.last_read_s * 1000)
        self._publish(CardInserted(reader, identity))
