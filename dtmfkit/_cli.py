"""The ``dtmfkit`` command line.

Exit status: 0 on success, 2 for bad input (nothing done), 1 when an operation failed.
Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
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


def _ssrc(text: str) -> int:
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an SSRC (decimal or 0x hex): {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"not an SSRC (0 to 0xffffffff): {text!r}")
    return value


def _port(text: str) -> int:
    port = _integer(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0 to 65535): {text!r}")
    return port


def _add_output_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``-q`` and ``-v``, before the command or after it (there without a default, so as not
    to undo the one given before)."""
    default: Any = False if top else argparse.SUPPRESS
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="print only results and errors"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="also log each request and retry on stderr",
    )


#: The platforms dtmfkit sends to (``dtmfkit.PLATFORMS``; named here so that a command's
#: parser needs no import of them).
PLATFORM_NAMES = ("catapult", "bandwidth", "telnyx", "twilio", "asterisk")


def _add_platform(parser: argparse.ArgumentParser, help: str, default: str | None) -> None:
    parser.add_argument("--platform", choices=PLATFORM_NAMES, default=default, help=help)


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
    from dtmfkit._synth import rendering

    settings = _settings(args, "render")
    if args.output.lower().endswith((".pcap", ".pcapng")):
        return _render_pcap(args, settings)
    to_stdout = args.output == "-"
    if to_stdout and sys.stdout.isatty():
        raise UsageError("dtmfkit render: -o - writes audio to standard output: redirect it")
    from dtmfkit._io import SUBTYPES, encoded, file_format, write

    target = f"audio.{args.format}" if to_stdout else args.output
    file_format(target, args.subtype)  # before any work: a bad suffix or subtype is bad input
    timeline, voice, audio = rendering(
        "render",
        args.text,
        dtype=SUBTYPES[args.subtype],
        options={},
        **_values(settings),
    )
    warnings = _warnings(timeline, voice)
    for warning in warnings:
        _say(args, f"dtmfkit: warning: {_as_typed(warning.message)}")
    if to_stdout:
        fmt = "WAV" if args.format == "wav" else "FLAC"
        data = encoded(audio, rate=timeline.rate, fmt=fmt, subtype=args.subtype)
        sys.stdout.buffer.write(data)
    else:
        write(args.output, audio, rate=timeline.rate, subtype=args.subtype)
    summary = {
        "output": args.output,
        "samples": timeline.length,
        "seconds": timeline.duration,
        "rate": timeline.rate,
        "subtype": args.subtype,
        "warnings": [w.code for w in warnings],
    }
    line = (
        f"wrote {'standard output' if to_stdout else args.output}: {timeline.length} samples, "
        f"{timeline.duration:.3f} s at {timeline.rate} Hz ({args.subtype})"
    )
    _report(args, summary, line, to_stderr=to_stdout)
    return 0


def _render_pcap(args: argparse.Namespace, settings: Settings) -> int:
    """``render -o x.pcap``: the string as RTP telephone-events (and, with ``--rtp-audio``, its
    audio as G.711 μ-law beside them)."""
    from dtmfkit._rtp import write_pcap

    if args.output.lower().endswith(".pcapng"):
        raise UsageError("dtmfkit render: pcapng is read, not written: use a .pcap name")
    rtp = {
        "payload_type": args.rtp_payload_type,
        "interval_ms": float(args.rtp_interval_ms),
        "volume": args.rtp_volume,
        "ssrc": args.rtp_ssrc,
        "seed": args.rtp_seed,
    }
    packets = write_pcap(
        args.output,
        args.text,
        audio=args.rtp_audio,
        src=args.rtp_src,
        dst=args.rtp_dst,
        **rtp,
        profile=settings.profile,
        timing=settings.timing,
        voice=settings.voice,
    )
    events = sum(1 for p in packets if p.payload_type == args.rtp_payload_type)
    summary = {
        "output": args.output,
        "packets": len(packets),
        "telephone_event_packets": events,
        "audio_packets": len(packets) - events,
    }
    line = (
        f"wrote {args.output}: {events} telephone-event packets"
        + (f" and {len(packets) - events} G.711 audio packets" if args.rtp_audio else "")
        + f", {args.rtp_src} -> {args.rtp_dst}"
    )
    _report(args, summary, line)
    return 0


