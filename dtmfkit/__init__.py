"""dtmfkit: render, send and decode DTMF for the Catapult v1 ``dtmfOut`` grammar.

One value flows one way: text → :func:`parse` → :class:`Sequence` → :func:`schedule` →
:class:`Timeline` → outputs (:func:`render`, :func:`render_to_file`, :func:`preview`, pictures).
Settings are values too: :class:`Timing`, :class:`Voice`, :class:`Profile`.

The sender (:class:`CatapultClient`) and the :class:`Emulator` are loaded on first use, so that
rendering never imports an HTTP stack.

Examples
--------
>>> import dtmfkit
>>> timeline = dtmfkit.schedule("1WWW,59#")
>>> timeline.duration
5.1
>>> len(dtmfkit.render(timeline))
40800
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from dtmfkit._errors import (
    AudioFileError,
    AuthenticationError,
    CallNotFoundError,
    CallStateError,
    CatapultError,
    ConflictError,
    DtmfError,
    DtmfSyntaxError,
    EmulatorError,
    ForbiddenError,
    MissingDependencyError,
    ParameterError,
    PlaybackError,
    RateLimitError,
    RedirectError,
    SendFailedError,
    ServerError,
    TransportError,
)
from dtmfkit._version import __version__

if _TYPE_CHECKING:
    from dtmfkit._catapult import (
        AsyncCatapultClient,
        Call,
        CallOutcome,
        CatapultClient,
        SendResult,
        format_request,
    )
    from dtmfkit._dataset import DatasetReport, Variation, build_dataset, read_labels
    from dtmfkit._detect import Detection, Detector, canonical, decode, detect, spell
    from dtmfkit._emulator import Emulator
    from dtmfkit._grammar import (
        MAX_LENGTH,
        PAUSE_SECONDS,
        Grammar,
        Pause,
        Sequence,
        Skipped,
        Tone,
        parse,
    )
    from dtmfkit._io import AudioStream, read, render_to_file, write
    from dtmfkit._keypad import FREQUENCIES, KEYS
    from dtmfkit._platforms import PLATFORMS, Platform, PlatformClient
    from dtmfkit._preview import Preview, preview
    from dtmfkit._profiles import PROFILES, Profile
    from dtmfkit._rtp import RtpPacket, TelephoneEvent, read_events, telephone_events, write_pcap
    from dtmfkit._synth import Batch, render, render_many, samples_needed
    from dtmfkit._timeline import Scheduled, Timeline, schedule
    from dtmfkit._timing import Timing
    from dtmfkit._verify import KeyCheck, Verification, verify
    from dtmfkit._voice import Voice
    from dtmfkit._warnings import PreviewWarning

# Every public name but the errors is loaded on first use, with the module that holds it, so
# that a command imports only what it uses (``dtmfkit render`` never loads the decoder or an
# HTTP stack) and ``import dtmfkit`` costs next to nothing.
_LAZY = {
    name: f"dtmfkit.{module}"
    for module, names in {
        "_catapult": "AsyncCatapultClient Call CallOutcome CatapultClient SendResult "
        "format_request",
        "_dataset": "DatasetReport Variation build_dataset read_labels",
        "_detect": "Detection Detector canonical decode detect spell",
        "_emulator": "Emulator",
        "_grammar": "MAX_LENGTH PAUSE_SECONDS Grammar Pause Sequence Skipped Tone parse",
        "_io": "AudioStream read render_to_file write",
        "_keypad": "FREQUENCIES KEYS",
        "_preview": "Preview preview",
        "_warnings": "PreviewWarning",
        "_platforms": "PLATFORMS Platform PlatformClient",
        "_profiles": "PROFILES Profile",
        "_rtp": "RtpPacket TelephoneEvent read_events telephone_events write_pcap",
        "_synth": "Batch render render_many samples_needed",
        "_timeline": "Scheduled Timeline schedule",
        "_timing": "Timing",
        "_verify": "KeyCheck Verification verify",
        "_voice": "Voice",
    }.items()
    for name in names.split()
}

__all__ = [
    "FREQUENCIES",
    "KEYS",
    "MAX_LENGTH",
    "PAUSE_SECONDS",
    "PLATFORMS",
    "PROFILES",
    "AsyncCatapultClient",
    "AudioFileError",
    "AudioStream",
    "AuthenticationError",
    "Batch",
    "Call",
    "CallNotFoundError",
    "CallOutcome",
    "CallStateError",
    "CatapultClient",
    "CatapultError",
    "ConflictError",
    "DatasetReport",
    "Detection",
    "Detector",
    "DtmfError",
    "DtmfSyntaxError",
    "Emulator",
    "EmulatorError",
    "ForbiddenError",
    "Grammar",
    "KeyCheck",
    "MissingDependencyError",
    "ParameterError",
    "Pause",
    "Platform",
    "PlatformClient",
    "PlaybackError",
    "Preview",
    "PreviewWarning",
    "Profile",
    "RateLimitError",
    "RedirectError",
    "RtpPacket",
    "Scheduled",
    "SendFailedError",
    "SendResult",
    "Sequence",
    "ServerError",
    "Skipped",
    "TelephoneEvent",
    "Timeline",
    "Timing",
    "Tone",
    "TransportError",
    "Variation",
    "Verification",
    "Voice",
    "__version__",
    "build_dataset",
    "canonical",
    "decode",
    "detect",
    "format_request",
    "parse",
    "preview",
    "read",
    "read_events",
    "read_labels",
    "render",
    "render_many",
    "render_to_file",
    "samples_needed",
    "schedule",
    "spell",
    "telephone_events",
    "verify",
    "write",
    "write_pcap",
]


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dtmfkit' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# The errors say they are dtmfkit's, as tracebacks show them (as httpx does): a caller
# catches dtmfkit.DtmfSyntaxError, not a private module's.
for _name in __all__:
    if _name.endswith("Error"):
        globals()[_name].__module__ = "dtmfkit"
del _name
