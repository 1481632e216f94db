"""The kiosk's services without the screen, as a separate process that tests
and the soak benchmark can kill at any moment: it takes tickets (and prints
them) in a loop, or delivers what its outbox holds and exits.

    python -m peers.kiosk_driver --config kiosk.toml take --count 0   # until killed
    python -m peers.kiosk_driver --config kiosk.toml drain --timeout 60
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import random
import signal
import sys
import time


def _services(config_path: str):
    from kiosk import config as kiosk_config
    from kiosk.services import build_services

    return build_services(kiosk_config.load(config_path))


def take(args) -> int:
    services = _services(args.config)
    if services.heartbeat:
        services.heartbeat.beat_once()  # leases, clock offset
    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # a test that waits too long asks for the stacks
    rng = random.Random(args.seed)
    n = 0
    while not stop and (args.count == 0 or n < args.count):
        letter = rng.choice(args.types)
        result = services.tickets.take(letter)
        ticket = result.ticket
        print(
            json.dumps(
                {
                    "number": ticket.number if ticket else None,
                    "id": ticket.id if ticket else None,
                    "offline": ticket.offline if ticket else None,
                    "error": result.error,
                    "printed": bool(result.printed and result.printed.ok),
                }
            ),
            flush=True,
        )
        services.session.end("finished")
        n += 1
        if args.beat_every and n % args.beat_every == 0 and services.heartbeat:
            services.heartbeat.beat_once()
        if services.outbox_worker:
            services.outbox_worker.deliver_due()
        time.sleep(args.pause)
    return 0


def drain(args) -> int:
    services = _services(args.config)
    if services.heartbeat is None or services.outbox_worker is None:
        print("not enrolled", file=sys.stderr)
        return 2
    services.heartbeat.beat_once()
    ok = services.outbox.drain(args.timeout, services.outbox_worker)
    print(json.dumps({"drained": ok, **services.outbox.counts()}), flush=True)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk_driver")
    p.add_argument("--config", required=True)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("take")
    t.add_argument("--count", type=int, default=0, help="0: until killed or SIGTERM")
    t.add_argument("--types", default="ABC")
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--pause", type=float, default=0.0, help="seconds between citizens")
    t.add_argument("--beat-every", type=int, default=0, help="heartbeat (and lease refill) every N tickets")
    d = sub.add_parser("drain")
    d.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    started = time.monotonic()
    code = take(args) if args.command == "take" else drain(args)
    logging.getLogger(__name__).info("done in %.1f s", time.monotonic() - started)
    return code


if __name__ == "__main__":
    sys.exit(main())
