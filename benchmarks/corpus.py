"""Material for the decoder benchmarks, built here from tools anyone can install.

    python -m benchmarks.corpus [--speech-hours 2] [--music-hours 0.5] [--seed 1]

Four corpora, each one mono 16-bit WAV at 8000 Hz with a JSON manifest beside it, in
``~/.cache/dtmfkit-benchmarks`` (built once per size and seed; nothing here is committed):

- **speech**: espeak-ng reading real sentences (the translated messages of the programs
  installed, from ``/usr/share/locale``; English from their originals) in 26 languages, with
  every male, female and character variant espeak-ng has, at speeds of 80 to 300 words a
  minute and pitches of 0 to 99 — resampled to 8000 Hz and levelled by sox to peaks between
  −1 and −24 dBFS, with pauses between clips;
- **music**: sox chords of three to five notes, each in any waveform sox has (sine, square,
  triangle, sawtooth, trapezium, plucked string), and melodies of single notes;
- **sweeps**: sox sine, square and sawtooth sweeps, linear and exponential, 100 to 3900 Hz,
  alone and in pairs;
- **noise**: sox white, pink and brown noise at levels from −40 to −3 dBFS.

No part of any of them is DTMF. Two notes alone can be: A♯5 and F♯6 (932 and 1480 Hz) lie
within 1 % of ``#``'s pair, F5 and F♯6 within 0.3 % of ``3``'s, and Q.24 requires a receiver
to accept a pair within 1.5 % of its frequencies — so the music never plays two notes alone.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gettext
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

from benchmarks.receivers import BUILD, RATE

# Bump when the recipe changes: old corpora are then rebuilt, never mixed.
VERSION = 2
TIMEOUT_S = 120

# espeak-ng voice -> the locale folder with its language's message catalogs.
LANGUAGES = {
    "en-us": "en",
    "en-gb": "en",
    "de": "de",
    "fr-fr": "fr",
    "es": "es",
    "it": "it",
    "pt": "pt",
    "pt-br": "pt_BR",
    "nl": "nl",
    "sv": "sv",
    "da": "da",
    "fi": "fi",
    "pl": "pl",
    "cs": "cs",
    "sk": "sk",
    "hu": "hu",
    "ro": "ro",
    "tr": "tr",
    "ru": "ru",
    "uk": "uk",
    "bg": "bg",
    "el": "el",
    "vi": "vi",
    "id": "id",
    "ca": "ca",
    "cmn": "zh_CN",
}
_MARKUP = re.compile(r"%[-#0-9.lhzq]*[a-zA-Z]|\$\{?\w+\}?|<[^>]*>|&\w+;|[_&~\\|{}\[\]=@^`]")
_SPACE = re.compile(r"\s+")

Audio = npt.NDArray[np.int16]


def folder() -> Path:
    BUILD.mkdir(parents=True, exist_ok=True)
    return BUILD


def sentences(locale: str) -> list[str]:
    """Translated messages for `locale` (English: their originals), as plain sentences."""
    found: set[str] = set()
    english = locale == "en"
    patterns = (
        ["/usr/share/locale/*/LC_MESSAGES/*.mo"]
        if english
        else [f"/usr/share/locale/{locale}/LC_MESSAGES/*.mo"]
    )
    for pattern in patterns:
        for path in sorted(Path("/").glob(pattern.lstrip("/")))[:200]:
            try:
                with path.open("rb") as file:
                    catalog = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
            except (OSError, ValueError, UnicodeDecodeError, KeyError, IndexError):
                continue
            for original, translated in catalog.items():
                text = original if english else translated
                if isinstance(original, tuple):
                    original = original[0]
                if not isinstance(text, str) or not isinstance(original, str):
                    continue
                clean = _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip(" -:")
                if len(clean.split()) >= 4 and not clean.startswith(("-", "Usage")):
                    found.add(clean)
            if len(found) > 20000:
                break
    return sorted(found)


def _fallback_sentences() -> list[str]:
    """English sentences that every Python has: the standard library's docstrings."""
    import collections
    import pathlib
    import textwrap

    found = []
    for module in (collections, json, pathlib, random, textwrap, argparse, subprocess):
        for name in dir(module):
            doc = getattr(getattr(module, name), "__doc__", None)
            if not isinstance(doc, str):
                continue
            for part in re.split(r"(?<=[.!?])\s+", _SPACE.sub(" ", doc)):
                if len(part.split()) >= 4:
                    found.append(part)
    return sorted(set(found))


def _run(command: list[str], stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        command, input=stdin, capture_output=True, check=True, timeout=TIMEOUT_S
    ).stdout


