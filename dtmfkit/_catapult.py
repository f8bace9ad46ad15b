"""A client for Catapult v1 "Send DTMF in active Call".

``POST {base}/v1/users/{userId}/calls/{callId}/dtmf`` with HTTP Basic auth ``token:secret`` and
the JSON body ``{"dtmfOut": text}``. The text goes through :func:`dtmfkit.parse` before any I/O,
and what is posted is the caller's text, unchanged.

A DTMF POST is not idempotent: digits played twice can enter a PIN twice. So the client retries
only what was certainly not executed:

- a connection that was never established (refused, connect timeout, DNS failure);
- HTTP 429, which Catapult documents as "not executed", after the wait the server asks for —
  ``X-RateLimit-Reset`` (epoch milliseconds, Catapult's header) or ``Retry-After`` — unless that
  wait exceeds ``max_rate_limit_wait``, in which case :class:`RateLimitError` is raised at once;
- HTTP 503 with code ``call-unavailable`` (the call is being initialized).

It never retries a read timeout, a connection dropped after the request was sent, or any other
5xx (``send-dtmf-failure`` included): those raise an error whose ``may_have_played`` is True.

Examples
--------
>>> from dtmfkit._emulator import Emulator
>>> with Emulator() as emulator:
...     client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
...     call = client.create_call("+15550001111", "+15550002222")
...     result = call.send_dtmf("1WWW,59#")
...     emulator.heard(call.call_id)
['1WWW,59#']
>>> result.status
200
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import math
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Self
from urllib.parse import quote, urlsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from dtmfkit._errors import (
    AuthenticationError,
    CallNotFoundError,
    CallStateError,
    CatapultError,
    ConflictError,
    ForbiddenError,
    ParameterError,
    RateLimitError,
    SendFailedError,
    ServerError,
    TransportError,
)
from dtmfkit._grammar import CATAPULT, Sequence, parse
from dtmfkit._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "Call",
    "CatapultClient",
    "CatapultRetry",
    "SendResult",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.catapult.inetwork.com"
#: (connect, read) seconds. Never None: a request without a timeout can hang forever.
DEFAULT_TIMEOUT: Final = (5.0, 30.0)
DEFAULT_MAX_RATE_LIMIT_WAIT: Final = 30.0
ENVIRONMENT: Final = {
    "user_id": "CATAPULT_USER_ID",
    "api_token": "CATAPULT_API_TOKEN",
    "api_secret": "CATAPULT_API_SECRET",
    "base_url": "CATAPULT_BASE_URL",
}
_DIGITS: Final = re.compile(r"\s*[0-9]+\s*")


class _BasicAuth(requests.auth.AuthBase):
    """HTTP Basic auth whose repr never shows the credentials (not even in ``vars()``)."""

    __slots__ = ("__credentials",)

    def __init__(self, token: str, secret: str) -> None:
        self.__credentials = (token, secret)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = requests.auth._basic_auth_str(*self.__credentials)
        return request

    def words(self) -> tuple[str, str]:
        """The token and the secret, for redacting them from text."""
        return self.__credentials

    def __repr__(self) -> str:
        return "<BasicAuth hidden>"


def _user_agent() -> str:
    return f"dtmfkit/{__version__} python-requests/{requests.__version__}"


class CatapultRetry(Retry):
    """urllib3's :class:`~urllib3.util.retry.Retry`, taught Catapult's rate limit.

    - The wait after a 429 comes from ``Retry-After`` or, failing that, from Catapult's
      ``X-RateLimit-Reset`` (epoch milliseconds).
    - A wait longer than ``retry_after_max`` is not shortened to it, as urllib3 would do: the
      retry is abandoned at once and the 429 answer returned.
    - Only statuses in ``status_forcelist`` are retried, never another status merely because
      it carries ``Retry-After`` (urllib3 would retry a 503 that way).
    """

    def requested_wait(self, response: BaseHTTPResponse) -> float | None:
        """Seconds the server asks to wait, uncapped; None when it does not say."""
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            if _DIGITS.fullmatch(retry_after):
                return float(int(retry_after))
            parsed = email.utils.parsedate_tz(retry_after)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - time.time())
        reset = response.headers.get("X-RateLimit-Reset")
        if reset is not None:
            try:
                reset_ms = float(reset)
            except ValueError:
                return None
            if math.isfinite(reset_ms):
                return max(0.0, reset_ms / 1000 - time.time())
        return None

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        wait = self.requested_wait(response)
        return None if wait is None else min(wait, self.retry_after_max)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return bool(
            self._is_method_retryable(method)
            and self.status_forcelist
            and status_code in self.status_forcelist
        )

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Self:
        if response is not None and error is None:
            wait = self.requested_wait(response)
            if wait is not None and wait > self.retry_after_max:
                reason = f"asked to wait {wait:.1f} s, more than {self.retry_after_max:g} s"
                raise MaxRetryError(_pool, url, ResponseError(reason))
        return super().increment(method, url, response, error, _pool, _stacktrace)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a successful send did.

    Attributes
    ----------
    call_id : str
    sequence : Sequence
        The parsed text that was posted (``sequence.text`` is exactly what was sent).
    status : int
        HTTP status of the answer (200).
    retries : int
        Requests retried because they were certainly not executed (429, refused, unavailable).

    Examples
    --------
    >>> from dtmfkit._emulator import Emulator
    >>> with Emulator() as emulator:
    ...     client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
    ...     result = client.send_dtmf(emulator.create_call(), "1#")
    >>> result.status, result.sequence.text, result.retries
    (200, '1#', 0)
    """

    call_id: str
    sequence: Sequence
    status: int
    retries: int


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a :class:`CatapultClient`, in the style of ``call.send_dtmf("...")``.

    Examples
    --------
    >>> client = CatapultClient("u-1", "token", "secret")
    >>> client.call("c-42").call_id
    'c-42'
    """

    client: CatapultClient
    call_id: str

    def send_dtmf(self, dtmf_out: str | Sequence) -> SendResult:
        """Send DTMF into this call; see :meth:`CatapultClient.send_dtmf`."""
        return self.client.send_dtmf(self.call_id, dtmf_out)

    def info(self) -> dict[str, Any]:
        """The call as Catapult describes it (``state``, ``from``, ``to``, ...)."""
        body = self.client.request("GET", f"calls/{segment(self.call_id, 'call_id')}").json()
        if not isinstance(body, dict):
            raise CatapultError("Catapult answered a call lookup with a non-object")
        return body

    def hang_up(self) -> None:
        """Complete the call (``{"state": "completed"}``)."""
        self.client.request(
            "POST", f"calls/{segment(self.call_id, 'call_id')}", json={"state": "completed"}
        )


def segment(value: object, name: str) -> str:
    """Check an id for use as one URL path segment and percent-encode it."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value or len(value) > 256 or not value.isprintable():
        raise ParameterError(f"{name} must be 1 to 256 printable characters, got {value!r}")
    return quote(value, safe="")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: object, *, allow_insecure_http: bool = False) -> str:
    """Validate a base URL: https, or http to a loopback host (or when explicitly allowed)."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    parts = urlsplit(base_url)
    if parts.username is not None or parts.password is not None:
        raise ParameterError("base_url must not hold credentials; give api_token and api_secret")
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ParameterError(f"base_url must be an http(s) URL like {DEFAULT_BASE_URL!r}")
    if parts.scheme == "http" and not _is_loopback(host) and not allow_insecure_http:
        raise ParameterError(
            f"refusing plain http to non-loopback host {host!r}: credentials would travel in "
            "clear text (use https, or allow_insecure_http=True)"
        )
    return base_url.rstrip("/")


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{name} must be a finite number of seconds above 0, got {value!r}")
    return float(value)


class CatapultClient:
    """Send DTMF into live calls through the Catapult v1 API.

    Parameters
    ----------
    user_id : str
        The Catapult user id (``u-...``).
    api_token, api_secret : str
        Credentials for HTTP Basic auth. They never appear in a repr, a log line or an error.
    base_url : str, default "https://api.catapult.inetwork.com"
        https, or http to a loopback host (the emulator); other http only with
        `allow_insecure_http`.
    timeout : float or (float, float), default (5.0, 30.0)
        Connect and read timeouts in seconds; always finite.
    session : requests.Session, optional
        A session to use (its retry adapters are replaced for the base URL).
    max_rate_limit_wait : float, default 30.0
        Longest wait honoured after a 429; a longer one raises :class:`RateLimitError` at once.
    connect_retries : int, default 3
        Retries of connections that were never established.
    rate_limit_retries : int, default 5
        Retries after 429 answers.
    unavailable_retries : int, default 3
        Retries after 503 ``call-unavailable`` answers.
    backoff : float, default 0.5
        Base of the exponential backoff between retries without a server-given wait.
    allow_insecure_http : bool, default False
    pool_size : int, default 32
        Connections kept for concurrent sends from many threads.

    Notes
    -----
    An instance holds no mutable state besides its ``requests.Session`` connection pool, so it
    can be shared between threads.

    Examples
    --------
    >>> client = CatapultClient("u-123", "t-token", "s-secret")
    >>> client
    CatapultClient(user_id='u-123', base_url='https://api.catapult.inetwork.com')
    >>> client.send_dtmf("c-1", "12a")
    Traceback (most recent call last):
    ...
    dtmfkit.DtmfSyntaxError: invalid DTMF character 'a' at position 3 in '12a'; ...
    """

    def __init__(
        self,
        user_id: str,
        api_token: str,
        api_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT,
        connect_retries: int = 3,
        rate_limit_retries: int = 5,
        unavailable_retries: int = 3,
        backoff: float = 0.5,
        allow_insecure_http: bool = False,
        pool_size: int = 32,
    ) -> None:
        self._user = segment(user_id, "user_id")
        self.user_id = user_id
        for name, value in (("api_token", api_token), ("api_secret", api_secret)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
            if not value:
                raise ParameterError(f"{name} is empty")
        self._auth = _BasicAuth(api_token, api_secret)
        self.base_url = check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        pair = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        if len(pair) != 2:
            raise ParameterError("timeout must be seconds or a (connect, read) pair")
        self.timeout = (_seconds(pair[0], "connect timeout"), _seconds(pair[1], "read timeout"))
        self.max_rate_limit_wait = _seconds(max_rate_limit_wait, "max_rate_limit_wait")
        self.unavailable_retries = unavailable_retries
        self.backoff = backoff
        self.retry = CatapultRetry(
            total=None,
            connect=connect_retries,
            read=False,
            redirect=0,
            status=rate_limit_retries,
            other=0,
            allowed_methods=None,
            status_forcelist={429},
            backoff_factor=backoff,
            backoff_max=self.max_rate_limit_wait,
            retry_after_max=math.ceil(self.max_rate_limit_wait),
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
        )
        self.session = session if session is not None else requests.Session()
        self.session.trust_env = False
        self.session.mount(
            self.base_url + "/",
            HTTPAdapter(max_retries=self.retry, pool_connections=1, pool_maxsize=pool_size),
        )
        self.session.auth = self._auth
        self.session.headers["User-Agent"] = _user_agent()
        self.session.headers["Accept"] = "application/json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> CatapultClient:
        """Build a client from ``CATAPULT_USER_ID``, ``CATAPULT_API_TOKEN``,
        ``CATAPULT_API_SECRET`` and the optional ``CATAPULT_BASE_URL``.

        Raises
        ------
        ParameterError
            Naming every variable that is missing (never a value).

        Examples
        --------
        >>> env = {"CATAPULT_USER_ID": "u-1", "CATAPULT_API_TOKEN": "t", "CATAPULT_API_SECRET": "s"}
        >>> CatapultClient.from_env(env).user_id
        'u-1'
        >>> CatapultClient.from_env({})
        Traceback (most recent call last):
        ...
        dtmfkit.ParameterError: set CATAPULT_USER_ID, CATAPULT_API_TOKEN, ...
        """
        env = os.environ if environ is None else environ
        required = ("user_id", "api_token", "api_secret")
        missing = [ENVIRONMENT[key] for key in required if not env.get(ENVIRONMENT[key])]
        if missing:
            raise ParameterError(f"set {', '.join(missing)} in the environment")
        if env.get(ENVIRONMENT["base_url"]):
            kwargs.setdefault("base_url", env[ENVIRONMENT["base_url"]])
        return cls(*(env[ENVIRONMENT[key]] for key in required), **kwargs)

    def __repr__(self) -> str:
        return f"CatapultClient(user_id={self.user_id!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the underlying session's connections."""
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call(self, call_id: str) -> Call:
        """A handle on one call, for ``client.call(call_id).send_dtmf("...")``."""
        segment(call_id, "call_id")
        return Call(self, call_id)

    def dtmf_url(self, call_id: str) -> str:
        """The URL a DTMF send for `call_id` is posted to."""
        return f"{self.base_url}/v1/users/{self._user}/calls/{segment(call_id, 'call_id')}/dtmf"

    def create_call(self, from_number: str, to_number: str) -> Call:
        """Create an outbound call (``POST /v1/users/{userId}/calls``) and return it."""
        response = self.request("POST", "calls", json={"from": from_number, "to": to_number})
        location = response.headers.get("Location", "")
        call_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not location or not call_id:
            raise CatapultError("Catapult created a call but sent no Location", status=201)
        return Call(self, call_id)

    def send_dtmf(self, call_id: str, dtmf_out: str | Sequence) -> SendResult:
        """Send DTMF into an active call.

        Parameters
        ----------
        call_id : str
        dtmf_out : str or Sequence
            The ``dtmfOut`` string; parsed before any I/O, posted unchanged.

        Returns
        -------
        SendResult

        Raises
        ------
        DtmfSyntaxError, TypeError
            The text is not valid; no request was made.
        AuthenticationError, ForbiddenError, CallStateError, CallNotFoundError, ConflictError
            Catapult refused the request (nothing was played).
        RateLimitError
            Still rate limited after the allowed retries or wait (nothing was played).
        ServerError, SendFailedError
            Catapult failed; the digits may have been played.
        TransportError
            No usable answer; ``may_have_played`` tells whether the request may have arrived.
        """
        # Only Catapult's grammar may leave: a Sequence of another profile is refused as parse
        # would refuse its text.
        sequence = parse(CATAPULT.text_of(dtmf_out) if isinstance(dtmf_out, Sequence) else dtmf_out)
        path = f"calls/{segment(call_id, 'call_id')}/dtmf"
        response, retries = self._send("POST", path, {"dtmfOut": sequence.text})
        return SendResult(call_id, sequence, response.status_code, retries)

    def request(self, method: str, path: str, *, json: Any = None) -> requests.Response:
        """Make one API request under ``/v1/users/{userId}/`` and raise for an error answer."""
        return self._send(method, path, json)[0]

    def _send(self, method: str, path: str, body: Any) -> tuple[requests.Response, int]:
        url = f"{self.base_url}/v1/users/{self._user}/{path}"
        retries = unavailable = 0
        while True:
            response = self._transport(method, url, body)
            if response.raw is not None and response.raw.retries is not None:
                retries += len(response.raw.retries.history)
            log.debug("%s %s -> %s", method, url, response.status_code)
            if response.status_code < 400:
                return response, retries
            error = self._error(response)
            # Catapult: 503 call-unavailable means "being initialized ... retry later": not run.
            if error.code == "call-unavailable" and unavailable < self.unavailable_retries:
                time.sleep(min(self.backoff * 2**unavailable, self.max_rate_limit_wait))
                unavailable += 1
                retries += 1
                continue
            raise error

    def _transport(self, method: str, url: str, body: Any) -> requests.Response:
        try:
            return self.session.request(method, url, json=body, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, url) from exc

    def _transport_error(
        self, exc: requests.exceptions.RequestException, url: str
    ) -> TransportError:
        # A connection never made, or a TLS handshake that failed, carried no request.
        not_sent = isinstance(
            exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError
        )
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
            reason, NewConnectionError
        ):
            not_sent = True
        if isinstance(exc, requests.exceptions.ReadTimeout):
            what = f"no answer within the {self.timeout[1]:g} s read timeout"
        elif not_sent:
            what = "could not connect"
        else:
            what = "the connection broke after the request was sent"
        consequence = (
            "nothing was sent"
            if not_sent
            else "the request may have arrived: the digits "
            "may have been played, check the call before sending again"
        )
        return TransportError(
            self._redact(f"{what} ({url}); {consequence}"), may_have_played=not not_sent
        )

    def _error(self, response: requests.Response) -> CatapultError:
        try:
            body = response.json()
        except ValueError:
            body = None
        fields = body if isinstance(body, dict) else {}
        category, code, message = (
            value if isinstance(value := fields.get(key), str) else None
            for key in ("category", "code", "message")
        )
        status = response.status_code
        summary = f"Catapult answered {status} {response.reason or ''}".rstrip()
        if code or category:
            summary += f" ({code or category})"
        if message:
            summary += f": {message}"
        cls: type[CatapultError] = CatapultError
        extra: dict[str, Any] = {}
        if status == 401:
            cls = AuthenticationError
        elif status == 403:
            cls = CallStateError if code == "call-invalid-state" else ForbiddenError
        elif status == 404:
            cls = CallNotFoundError
        elif status == 409:
            cls = ConflictError
        elif status == 429:
            cls = RateLimitError
            wait = self.retry.requested_wait(response.raw) if response.raw is not None else None
            extra["reset_at"] = None if wait is None else time.time() + wait
            summary += "; nothing was played" + (
                f", the limit resets in {wait:.1f} s" if wait is not None else ""
            )
        elif status >= 500:
            cls = SendFailedError if code == "send-dtmf-failure" else ServerError
        if status >= 500 and code != "call-unavailable":
            summary += "; the digits may have been played"
        elif status != 429:
            summary += "; nothing was played"
        return cls(
            self._redact(summary),
            status=status,
            category=category,
            code=code,
            message=self._redact(message) if message else None,
            details=fields.get("details"),
            may_have_played=status >= 500 and code != "call-unavailable",
            **extra,
        )

    def _redact(self, text: str) -> str:
        for secret in self._auth.words():
            if len(secret) >= 4:  # shorter ones would mangle every message and hide nothing
                text = text.replace(secret, "***")
        return text
