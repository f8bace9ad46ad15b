"""Spectrogram pictures of DTMF strings (the ``plot`` extra: ``pip install 'dtmfkit[plot]'``).

The STFT comes from :func:`scipy.signal.spectrogram`; the picture from matplotlib's object API
(no pyplot, no display needed). Each key is labelled at its onset, pauses are shaded, and the
eight Q.23 frequencies are the y ticks.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import signal

from dtmfkit.errors import MissingDependencyError
from dtmfkit.grammar import Pause, Sequence
from dtmfkit.io import atomic_write_bytes
from dtmfkit.keypad import HIGH_GROUP_HZ, LOW_GROUP_HZ
from dtmfkit.preview import preview
from dtmfkit.profiles import Profile
from dtmfkit.synth import DEFAULT_LEVEL_DBM0, DEFAULT_RAMP_MS, render
from dtmfkit.timing import Milliseconds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_spectrogram", "spectrogram"]

#: Pixels per inch of saved pictures.
DPI = 100


def spectrogram(
    source: str | Sequence,
    *,
    profile: str | Profile | None = None,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = 0.0,
    ramp_ms: Milliseconds = DEFAULT_RAMP_MS,
    max_hz: float = 2000.0,
) -> Figure:
    """A matplotlib figure of the spectrogram of a DTMF string, keys labelled, pauses shaded.

    Parameters
    ----------
    source : str or Sequence
    profile, rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms
        As :func:`dtmfkit.render`.
    max_hz : float, default 2000
        Top of the frequency axis (capped at half the rate).

    Returns
    -------
    matplotlib.figure.Figure
        For a notebook to show, or :func:`save_spectrogram` to write.

    Raises
    ------
    MissingDependencyError
        Without matplotlib.

    Examples
    --------
    >>> figure = spectrogram("1WWW,59#")
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['1', 'WWW,', '5', '9', '#']
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "plotting needs matplotlib: pip install 'dtmfkit[plot]'"
        ) from None
    shown = preview(
        source,
        profile=profile,
        rate=rate,
        tone_ms=tone_ms,
        gap_ms=gap_ms,
        level_dbm0=level_dbm0,
        twist_db=twist_db,
    )
    timeline = shown.timeline
    audio = render(
        timeline.sequence,
        profile=shown.profile,
        rate=rate,
        tone_ms=tone_ms,
        gap_ms=gap_ms,
        level_dbm0=level_dbm0,
        twist_db=twist_db,
        ramp_ms=ramp_ms,
        dtype="float64",
    )
    segment = max(16, round(0.032 * rate))
    freqs, times, power = signal.spectrogram(
        audio, fs=rate, window="hann", nperseg=segment, noverlap=segment * 3 // 4
    )
    decibels = 10 * np.log10(power + 1e-12)
    top = float(decibels.max())
    seconds = timeline.duration
    figure = Figure(figsize=(min(16.0, max(6.0, 1.6 + 1.1 * seconds)), 4.0), dpi=DPI)
    axes = figure.add_subplot()
    axes.pcolormesh(times, freqs, decibels, shading="auto", cmap="magma", vmin=top - 60, vmax=top)
    axes.set_xlim(0, seconds)
    axes.set_ylim(0, min(max_hz, rate / 2))
    axes.set_yticks([*LOW_GROUP_HZ, *HIGH_GROUP_HZ])
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("Hz")
    axes.set_title(
        f"{timeline.sequence.text!r}: {shown.profile.name} profile, {seconds:.3f} s at {rate} Hz",
        fontsize=10,
    )
    label_y = min(max_hz, rate / 2) * 0.93
    entries = list(timeline.entries)
    index = 0
    while index < len(entries):
        entry = entries[index]
        if isinstance(entry.event, Pause):
            # One shaded span, one label, for a run of pause characters.
            last = index
            while last + 1 < len(entries) and isinstance(entries[last + 1].event, Pause):
                last += 1
            start, stop = entry.start / rate, entries[last].stop / rate
            axes.axvspan(start, stop, color="#5fb3ff", alpha=0.25, linewidth=0)
            run = timeline.sequence.text[entry.index : entries[last].index + 1]
            axes.text(
                (start + stop) / 2, label_y, run, ha="center", va="top", color="#bfe3ff", fontsize=9
            )
            index = last + 1
            continue
        if entry.stop > entry.start and not isinstance(entry.event, Pause):
            onset = entry.start / rate
            axes.axvline(onset, color="white", linewidth=0.6, alpha=0.5)
            axes.text(
                onset,
                label_y,
                timeline.sequence.text[entry.index],
                ha="left",
                va="top",
                color="white",
                fontsize=11,
                fontweight="bold",
            )
        index += 1
    figure.tight_layout()
    return figure


def save_spectrogram(path: str | os.PathLike[str], source: str | Sequence, **options: Any) -> None:
    """Write :func:`spectrogram` as a PNG file, atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "pin.png"
    >>> save_spectrogram(target, "1WWW,59#")
    >>> target.read_bytes()[:4]
    b'\\x89PNG'
    """
    figure = spectrogram(source, **options)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    atomic_write_bytes(path, buffer.getvalue())
