"""Spectrogram pictures of DTMF strings (the ``plot`` extra: ``pip install 'dtmfkit[plot]'``).

The short-time spectrum is computed with numpy; the picture is drawn with matplotlib's object
API (no pyplot, no display needed), and shows itself in a notebook. What it shows:

- the level of every frequency in dBm0, on a colour bar, so that a tone's level and the twist
  can be read (a steady tone shows at its own level);
- 80 ms Blackman frames, every 10 ms or so: the 697 and 770 Hz bands apart (73 Hz, where the
  window is 90 dB down), and nothing below 100 Hz that the signal does not hold (the window's
  leakage is 120 dB down there);
- every key labelled above its tone, every pause character shaded and bounded on its own,
  characters a profile skips (Asterisk's ``,``) drawn where they stand, a legend;
- the eight Q.23 frequencies, 0 Hz and the top of the axis as y ticks.

Pictures are written as PNG, SVG or PDF, as the file name says.
"""

from __future__ import annotations

import functools
import io
import os
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit._atomic import write_bytes
from dtmfkit._errors import MissingDependencyError, ParameterError
from dtmfkit._grammar import Pause, Sequence, Skipped
from dtmfkit._keypad import HIGH_GROUP_HZ, LOW_GROUP_HZ
from dtmfkit._limits import FULL_SCALE_DBM0
from dtmfkit._synth import rendering
from dtmfkit._timeline import Timeline

if TYPE_CHECKING:
    from typing import Unpack

    from matplotlib.figure import Figure

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing
    from dtmfkit._voice import Voice

__all__ = [
    "FORMATS",
    "picture_format",
    "save_figure",
    "save_spectrogram",
    "spectrogram",
    "spectrogram_of",
]

#: Pixels per inch of saved pictures.
DPI = 100
#: Picture formats by file suffix.
FORMATS: Final = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Frame length, seconds: 73 Hz (697 to 770) is then well clear of the window's main lobe.
FRAME_S: Final = 0.080
#: Levels drawn: from this many dB below the loudest to the loudest.
RANGE_DB: Final = 50.0

# A picture is at most this many frames wide (about its width in pixels); longer audio hops
# further between frames.
_MAX_FRAMES = 1000
_PAUSE_COLOUR = "#5fb3ff"
_SKIPPED_COLOUR = "#ffd166"


