"""What every benchmark reports the same way."""

from __future__ import annotations

import os
import platform


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0-100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


async def exchange(reader, writer, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    """One HTTP/1.1 request and its reply on an open keep-alive connection, with
    no client library in the way: (status code, headers lower-cased to their
    values, body). The benches time exactly this."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += "Content-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write((head + "\r\n").encode() + body)
    status = await reader.readline()
    got: dict[str, list[str]] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.decode().partition(":")
        got.setdefault(key.strip().lower(), []).append(value.strip())
    payload = await reader.readexactly(int(got.get("content-length", ["0"])[0]))
    return int(status.split()[1]), got, payload
