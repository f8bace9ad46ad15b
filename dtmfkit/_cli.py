"""The ``dtmfkit`` command line.

Exit status: 0 on success, 2 for bad input (nothing done), 1 when an operation failed.
Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from dtmfkit._errors import (
    AudioFileError,
    CatapultError,
    DtmfError,
    MissingDependencyError,
    ParameterError,
    PlaybackError,
)
from dtmfkit._io import SUBTYPES
from dtmfkit._profiles import PROFILES
from dtmfkit._settings import resolve
from dtmfkit._version import __version__
from dtmfkit._voice import DEFAULT_LEVEL_DBM0, DEFAULT_RAMP_MS

if TYPE_CHECKING:
    from dtmfkit._settings import Settings

__all__ = ["main"]

DEMO_TEXTS = ("9193334444", "1WWW,59#", "1Ww2Ww1Ww#")


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _number(text: str) -> Decimal:
    """A number exactly as typed: the validators compare it without converting it, so that
    ``1e10000000`` is refused at once instead of becoming a ten-million-digit integer."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _integer(text: str) -> int:
    digits = text.strip().lstrip("+-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise argparse.ArgumentTypeError(f"not an integer (at most 18 digits): {text!r}")
    return int(text)


def _port(text: str) -> int:
    port = _integer(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0 to 65535): {text!r}")
    return port


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="catapult",
        help="whose grammar and timing (catapult)",
    )


