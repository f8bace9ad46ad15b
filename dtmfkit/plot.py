"""Spectrogram pictures of DTMF strings (the ``plot`` extra: ``pip install 'dtmfkit[plot]'``).

The short-time spectrum is computed with numpy (Hann frames); the picture is drawn with
matplotlib's object API (no pyplot, no display needed). Each key is labelled at its onset, pauses
are shaded, and the eight Q.23 frequencies are the y ticks.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dtmfkit._atomic import write_bytes
from dtmfkit._errors import MissingDependencyError
from dtmfkit._grammar import Pause, Sequence
from dtmfkit._keypad import HIGH_GROUP_HZ, LOW_GROUP_HZ
from dtmfkit._synth import rendering
from dtmfkit._timeline import Timeline

if TYPE_CHECKING:
    from typing import Unpack

    from matplotlib.figure import Figure

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing
    from dtmfkit._voice import Voice

__all__ = ["save_figure", "save_spectrogram", "spectrogram", "spectrogram_of"]

#: Pixels per inch of saved pictures.
DPI = 100


# A picture is at most this many frames wide; longer audio hops further between frames.
_MAX_FRAMES = 4000


def _power(
    audio: npt.NDArray[Any], rate: int, segment: int, max_hz: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Frequencies up to `max_hz`, frame centre times and power of Hann frames.

    Frames hop a quarter frame, or further for long audio: memory does not grow with the rate
    or the length (a few thousand frames of the bins drawn).
    """
    signal = np.asarray(audio, dtype=np.float64)
    hop = max(1, segment // 4, -(-signal.size // _MAX_FRAMES))
    padded = np.concatenate([np.zeros(segment // 2), signal, np.zeros(segment // 2)])
    count = max(1, (padded.size - segment) // hop + 1)
    freqs = np.fft.rfftfreq(segment, 1 / rate)
    kept = int(np.searchsorted(freqs, max_hz, side="right")) + 1
    frames = np.lib.stride_tricks.sliding_window_view(padded, segment)[::hop][:count]
    window = np.hanning(segment)
    power = np.empty((count, min(kept, freqs.size)))
    for first in range(0, count, 256):
        block = np.fft.rfft(frames[first : first + 256] * window, axis=1)[:, : power.shape[1]]
        power[first : first + 256] = np.abs(block) ** 2
    times: npt.NDArray[np.float64] = np.arange(count) * hop / rate
    return freqs[: power.shape[1]].astype(np.float64), times, power.T


def spectrogram(
    source: str | Sequence | Timeline,
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    max_hz: float = 2000.0,
    **options: Unpack[RenderOptions],
) -> Figure:
    """A matplotlib figure of the spectrogram of a DTMF string, keys labelled, pauses shaded.

    Parameters
    ----------
    source : str, Sequence or Timeline
    rate, profile, timing, voice, **options
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
    timeline, _, audio = rendering(
        "spectrogram",
        source,
        rate=rate,
        profile=profile,
        timing=timing,
        voice=voice,
        dtype="float64",
        options=dict(options),
    )
    return spectrogram_of(timeline, audio, max_hz=max_hz)


def spectrogram_of(
    timeline: Timeline, audio: npt.NDArray[Any], *, max_hz: float = 2000.0
) -> Figure:
    """The picture :func:`spectrogram` draws, of audio already rendered from `timeline`.

    Examples
    --------
    >>> import dtmfkit
    >>> timeline = dtmfkit.schedule("12")
    >>> figure = spectrogram_of(timeline, dtmfkit.render(timeline, dtype="float64"))
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['1', '2']
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "plotting needs matplotlib: pip install 'dtmfkit[plot]'"
        ) from None
    rate = timeline.rate
    segment = max(16, round(0.032 * rate))
    freqs, times, power = _power(audio, rate, segment, min(max_hz, rate / 2))
    decibels = 10 * np.log10(power + 1e-12)
    top = float(np.max(decibels))
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
        f"{timeline.text!r}: {timeline.profile.name} profile, {seconds:.3f} s at {rate} Hz",
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


def save_figure(path: str | os.PathLike[str], figure: Figure) -> None:
    """Write a figure as a PNG file, atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "pin.png"
    >>> save_figure(target, spectrogram("1W2"))
    >>> target.read_bytes()[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    write_bytes(path, buffer.getvalue())


def save_spectrogram(
    path: str | os.PathLike[str], source: str | Sequence | Timeline, **options: Any
) -> None:
    """Write :func:`spectrogram` as a PNG file, atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "pin.png"
    >>> save_spectrogram(target, "1WWW,59#")
    >>> target.read_bytes()[:4]
    b'\\x89PNG'
    """
    save_figure(path, spectrogram(source, **options))
