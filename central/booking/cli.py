"""`kiosk-central booking rules` and `kiosk-central notify outbox|vapid`."""

from __future__ import annotations

import argparse
import json
import sys

from central.booking.rules import FIELDS, RulesStore


def add_parsers(sub) -> None:
    booking = sub.add_parser("booking", help="booking rules per site and business type")
    b_sub = booking.add_subparsers(dest="booking_command", required=True)
    rules = b_sub.add_parser("rules", help="show a site's rules for a business type; set those given")
    rules.add_argument("site")
    rules.add_argument("type")
    for name in FIELDS:
        flag = "--" + name.replace("_", "-")
        if name == "remote":
            rules.add_argument(flag, choices=("yes", "no"), help="offer the remote queue place (线上取号)")
        else:
            rules.add_argument(flag, type=int)
    notify = sub.add_parser("notify", help="messages to citizens")
    n_sub = notify.add_subparsers(dest="notify_command", required=True)
    outbox = n_sub.add_parser("outbox", help="messages by state and kind, and the latest not sent")
    outbox.add_argument("--json", action="store_true")
    n_sub.add_parser("vapid", help="print the Web Push public key (made on first use)")


def run(state, cfg, args: argparse.Namespace) -> int:
    if args.command == "booking":
        store = RulesStore(state.runner, cfg.booking)
        try:
            site = state_site(state, args.site)
        except LookupError as exc:
            print(f"kiosk-central: {exc}", file=sys.stderr)
            return 2
        if args.type not in site:
            print(
                f"kiosk-central: no business type {args.type!r} at {args.site} (known: {', '.join(site)})",
                file=sys.stderr,
            )
            return 2
        changes = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
        if "remote" in changes:
            changes["remote"] = changes["remote"] == "yes"
        try:
            rules = store.set(args.site, args.type, **changes) if changes else store.get(args.site, args.type)
        except ValueError as exc:
            print(f"kiosk-central: {exc}", file=sys.stderr)
            return 2
        for name in FIELDS:
            print(f"{name} = {str(getattr(rules, name)).lower()}")
        return 0
    if args.notify_command == "vapid":
        from central.notify.adapters import WebPush

        push = WebPush(cfg.secrets_dir / cfg.notify.webpush.key_file, cfg.notify.webpush.subject, 10)
        print(push.public_key)
        return 0
    from central.notify.outbox import outbox_state

    found = outbox_state(state.runner)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    for state_name, kinds in sorted(found["by_state"].items()):
        print(f"{state_name}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))
    for row in found["latest_not_sent"]:
        print(f"  {row['key']}: {row['error']}")
    return 0


def state_site(state, code: str) -> list[str]:
    """The business type codes of site `code`."""
    from central.sites.model import SiteError
    from central.sites.store import SiteDirectory

    try:
        site = SiteDirectory(state.engine).site(code)
    except SiteError as exc:
        raise LookupError(exc.message) from None
    return list(site.type_map)