def _add_timing(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("timing")
    group.add_argument("--rate", type=_integer, default=8000, help="sample rate in Hz (8000)")
    group.add_argument(
        "--tone-ms", type=_number, help="tone length (the profile's; catapult: 200 ms)"
    )
    group.add_argument(
        "--gap-ms",
        type=_number,
        help="silence between tones when no pause character stands between them "
        "(the profile's; catapult: 400 ms)",
    )


def _add_sound(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sound")
    group.add_argument(
        "--level-dbm0",
        type=_number,
        default=DEFAULT_LEVEL_DBM0,
        help="level of the low tone in dBm0 (-10)",
    )
    group.add_argument(
        "--twist-db", type=_number, default=0.0, help="high minus low tone level in dB (0)"
    )
    group.add_argument(
        "--ramp-ms", type=_number, default=DEFAULT_RAMP_MS, help="edge ramp length (5 ms)"
    )


def _settings(args: argparse.Namespace, command: str) -> Settings:
    """The profile, timing and voice of render, preview and batch, as values, once."""
    return resolve(
        command,
        args.rate,
        args.profile,
        None,
        None,
        {
            "tone_ms": args.tone_ms,
            "gap_ms": args.gap_ms,
            "level_dbm0": args.level_dbm0,
            "twist_db": args.twist_db,
            "ramp_ms": args.ramp_ms,
        },
    )


def _values(settings: Settings) -> dict[str, Any]:
    return {
        "rate": settings.rate,
        "profile": settings.profile,
        "timing": settings.timing,
        "voice": settings.voice,
    }


def _render(args: argparse.Namespace) -> int:
    if args.batch is not None:
        return _render_batch(args)
    if args.text is None or args.output is None:
        raise UsageError("dtmfkit render: give TEXT and -o OUT, or --batch LINES --out-dir DIR")
    from dtmfkit._io import render_to_file

    settings = _settings(args, "render")
    timeline = render_to_file(args.output, args.text, subtype=args.subtype, **_values(settings))
    print(
        f"wrote {args.output}: {timeline.length} samples, {timeline.duration:.3f} s "
        f"at {timeline.rate} Hz ({args.subtype})"
    )
    return 0


def _render_batch(args: argparse.Namespace) -> int:
    if args.text is not None or args.output is not None:
        raise UsageError("dtmfkit render: --batch takes no TEXT and no -o (use --out-dir)")
    if args.out_dir is None:
        raise UsageError("dtmfkit render: --batch needs --out-dir DIR")
    from dtmfkit._batch import progress_bar, read_lines, render_lines

    settings = _settings(args, "render")
    lines = read_lines(args.batch)  # once: the file may be a pipe
    bar = progress_bar(len(lines))
    try:
        report = render_lines(
            lines,
            args.out_dir,
            suffix=f".{args.format}",
            subtype=args.subtype,
            jobs=args.jobs,
            progress=None if bar is None else bar.update,
            **_values(settings),
        )
    finally:
        if bar is not None:
            bar.close()
    for bad in report.bad:
        print(f"{args.batch}:{bad.line}: {bad.message}", file=sys.stderr)
    print(
        f"wrote {len(report.written)} files ({report.seconds:.3f} s of audio) and "
        f"{report.index} to {args.out_dir}"
        + (f"; {len(report.bad)} bad line(s) skipped" if report.bad else "")
    )
    return 2 if report.bad else 0


def _preview(args: argparse.Namespace) -> int:
    from dtmfkit._preview import preview

    settings = _settings(args, "preview")
    shown = preview(args.text, **_values(settings))
    print(shown.to_json(indent=2) if args.json else shown.format(), flush=True)
    if not (args.wav or args.plot or args.play):
        return 0
    # One rendering of the one timeline serves the file, the picture and the sound. In
    # float64, libsndfile's PCM_16 is exactly render(dtype="int16").
    from dtmfkit._synth import render

    audio = render(shown.timeline, voice=shown.voice, dtype="float64")
    if args.wav:
        from dtmfkit._io import write

        write(args.wav, audio, rate=shown.timeline.rate)
        print(f"wrote {args.wav}", file=sys.stderr)
    if args.plot:
        # matplotlib loads only when a picture is asked for.
        from dtmfkit.plot import save_figure, spectrogram_of

        save_figure(args.plot, spectrogram_of(shown.timeline, audio))
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.play:
        from dtmfkit._play import play

        play(audio, shown.timeline.rate)
    return 0


def _heard(path: str, channel: int) -> tuple[list[Any], int, int]:
    """The detections in an audio file (or ``-``, standard input), read in blocks; with its
    rate and length in frames. An unreadable file is bad input."""
    from dtmfkit._detect import Detector
    from dtmfkit._io import AudioStream

    try:
        with AudioStream(path, channel=channel) as stream:
            detector = Detector(stream.rate)
            found = [d for block in stream for d in detector.feed(block)]
            return found + detector.finish(), stream.rate, stream.frames
    except AudioFileError as exc:
        # The input is what is wrong here: bad input, not a failed operation.
        raise ParameterError(str(exc)) from exc


def _decode(args: argparse.Namespace) -> int:
    from dtmfkit._detect import spell

    detections, rate, frames = _heard(args.file, args.channel)
    if args.json:
        import json

        print(json.dumps([d.to_dict() for d in detections]))
    else:
        print(spell(detections, pauses=args.pauses, gap_ms=args.gap_ms, duration=frames / rate))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from dtmfkit._verify import verify

    options: dict[str, Any] = {"tolerance_ms": float(args.tolerance_ms), "channel": args.channel}
    for name in ("tone_ms", "gap_ms"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    try:
        result = verify(args.recording, args.text, profile=args.profile, **options)
    except AudioFileError as exc:
        raise ParameterError(str(exc)) from exc
    print(result.to_json(indent=2) if args.json else result.format())
    return 0 if result.ok else 1


def _send(args: argparse.Namespace) -> int:
    from dtmfkit._catapult import DEFAULT_BASE_URL, ENVIRONMENT, CatapultClient, format_request
    from dtmfkit._grammar import parse

    parse(args.text)
    options: dict[str, Any] = {
        "base_url": args.base_url or os.environ.get(ENVIRONMENT["base_url"]) or DEFAULT_BASE_URL,
        "proxy": args.proxy,
    }
    if args.timeout is not None:
        if not 0 < args.timeout <= 86_400:
            raise ParameterError(
                f"--timeout must be a positive number of seconds, at most 86400, got {args.timeout}"
            )
        options["timeout"] = (5.0, float(args.timeout))
    if args.dry_run:
        # The request send would make, built by the same client; placeholders stand for
        # credentials that are not set.
        names = ("user_id", "api_token", "api_secret")
        missing = [ENVIRONMENT[name] for name in names if not os.environ.get(ENVIRONMENT[name])]
        user, token, secret = (
            os.environ.get(ENVIRONMENT[name]) or placeholder
            for name, placeholder in zip(names, ("USER_ID", "TOKEN", "SECRET"), strict=True)
        )
        with CatapultClient(user, token, secret, **options) as client:
            print(format_request(client.build_request(args.call_id, args.text)))
        if missing:
            print(f"dtmfkit: {', '.join(missing)} not set: placeholders shown", file=sys.stderr)
        return 0
    with CatapultClient.from_env(**options) as client:
        result = client.send_dtmf(args.call_id, args.text)
    print(f"sent {result.sequence.text!r} to call {args.call_id}: HTTP {result.status}")
    return 0


def _emulator(args: argparse.Namespace) -> int:
    import shlex
    import socket

    from dtmfkit._emulator import Emulator

    def logged(record: object) -> None:
        print(record, file=sys.stderr, flush=True)

    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            user_id=args.user_id,
            # Never CATAPULT_*: a real account's secret must not be adopted and printed.
            api_token=os.environ.get("DTMFKIT_EMULATOR_TOKEN") or None,
            api_secret=os.environ.get("DTMFKIT_EMULATOR_SECRET") or None,
            on_request=logged,
        )
    except socket.gaierror as exc:
        raise ParameterError(f"cannot listen on --host {args.host!r}: {exc.strerror}") from exc
    for call_id in args.call:
        emulator.create_call(call_id=call_id)

    user_id, token, secret = emulator.credentials
    calls = ", ".join(args.call) if args.call else "none (POST .../calls makes one)"
    print(
        f"# dtmfkit emulator on {emulator.base_url} (Ctrl-C stops it); in another shell:\n"
        f"export CATAPULT_BASE_URL={shlex.quote(emulator.base_url)}\n"
        f"export CATAPULT_USER_ID={shlex.quote(user_id)}\n"
        f"export CATAPULT_API_TOKEN={shlex.quote(token)}\n"
        f"export CATAPULT_API_SECRET={shlex.quote(secret)}\n"
        f"# active calls: {calls}",
        flush=True,
    )
    try:
        emulator.serve_forever()
    except (KeyboardInterrupt, Terminated):
        pass  # the way to stop it
    finally:
        emulator.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from dtmfkit._catapult import CatapultClient
    from dtmfkit._detect import decode
    from dtmfkit._emulator import Emulator
    from dtmfkit._io import render_to_file, write

    out_dir = Path(args.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AudioFileError(f"cannot create {str(out_dir)!r}: {exc.strerror}") from exc
    for number, text in enumerate(DEMO_TEXTS, start=1):
        path = out_dir / f"example{number}.wav"
        timeline = render_to_file(path, text)
        print(f"{text!r} -> {path} ({timeline.duration:.3f} s)")
        print(timeline.format(), end="\n\n")
    with Emulator() as emulator:
        print(f"emulator listening on {emulator.base_url}")
        with CatapultClient(*emulator.credentials, base_url=emulator.base_url) as client:
            call = client.create_call("+15550001111", "+15550002222")
            print(f"created call {call.call_id}")
            for text in DEMO_TEXTS:
                result = call.send_dtmf(text)
                body = json.dumps({"dtmfOut": text})
                print(f"POST {client.dtmf_url(call.call_id)} {body} -> {result.status}")
            call.hang_up()
            print(f"call state: {call.info()['state']}")
        heard = emulator.audio(call.call_id)
        path = out_dir / "call.wav"
        write(path, heard, rate=emulator.rate)
        print(
            f"the call heard {emulator.heard(call.call_id)}: {heard.size} samples, "
            f"{heard.size / emulator.rate:.3f} s -> {path}"
        )
        print(f"decoded from what the call heard: {decode(heard, emulator.rate)}")
    return 0


COMMANDS = ("render", "preview", "decode", "verify", "send", "emulator", "demo")


def build_parser(command: str | None = None) -> Parser:
    """The argument parser of the ``dtmfkit`` command; given the `command` being run, with
    that command alone (every parser made costs start-up time)."""
    parser = Parser(prog="dtmfkit", description="Render, preview, send and decode DTMF.")
    parser.add_argument("--version", action="version", version=f"dtmfkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    if command in (None, "render"):
        render = commands.add_parser("render", help="render a dtmfOut string to a WAV or FLAC file")
        render.add_argument(
            "text", metavar="TEXT", nargs="?", help="dtmfOut string, e.g. '1WWW,59#'"
        )
        render.add_argument("-o", "--output", metavar="OUT", help="output file (.wav or .flac)")
        batch = render.add_argument_group("batch")
        batch.add_argument("--batch", metavar="LINES", help="render every line of this text file")
        batch.add_argument("--out-dir", metavar="DIR", help="folder for --batch output")
        batch.add_argument("--jobs", type=_integer, default=1, help="threads for --batch (1)")
        batch.add_argument("--format", choices=["wav", "flac"], default="wav", help="--batch files")
        _add_profile(render)
        _add_timing(render)
        _add_sound(render)
        render.add_argument(
            "--subtype", default="PCM_16", choices=list(SUBTYPES), help="sample encoding (PCM_16)"
        )
        render.set_defaults(run=_render)

    if command in (None, "preview"):
        shown = commands.add_parser(
            "preview",
            help="show what the far end will hear: timeline, sources, warnings, picture, sound",
        )
        shown.add_argument("text", metavar="TEXT")
        _add_profile(shown)
        _add_timing(shown)
        _add_sound(shown)
        shown.add_argument("--json", action="store_true", help="print the preview as JSON")
        shown.add_argument("--plot", metavar="FILE.png", help="write a spectrogram picture")
        shown.add_argument("--wav", metavar="FILE", help="write the audio (.wav or .flac)")
        shown.add_argument("--play", action="store_true", help="play it (needs dtmfkit[play])")
        shown.set_defaults(run=_preview)

    if command in (None, "decode"):
        decode = commands.add_parser("decode", help="find the DTMF keys in an audio file")
        decode.add_argument(
            "file",
            metavar="FILE",
            help="any file soundfile reads (WAV, FLAC, ...), read in blocks; - for standard input",
        )
        decode.add_argument("--channel", type=_integer, default=0, help="channel to read (0)")
        output = decode.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="print timed events as JSON")
        output.add_argument(
            "--pauses", action="store_true", help="spell silences as pause characters too"
        )
        decode.add_argument(
            "--gap-ms",
            type=_number,
            default=400,
            help="the gap the audio was made with, to tell it from pauses (400)",
        )
        decode.set_defaults(run=_decode)

    if command in (None, "verify"):
        check = commands.add_parser(
            "verify",
            help="check a recording against the timeline a dtmfOut string means",
            description="Lines up the keys heard in RECORDING with the keys of TEXT's timeline "
            "(an unknown silence before the first allowed) and reports, key by key, start, tone "
            "length, gap or pause before it, frequencies and levels; and missing and extra keys. "
            "Exit status: 0 all as meant, 1 not, 2 bad input.",
        )
        check.add_argument("recording", metavar="RECORDING", help="audio file (- for stdin)")
        check.add_argument("text", metavar="TEXT", help="the dtmfOut string that was sent")
        _add_profile(check)
        group = check.add_argument_group("timing")
        group.add_argument("--tone-ms", type=_number, help="tone length (the profile's)")
        group.add_argument("--gap-ms", type=_number, help="gap between tones (the profile's)")
        check.add_argument(
            "--tolerance-ms",
            type=_number,
            default=20,
            help="how far a tone length or gap may lie from the timeline's (20)",
        )
        check.add_argument("--channel", type=_integer, default=0, help="channel to read (0)")
        check.add_argument("--json", action="store_true", help="print the report as JSON")
        check.set_defaults(run=_verify)

    if command in (None, "send"):
        send = commands.add_parser(
            "send",
            help="send a dtmfOut string into a call (credentials from CATAPULT_* variables)",
            description="Credentials come from CATAPULT_USER_ID, CATAPULT_API_TOKEN and "
            "CATAPULT_API_SECRET; CATAPULT_BASE_URL optionally points elsewhere.",
        )
        send.add_argument("call_id", metavar="CALL_ID")
        send.add_argument("text", metavar="TEXT")
        send.add_argument("--base-url", help="API base URL (https://api.catapult.inetwork.com)")
        send.add_argument("--timeout", type=_number, help="read timeout in seconds (30)")
        send.add_argument(
            "--proxy",
            metavar="URL",
            help="send through this proxy (otherwise HTTPS_PROXY and the like, as requests does)",
        )
        send.add_argument(
            "--dry-run",
            action="store_true",
            help="print the exact request (credentials redacted) and send nothing",
        )
        send.set_defaults(run=_send)

    if command in (None, "emulator"):
        emulator = commands.add_parser(
            "emulator",
            help="serve the local Catapult emulator; prints export lines for dtmfkit send",
            description="Serve the Catapult emulator on loopback until Ctrl-C. It prints its URL "
            "and credentials as export lines to paste into another shell, and logs one line per "
            "request on stderr. Its token and secret are made up for each run, or taken from "
            "DTMFKIT_EMULATOR_TOKEN and DTMFKIT_EMULATOR_SECRET.",
        )
        emulator.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        emulator.add_argument("--port", type=_port, default=0, help="port (0: any free port)")
        emulator.add_argument("--user-id", default="u-emulator", help="the user it serves")
        emulator.add_argument(
            "--call",
            action="append",
            default=[],
            metavar="ID",
            help="create an active call with this id (repeatable)",
        )
        emulator.set_defaults(run=_emulator)

    if command in (None, "demo"):
        demo = commands.add_parser(
            "demo", help="render the documentation's examples and send them to the emulator"
        )
        demo.add_argument("--out-dir", default="demo-output", help="where to write (demo-output)")
        demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["preview", "1w2"])  # doctest: +ELLIPSIS
    preview of '1w2' (catapult profile, 8000 Hz, -10 dBm0, twist +0 dB)
    ...
    total 0.900 s (7200 samples at 8000 Hz)
    timing (catapult): tone 200 ms, gap 400 ms, pauses replace the gap
    ...
    warnings: none
    0
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments[:1] and arguments[0] in COMMANDS else None)
    previous = _on_sigterm()
    try:
        args = parser.parse_args(arguments)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except Terminated:
        return _fail("dtmfkit: terminated", 128 + signal.SIGTERM)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except (AudioFileError, OSError, PlaybackError, MissingDependencyError) as exc:
        return _fail(f"dtmfkit: error: {exc}", 1)
    except CatapultError as exc:
        return _fail(f"dtmfkit: send failed: {exc}", 1)
    except (DtmfError, ValueError, TypeError) as exc:
        return _fail(f"dtmfkit: error: {exc}", 2)
    except KeyboardInterrupt:
        return _fail("dtmfkit: interrupted", 128 + signal.SIGINT)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that half-written files are removed."""


def _on_sigterm() -> Any:
    """Turn SIGTERM into :class:`Terminated` (in the main thread); return the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    return signal.signal(signal.SIGTERM, terminate)


def _fail(message: str, status: int) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return status
