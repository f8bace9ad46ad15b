"""The ``dtmfkit`` command line.

Exit status: 0 on success, 2 for bad input (nothing done), 1 when an operation failed.
Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from dtmfkit import __version__
from dtmfkit.errors import AudioFileError, DtmfError
from dtmfkit.io import SUBTYPES, write
from dtmfkit.synth import DEFAULT_LEVEL_DBM0, DEFAULT_RAMP_MS
from dtmfkit.timing import DEFAULT_GAP_MS, DEFAULT_TONE_MS, schedule

__all__ = ["main"]

DEMO_TEXTS = ("9193334444", "1WWW,59#", "1Ww2Ww1Ww#")


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _number(text: str) -> int | float:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return int(value) if value == value.to_integral_value() else float(text)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _add_timing(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("timing")
    group.add_argument("--rate", type=_integer, default=8000, help="sample rate in Hz (8000)")
    group.add_argument(
        "--tone-ms", type=_number, default=DEFAULT_TONE_MS, help="tone length (200 ms)"
    )
    group.add_argument(
        "--gap-ms",
        type=_number,
        default=DEFAULT_GAP_MS,
        help="silence between tones when no pause character stands between them (400 ms)",
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


def _render(args: argparse.Namespace) -> int:
    timeline = write(
        args.output,
        args.text,
        subtype=args.subtype,
        rate=args.rate,
        tone_ms=args.tone_ms,
        gap_ms=args.gap_ms,
        level_dbm0=args.level_dbm0,
        twist_db=args.twist_db,
        ramp_ms=args.ramp_ms,
    )
    print(
        f"wrote {args.output}: {timeline.length} samples, {timeline.duration:.3f} s "
        f"at {timeline.rate} Hz ({args.subtype})"
    )
    return 0


def _preview(args: argparse.Namespace) -> int:
    timeline = schedule(args.text, rate=args.rate, tone_ms=args.tone_ms, gap_ms=args.gap_ms)
    print(timeline.to_json(indent=2) if args.json else timeline.format())
    return 0


def _demo(args: argparse.Namespace) -> int:
    out_dir = Path(args.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AudioFileError(f"cannot create {str(out_dir)!r}: {exc.strerror}") from exc
    for number, text in enumerate(DEMO_TEXTS, start=1):
        path = out_dir / f"example{number}.wav"
        timeline = write(path, text)
        print(f"{text!r} -> {path} ({timeline.duration:.3f} s)")
        print(timeline.format(), end="\n\n")
    return 0


def build_parser() -> Parser:
    """The argument parser of the ``dtmfkit`` command."""
    parser = Parser(prog="dtmfkit", description="Render, preview, send and decode DTMF.")
    parser.add_argument("--version", action="version", version=f"dtmfkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = commands.add_parser("render", help="render a dtmfOut string to a WAV or FLAC file")
    render.add_argument("text", metavar="TEXT", help="dtmfOut string, e.g. '1WWW,59#'")
    render.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="output file (.wav or .flac)"
    )
    _add_timing(render)
    _add_sound(render)
    render.add_argument(
        "--subtype", default="PCM_16", choices=list(SUBTYPES), help="sample encoding (PCM_16)"
    )
    render.set_defaults(run=_render)

    preview = commands.add_parser("preview", help="print the timeline of a dtmfOut string")
    preview.add_argument("text", metavar="TEXT")
    _add_timing(preview)
    preview.add_argument("--json", action="store_true", help="print the timeline as JSON")
    preview.set_defaults(run=_preview)

    demo = commands.add_parser("demo", help="render the Catapult documentation's examples")
    demo.add_argument("--out-dir", default="demo-output", help="where to write (demo-output)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["preview", "1w2"])
      #  event   start s   stop s   low Hz  high Hz
      0  1         0.000    0.200      697     1209
      1  w         0.200    0.700        -        -
      2  2         0.700    0.900      697     1336
    total 0.900 s (7200 samples at 8000 Hz); tone 200 ms, gap 400 ms, pauses replace the gap
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except (AudioFileError, OSError) as exc:
        return _fail(f"dtmfkit: error: {exc}", 1)
    except (DtmfError, ValueError, TypeError) as exc:
        return _fail(f"dtmfkit: error: {exc}", 2)
    except KeyboardInterrupt:
        return _fail("dtmfkit: interrupted", 130)


def _fail(message: str, status: int) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return status
