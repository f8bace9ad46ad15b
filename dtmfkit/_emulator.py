"""A local emulator of the send-DTMF endpoints of Catapult v1 and of the platforms dtmfkit sends
to (Bandwidth Voice v2, Telnyx, Twilio, Asterisk ARI), over real HTTP.

It speaks what each platform speaks — its route, its auth (Basic, or Telnyx's Bearer key), its
body (JSON, BXML, TwiML in a form, ARI's query), its error shape, call states — and records what
each call heard: every string received with the profile and timing it was played with, and the
audio rendered from them by dtmfkit's own core, laid end to end. The same fault injection
applies to every platform. Demos and tests use it instead of an account; tests talk HTTP to it
rather than patching ``requests``. :meth:`Emulator.credentials_for` gives each platform's
credentials for :class:`~dtmfkit.PlatformClient`.

Endpoints (``/_emulator/`` marks what is not Catapult):

=======================================================  ==========================================
``POST /v1/users/{u}/calls``                             create an active call: 201 + ``Location``
``GET  /v1/users/{u}/calls/{c}``                         the call, with its ``state``
``POST /v1/users/{u}/calls/{c}``                         ``{"state": "completed"}`` hangs up
``POST /v1/users/{u}/calls/{c}/dtmf``                    ``{"dtmfOut": "..."}``: 200, or an error
``PUT  /api/v2/accounts/{u}/calls/{c}/bxml``             Bandwidth ``<Bxml><SendDtmf>``: 204
``POST /v2/calls/{c}/actions/send_dtmf``                 Telnyx ``{"digits", ...}``: 200
``POST /2010-04-01/Accounts/{u}/Calls/{c}.json``         Twilio ``Twiml=<Response><Play digits>``
``POST /ari/channels/{c}/dtmf?dtmf=...``                 Asterisk ARI: 204
``GET  /_emulator/calls/{c}/dtmf``                       what the call received, with times
``GET  /_emulator/calls/{c}/audio.wav``                  what the call heard (16-bit WAV)
``GET  /_emulator/requests``                             every request seen, with its outcome
``POST /_emulator/faults``, ``DELETE /_emulator/faults``  queue or clear injected faults
=======================================================  ==========================================

Examples
--------
>>> import requests
>>> with Emulator() as emulator:
...     call_id = emulator.create_call()
...     url = f"{emulator.base_url}/v1/users/{emulator.user_id}/calls/{call_id}/dtmf"
...     ok = requests.post(url, json={"dtmfOut": "12#"}, auth=emulator.credentials[1:], timeout=5)
...     bad = requests.post(url, json={"dtmfOut": "12a"}, auth=emulator.credentials[1:], timeout=5)
...     (ok.status_code, bad.status_code, emulator.heard(call_id), len(emulator.audio(call_id)))
(200, 400, ['12#'], 11200)
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import hmac
import json
import logging
import os
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO, Final, NamedTuple, Self
from urllib.parse import parse_qs, unquote

import numpy as np
import numpy.typing as npt
import soundfile as sf

from dtmfkit._errors import DtmfError, EmulatorError, ParameterError
from dtmfkit._grammar import parse
from dtmfkit._io import WAV_LIMIT
from dtmfkit._profiles import (
    ASTERISK_ARI,
    BANDWIDTH_BXML,
    CATAPULT_PROFILE,
    TELNYX,
    TWILIO,
    Profile,
)
from dtmfkit._synth import render, render_many
from dtmfkit._timeline import Timeline, schedule
from dtmfkit._timing import Timing

__all__ = ["DEFAULT_USER_ID", "Emulator", "Fault", "RequestRecord"]

log = logging.getLogger(__name__)

#: The user the emulator serves unless told otherwise (its token and secret are new each time).
DEFAULT_USER_ID: Final = "u-emulator"
MAX_BODY: Final = 64 * 1024
_CALLS: Final = re.compile(r"/v1/users/([^/]+)/calls")
_CALL: Final = re.compile(r"/v1/users/([^/]+)/calls/([^/]+)")
_DTMF: Final = re.compile(r"/v1/users/([^/]+)/calls/([^/]+)/dtmf")
_BANDWIDTH: Final = re.compile(r"/api/v2/accounts/([^/]+)/calls/([^/]+)/bxml")
_TELNYX: Final = re.compile(r"/v2/calls/([^/]+)/actions/send_dtmf")
_TWILIO: Final = re.compile(r"/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\.json")
_ARI: Final = re.compile(r"/ari/channels/([^/]+)/dtmf")
_HEARD: Final = re.compile(r"/_emulator/calls/([^/]+)/(dtmf|audio\.wav)")
_SAFE_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
_BREAK: Final = re.compile(r"[\r\n\x00]")


@dataclass(frozen=True, slots=True)
class Fault:
    """What the emulator does instead of (or besides) answering normally.

    Attributes
    ----------
    status : int or None
        Answer with this status, `headers` and `body` instead of the real answer.
    headers : dict
    body : str, dict or None
        A dict is sent as JSON; a str as is (``text/html`` if it starts with ``<``).
    delay : float
        Seconds to wait before answering.
    drop : bool
        Close the connection without any answer.
    execute : bool
        Carry out the request (record the DTMF) before the fault answer or the drop.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | dict[str, Any] | None = None
    delay: float = 0.0
    drop: bool = False
    execute: bool = False

    def __post_init__(self) -> None:
        for key, value in self.headers.items():
            # A header name is an RFC 9110 token; neither may smuggle a line break.
            if not _TOKEN.fullmatch(key) or not isinstance(value, str) or _BREAK.search(value):
                raise ParameterError(f"not a valid header: {key!r}: {value!r}")

    @classmethod
    def from_json(cls, data: Any) -> tuple[Fault, int]:
        """A fault and its repeat count from the JSON of ``POST /_emulator/faults``."""
        if not isinstance(data, dict):
            raise ParameterError("a fault must be a JSON object")
        known = {"status", "headers", "body", "delay", "drop", "execute", "count"}
        if unknown := set(data) - known:
            raise ParameterError(f"unknown fault fields: {sorted(unknown)}")
        count = data.get("count", 1)
        status = data.get("status")
        delay = data.get("delay", 0.0)
        headers = data.get("headers", {})
        if not isinstance(count, int) or not 1 <= count <= 10_000:
            raise ParameterError("count must be an integer from 1 to 10000")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ParameterError("status must be an HTTP status code")
        if not isinstance(delay, int | float) or not 0 <= delay <= 60:
            raise ParameterError("delay must be 0 to 60 seconds")
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ParameterError("headers must map strings to strings")
        body = data.get("body")
        fault = cls(status, headers, body, float(delay), bool(data.get("drop")))
        return (
            Fault(
                fault.status,
                fault.headers,
                fault.body,
                fault.delay,
                fault.drop,
                bool(data.get("execute", False)),
            ),
            count,
        )


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the emulator saw: method, path, status answered (None if dropped), when,
    and the DTMF string it carried, if any.

    Examples
    --------
    >>> print(RequestRecord("POST", "/v1/users/u/calls/c/dtmf", 200, 0.0, dtmf_out="1#"))
    POST /v1/users/u/calls/c/dtmf 200 dtmfOut='1#'
    """

    method: str
    path: str
    status: int | None
    time: float
    user_agent: str = ""
    dtmf_out: str | None = None

    def __str__(self) -> str:
        status = "dropped" if self.status is None else str(self.status)
        carried = "" if self.dtmf_out is None else f" dtmfOut={self.dtmf_out!r}"
        return f"{self.method} {self.path} {status}{carried}"


class _Heard(NamedTuple):
    """One string a call received: when, the text, and how it was played."""

    time: float
    text: str
    profile: Profile
    timing: Timing


@dataclass
class _Call:
    call_id: str
    user_id: str
    from_number: str
    to_number: str
    state: str = "active"
    start_time: float = field(default_factory=time.time)
    end_time: float | None = None
    received: list[_Heard] = field(default_factory=list)
    #: Oldest strings forgotten to keep within the recording budget.
    dropped: int = 0
    #: Telnyx command_ids seen: a repeat is ignored.
    commands: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.call_id,
            "direction": "out",
            "from": self.from_number,
            "to": self.to_number,
            "state": self.state,
            "startTime": _iso(self.start_time),
        }
        if self.end_time is not None:
            data["endTime"] = _iso(self.end_time)
        return data


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class _Refusal(Exception):  # noqa: N818 - a control-flow signal carrying an answer
    """Raised inside a handler to answer with a Catapult-style error."""

    def __init__(
        self, status: int, category: str, code: str, message: str, *, close: bool = False
    ) -> None:
        super().__init__(message)
        self.status, self.category, self.code, self.message = status, category, code, message
        self.close = close


class Emulator:
    """A Catapult v1 emulator serving HTTP on a loopback port, in a background thread.

    Parameters
    ----------
    host : str, default "127.0.0.1"
    port : int, default 0
        0 picks a free port; :attr:`base_url` tells which.
    user_id, api_token, api_secret : str, optional
        The one account it accepts: user ``u-emulator`` and a token and secret made up for
        this instance unless given (:attr:`credentials` tells them).
    rate : int, default 8000
        Sample rate of the recorded audio (rendered with dtmfkit's defaults).
    on_request : callable, optional
        Called with the :class:`RequestRecord` of every request, as it is answered (the
        command line logs them).
    tls : ssl.SSLContext, optional
        Serve HTTPS with this server context (its certificate and key loaded).
    max_recordings : int, default 100000
        Strings remembered, all calls together; past it the oldest are forgotten (each call
        counts its ``dropped``). Audio is rendered from them when asked for, never kept.
    request_deadline : float, default 30.0
        The longest one request may take to arrive and be answered; a slower client is cut off.

    Examples
    --------
    >>> with Emulator() as emulator:
    ...     emulator.base_url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        user_id: str = DEFAULT_USER_ID,
        api_token: str | None = None,
        api_secret: str | None = None,
        rate: int = 8000,
        on_request: Callable[[RequestRecord], None] | None = None,
        tls: ssl.SSLContext | None = None,
        max_recordings: int = 100_000,
        request_deadline: float = 30.0,
    ) -> None:
        self.user_id = user_id
        self._token = api_token or f"t-{secrets.token_urlsafe(18)}"
        self._secret = api_secret or f"s-{secrets.token_urlsafe(24)}"
        self._auth = f"{self._token}:{self._secret}".encode()
        self.rate = rate
        self.on_request = on_request
        self.max_recordings = max_recordings
        self.request_deadline = request_deadline
        # Every string received, oldest first, by call: what the budget drops first.
        self._recorded: collections.deque[str] = collections.deque()
        self._stopped = False
        self._lock = threading.Lock()
        self._calls: dict[str, _Call] = {}
        self._faults: list[list[Any]] = []
        self._log: list[RequestRecord] = []
        self._thread: threading.Thread | None = None
        self._server = _Server((host, port), _Handler)
        self._server.emulator = self
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"

    def __repr__(self) -> str:
        return f"Emulator(base_url={self.base_url!r}, user_id={self.user_id!r})"

    @property
    def base_url(self) -> str:
        """``http://host:port`` (``https://`` with `tls`) of the running server."""
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"{self._scheme}://{host}:{port}"

    @property
    def credentials(self) -> tuple[str, str, str]:
        """(user id, token, secret), ready for :class:`~dtmfkit.CatapultClient`."""
        return self.user_id, self._token, self._secret

    def start(self) -> Self:
        """Serve in a background thread.

        Raises
        ------
        EmulatorError
            The emulator was stopped (make a new one).
        """
        if self._stopped:
            raise EmulatorError("this emulator was stopped: make a new one")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` or KeyboardInterrupt."""
        if self._stopped:
            raise EmulatorError("this emulator was stopped: make a new one")
        self._server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving: no new connection, and every open one (kept alive too) is cut."""
        self._stopped = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        self._server.cut_all()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- state, for tests and demos ---------------------------------------------------------

    def create_call(
        self,
        from_number: str = "+15550000001",
        to_number: str = "+15550000002",
        *,
        user_id: str | None = None,
        call_id: str | None = None,
    ) -> str:
        """Create an active call directly (no HTTP) and return its id (made up if not given).

        Raises
        ------
        ParameterError
            A call id that is not 1 to 64 of ``A-Z a-z 0-9 _ -``, or that is taken.
        """
        chosen = call_id if call_id is not None else f"c-{secrets.token_hex(8)}"
        if not isinstance(chosen, str) or not _SAFE_ID.fullmatch(chosen):
            raise ParameterError(f"a call id is 1 to 64 of A-Z a-z 0-9 _ -, got {chosen!r}")
        call = _Call(chosen, user_id or self.user_id, from_number, to_number)
        with self._lock:
            if chosen in self._calls:
                raise ParameterError(f"the call {chosen!r} exists already")
            self._calls[call.call_id] = call
        return call.call_id

    def hang_up(self, call_id: str) -> None:
        """Complete a call directly (no HTTP)."""
        with self._lock:
            call = self._calls[call_id]
            call.state, call.end_time = "completed", time.time()

    def heard(self, call_id: str) -> list[str]:
        """The strings a call received, in order (each as its platform was sent it)."""
        with self._lock:
            return [entry.text for entry in self._calls[call_id].received]

    def timelines(self, call_id: str) -> list[Timeline]:
        """What a call heard, string by string: each scheduled with the profile and timing its
        platform played it with."""
        with self._lock:
            received = list(self._calls[call_id].received)
        return [
            schedule(entry.text, profile=entry.profile, timing=entry.timing, rate=self.rate)
            for entry in received
        ]

    def audio(self, call_id: str) -> npt.NDArray[np.int16]:
        """What a call heard: the rendering of every string received, end to end (int16).

        Rendered now, from the strings remembered, by the same core as everything else.
        """
        timelines = self.timelines(call_id)
        if not timelines:
            return np.zeros(0, dtype=np.int16)
        audio = render_many(timelines, dtype="int16").audio
        return audio.astype(np.int16, copy=False)

    def credentials_for(self, platform: str) -> dict[str, str]:
        """This emulator's credentials as `platform`'s client takes them.

        Examples
        --------
        >>> with Emulator(api_token="t", api_secret="s") as emulator:
        ...     emulator.credentials_for("telnyx"), emulator.credentials_for("twilio")
        ({'api_key': 's'}, {'account_sid': 'u-emulator', 'auth_token': 's'})
        """
        user, token, secret = self.credentials
        found = {
            "catapult": {"user_id": user, "api_token": token, "api_secret": secret},
            "bandwidth": {"account_id": user, "username": token, "password": secret},
            "telnyx": {"api_key": secret},
            "twilio": {"account_sid": user, "auth_token": secret},
            "asterisk": {"username": token, "password": secret},
        }.get(platform)
        if found is None:
            raise ParameterError(f"unknown platform {platform!r}")
        return found

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request seen so far, in order of completion."""
        with self._lock:
            return list(self._log)

    def count(self, suffix: str = "/dtmf", method: str = "POST") -> int:
        """How many requests with this method and path suffix arrived."""
        return sum(r.method == method and r.path.endswith(suffix) for r in self.requests)

    def inject(self, fault: Fault | None = None, *, count: int = 1, **fields: Any) -> None:
        """Queue a fault for the next `count` Catapult requests (``/v1/...``).

        Examples
        --------
        >>> with Emulator() as emulator:
        ...     emulator.inject(status=503, body={"code": "call-unavailable"}, count=2)
        """
        fault = fault if fault is not None else Fault(**fields)
        with self._lock:
            self._faults.append([fault, count])

    def clear_faults(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._faults.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            entry = self._faults[0]
            entry[1] -= 1
            if entry[1] <= 0:
                self._faults.pop(0)
            fault: Fault = entry[0]
            return fault

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)
        if self.on_request is not None:
            self.on_request(record)

    def _authorized(self, header: str | None, *, expected: bytes | None = None) -> bool:
        """Basic auth with `expected` (``token:secret`` by default)."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self._auth if expected is None else expected)

    def _bearer(self, header: str | None) -> bool:
        """Telnyx: ``Bearer <key>``, the key being the secret."""
        if not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode(), self._secret.encode())

    def _call(self, call_id: str) -> _Call:
        """A call by its id alone (Telnyx's and ARI's routes name no user)."""
        with self._lock:
            call = self._calls.get(call_id)
        if call is None:
            raise _Refusal(404, "not-found", "call-not-found", f"The call {call_id} was not found")
        return call

    def _owned_call(self, user: str, call_id: str) -> _Call:
        if user != self.user_id:
            raise _Refusal(403, "forbidden", "user-mismatch", "You may only act as your own user")
        with self._lock:
            call = self._calls.get(call_id)
        if call is None:
            raise _Refusal(404, "not-found", "call-not-found", f"The call {call_id} was not found")
        if call.user_id != user:
            raise _Refusal(403, "forbidden", "call-forbidden", "The call belongs to another user")
        return call

    def _send_dtmf(self, call: _Call, body: Any) -> None:
        if not isinstance(body, dict) or "dtmfOut" not in body:
            raise _Refusal(400, "bad-request", "missing-parameter", "dtmfOut is required")
        text = body["dtmfOut"]
        if not isinstance(text, str):
            raise _Refusal(400, "bad-request", "invalid-parameter", "dtmfOut must be a string")
        try:
            parse(text)
        except DtmfError as exc:
            raise _Refusal(400, "bad-request", "invalid-dtmf-out", str(exc)) from None
        self._play(call, text, CATAPULT_PROFILE, CATAPULT_PROFILE.timing, state_status=403)

    def _play(
        self, call: _Call, text: str, profile: Profile, timing: Timing, *, state_status: int
    ) -> None:
        """Record that `call` heard `text` as `profile` plays it with `timing`."""
        with self._lock:
            if call.state != "active":
                raise _Refusal(
                    state_status,
                    "forbidden",
                    "call-invalid-state",
                    f"The call is {call.state}, not active",
                )
            call.received.append(_Heard(time.time(), text, profile, timing))
            self._recorded.append(call.call_id)
            while len(self._recorded) > self.max_recordings:
                oldest = self._calls[self._recorded.popleft()]
                oldest.received.pop(0)
                oldest.dropped += 1

    def _wav(self, call_id: str) -> BinaryIO:
        """What a call heard as a 16-bit WAV file on disk, rendered a string at a time (so
        that memory does not grow with the recording); the caller streams and closes it."""
        timelines = self.timelines(call_id)
        frames = sum(t.length for t in timelines)
        # Returned open: the handler streams it, then closes it.
        file = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            with sf.SoundFile(
                file,
                "w",
                samplerate=self.rate,
                channels=1,
                subtype="PCM_16",
                format="RF64" if 2 * frames > WAV_LIMIT else "WAV",
                closefd=False,
            ) as sound:
                for timeline in timelines:
                    sound.write(render(timeline, dtype="int16"))
        except BaseException:
            file.close()
            raise
        file.seek(0)
        return file


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A burst of hundreds of connections waits in the queue instead of being refused.
    request_queue_size = 1024
    emulator: Emulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s failed", client_address, exc_info=True)

    def cut_all(self) -> None:
        """Cut every open connection (kept-alive ones too)."""
        with self.open_lock:
            connections = list(self.open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


_Reply = tuple[int, Any, dict[str, str]]


def _ok(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> _Reply:
    return status, body, headers or {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "dtmfkit-emulator"
    # A client that sends its body slowly loses its connection, not a server thread forever.
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def setup(self) -> None:
        super().setup()
        with self.server.open_lock:
            self.server.open.add(self.connection)

    def finish(self) -> None:
        with self.server.open_lock:
            self.server.open.discard(self.connection)
        super().finish()

    def handle_one_request(self) -> None:
        # A total deadline per request: a client sending a byte every few seconds never times
        # out a single read, but is cut off here.
        timer = threading.Timer(self.server.emulator.request_deadline, self._cut)
        timer.daemon = True
        timer.start()
        try:
            super().handle_one_request()
        finally:
            timer.cancel()
        if self.server.emulator._stopped:
            self.close_connection = True

    def _cut(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_HEAD(self) -> None:
        self._dispatch("GET", head=True)

    def _dispatch(self, method: str, *, head: bool = False) -> None:
        path = self.path.split("?", 1)[0]
        reply: _Reply | None
        body: Any = None
        self._raw = b""
        self._carried: str | None = None
        try:
            body = self._body()
            if path.startswith("/_emulator/"):
                reply = self._control(method, path, body)
            else:
                reply = self._catapult(method, path, body)
        except _Refusal as refusal:
            self.close_connection = self.close_connection or refusal.close
            reply = _ok(refusal.status, _error_body(_platform_of(path), refusal))
        # Record before answering, so a client that has its answer always finds the record.
        carried = body.get("dtmfOut") if isinstance(body, dict) else self._carried
        self.server.emulator._record(
            RequestRecord(
                method,
                path,
                reply and reply[0],
                time.time(),
                self.headers.get("User-Agent", ""),
                carried if isinstance(carried, str) else None,
            )
        )
        if reply is None:
            self.close_connection = True
        else:
            self._send(*reply, head=head)

    def _body(self) -> Any:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._raw = self._chunked()
            return _parse(self._raw)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return None
        if not (length_header.isascii() and length_header.isdigit()):
            raise _Refusal(400, "bad-request", "invalid-length", "Bad Content-Length", close=True)
        length = int(length_header)
        if length > MAX_BODY:
            # Answer without reading the body, and close: the unread body cannot be skipped.
            message = f"Bodies are limited to {MAX_BODY} bytes"
            raise _Refusal(413, "bad-request", "body-too-large", message, close=True)
        self._raw = self.rfile.read(length)
        return _parse(self._raw)

    def _chunked(self) -> bytes:
        """A chunked body, read to its last chunk; at most MAX_BODY bytes."""
        body = bytearray()
        while True:
            line = self.rfile.readline(100).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise _Refusal(
                    400, "bad-request", "invalid-chunk", "Bad chunk size", close=True
                ) from None
            if size < 0 or len(body) + size > MAX_BODY:
                message = f"Bodies are limited to {MAX_BODY} bytes"
                raise _Refusal(413, "bad-request", "body-too-large", message, close=True)
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after the chunk

    def _catapult(self, method: str, path: str, body: Any) -> _Reply | None:
        fault = self.server.emulator._next_fault()
        if fault is None:
            return self._route(method, path, body)
        if fault.delay:
            time.sleep(fault.delay)
        if fault.status is None and not fault.drop:
            return self._route(method, path, body)
        if fault.execute:
            with contextlib.suppress(_Refusal):
                self._route(method, path, body)
        if fault.drop:
            return None
        assert fault.status is not None
        return _ok(fault.status, fault.body, fault.headers)

    def _route(self, method: str, path: str, body: Any) -> _Reply:
        emulator = self.server.emulator
        platform = _platform_of(path)
        if platform != "catapult":
            return self._platform(platform, method, path, body)
        if not emulator._authorized(self.headers.get("Authorization")):
            raise _Refusal(401, "authentication", "unauthorized", "Invalid credentials")
        if body is _NOT_JSON:
            raise _Refusal(400, "bad-request", "invalid-json", "The body is not valid JSON")
        if match := _DTMF.fullmatch(path):
            if method != "POST":
                raise _Refusal(405, "bad-request", "method-not-allowed", f"{method} not allowed")
            call = emulator._owned_call(unquote(match[1]), unquote(match[2]))
            emulator._send_dtmf(call, body)
            return _ok()
        if match := _CALL.fullmatch(path):
            call = emulator._owned_call(unquote(match[1]), unquote(match[2]))
            if method == "GET":
                return _ok(200, call.to_json())
            if method == "POST":
                if not isinstance(body, dict) or body.get("state") != "completed":
                    message = 'Only {"state": "completed"} is supported'
                    raise _Refusal(400, "bad-request", "invalid-parameter", message)
                emulator.hang_up(call.call_id)
                return _ok()
        if (match := _CALLS.fullmatch(path)) and method == "POST":
            user = unquote(match[1])
            if user != emulator.user_id:
                raise _Refusal(403, "forbidden", "user-mismatch", "You may only act as yourself")
            fields = body if isinstance(body, dict) else {}
            call_id = emulator.create_call(
                str(fields.get("from", "+15550000001")), str(fields.get("to", "+15550000002"))
            )
            location = f"{emulator.base_url}/v1/users/{user}/calls/{call_id}"
            return _ok(201, None, {"Location": location})
        raise _Refusal(404, "not-found", "not-found", "No such resource")

    def _platform(self, platform: str, method: str, path: str, body: Any) -> _Reply:
        """A send-DTMF request of Bandwidth v2, Telnyx, Twilio or Asterisk ARI, read as each
        platform reads it: its auth, its body, its grammar and ranges, its answer."""
        emulator = self.server.emulator
        authorization = self.headers.get("Authorization")
        user, _, secret = emulator.credentials
        allowed = {
            "bandwidth": emulator._authorized(authorization),
            "telnyx": emulator._bearer(authorization),
            "twilio": emulator._authorized(authorization, expected=f"{user}:{secret}".encode()),
            "asterisk": emulator._authorized(authorization),
        }[platform]
        if not allowed:
            raise _Refusal(401, "authentication", "unauthorized", "Invalid credentials")
        wanted = "PUT" if platform == "bandwidth" else "POST"
        if method != wanted:
            raise _Refusal(405, "bad-request", "method-not-allowed", f"{method} not allowed")
        if platform == "bandwidth":
            account, call_id = _BANDWIDTH.fullmatch(path).groups()  # type: ignore[union-attr]
            call = emulator._owned_call(unquote(account), unquote(call_id))
            text, tone, gap = _bxml(self._raw)
            profile, timing = BANDWIDTH_BXML, BANDWIDTH_BXML.timing_for(tone_ms=tone, gap_ms=gap)
            reply = _ok(204)
        elif platform == "telnyx":
            call = emulator._call(unquote(_TELNYX.fullmatch(path)[1]))  # type: ignore[index]
            if not isinstance(body, dict) or not isinstance(body.get("digits"), str):
                raise _Refusal(422, "bad-request", "10015", "digits is required")
            text = body["digits"]
            duration = body.get("duration_millis", 250)
            if isinstance(duration, bool) or not isinstance(duration, int):
                raise _Refusal(422, "bad-request", "10015", "duration_millis must be an integer")
            profile = TELNYX
            timing = _checked(lambda: TELNYX.timing_for(tone_ms=duration))
            command = body.get("command_id")
            if isinstance(command, str):
                with emulator._lock:
                    if command in call.commands:
                        self._carried = text
                        return _ok(200, {"data": {"result": "ok"}})  # ignored: seen before
                    call.commands.add(command)
            reply = _ok(200, {"data": {"result": "ok"}})
        elif platform == "twilio":
            account, call_id = _TWILIO.fullmatch(path).groups()  # type: ignore[union-attr]
            call = emulator._owned_call(unquote(account), unquote(call_id))
            text = _twiml(self._raw)
            profile, timing = TWILIO, TWILIO.timing
            reply = _ok(200, {"sid": call.call_id, "account_sid": user, "status": "in-progress"})
        else:
            call = emulator._call(unquote(_ARI.fullmatch(path)[1]))  # type: ignore[index]
            query = parse_qs(self.path.partition("?")[2], keep_blank_values=True)
            text = (query.get("dtmf") or [""])[0]
            if not text:
                raise _Refusal(400, "bad-request", "bad-request", "DTMF is required")
            numbers = {}
            for name, default in (("before", 0), ("between", 100), ("duration", 100), ("after", 0)):
                value = (query.get(name) or [str(default)])[0]
                if not (value.isascii() and value.isdigit()):
                    raise _Refusal(400, "bad-request", "bad-request", f"{name} must be a number")
                numbers[name] = int(value)
            profile = ASTERISK_ARI
            timing = _checked(
                lambda: ASTERISK_ARI.timing_for(
                    tone_ms=numbers["duration"], gap_ms=numbers["between"] or 100
                )
            )
            reply = _ok(204)
        try:
            schedule(text, profile=profile, timing=timing)  # the platform's grammar and limits
        except DtmfError as exc:
            raise _Refusal(400, "bad-request", "invalid-digits", str(exc)) from None
        self._carried = text
        emulator._play(call, text, profile, timing, state_status=409)
        return reply

    def _control(self, method: str, path: str, body: Any) -> _Reply:
        emulator = self.server.emulator
        # The control plane shows every call's digits: it needs the emulator's credentials.
        if not emulator._authorized(self.headers.get("Authorization")):
            raise _Refusal(401, "authentication", "unauthorized", "Invalid credentials")
        if path == "/_emulator/faults" and method == "POST":
            try:
                fault, count = Fault.from_json(body)
            except ParameterError as exc:
                raise _Refusal(400, "bad-request", "invalid-fault", str(exc)) from None
            emulator.inject(fault, count=count)
            return _ok(201)
        if path == "/_emulator/faults" and method == "DELETE":
            emulator.clear_faults()
            return _ok()
        if path == "/_emulator/requests" and method == "GET":
            records = [
                {"method": r.method, "path": r.path, "status": r.status, "time": r.time}
                for r in emulator.requests
            ]
            return _ok(200, records)
        if (match := _HEARD.fullmatch(path)) and method == "GET":
            call_id = unquote(match[1])
            with emulator._lock:
                call = emulator._calls.get(call_id)
            if call is None or not _SAFE_ID.fullmatch(call_id):
                raise _Refusal(404, "not-found", "call-not-found", "No such call")
            if match[2] == "audio.wav":
                return _ok(200, emulator._wav(call_id), {"Content-Type": "audio/wav"})
            with emulator._lock:
                received = [
                    {"dtmfOut": e.text, "time": e.time, "profile": e.profile.name}
                    for e in call.received
                ]
                dropped = call.dropped
            samples = sum(t.length for t in emulator.timelines(call_id))
            summary = {
                "callId": call_id,
                "rate": emulator.rate,
                "samples": samples,
                "received": received,
                "dropped": dropped,
            }
            return _ok(200, summary)
        raise _Refusal(404, "not-found", "not-found", "No such resource")

    def _send(self, status: int, body: Any, headers: dict[str, str], *, head: bool = False) -> None:
        if hasattr(body, "read"):
            self._stream(status, body, headers, head=head)
            return
        if body is None:
            payload, content_type = b"", None
        elif isinstance(body, bytes):
            payload, content_type = body, "application/octet-stream"
        elif isinstance(body, str):
            payload = body.encode()
            content_type = "text/html" if body.lstrip().startswith("<") else "text/plain"
        else:
            payload, content_type = json.dumps(body).encode(), "application/json"
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        self.send_response(status, reason)
        if content_type and not any(k.lower() == "content-type" for k in headers):
            self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(payload)

    def _stream(self, status: int, file: BinaryIO, headers: dict[str, str], *, head: bool) -> None:
        """Answer with a file's content, a block at a time, then close the file."""
        with file:
            size = file.seek(0, os.SEEK_END)
            file.seek(0)
            self.send_response(status, HTTPStatus(status).phrase)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            while not head and (block := file.read(1 << 16)):
                self.wfile.write(block)


_NOT_JSON: Final = object()


def _platform_of(path: str) -> str:
    """Whose route `path` is."""
    for name, pattern in (
        ("bandwidth", _BANDWIDTH),
        ("telnyx", _TELNYX),
        ("twilio", _TWILIO),
        ("asterisk", _ARI),
    ):
        if pattern.fullmatch(path):
            return name
    return "catapult"


def _error_body(platform: str, refusal: _Refusal) -> Any:
    """A refusal in the shape each platform's errors take (see PLATFORMS.md)."""
    if platform == "bandwidth":
        return {"type": refusal.code, "description": refusal.message, "id": secrets.token_hex(8)}
    if platform == "telnyx":
        return {
            "errors": [{"code": refusal.code, "title": refusal.category, "detail": refusal.message}]
        }
    if platform == "twilio":
        number = {401: 20003, 404: 20404, 429: 20429}.get(refusal.status, 21000 + refusal.status)
        return {"code": number, "message": refusal.message, "status": refusal.status}
    if platform == "asterisk":
        return {"message": refusal.message}
    return {
        "category": refusal.category,
        "code": refusal.code,
        "message": refusal.message,
        "details": [],
    }


def _checked(make: Callable[[], Timing]) -> Timing:
    """A platform's timing, its range refused as the platform refuses it."""
    try:
        return make()
    except ParameterError as exc:
        raise _Refusal(400, "bad-request", "invalid-parameter", str(exc)) from None


def _xml(raw: bytes, what: str) -> Any:
    import xml.etree.ElementTree as ElementTree

    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise _Refusal(400, "bad-request", "invalid-xml", f"{what} is not XML: {exc}") from None


def _bxml(raw: bytes) -> tuple[str, int, int]:
    """Bandwidth: the digits, toneDuration and toneInterval of ``<Bxml><SendDtmf>``."""
    root = _xml(raw, "the BXML")
    verb = root.find("SendDtmf") if root.tag == "Bxml" else None
    if verb is None or not verb.text:
        raise _Refusal(400, "bad-request", "invalid-bxml", "expected <Bxml><SendDtmf>digits")
    numbers = []
    for name, default in (("toneDuration", "200"), ("toneInterval", "400")):
        value = verb.get(name, default)
        if not (value.isascii() and value.isdigit()):
            raise _Refusal(400, "bad-request", "invalid-bxml", f"{name} must be a number")
        numbers.append(int(value))
    return verb.text, numbers[0], numbers[1]


def _twiml(raw: bytes) -> str:
    """Twilio: the digits of ``Twiml=<Response><Play digits="..."/></Response>``, which
    <Play digits> documents as 0-9 and w."""
    form = parse_qs(raw.decode("utf-8", "replace"))
    twiml = (form.get("Twiml") or [""])[0]
    if not twiml:
        raise _Refusal(400, "bad-request", "21218", "Twiml or Url is required")
    root = _xml(twiml.encode(), "the TwiML")
    play = root.find("Play") if root.tag == "Response" else None
    digits = play.get("digits") if play is not None else None
    if not isinstance(digits, str) or not re.fullmatch(r"[0-9w]+", digits):
        message = f"<Play digits> takes 0-9 and w, got {digits!r}"
        raise _Refusal(400, "bad-request", "21218", message)
    return digits


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested too deep ([[[[...]]]]), which is not a DTMF request either.
        return _NOT_JSON