def _warnings(timeline: Any, voice: Any) -> list[Any]:
    """Preview's warnings, which render prints on stderr (unless ``-q``): a file that will not
    be heard as meant is still written, but not without a word."""
    from dtmfkit._warnings import warnings_of

    return warnings_of(timeline, voice)


def _report(
    args: argparse.Namespace, summary: dict[str, Any], line: str, *, to_stderr: bool = False
) -> None:
    """What a command did: `summary` as JSON with ``--json``, else `line` (unless ``-q``); on
    stderr when standard output carries the result itself."""
    if getattr(args, "json", False):
        import json

        print(json.dumps(summary), file=sys.stderr if to_stderr else sys.stdout)
    elif not getattr(args, "quiet", False):
        print(line, file=sys.stderr if to_stderr else sys.stdout)


def _render_batch(args: argparse.Namespace) -> int:
    if args.text is not None or args.output is not None:
        raise UsageError("dtmfkit render: --batch takes no TEXT and no -o (use --out-dir)")
    if args.out_dir is None:
        raise UsageError("dtmfkit render: --batch needs --out-dir DIR")
    from dtmfkit._batch import progress_bar, read_lines, render_lines
    from dtmfkit._errors import DtmfSyntaxError

    settings = _settings(args, "render")
    name = "standard input" if args.batch == "-" else args.batch
    # Read once (the input may be a pipe), and check every line before writing anything:
    # bad input writes nothing.
    lines = read_lines(sys.stdin.buffer if args.batch == "-" else args.batch)
    bad = []
    for number, text in lines:
        try:
            settings.profile.grammar.check(text)
        except DtmfSyntaxError as exc:
            bad.append(f"{name}:{number}: {exc}")
    if bad:
        for message in bad[:-1]:
            print(message, file=sys.stderr)
        raise UsageError(f"dtmfkit render: {bad[-1]} ({len(bad)} bad line(s); nothing written)")
    bar = None if getattr(args, "quiet", False) else progress_bar(len(lines))
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
    summary = {
        "out_dir": args.out_dir,
        "files": [str(path) for path in report.written],
        "seconds": report.seconds,
        "index": None if report.index is None else str(report.index),
    }
    line = (
        f"wrote {len(report.written)} files ({report.seconds:.3f} s of audio) and "
        f"{report.index} to {args.out_dir}"
    )
    _report(args, summary, line)
    return 0


def _preview(args: argparse.Namespace) -> int:
    from dtmfkit._preview import preview

    if args.platform is not None:
        return _preview_platform(args)
    settings = _settings(args, "preview")
    # Every file name checked before anything is printed or drawn.
    if args.plot:
        from dtmfkit.plot import picture_format

        picture_format(args.plot)
    if args.wav:
        from dtmfkit._io import file_format

        file_format(args.wav, "PCM_16")
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
        _say(args, f"wrote {args.wav}")
    if args.plot:
        # matplotlib loads only when a picture is asked for.
        from dtmfkit.plot import save_figure, spectrogram_of

        save_figure(args.plot, spectrogram_of(shown.timeline, audio))
        _say(args, f"wrote {args.plot}")
    if args.play:
        from dtmfkit._play import play

        play(audio, shown.timeline.rate)
    return 0


def _preview_platform(args: argparse.Namespace) -> int:
    """``preview --platform NAME``: the request that would be sent, and what the call would
    hear (the translated string, scheduled and rendered with the platform's profile)."""
    from dtmfkit._catapult import format_request
    from dtmfkit._platforms import PlatformClient, resolve_platform
    from dtmfkit._preview import preview

    if args.profile != "catapult":
        raise UsageError("dtmfkit preview: --platform fixes the profile: give one of them")
    platform = resolve_platform(args.platform)
    timeline = platform.schedule(
        args.text, tone_ms=args.tone_ms, gap_ms=args.gap_ms, rate=args.rate
    )
    credentials = {name: name.upper() for name in platform.credentials}
    base_url = platform.default_base_url or "http://localhost:8088"
    with PlatformClient(platform, credentials, base_url=base_url) as client:
        prepared = client.build_request(
            "CALL_ID", args.text, tone_ms=args.tone_ms, gap_ms=args.gap_ms, command_id="COMMAND_ID"
        )
    settings = resolve(
        "preview",
        None,
        None,
        None,
        None,
        {"level_dbm0": args.level_dbm0, "twist_db": args.twist_db, "ramp_ms": args.ramp_ms},
    )
    shown = preview(timeline, voice=settings.voice)
    if args.json:
        import json

        data = {"platform": platform.name, "request": format_request(prepared), **shown.to_dict()}
        print(json.dumps(data, indent=2))
    else:
        print(f"request to {platform.title} (credentials and call id as placeholders):")
        print("  " + format_request(prepared).replace("\n", "\n  ").rstrip())
        print(f"what the call hears ({platform.name}: {platform.assumed or 'as documented'}):")
        print(shown.format())
    return 0