def _level_and_resample(wav: bytes, peak_dbfs: float) -> Audio:
    """sox: any WAV to mono int16 at 8000 Hz, peak at `peak_dbfs`."""
    raw = _run(
        [
            "sox",
            "-V1",
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed",
            "-",
            "gain",
            "-n",
            f"{peak_dbfs:.1f}",
        ],
        wav,
    )
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def _sox_synth(parts: list[str], channels: int, seconds: float, peak_dbfs: float) -> Audio:
    """sox: `channels` synth channels (at 48 kHz: pluck needs it) mixed to one, at 8000 Hz."""
    fade = min(0.02, seconds / 4)
    raw = _run(
        [
            "sox",
            "-V1",
            "-r",
            "48000",
            "-c",
            str(channels),
            "-n",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed",
            "-t",
            "raw",
            "-",
            "synth",
            f"{seconds:.3f}",
            *parts,
            "remix",
            "-",
            "rate",
            str(RATE),
            "fade",
            "q",
            f"{fade:.3f}",
            f"{seconds:.3f}",
            f"{fade:.3f}",
            "gain",
            "-n",
            f"{peak_dbfs:.1f}",
        ]
    )
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def speech_clip(
    rng: random.Random, texts: dict[str, list[str]], variants: list[str]
) -> tuple[Audio, dict[str, Any]]:
    voice = rng.choice(sorted(texts))
    variant = rng.choice(variants)
    speed = rng.randint(80, 300)
    pitch = rng.randint(0, 99)
    peak = round(rng.uniform(-24.0, -1.0), 1)
    pool = texts[voice]
    text = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 8)))
    try:
        wav = _run(
            [
                "espeak-ng",
                "-v",
                f"{voice}+{variant}",
                "-s",
                str(speed),
                "-p",
                str(pitch),
                "--stdout",
                "--stdin",
            ],
            text.encode("utf-8"),
        )
    except subprocess.CalledProcessError:  # espeak-ng crashes on a few voice/variant pairs
        return np.zeros(0, dtype=np.int16), {"voice": voice, "variant": variant, "failed": True}
    audio = _level_and_resample(wav, peak)
    info = {"voice": voice, "variant": variant, "speed": speed, "pitch": pitch, "peak_dbfs": peak}
    return audio, info


_WAVES = ["sine", "square", "triangle", "sawtooth", "trapezium", "pluck"]


def _note(midi: int) -> str:
    return f"{440.0 * 2 ** ((midi - 69) / 12):.2f}"


def music_clip(rng: random.Random) -> tuple[Audio, dict[str, Any]]:
    peak = round(rng.uniform(-20.0, -1.0), 1)
    if rng.random() < 0.6:  # a chord: three to five notes, each in its own waveform
        count = rng.randint(3, 5)
        root = rng.randint(45, 76)
        notes = sorted(
            {
                root + rng.choice([0, 3, 4, 5, 7, 9, 10, 11, 12, 14, 16, 19, 24])
                for _ in range(count * 2)
            }
        )[:count]
        if len(notes) < 3:
            notes = [root, root + 4, root + 7]
        seconds = round(rng.uniform(0.1, 2.0), 3)
        parts = []
        for midi in notes:
            parts += [rng.choice(_WAVES), _note(midi)]
        audio = _sox_synth(parts, len(notes), seconds, peak)
        return audio, {"kind": "chord", "notes": notes, "waves": parts[::2], "seconds": seconds}
    # A melody of single notes, each in its own waveform.
    pieces = []
    played = []
    for _ in range(rng.randint(4, 16)):
        seconds = round(rng.uniform(0.08, 0.5), 3)
        midi = rng.randint(48, 96)
        wave = rng.choice(_WAVES)
        pieces.append(_sox_synth([wave, _note(midi)], 1, seconds, peak))
        played.append([wave, midi])
    return np.concatenate(pieces), {"kind": "melody", "notes": played}


