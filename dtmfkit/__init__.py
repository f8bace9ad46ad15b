"""dtmfkit: render, send and decode DTMF for the Catapult v1 ``dtmfOut`` grammar.

Examples
--------
>>> import dtmfkit
>>> dtmfkit.schedule("1WWW,59#").duration
5.1
>>> len(dtmfkit.render("1WWW,59#", rate=8000))
40800
"""

from importlib.metadata import PackageNotFoundError, version

from dtmfkit.catapult import Call, CatapultClient, SendResult
from dtmfkit.detect import Detection, canonical, decode, detect, spell
from dtmfkit.emulator import Emulator
from dtmfkit.errors import (
    AudioFileError,
    AuthenticationError,
    CallNotFoundError,
    CallStateError,
    CatapultError,
    ConflictError,
    DtmfError,
    DtmfSyntaxError,
    ForbiddenError,
    MissingDependencyError,
    ParameterError,
    PlaybackError,
    RateLimitError,
    SendFailedError,
    ServerError,
    TransportError,
)
from dtmfkit.grammar import (
    MAX_LENGTH,
    PAUSE_SECONDS,
    Grammar,
    Pause,
    Sequence,
    Skipped,
    Tone,
    parse,
)
from dtmfkit.io import read, write
from dtmfkit.keypad import FREQUENCIES, KEYS
from dtmfkit.preview import Preview, PreviewWarning, preview
from dtmfkit.profiles import PROFILES, Profile
from dtmfkit.synth import Batch, render, render_many, samples_needed
from dtmfkit.timing import Scheduled, Timeline, Timing, schedule

try:
    __version__ = version("dtmfkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "FREQUENCIES",
    "KEYS",
    "MAX_LENGTH",
    "PAUSE_SECONDS",
    "PROFILES",
    "AudioFileError",
    "AuthenticationError",
    "Batch",
    "Call",
    "CallNotFoundError",
    "CallStateError",
    "CatapultClient",
    "CatapultError",
    "ConflictError",
    "Detection",
    "DtmfError",
    "DtmfSyntaxError",
    "Emulator",
    "ForbiddenError",
    "Grammar",
    "MissingDependencyError",
    "ParameterError",
    "Pause",
    "PlaybackError",
    "Preview",
    "PreviewWarning",
    "Profile",
    "RateLimitError",
    "Scheduled",
    "SendFailedError",
    "SendResult",
    "Sequence",
    "ServerError",
    "Skipped",
    "Timeline",
    "Timing",
    "Tone",
    "TransportError",
    "__version__",
    "canonical",
    "decode",
    "detect",
    "parse",
    "preview",
    "read",
    "render",
    "render_many",
    "samples_needed",
    "schedule",
    "spell",
    "write",
]