def _heard(path: str, channel: int) -> tuple[list[Any], int, int, int]:
    """The detections in an audio file (or ``-``, standard input), read in blocks; with its
    rate, length in frames and number of channels. An unreadable file is bad input."""
    from dtmfkit._detect import Detector
    from dtmfkit._io import AudioStream

    try:
        with AudioStream(path, channel=channel) as stream:
            detector = Detector(stream.rate)
            found = [d for block in stream for d in detector.feed(block)]
            return found + detector.finish(), stream.rate, stream.frames, stream.channels
    except AudioFileError as exc:
        # The input is what is wrong here: bad input, not a failed operation.
        raise ParameterError(str(exc)) from exc


def _decode(args: argparse.Namespace) -> int:
    from dtmfkit._detect import spell
    from dtmfkit._rtp import is_capture

    if is_capture(args.file):
        return _decode_capture(args)

    detections, rate, frames, channels = _heard(args.file, args.channel)
    if not detections and channels > 1:
        others = ", ".join(str(c) for c in range(channels) if c != args.channel)
        _say(
            args,
            f"dtmfkit: no DTMF on channel {args.channel} of {channels}; "
            f"try --channel {others if channels == 2 else '{' + others + '}'}",
        )
    if args.json:
        import json

        print(json.dumps([d.to_dict() for d in detections]))
    else:
        print(spell(detections, pauses=args.pauses, gap_ms=args.gap_ms, duration=frames / rate))
    return 0