def _levels(
    audio: npt.NDArray[Any], rate: int, max_hz: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Frequencies up to `max_hz`, frame centre times, and levels in dBm0 (a steady sine
    shows at its level at its frequency) of Blackman frames.

    Frames hop about 10 ms, or further for long audio: memory does not grow with the rate or
    the length (a few thousand frames of the bins drawn). Frames are zero-padded to four times
    their length, for a smooth frequency axis.
    """
    raw = np.asarray(audio)
    segment = max(16, round(FRAME_S * rate))
    hop = max(1, round(0.010 * rate), -(-raw.size // _MAX_FRAMES))
    # One copy of the audio: in float64, full scale 1 (integers by their width), half a frame
    # of silence either side.
    padded = np.zeros(raw.size + 2 * (segment // 2))
    padded[segment // 2 : segment // 2 + raw.size] = raw
    if np.issubdtype(raw.dtype, np.signedinteger):
        padded /= float(2 ** (8 * raw.dtype.itemsize - 1))
    count = max(1, (padded.size - segment) // hop + 1)
    size = 1 << (4 * segment - 1).bit_length()
    freqs = np.fft.rfftfreq(size, 1 / rate)
    kept = min(freqs.size, int(np.searchsorted(freqs, max_hz, side="right")) + 1)
    frames = np.lib.stride_tricks.sliding_window_view(padded, segment)[::hop][:count]
    window = np.blackman(segment)
    # A sine of amplitude a peaks at a * sum(window) / 2 in the transform.
    scale = 2 / float(np.sum(window))
    levels = np.empty((count, kept))
    # Frames in blocks of about 8 MB of spectrum, whatever the rate.
    rows = max(1, (8 << 20) // (16 * size))
    for first in range(0, count, rows):
        block = np.fft.rfft(frames[first : first + rows] * window, n=size, axis=1)[:, :kept]
        levels[first : first + rows] = 20 * np.log10(np.abs(block) * scale + 1e-12)
    levels += FULL_SCALE_DBM0
    times: npt.NDArray[np.float64] = np.arange(count) * hop / rate
    return freqs[:kept].astype(np.float64), times, levels.T


@functools.cache
def _figure_class() -> type[Figure]:
    """matplotlib's Figure, which a notebook shows as a picture without ``%matplotlib``."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "plotting needs matplotlib: pip install 'dtmfkit[plot]'"
        ) from None

    class Picture(Figure):
        """A Figure that IPython displays as PNG (no pyplot, no inline backend needed)."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=DPI)
            return buffer.getvalue()

    Picture.__qualname__ = Picture.__name__ = "Figure"
    return Picture


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
    """A matplotlib figure of the spectrogram of a DTMF string: levels in dBm0, keys labelled,
    pauses shaded (see the module's description).

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
    ['1', 'W', 'W', 'W', ',', '5', '9', '#']
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
    figure_class = _figure_class()
    rate = timeline.rate
    top_hz = min(float(max_hz), rate / 2)
    freqs, times, levels = _levels(audio, rate, top_hz)
    loudest = float(np.ceil(np.max(levels)))
    seconds = timeline.duration
    figure = figure_class(figsize=(min(16.0, max(7.0, 2.6 + 1.1 * seconds)), 4.4), dpi=DPI)
    axes = figure.add_subplot()
    mesh = axes.pcolormesh(
        times,
        freqs,
        levels,
        shading="nearest",
        cmap="magma",
        vmin=loudest - RANGE_DB,
        vmax=loudest,
        rasterized=True,
    )
    bar = figure.colorbar(mesh, ax=axes, pad=0.015, fraction=0.04)
    bar.set_label("level (dBm0)")
    axes.set_xlim(0, max(seconds, 1 / rate))
    axes.set_ylim(0, top_hz)
    ticks = [0.0, *LOW_GROUP_HZ, *HIGH_GROUP_HZ]
    axes.set_yticks([t for t in ticks if t < top_hz] + [top_hz])
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("Hz")
    axes.set_title(
        f"{timeline.text!r}: {timeline.profile.name} profile, {seconds:.3f} s at {rate} Hz",
        fontsize=10,
    )
    label_y = top_hz * 0.97
    text = timeline.sequence.text
    drawn = {"pause": False, "skipped": False}
    for entry in timeline.entries:
        start, stop = entry.start / rate, entry.stop / rate
        if isinstance(entry.event, Pause):
            axes.axvspan(
                start,
                stop,
                facecolor=_PAUSE_COLOUR,
                alpha=0.22,
                edgecolor=_PAUSE_COLOUR,
                linewidth=1.0,
                label=None if drawn["pause"] else "pause",
            )
            drawn["pause"] = True
            label, colour = text[entry.index], "#bfe3ff"
        elif isinstance(entry.event, Skipped):
            axes.axvline(
                start,
                color=_SKIPPED_COLOUR,
                linewidth=1.2,
                linestyle="--",
                label=None if drawn["skipped"] else "skipped by the profile",
            )
            drawn["skipped"] = True
            label, colour = text[entry.index], _SKIPPED_COLOUR
        else:
            label, colour = text[entry.index], "white"
        axes.text(
            (start + stop) / 2,
            label_y,
            label,
            ha="center",
            va="top",
            color=colour,
            fontsize=11 if colour == "white" else 9,
            fontweight="bold" if colour == "white" else "normal",
            clip_on=True,
        )
    if any(drawn.values()):
        axes.legend(loc="lower right", fontsize=8, framealpha=0.6)
    figure.tight_layout()
    return figure


def save_figure(path: str | os.PathLike[str], figure: Figure) -> None:
    """Write a figure as PNG, SVG or PDF, as the suffix of `path` says; atomically.

    Raises
    ------
    ParameterError
        Any other suffix (nothing is written).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_figure(folder / "pin.png", spectrogram("1W2"))
    >>> (folder / "pin.png").read_bytes()[:4]
    b'\\x89PNG'
    >>> save_figure(folder / "pin.svg", spectrogram("1W2"))
    >>> b"<svg" in (folder / "pin.svg").read_bytes()[:400]
    True
    """
    fmt = picture_format(path)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=DPI)
    write_bytes(path, buffer.getvalue())


def picture_format(path: str | os.PathLike[str]) -> str:
    """The picture format that the suffix of `path` names: "png", "svg" or "pdf".

    Examples
    --------
    >>> picture_format("pin.SVG")
    'svg'
    >>> picture_format("pin.jpg")
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: cannot tell the picture format of 'pin.jpg': ...suffix
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ParameterError(
            f"cannot tell the picture format of {os.fspath(path)!r}: use a .png, .svg or .pdf "
            "suffix"
        )
    return fmt


def save_spectrogram(
    path: str | os.PathLike[str], source: str | Sequence | Timeline, **options: Any
) -> None:
    """Write :func:`spectrogram` as a PNG, SVG or PDF file (see :func:`save_figure`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "pin.png"
    >>> save_spectrogram(target, "1WWW,59#")
    >>> target.read_bytes()[:4]
    b'\\x89PNG'
    """
    save_figure(path, spectrogram(source, **options))
