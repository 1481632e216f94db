"""`kiosk card read`: an operator's check that the reader and a card work.
Prints only masked data, like every other part of the kiosk."""

from __future__ import annotations

import json
import queue
import sys
from dataclasses import replace
from datetime import date

from drivers.reader import CardFailed, CardInserted, CardReading, ReaderFault
from drivers.reader.virtual import VirtualReader
from kiosk.cards import make_reader

HINTS = {
    "no_service": "start the smart-card service: systemctl start pcscd",
    "no_reader": "connect the reader, or check --reader-name / --device",
    "card_removed": "keep the card on the reader until it is read",
    "unreadable": "the card could not be read: clean it, or try another card",
    "unsupported": "this card type is not supported by this kiosk",
    "invalid_id": "the card's data is not a valid ID (check digit or date)",
    "timeout": "the reader stopped answering: check its cable and power",
    "checksum": "the serial line is garbled: check the cable and the baud rate",
    "expired": "the card has expired",
}


def read_one(cfg, args) -> int:
    reader_cfg = cfg.reader
    if args.reader_name is not None:
        reader_cfg = replace(reader_cfg, pcsc_name=args.reader_name)
    if args.device:
        reader_cfg = replace(reader_cfg, serial_device=args.device)
    if args.baud:
        reader_cfg = replace(reader_cfg, serial_baud=args.baud)
    cfg = replace(cfg, reader=reader_cfg, devices=replace(cfg.devices, reader=args.reader or cfg.devices.reader))
    reader = make_reader(cfg)
    if reader is None:
        return _fail(args, "no_reader", "no reader configured ([devices] reader = none)")
    events: queue.Queue = queue.Queue()
    reader.start(events.put)
    if isinstance(reader, VirtualReader):
        reader.insert()
    elif not args.json:
        print(f"waiting up to {args.timeout:.0f} s for a card on the {cfg.devices.reader} reader...", file=sys.stderr)
    fault = None
    try:
        while True:
            try:
                event = events.get(timeout=args.timeout)
            except queue.Empty:
                if fault is not None:
                    return _fail(args, fault.reason, fault.detail)
                return _fail(args, "timeout", f"no card within {args.timeout:.0f} s")
            if isinstance(event, ReaderFault):
                fault = event.error
            elif isinstance(event, CardReading) and not args.json:
                print("reading...", file=sys.stderr)
            elif isinstance(event, CardFailed):
                return _fail(args, event.error.reason, event.error.detail)
            elif isinstance(event, CardInserted):
                return _show(args, event.identity)
    finally:
        reader.stop()


def _show(args, identity) -> int:
    today = date.today()
    row = {
        "name": identity.masked_name,
        "number": identity.masked_number,
        "document": identity.document_type,
        "birth_date": f"{identity.birth_date.year}-**-**",  # the year, as the masked number shows
        "gender": identity.gender,
        "nation": identity.nation,
        "valid_to": identity.valid_to.isoformat() if identity.valid_to else "长期",
        "expired": identity.expired_on(today),
        "age": identity.age_on(today),
    }
    if args.json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        for key, value in row.items():
            print(f"{key:>10}: {value}")
    if row["expired"]:
        print("kiosk: expired: " + HINTS["expired"], file=sys.stderr)
        return 1
    return 0


def _fail(args, reason: str, detail: str) -> int:
    if args.json:
        print(json.dumps({"error": reason, "detail": detail}))
    print(
        f"kiosk: card not read: {reason}: {detail}" + (f" ({HINTS[reason]})" if reason in HINTS else ""),
        file=sys.stderr,
    )
    return 1