def _decode_capture(args: argparse.Namespace) -> int:
    """``decode x.pcap``: the keys of every telephone-event stream, one line per stream
    (prefixed by its SSRC when there are several)."""
    from dtmfkit._detect import spell
    from dtmfkit._rtp import read_events

    try:
        events = read_events(args.file)
    except AudioFileError as exc:
        raise ParameterError(str(exc)) from exc
    if args.ssrc is not None:
        events = [e for e in events if e.ssrc == args.ssrc]
    if args.json:
        import json
        from dataclasses import asdict

        print(json.dumps([{**asdict(e), "stop": e.stop} for e in events]))
        return 0
    streams = list(dict.fromkeys(e.ssrc for e in events))
    if not streams:
        _say(args, f"dtmfkit: no RTP telephone-events in {args.file}")
        print()
    for ssrc in streams:
        found = [e.detection() for e in events if e.ssrc == ssrc]
        keys = spell(found, pauses=args.pauses, gap_ms=args.gap_ms)
        print(f"{ssrc:#010x} {keys}" if len(streams) > 1 else keys)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from dtmfkit._verify import verify

    options: dict[str, Any] = {
        "tolerance_ms": float(args.tolerance_ms),
        "channel": args.channel,
        "ssrc": args.ssrc,
    }
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
    from dtmfkit._catapult import format_request
    from dtmfkit._platforms import PlatformClient, resolve_platform

    platform = resolve_platform(args.platform)
    timing = {"tone_ms": args.tone_ms, "gap_ms": args.gap_ms}
    platform.translate(args.text)  # bad input before anything else
    platform.timing(**timing)
    options: dict[str, Any] = {"proxy": args.proxy}
    base_url = args.base_url or os.environ.get(platform.base_url_variable)
    if base_url:
        options["base_url"] = base_url
    if args.timeout is not None:
        if not 0 < args.timeout <= 86_400:
            raise ParameterError(
                f"--timeout must be a positive number of seconds, at most 86400, got {args.timeout}"
            )
        options["timeout"] = (5.0, float(args.timeout))
    if args.dry_run:
        # The request send would make, built by the same client; placeholders stand for
        # credentials that are not set.
        missing = [var for var in platform.credentials.values() if not os.environ.get(var)]
        credentials = {
            name: os.environ.get(var) or name.upper() for name, var in platform.credentials.items()
        }
        if platform.default_base_url is None and "base_url" not in options:
            options["base_url"] = "http://localhost:8088"
            missing.append(platform.base_url_variable)
        with PlatformClient(platform, credentials, **options) as client:
            prepared = client.build_request(args.call_id, args.text, **timing)
            if args.json:
                import json

                from dtmfkit._http import redact_headers

                body = prepared.body or b""
                request = {
                    "method": prepared.method,
                    "url": prepared.url,
                    "headers": dict(redact_headers(prepared.headers)),
                    "body": body.decode() if isinstance(body, bytes) else body,
                }
                print(json.dumps(request))
            else:
                print(format_request(prepared))
        if missing:
            print(f"dtmfkit: {', '.join(missing)} not set: placeholders shown", file=sys.stderr)
        return 0
    with PlatformClient.from_env(platform, **options) as client:
        result = client.send_dtmf(args.call_id, args.text, **timing)
    summary = {
        "platform": platform.name,
        "call_id": args.call_id,
        "dtmfOut": args.text,
        "sent": result.sequence.text,
        "status": result.status,
        "retries": result.retries,
    }
    if platform.name == "catapult":
        summary = {k: summary[k] for k in ("call_id", "dtmfOut", "status")}
    line = f"sent {result.sequence.text!r} to call {args.call_id}: HTTP {result.status}"
    if platform.name != "catapult":
        line = f"sent {result.sequence.text!r} to {platform.name} call {args.call_id}: "
        line += f"HTTP {result.status}"
        if result.retries and platform.deduplicated:
            line += f" ({result.retries} repeat(s), which {platform.name} ignores by command_id)"
    _report(args, summary, line)
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

    from dtmfkit._platforms import resolve_platform

    platform = resolve_platform(args.platform)
    calls = ", ".join(args.call) if args.call else "none (POST .../calls makes one)"
    exports = [(platform.base_url_variable, emulator.base_url)] + [
        (platform.credentials[name], value)
        for name, value in emulator.credentials_for(platform.name).items()
    ]
    print(
        f"# dtmfkit emulator on {emulator.base_url} (Ctrl-C stops it); in another shell:\n"
        + "".join(f"export {name}={shlex.quote(value)}\n" for name, value in exports)
        + (
            f"# then: dtmfkit send --platform {platform.name} CALL TEXT\n"
            if args.platform != "catapult"
            else ""
        )
        + f"# active calls: {calls}",
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


COMMANDS = (
    "render",
    "preview",
    "decode",
    "verify",
    "send",
    "emulator",
    "demo",
    "dataset",
    "completion",
)


def build_parser(command: str | None = None) -> Parser:
    """The argument parser of the ``dtmfkit`` command; given the `command` being run, with
    that command alone (every parser made costs start-up time)."""
    parser = Parser(
        prog="dtmfkit",
        description="Render, preview, send and decode DTMF.",
        epilog="Exit status: 0 done, 1 an operation failed, 2 bad input (nothing done). "
        "Shell completion: dtmfkit completion bash|zsh|tcsh.",
    )
    parser.add_argument("--version", action="version", version=f"dtmfkit {__version__}")
    _add_output_flags(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    if command in (None, "render"):
        render = commands.add_parser("render", help="render a dtmfOut string to a WAV or FLAC file")
        render.add_argument(
            "text", metavar="TEXT", nargs="?", help="dtmfOut string, e.g. '1WWW,59#'"
        )
        render.add_argument(
            "-o",
            "--output",
            metavar="OUT",
            help="output file (.wav, .flac, .rf64, .w64); - writes to standard output",
        )
        render.add_argument(
            "--format",
            choices=["wav", "flac"],
            default="wav",
            help="format of -o - and of --batch files (wav)",
        )
        render.add_argument("--json", action="store_true", help="print what was written as JSON")
        rtp = render.add_argument_group("RTP telephone-events (-o NAME.pcap; needs dtmfkit[pcap])")
        rtp.add_argument(
            "--rtp-payload-type",
            type=_integer,
            default=101,
            help="payload type of telephone-event (101)",
        )
        rtp.add_argument(
            "--rtp-interval-ms", type=_number, default=20, help="time between packets (20)"
        )
        rtp.add_argument(
            "--rtp-volume", type=_integer, help="0-63, the level in -dBm0 (from --level-dbm0)"
        )
        rtp.add_argument("--rtp-ssrc", type=_ssrc, help="SSRC, decimal or 0x hex (random)")
        rtp.add_argument(
            "--rtp-seed", type=_integer, help="seed for SSRC, sequence and timestamp (random)"
        )
        rtp.add_argument(
            "--rtp-src", default="192.0.2.1:40000", help="sender ADDRESS:PORT (192.0.2.1:40000)"
        )
        rtp.add_argument(
            "--rtp-dst",
            default="192.0.2.2:40002",
            help="receiver ADDRESS:PORT (192.0.2.2:40002)",
        )
        rtp.add_argument(
            "--rtp-audio",
            action="store_true",
            help="also the audio, G.711 u-law (payload type 0), on its own SSRC",
        )
        batch = render.add_argument_group("batch")
        batch.add_argument(
            "--batch",
            metavar="LINES",
            help="render every line of this text file (- reads standard input)",
        )
        batch.add_argument("--out-dir", metavar="DIR", help="folder for --batch output")
        batch.add_argument("--jobs", type=_integer, default=1, help="threads for --batch (1)")
        _add_profile(render)
        _add_timing(render)
        _add_sound(render)
        render.add_argument(
            "--subtype", default="PCM_16", choices=list(SUBTYPES), help="sample encoding (PCM_16)"
        )
        _add_output_flags(render, top=False)
        render.set_defaults(run=_render)

    if command in (None, "preview"):
        shown = commands.add_parser(
            "preview",
            help="show what the far end will hear: timeline, sources, warnings, picture, sound",
        )
        shown.add_argument("text", metavar="TEXT", help="dtmfOut string, e.g. '1WWW,59#'")
        _add_profile(shown)
        _add_timing(shown)
        _add_sound(shown)
        shown.add_argument("--json", action="store_true", help="print the preview as JSON")
        _add_platform(shown, "show the request to this platform and what its call hears", None)
        shown.add_argument(
            "--plot",
            metavar="FILE",
            help="write a spectrogram picture (.png, .svg or .pdf; needs dtmfkit[plot])",
        )
        shown.add_argument("--wav", metavar="FILE", help="write the audio (.wav or .flac)")
        shown.add_argument("--play", action="store_true", help="play it (needs dtmfkit[play])")
        _add_output_flags(shown, top=False)
        shown.set_defaults(run=_preview)

    if command in (None, "decode"):
        decode = commands.add_parser("decode", help="find the DTMF keys in an audio file")
        decode.add_argument(
            "file",
            metavar="FILE",
            help="any file soundfile reads (WAV, FLAC, ...), read in blocks; - for standard "
            "input; or a .pcap/.pcapng capture of RTP telephone-events",
        )
        decode.add_argument("--channel", type=_integer, default=0, help="channel to read (0)")
        decode.add_argument(
            "--ssrc", type=_ssrc, help="with a capture: only this telephone-event stream"
        )
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
        _add_output_flags(decode, top=False)
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
        check.add_argument(
            "recording",
            metavar="RECORDING",
            help="audio file (- for stdin), or a .pcap/.pcapng of RTP telephone-events",
        )
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
        check.add_argument(
            "--ssrc", type=_ssrc, help="with a capture of several streams: which one"
        )
        check.add_argument("--json", action="store_true", help="print the report as JSON")
        _add_output_flags(check, top=False)
        check.set_defaults(run=_verify)

    if command in (None, "send"):
        send = commands.add_parser(
            "send",
            help="send a dtmfOut string into a call, on Catapult or another platform",
            description="TEXT is a Catapult dtmfOut string, translated for the platform (or "
            "refused before anything is sent). Credentials come from the environment: "
            "catapult CATAPULT_USER_ID, CATAPULT_API_TOKEN, CATAPULT_API_SECRET; bandwidth "
            "BW_ACCOUNT_ID, BW_USERNAME, BW_PASSWORD; telnyx TELNYX_API_KEY; twilio "
            "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN; asterisk ARI_USERNAME, ARI_PASSWORD and "
            "ARI_URL. CATAPULT_BASE_URL, BW_VOICE_BASE_URL, TELNYX_BASE_URL and "
            "TWILIO_BASE_URL point elsewhere.",
        )
        send.add_argument("call_id", metavar="CALL_ID", help="the call to play the keys into")
        send.add_argument("text", metavar="TEXT", help="dtmfOut string, e.g. '1WWW,59#'")
        _add_platform(
            send, "where to send: its route, auth, grammar and timing (catapult)", "catapult"
        )
        send.add_argument(
            "--tone-ms", type=_number, help="tone length, where the platform takes one"
        )
        send.add_argument("--gap-ms", type=_number, help="gap, where the platform takes one")
        send.add_argument(
            "--base-url", help="API base URL (the platform's; for asterisk, its ARI URL)"
        )
        send.add_argument("--timeout", type=_number, help="read timeout in seconds (30)")
        send.add_argument(
            "--proxy",
            metavar="URL",
            help="send through this proxy (otherwise HTTPS_PROXY and the like, as requests does)",
        )
        send.add_argument("--json", action="store_true", help="print the result as JSON")
        send.add_argument(
            "--dry-run",
            action="store_true",
            help="print the exact request (credentials redacted) and send nothing",
        )
        _add_output_flags(send, top=False)
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
        _add_platform(
            emulator,
            "whose export lines to print (it serves every platform's route) (catapult)",
            "catapult",
        )
        emulator.add_argument(
            "--call",
            action="append",
            default=[],
            metavar="ID",
            help="create an active call with this id (repeatable)",
        )
        _add_output_flags(emulator, top=False)
        emulator.set_defaults(run=_emulator)

    if command in (None, "demo"):
        demo = commands.add_parser(
            "demo", help="render the documentation's examples and send them to the emulator"
        )
        demo.add_argument("--out-dir", default="demo-output", help="where to write (demo-output)")
        _add_output_flags(demo, top=False)
        demo.set_defaults(run=_demo)

    if command in (None, "dataset"):
        data = commands.add_parser(
            "dataset",
            help="render a labelled dataset in shards, on Dask (needs dtmfkit[datasets])",
            description="Render N strings (from --from, or drawn from --seed) with variation "
            "drawn from the seed: level, twist, frequency offsets, tone and gap jitter, noise, "
            "a G.711 round trip, the rate. Each shard is a folder of audio files and "
            "labels.parquet, renamed into place when complete: a re-run skips the shards "
            "present. Runs on a local Dask cluster of --workers processes, or on --scheduler.",
        )
        data.add_argument("out", metavar="DIR", help="the dataset's folder")
        source = data.add_mutually_exclusive_group(required=True)
        source.add_argument("--count", type=_integer, help="how many strings to draw")
        source.add_argument(
            "--from", dest="lines", metavar="LINES", help="render every line of this file (- stdin)"
        )
        data.add_argument("--seed", type=_integer, default=0, help="the seed of every draw (0)")
        data.add_argument(
            "--shard-size", type=_integer, default=1000, help="items per shard (1000)"
        )
        data.add_argument("--format", choices=["flac", "wav"], default="flac", help="(flac)")
        data.add_argument(
            "--rates",
            default="8000,16000,44100,48000",
            help="sample rates to draw from, comma-separated (8000,16000,44100,48000)",
        )
        data.add_argument(
            "--length",
            default="1,20",
            metavar="MIN,MAX",
            help="length of drawn strings (1,20)",
        )
        data.add_argument(
            "--alphabet", default="0123456789ABCD*#", help="keys of drawn strings (all 16)"
        )
        data.add_argument(
            "--pause-share",
            type=_number,
            default=0.1,
            help="share of pause characters in drawn strings (0.1)",
        )
        data.add_argument(
            "--noise-share", type=_number, default=0.5, help="share of items with noise (0.5)"
        )
        data.add_argument(
            "--g711-share",
            type=_number,
            default=0.3,
            help="share of items through a G.711 round trip (0.3)",
        )
        data.add_argument(
            "--workers", type=_integer, help="local Dask worker processes (the cores)"
        )
        data.add_argument(
            "--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://HOST:PORT"
        )
        data.add_argument("--json", action="store_true", help="print the report as JSON")
        _add_output_flags(data, top=False)
        data.set_defaults(run=_dataset)

    if command in (None, "completion"):
        completion = commands.add_parser(
            "completion",
            help="print a shell completion script (needs dtmfkit[completion])",
            description="Print a completion script for SHELL, made by shtab from this parser. "
            "bash: dtmfkit completion bash > ~/.local/share/bash-completion/completions/dtmfkit; "
            'zsh: dtmfkit completion zsh > "${fpath[1]}/_dtmfkit".',
        )
        completion.add_argument("shell", choices=["bash", "zsh", "tcsh"], help="the shell")
        _add_output_flags(completion, top=False)
        completion.set_defaults(run=_completion)
    return parser


def _dataset(args: argparse.Namespace) -> int:
    from dtmfkit._dataset import Variation, build_dataset

    try:
        rates = tuple(int(r) for r in args.rates.split(","))
        low, high = (int(n) for n in args.length.split(","))
    except ValueError:
        raise UsageError(
            "dtmfkit dataset: --rates and --length take comma-separated integers"
        ) from None
    variation = Variation(
        rates=rates,
        noise_share=float(args.noise_share),
        g711_share=float(args.g711_share),
        length=(low, high),
        alphabet=args.alphabet,
        pause_share=float(args.pause_share),
    )
    texts = None
    if args.lines is not None:
        from dtmfkit._batch import read_lines

        texts = [
            text for _, text in read_lines(sys.stdin.buffer if args.lines == "-" else args.lines)
        ]
    from dtmfkit._batch import progress_bar

    shards = -(-(args.count or len(texts or ())) // max(1, args.shard_size))
    bar = None if args.quiet or args.json else progress_bar(shards)
    try:
        report = build_dataset(
            args.out,
            count=args.count,
            texts=texts,
            seed=args.seed,
            shard_size=args.shard_size,
            format=args.format,
            variation=variation,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=None if bar is None else bar.update,
        )
    finally:
        if bar is not None:
            bar.close()
    from dataclasses import asdict

    line = (
        f"{report.path}: {report.items} items in {report.shards} shards; wrote {report.written} "
        f"({report.seconds_of_audio:.1f} s of audio, {report.bytes_written / 1e6:.1f} MB), "
        f"{report.skipped} already there"
    )
    _report(args, asdict(report), line)
    return 0


def _completion(args: argparse.Namespace) -> int:
    try:
        import shtab
    except ImportError:
        raise MissingDependencyError(
            "shell completion needs shtab: pip install 'dtmfkit[completion]'"
        ) from None
    script: str = shtab.complete(build_parser(), shell=args.shell)
    print(script)
    return 0


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
    logging_to = None
    try:
        args = parser.parse_args(arguments)
        logging_to = _configure_output(args)
        run: Callable[[argparse.Namespace], int] = args.run
        status = run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        return _closed_pipe()
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
        if logging_to is not None:
            import logging

            logging.getLogger("dtmfkit").removeHandler(logging_to)


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
    print(" ".join(_as_typed(message).split()), file=sys.stderr)
    return status


#: The flags that set what the library calls by these names.
_FLAGS = {
    name: "--" + name.replace("_", "-")
    for name in (
        "rate",
        "tone_ms",
        "gap_ms",
        "level_dbm0",
        "twist_db",
        "ramp_ms",
        "tolerance_ms",
        "channel",
        "jobs",
        "timeout",
        "base_url",
    )
}
#: Advice for the library's caller that has no flag on the command line.
_ADVICE = {"(use https, or allow insecure http)": "(use https: plain http goes only to loopback)"}
_PYTHON_NAME = re.compile(r"\b(" + "|".join(_FLAGS) + r")(=| must\b)")


def _as_typed(message: str) -> str:
    """A message in the words the user typed: ``--level-dbm0 3.5``, not ``level_dbm0=3.5``.

    Examples
    --------
    >>> _as_typed("level_dbm0=3.5 with twist_db=2 would clip; a rate above 3266 Hz")
    '--level-dbm0 3.5 with --twist-db 2 would clip; a rate above 3266 Hz'
    >>> _as_typed("tone_ms must be more than 0")
    '--tone-ms must be more than 0'
    """

    def flag(match: re.Match[str]) -> str:
        return _FLAGS[match[1]] + (" " if match[2] == "=" else match[2])

    for advice, typed in _ADVICE.items():
        message = message.replace(advice, typed)
    return _PYTHON_NAME.sub(flag, message)


def _closed_pipe() -> int:
    """The reader of standard output went away (``dtmfkit ... | head``): end quietly, with
    the status of a process that SIGPIPE ended, as shells report it (128 + 13)."""
    # Python would try to flush stdout again at exit, and fail again: point it at nothing.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + 13


def _configure_output(args: argparse.Namespace) -> Any:
    """``-v``: dtmfkit's log (each request sent, each retry) on stderr; the handler, for
    :func:`main` to remove when the command is done."""
    if not getattr(args, "verbose", False):
        return None
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dtmfkit: %(message)s"))
    log = logging.getLogger("dtmfkit")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return handler


def _say(args: argparse.Namespace, message: str) -> None:
    """An informational line on stderr, unless ``-q``."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)