def sweep_clip(rng: random.Random) -> tuple[Audio, dict[str, Any]]:
    peak = round(rng.uniform(-20.0, -1.0), 1)
    seconds = round(rng.uniform(0.5, 5.0), 3)
    parts = []
    for _ in range(rng.choice([1, 1, 2])):
        start, stop = rng.uniform(100, 3900), rng.uniform(100, 3900)
        shape = rng.choice([":", "/", "+"])
        parts += [rng.choice(["sine", "square", "sawtooth"]), f"{start:.1f}{shape}{stop:.1f}"]
    audio = _sox_synth(parts, len(parts) // 2, seconds, peak)
    return audio, {"kind": "sweep", "parts": parts, "seconds": seconds}


def noise_clip(rng: random.Random) -> tuple[Audio, dict[str, Any]]:
    peak = round(rng.uniform(-40.0, -3.0), 1)
    seconds = round(rng.uniform(0.5, 5.0), 3)
    colour = rng.choice(["whitenoise", "pinknoise", "brownnoise"])
    audio = _sox_synth([colour], 1, seconds, peak)
    return audio, {"kind": colour, "seconds": seconds, "peak_dbfs": peak}


def _collect(
    make: Callable[[random.Random], tuple[Audio, dict[str, Any]]], seconds: float, seed: int
) -> tuple[Audio, list[dict[str, Any]]]:
    """Clips from `make` (each with its own seed, built in parallel) and pauses between them,
    until `seconds` of audio."""
    pieces: list[Audio] = []
    manifest: list[dict[str, Any]] = []
    total = 0
    workers = os.cpu_count() or 2
    master = random.Random(seed)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        while total < seconds * RATE:
            seeds = [master.getrandbits(64) for _ in range(4 * workers)]
            for clip_seed, (audio, info) in zip(
                seeds, pool.map(lambda s: make(random.Random(s)), seeds), strict=True
            ):
                if not audio.size:
                    continue
                pause = np.zeros(random.Random(clip_seed).randint(800, 8000), dtype=np.int16)
                manifest.append(
                    {
                        **info,
                        "seed": clip_seed,
                        "start_s": total / RATE,
                        "seconds": audio.size / RATE,
                    }
                )
                pieces += [audio, pause]
                total += audio.size + pause.size
    return np.concatenate(pieces)[: round(seconds * RATE)], manifest


def _speech_maker() -> Callable[[random.Random], tuple[Audio, dict[str, Any]]]:
    available = set(_run(["espeak-ng", "--voices"]).decode().split())
    texts = {}
    fallback = _fallback_sentences()
    for voice, locale in LANGUAGES.items():
        if voice not in available:
            continue
        found = sentences(locale)
        texts[voice] = found if len(found) >= 50 else fallback if voice.startswith("en") else []
        if not texts[voice]:
            del texts[voice]
    variant_lines = _run(["espeak-ng", "--voices=variant"]).decode().splitlines()[1:]
    variants = sorted(line.split()[4].removeprefix("!v/") for line in variant_lines)
    return lambda rng: speech_clip(rng, texts, variants)


KINDS: dict[str, Callable[[], Callable[[random.Random], tuple[Audio, dict[str, Any]]]]] = {
    "speech": _speech_maker,
    "music": lambda: music_clip,
    "sweeps": lambda: sweep_clip,
    "noise": lambda: noise_clip,
}
NEEDS = {"speech": ["espeak-ng", "sox"], "music": ["sox"], "sweeps": ["sox"], "noise": ["sox"]}


def corpus(kind: str, hours: float, seed: int = 1) -> Path:
    """The corpus `kind` of `hours`, built if it is not there yet; its WAV file."""
    missing = [program for program in NEEDS[kind] if shutil.which(program) is None]
    if missing:
        raise RuntimeError(f"the {kind} corpus needs {', '.join(missing)} (apt-get install)")
    path = folder() / f"{kind}-{hours:g}h-seed{seed}-v{VERSION}.wav"
    if path.exists():
        return path
    audio, manifest = _collect(KINDS[kind](), hours * 3600, seed)
    partial = path.with_suffix(".partial.wav")
    sf.write(partial, audio, RATE, subtype="PCM_16")
    path.with_suffix(".json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    partial.replace(path)
    return path


def load(path: Path) -> Audio:
    audio, rate = sf.read(path, dtype="int16")
    assert rate == RATE, (path, rate)
    return audio


def clips(path: Path) -> Iterator[dict[str, Any]]:
    yield from json.loads(path.with_suffix(".json").read_text())


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The hours of each corpus and the seed, as every script that uses them takes them."""
    parser.add_argument("--speech-hours", type=float, default=2.0)
    parser.add_argument("--music-hours", type=float, default=0.5)
    parser.add_argument("--sweep-hours", type=float, default=0.25)
    parser.add_argument("--noise-hours", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)


def chosen_corpora(args: argparse.Namespace) -> list[tuple[str, float]]:
    """(kind, hours) of each corpus asked for, in a fixed order."""
    return [
        ("speech", args.speech_hours),
        ("music", args.music_hours),
        ("sweeps", args.sweep_hours),
        ("noise", args.noise_hours),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    args = parser.parse_args()
    for kind, hours in chosen_corpora(args):
        path = corpus(kind, hours, args.seed)
        print(f"{kind:<7} {hours:g} h  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
