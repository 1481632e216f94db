"""A network ESC/POS printer on 127.0.0.1: records every byte it is sent and
answers DLE EOT status requests as a real printer would (online/offline,
paper ok / near end / out), or not at all."""

from __future__ import annotations

import socket
import threading
import time

DLE_EOT = b"\x10\x04"
PAPER = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}


class FakeNetworkPrinter:
    def __init__(self, port: int = 0):
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.online = True
        self.paper = "ok"
        self.silent = False  # accept, but never answer status requests
        self.jobs: list[bytes] = []  # bytes of each connection, status requests removed
        self.last_byte_at = 0.0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, name="fake-printer", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        job = bytearray()
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                job += data
                self.last_byte_at = time.perf_counter()
                while True:  # answer (and drop) status requests
                    at = job.find(DLE_EOT)
                    if at < 0 or at + 2 >= len(job):
                        break
                    kind = job[at + 2]
                    del job[at : at + 3]
                    if not self.silent:
                        conn.sendall(bytes([self._status(kind)]))
        if job:
            self.jobs.append(bytes(job))

    def _status(self, kind: int) -> int:
        if kind == 1:
            return 0x16 | (0 if self.online else 0x08)  # bit 3: offline
        if kind == 4:
            return PAPER[self.paper]
        return 0x12
