"""`kiosk`: run the app and the operator tools. `python -m kiosk` is the same."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path

from kiosk import __version__
from kiosk import config as kiosk_config
from kiosk.config import ConfigError

log = logging.getLogger("kiosk")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Self-service kiosk for government service halls.")
    p.add_argument("--config", metavar="PATH", help=f"configuration file (default {kiosk_config.DEFAULT_PATH})")
    p.add_argument("--version", action="version", version=f"kiosk {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the touchscreen app (the default)")
    run.add_argument(
        "--offscreen",
        action="store_true",
        help="render without a display (automatic when there is none); screens are saved as PNGs",
    )

    snap = sub.add_parser("snapshot", help="render one screen offscreen to a PNG")
    snap.add_argument("screen", help="screen name: " + ", ".join(_screen_names()))
    snap.add_argument("out", type=Path, help="PNG file to write")
    snap.add_argument("--size", default=None, help="WIDTHxHEIGHT, e.g. 1080x1920 or 1920x1080")
    snap.add_argument("--lang", choices=kiosk_config.LANGUAGES, default=None)
    snap.add_argument("--large-text", action="store_true")
    snap.add_argument("--high-contrast", action="store_true")
    snap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="screen parameter, e.g. --set query=sfz (guides), --set code=... (matter)",
    )

    enroll = sub.add_parser("enroll", help="exchange a one-time code for this kiosk's credentials")
    enroll.add_argument("code")
    enroll.add_argument("--server", help="central server URL (default from config)")

    cat = sub.add_parser("catalog", help="the local matter catalog")
    c_sub = cat.add_subparsers(dest="catalog_command", required=True)
    search = c_sub.add_parser("search", help="search as the kiosk does; ranked results")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    c_sub.add_parser("sync", help="bring the local catalog up to date from central")
    c_sub.add_parser("status", help="local catalog version, source and size")

    card = sub.add_parser("card", help="ID card reader tools")
    card_sub = card.add_subparsers(dest="card_command", required=True)
    read = card_sub.add_parser("read", help="wait for one card and print the masked identity")
    read.add_argument("--reader", choices=("pcsc", "ga467", "virtual"), help="default from config")
    read.add_argument("--reader-name", help="PC/SC: only readers whose name contains this")
    read.add_argument("--device", help="GA/T 467: serial device, e.g. /dev/ttyUSB0")
    read.add_argument("--baud", type=int, help="GA/T 467: baud rate")
    read.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    read.add_argument("--json", action="store_true")

    doctor = sub.add_parser("doctor", help="check this kiosk: configuration, font, central, catalog, devices")
    doctor.add_argument("--json", action="store_true")

    voice = sub.add_parser("voice", help="voice guidance (语音引导) clips")
    v_sub = voice.add_subparsers(dest="voice_command", required=True)
    v_sub.add_parser("build", help="make a clip of every screen phrase in both languages (espeak-ng), and clips.tsv")
    say = v_sub.add_parser(
        "say", help="write what a text sounds like to <voice dir>/say.wav (check a voice or a recorded clip)"
    )
    say.add_argument("text")

    ime = sub.add_parser("input", help="Chinese input on the on-screen keyboard (拼音, 手写)")
    i_sub = ime.add_subparsers(dest="input_command", required=True)
    i_sub.add_parser("build", help="build the pinyin lexicon from Debian's pinyin-database now (else on first start)")
    try_ = i_sub.add_parser("try", help="the candidates pinyin letters give, best first (check the lexicon)")
    try_.add_argument("letters")

    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    cfg_sub.add_parser("check", help="validate the configuration file and exit")
    return p


def _screen_names() -> list[str]:
    from kiosk.ui.screens import SCREENS

    return list(SCREENS)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from common import privacy

    privacy.install()
    try:
        cfg = kiosk_config.load(args.config)
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    if cfg.source == kiosk_config.BUILT_IN:
        print(
            f"kiosk: no {kiosk_config.DEFAULT_PATH}: using the built-in defaults (data in {cfg.data_dir})",
            file=sys.stderr,
        )
    command = args.command or "run"
    if command == "config":
        print(
            f"{cfg.source}: OK (server {cfg.server.url}, data dir {cfg.data_dir}, "
            f"reader {cfg.devices.reader}, ticket printer {cfg.devices.ticket_printer})"
        )
        return 0
    if command == "enroll":
        return _enroll(cfg, args)
    if command == "snapshot":
        return _snapshot(cfg, args)
    if command == "catalog":
        return _catalog(cfg, args)
    if command == "doctor":
        from kiosk.doctor import run

        return run(cfg, args.json)
    if command == "voice":
        return _voice(cfg, args)
    if command == "input":
        return _input(cfg, args)
    if command == "card":
        from kiosk.card_tool import read_one

        return read_one(cfg, args)
    return _run(cfg, getattr(args, "offscreen", False))


def _voice(cfg, args) -> int:
    from common.speech import SpeechUnavailable
    from kiosk.i18n import Translator
    from kiosk.voice import ClipLibrary

    translator = Translator(cfg.ui.language)
    clips = ClipLibrary(cfg.voice_dir, cfg.voice, translator)
    if args.voice_command == "say":
        try:
            audio = clips.audio("zh" if cfg.ui.language == "zh_CN" else "en", args.text)
        except (SpeechUnavailable, OSError) as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return 1
        out = cfg.voice_dir / "say.wav"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(audio.wav())
        print(f"{out}: {audio.seconds:.2f} s")
        return 0
    try:
        made = clips.build(translator)
    except (SpeechUnavailable, OSError) as exc:
        print(f"kiosk: voice clips not made: {exc}", file=sys.stderr)
        return 1
    print(f"{made} clip(s) made in {cfg.voice_dir} (the list: {cfg.voice_dir / 'clips.tsv'})")
    return 0


def _input(cfg, args) -> int:
    from pathlib import Path

    from kiosk.ime.lexicon import LexiconError, build_lexicon, ensure_lexicon, read_lexicon
    from kiosk.ime.pinyin import Composer, Lexicon

    source = Path(cfg.input.pinyin_database)
    try:
        if args.input_command == "build":
            count = build_lexicon(cfg.lexicon_path, source)
            print(f"{count} entries in {cfg.lexicon_path}")
            return 0
        composer = Composer(Lexicon(read_lexicon(ensure_lexicon(cfg.lexicon_path, source))))
    except (LexiconError, OSError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    for letter in args.letters.lower():
        if not composer.type(letter):
            print(f"kiosk: {letter!r} is not a pinyin letter (a-z, or ' between syllables)", file=sys.stderr)
            return 2
    print(f"{composer.preedit}: " + " ".join(c.text for c in composer.candidates(20)))
    return 0


def _enroll(cfg, args) -> int:
    from common import wire
    from kiosk.sync import credentials
    from kiosk.sync.client import CentralClient, CentralError

    server = (args.server or cfg.server.url).rstrip("/")
    client = CentralClient(server, timeout_s=cfg.server.timeout_s)
    try:
        reply = client.enroll(wire.EnrollRequest(code=args.code, version=__version__, hostname=socket.gethostname()))
    except CentralError as exc:
        print(f"kiosk: enrollment failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    import base64

    path = credentials.save(
        cfg.data_dir,
        credentials.Credentials(reply.kiosk_id, reply.name, server, base64.b64decode(reply.secret)),
    )
    print(f"Enrolled as {reply.name!r} ({reply.kiosk_id}); credentials in {path} (mode 0600)")
    if server != cfg.server.url.rstrip("/"):
        print(f"Note: the configuration points at {cfg.server.url}; set [server] url = {server!r}")
    return 0


def _catalog(cfg, args) -> int:
    import json

    from kiosk.catalog.service import CatalogRejected
    from kiosk.services import open_catalog

    catalog = open_catalog(cfg)
    if args.catalog_command == "search":
        hits = catalog.search(args.query, max(1, min(args.limit, 200)))
        for rank, hit in enumerate(hits, 1):
            summary = catalog.summary(hit.code)
            dept = summary.department if summary else ""
            if args.json:
                print(
                    json.dumps(
                        {
                            "rank": rank,
                            "code": hit.code,
                            "name": hit.name,
                            "tier": hit.tier,
                            "matched": hit.matched,
                            "department": dept,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                print(f"{rank:3d}. {hit.name}  [{dept}]  {hit.code}  ({hit.tier}: {hit.matched})")
        if not hits and not args.json:
            print("no results; most used: " + "、".join(s.name for s in catalog.popular(5)))
        return 0
    if args.catalog_command == "sync":
        from kiosk.sync import credentials
        from kiosk.sync.client import CentralClient, CentralError

        client = CentralClient(cfg.server.url, credentials.load(cfg.data_dir), timeout_s=max(cfg.server.timeout_s, 30))
        try:
            result = catalog.sync(client)
        except (CentralError, CatalogRejected) as exc:
            print(f"kiosk: catalog sync failed: {exc}; keeping version {catalog.state.version}", file=sys.stderr)
            return 1
        finally:
            client.close()
        print(
            f"catalog version {result.version}: {result.changed} matters changed"
            f"{' (full refresh)' if result.full else ''}"
        )
        return 0
    st = catalog.state
    print(f"catalog version {st.version} from {st.source}, {st.matters} matters, updated {st.updated_at or 'never'}")
    return 0


def _parse_size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"kiosk: --size expects WIDTHxHEIGHT such as 1080x1920, got {text!r}") from None
    return w, h


def _snapshot(cfg, args) -> int:
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk
    from kiosk.ui.screens import SCREENS

    if args.screen not in SCREENS:
        print(f"kiosk: unknown screen {args.screen!r}; one of {', '.join(SCREENS)}", file=sys.stderr)
        return 2
    services = build_services(cfg)
    if services.heartbeat:
        services.heartbeat.beat_once()  # show the real network state
    with OffscreenKiosk(cfg, services=services, size=_parse_size(args.size)) as kiosk:
        if args.lang:
            services.translator.set_language(args.lang)
        kiosk.app.large_text = args.large_text
        kiosk.app.high_contrast = args.high_contrast
        params = dict(item.split("=", 1) for item in args.set if "=" in item)
        kiosk.app.show(args.screen, **params)
        kiosk.advance(3)
        out = kiosk.screenshot(args.out)
    services.stop()
    print(f"wrote {out}")
    return 0


def _run(cfg, offscreen: bool) -> int:
    from kiosk.services import build_services
    from kiosk.ui import boot
    from kiosk.ui.fonts import FontError

    capture_dir = None
    if offscreen or not boot.has_display():
        offscreen = True
        capture_dir = cfg.data_dir / "screens"
        print(
            f"kiosk: no display; running offscreen. Each screen shown is saved to {capture_dir}/<screen>.png",
            flush=True,
        )
    from kiosk import logs

    m = cfg.maintenance
    logs.add_file(cfg.data_dir / "logs", max_mb=m.log_max_mb, files=m.log_files)
    boot.prepare(cfg, offscreen=offscreen)
    services = build_services(cfg)
    from kiosk.ui.app import KioskApp

    try:
        KioskApp(services, capture_dir=capture_dir).run()
    except FontError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
