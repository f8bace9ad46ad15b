"""Exceptions raised by dtmfkit.

Everything dtmfkit raises on purpose derives from :class:`DtmfError`. Errors about a
wrong *value* also derive from :class:`ValueError`, so ``except ValueError`` keeps working;
a wrong *type* raises the built-in :class:`TypeError`.

::

    DtmfError
    ├── DtmfSyntaxError(ValueError)      text outside the dtmfOut grammar (.text, .position)
    ├── ParameterError(ValueError)       a rate, duration, level or option out of range
    ├── AudioFileError(OSError)          an audio file could not be read or written
    ├── PlaybackError(RuntimeError)      no sounddevice, no PortAudio, or no output device
    ├── MissingDependencyError(ImportError)  an optional extra is not installed
    ├── EmulatorError(RuntimeError)      the emulator cannot do what was asked (started twice)
    └── CatapultError                    the Catapult API (or the emulator) refused a request
        ├── AuthenticationError          401
        ├── ForbiddenError               403
        │   └── CallStateError           403 call-invalid-state: the call is not active
        ├── CallNotFoundError            404
        ├── ConflictError                409
        ├── RateLimitError               429, with .reset_at
        ├── RedirectError                3xx: not followed, nothing was played (.location)
        ├── ServerError                  5xx
        │   └── SendFailedError          503 send-dtmf-failure: digits may have been played
        └── TransportError               no usable HTTP answer (.may_have_played)

Examples
--------
>>> import dtmfkit
>>> try:
...     dtmfkit.parse("12x4")
... except ValueError as exc:
...     print(exc.position, exc)
3 invalid DTMF character 'x' at position 3 in '12x4'; valid are ...
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AudioFileError",
    "AuthenticationError",
    "CallNotFoundError",
    "CallStateError",
    "CatapultError",
    "ConflictError",
    "DtmfError",
    "DtmfSyntaxError",
    "EmulatorError",
    "ForbiddenError",
    "MissingDependencyError",
    "ParameterError",
    "PlaybackError",
    "RateLimitError",
    "RedirectError",
    "SendFailedError",
    "ServerError",
    "TransportError",
]

_ECHO_LIMIT = 120


def echo(text: str) -> str:
    """Return ``repr(text)``, shortened in the middle when it is very long."""
    if len(text) <= _ECHO_LIMIT:
        return repr(text)
    half = _ECHO_LIMIT // 2
    return f"{text[:half]!r}…{text[-half:]!r} ({len(text)} characters)"


class DtmfError(Exception):
    """Root of every exception dtmfkit raises on purpose.

    Examples
    --------
    >>> import dtmfkit
    >>> issubclass(dtmfkit.CatapultError, dtmfkit.DtmfError)
    True
    >>> issubclass(dtmfkit.DtmfSyntaxError, ValueError)
    True
    """


class DtmfSyntaxError(DtmfError, ValueError):
    """A string is not a valid ``dtmfOut`` value.

    Attributes
    ----------
    text : str
        The rejected string.
    position : int
        1-based position of the offending character, as in the message. For an empty
        string it is 0; for an over-long one, the first position past the limit.
    index : int
        The same place as a 0-based index into `text` (``position - 1``).

    Examples
    --------
    >>> import dtmfkit
    >>> try:
    ...     dtmfkit.parse("12x4")
    ... except dtmfkit.DtmfSyntaxError as error:
    ...     print(error.position, error.index, error.text)
    3 2 12x4
    """

    def __init__(self, message: str, *, text: str, position: int) -> None:
        super().__init__(message)
        self.text = text
        self.position = position

    @property
    def index(self) -> int:
        """The 0-based index of the problem in `text` (``position - 1``)."""
        return self.position - 1


class ParameterError(DtmfError, ValueError):
    """A parameter (rate, duration, level, option) has a value outside its range.

    Examples
    --------
    >>> import dtmfkit
    >>> try:
    ...     dtmfkit.render("1", rate=3000)
    ... except ValueError as error:
    ...     print(type(error).__name__)
    ParameterError
    """


class AudioFileError(DtmfError, OSError):
    """An audio file could not be read or written.

    Examples
    --------
    >>> import dtmfkit
    >>> try:
    ...     dtmfkit.read("/no/such/file.wav")
    ... except OSError as error:
    ...     print(type(error).__name__)
    AudioFileError
    """


class PlaybackError(DtmfError, RuntimeError):
    """Audio could not be played: no sounddevice package, no PortAudio, or no output device.

    Examples
    --------
    >>> issubclass(PlaybackError, RuntimeError)
    True
    """


class MissingDependencyError(DtmfError, ImportError):
    """An optional extra (matplotlib, sounddevice, tqdm) is needed and not installed.

    Examples
    --------
    >>> issubclass(MissingDependencyError, ImportError)
    True
    """


class EmulatorError(DtmfError, RuntimeError):
    """The emulator cannot do what was asked: started again after it was stopped.

    Examples
    --------
    >>> issubclass(EmulatorError, RuntimeError)
    True
    """


class CatapultError(DtmfError):
    """The Catapult API answered with an error.

    Every field of Catapult's JSON error body may be missing; the body may be empty or HTML.

    Attributes
    ----------
    status : int or None
        HTTP status code (None when no HTTP answer was received).
    category, code, message : str or None
        Fields of Catapult's error body.
    details : Any
        The ``details`` field of the body, as sent.
    may_have_played : bool
        True when the request may have reached the call, so the digits may have been played.

    Examples
    --------
    >>> error = CatapultError("Catapult answered 409", status=409, code="conflict")
    >>> error.status, error.code, error.category, error.may_have_played
    (409, 'conflict', None, False)
    """

    may_have_played: bool = False

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        category: str | None = None,
        code: str | None = None,
        message: str | None = None,
        details: Any = None,
        may_have_played: bool | None = None,
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.category = category
        self.code = code
        self.message = message
        self.details = details
        if may_have_played is not None:
            self.may_have_played = may_have_played


class AuthenticationError(CatapultError):
    """401: the token or secret was refused.

    Examples
    --------
    >>> issubclass(AuthenticationError, CatapultError)
    True
    """


class ForbiddenError(CatapultError):
    """403: the user may not act on this call.

    Examples
    --------
    >>> issubclass(CallStateError, ForbiddenError)
    True
    """


class CallStateError(ForbiddenError):
    """403 ``call-invalid-state``: the call is not active, so nothing was played.

    Examples
    --------
    >>> CallStateError("not active", status=403).may_have_played
    False
    """


class CallNotFoundError(CatapultError):
    """404: no such call.

    Examples
    --------
    >>> CallNotFoundError("no call", status=404).status
    404
    """


class ConflictError(CatapultError):
    """409: the request conflicts with the call's current state.

    Examples
    --------
    >>> ConflictError("busy", status=409).may_have_played
    False
    """


class RateLimitError(CatapultError):
    """429: too many requests; Catapult did not execute this one.

    Attributes
    ----------
    reset_at : float or None
        Unix time (seconds) at which the rate limit resets, as the server said it (even if
        that time is past).

    Examples
    --------
    >>> RateLimitError("slow down", status=429, reset_at=1_700_000_000.0).reset_at
    1700000000.0
    """

    def __init__(self, summary: str, *, reset_at: float | None = None, **fields: Any) -> None:
        super().__init__(summary, **fields)
        self.reset_at = reset_at


class RedirectError(CatapultError):
    """3xx: the API answered with a redirect, which dtmfkit never follows.

    A followed redirect turns the POST into a GET that "succeeds" while no digit is played;
    the redirect is an error instead, and nothing was played.

    Attributes
    ----------
    location : str or None
        Where the server pointed.

    Examples
    --------
    >>> error = RedirectError("moved", status=302, location="https://elsewhere/")
    >>> error.location, error.may_have_played
    ('https://elsewhere/', False)
    """

    def __init__(self, summary: str, *, location: str | None = None, **fields: Any) -> None:
        super().__init__(summary, **fields)
        self.location = location


class ServerError(CatapultError):
    """5xx: the server failed. Unless stated otherwise the digits may have been played.

    Examples
    --------
    >>> ServerError("failed", status=500).may_have_played
    True
    """

    may_have_played = True


class SendFailedError(ServerError):
    """503 ``send-dtmf-failure``: sending failed part-way; some digits may have been played.

    Examples
    --------
    >>> issubclass(SendFailedError, ServerError)
    True
    """


class TransportError(CatapultError):
    """No usable HTTP answer: connection refused, timed out, or dropped.

    ``may_have_played`` tells whether the request may have reached the server.

    Examples
    --------
    >>> TransportError("could not connect", may_have_played=False).may_have_played
    False
    """
