"""HTTP for every platform: one request, exactly as built, with one retry policy.

A send is a :class:`requests.PreparedRequest` built before any I/O (so that it can be printed,
compared with what a server receives, and never differs from what goes out), sent with
``allow_redirects=False`` through a :class:`requests.Session` that is never modified. Proxies
and CA bundles come from the session and the environment as ``requests`` users expect
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``);
credentials go on each request, never on the session, and never come from ``.netrc``.

A DTMF send is not idempotent, so failures are sorted by what the server may have received:

- **nothing was sent**: the connection was never made (refused, unknown host, connect timeout,
  a certificate refused during the TLS handshake): safe to send again;
- **the request may have arrived**: anything after the connection was made (read timeout, a
  dropped connection, a TLS failure after the handshake): sending again may play the digits
  twice, unless the platform de-duplicates the request.

The one retry loop (:func:`deliver`) sends again only what the platform's rules (a
:class:`Rules` value) say certainly did not execute, within a :class:`RetryPolicy`.

Examples
--------
>>> policy = RetryPolicy(connect=2, backoff=0.1)
>>> policy.pause(0), policy.pause(3)
(0.1, 0.8)
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import ipaddress
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlsplit

import requests
import requests.adapters
import requests.auth

from dtmfkit._errors import (
    AuthenticationError,
    CallNotFoundError,
    CatapultError,
    ConflictError,
    ForbiddenError,
    ParameterError,
    RateLimitError,
    RedirectError,
    ServerError,
    TransportError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Answer",
    "BasicAuth",
    "BearerAuth",
    "HiddenAuth",
    "RetryPolicy",
    "Rules",
    "Transport",
    "check_base_url",
    "deliver",
    "one_line",
    "redact_headers",
    "segment",
    "typed_error",
]

log = logging.getLogger("dtmfkit")

#: (connect, read) seconds. Never None: a request without a timeout can hang forever.
DEFAULT_TIMEOUT: Final = (5.0, 30.0)
#: The most of an answer's body that is read; a longer one is not needed to tell what happened.
MAX_ANSWER_BYTES: Final = 1 << 20
#: The longest Retry-After accepted as a number (ten digits is three centuries).
_MAX_DIGITS: Final = 10


class HiddenAuth(requests.auth.AuthBase):
    """An ``Authorization`` header whose credentials never show: not in a repr, not in
    ``vars()``; :meth:`secrets` lists every form they take on the wire, for redaction."""

    __slots__ = ("__header", "__kind", "__words")

    def __init__(self, header: str, words: tuple[str, ...], kind: str) -> None:
        self.__header, self.__words, self.__kind = header, words, kind

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.__header
        return request

    def secrets(self) -> tuple[str, ...]:
        """Every form the credentials take on the wire, for redacting them from text."""
        return self.__words

    def __repr__(self) -> str:
        return f"<{self.__kind} hidden>"


class BasicAuth(HiddenAuth):
    """HTTP Basic auth whose credentials never show.

    Examples
    --------
    >>> auth = BasicAuth("t-token", "s-secret")
    >>> auth, vars(auth)
    (<BasicAuth hidden>, {})
    """

    __slots__ = ()

    def __init__(self, user: str, password: str) -> None:
        pair = f"{user}:{password}".encode("latin-1", errors="strict")
        encoded = base64.b64encode(pair).decode("ascii")
        super().__init__(
            "Basic " + encoded, (user, password, f"{user}:{password}", encoded), "BasicAuth"
        )


class BearerAuth(HiddenAuth):
    """``Authorization: Bearer KEY`` (Telnyx) whose key never shows.

    Examples
    --------
    >>> BearerAuth("KEY-1"), BearerAuth("KEY-1").secrets()
    (<BearerAuth hidden>, ('KEY-1', 'Bearer KEY-1'))
    """

    __slots__ = ()

    def __init__(self, key: str) -> None:
        super().__init__(f"Bearer {key}", (key, f"Bearer {key}"), "BearerAuth")


def segment(value: object, name: str) -> str:
    """Check an id for use as one URL path segment, and percent-encode it.

    Examples
    --------
    >>> segment("c-1 2", "call_id")
    'c-1%202'
    >>> segment("..", "call_id")
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: call_id must not be '..', which a URL would resolve away
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value or len(value) > 256 or not value.isprintable():
        raise ParameterError(f"{name} must be 1 to 256 printable characters, got {value!r}")
    if value in (".", ".."):
        raise ParameterError(f"{name} must not be {value!r}, which a URL would resolve away")
    return quote(value, safe="")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: object, *, allow_insecure_http: bool = False, default: str) -> str:
    """Validate a base URL: https, or http to a loopback host (or when explicitly allowed)."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    parts = urlsplit(base_url)
    if parts.username is not None or parts.password is not None:
        raise ParameterError("base_url must not hold credentials: give them separately")
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ParameterError(f"base_url must be an http(s) URL like {default!r}, got {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(host) and not allow_insecure_http:
        raise ParameterError(
            f"refusing plain http to non-loopback host {host!r}: credentials would travel in "
            "clear text (use https, or allow insecure http)"
        )
    return base_url.rstrip("/")


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or not 0 < value <= 86_400:
        raise ParameterError(f"{name} must be more than 0 and at most 86400 seconds, got {value!r}")
    return float(value)


def timeouts(value: object) -> tuple[float, float]:
    """A (connect, read) pair of finite timeouts from seconds or a pair."""
    pair = value if isinstance(value, tuple) else (value, value)
    if len(pair) != 2:
        raise ParameterError("timeout must be seconds or a (connect, read) pair")
    return _seconds(pair[0], "connect timeout"), _seconds(pair[1], "read timeout")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a send that certainly did not execute is tried again, and how long to wait.

    Parameters
    ----------
    connect : int, default 3
        Retries of connections that were never made.
    rate_limit : int, default 5
        Retries after a rate-limit answer (which the platform did not execute).
    unavailable : int, default 3
        Retries after an answer that says "not executed, try later" (Catapult's 503
        ``call-unavailable``).
    replay : int, default 2
        Retries, with the same de-duplication key, of a send that may have arrived, on a
        platform that ignores a repeated key (Telnyx ``command_id``); 0 elsewhere.
    backoff : float, default 0.5
        First pause between retries that the server does not time; it doubles each time.
    max_wait : float, default 30.0
        The longest wait honoured when the server asks for one; a longer one is given up at
        once (the error says when to try again).
    deadline : float, default 120.0
        The longest one send may take, every attempt and wait included: a retry that would
        start later is not made, and the last error is raised instead.

    Examples
    --------
    >>> RetryPolicy(rate_limit=0).rate_limit
    0
    """

    connect: int = 3
    rate_limit: int = 5
    unavailable: int = 3
    replay: int = 2
    backoff: float = 0.5
    max_wait: float = 30.0
    deadline: float = 120.0

    def __post_init__(self) -> None:
        for name in ("connect", "rate_limit", "unavailable", "replay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise ParameterError(
                    f"{name} retries must be an integer from 0 to 100, got {value!r}"
                )
        if isinstance(self.backoff, bool) or not isinstance(self.backoff, int | float):
            raise TypeError("backoff must be a number of seconds")
        if not math.isfinite(self.backoff) or not 0 <= self.backoff <= 60:
            raise ParameterError(f"backoff must be from 0 to 60 seconds, got {self.backoff!r}")
        _seconds(self.max_wait, "max_wait")
        _seconds(self.deadline, "deadline")

    def pause(self, attempt: int) -> float:
        """The pause before retry number `attempt` (from 0) when the server does not say."""
        return float(min(self.backoff * 2**attempt, self.max_wait))


@dataclass(frozen=True, slots=True)
class Answer:
    """A platform's HTTP answer: status, headers and (at most a megabyte of) body.

    Examples
    --------
    >>> Answer(429, "Too Many Requests", {"retry-after": "2"}, b"").header("Retry-After")
    '2'
    """

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        """A header's value, whatever its case."""
        return self.headers.get(name.lower())

    def text(self) -> str:
        """The body as text (UTF-8, bad bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as they may be shown: credentials replaced by ``***``.

    Examples
    --------
    >>> redact_headers({"Authorization": "Basic abc", "Accept": "*/*"})
    {'Authorization': 'Basic ***', 'Accept': '*/*'}
    """
    shown = {}
    for key, value in headers.items():
        if key.lower() in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} ***".strip()
        shown[key] = value
    return shown


class Transport:
    """One session's worth of connections, used without ever changing the session.

    Parameters
    ----------
    session : requests.Session, optional
        A caller's session: its adapters, proxies, certificates and ``trust_env`` are used as
        they are, and nothing is set on it. By default a session of dtmfkit's own, whose
        adapters never retry (dtmfkit decides what to send again).
    timeout : float or (float, float)
        Connect and read timeouts, finite.
    proxy : str, optional
        Send every request through this proxy (``http://host:port``), whatever the
        environment says.
    pool_size : int
        Connections kept for concurrent sends from many threads.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        proxy: str | None = None,
        pool_size: int = 32,
    ) -> None:
        if session is not None and not isinstance(session, requests.Session):
            raise TypeError(f"session must be a requests.Session, not {type(session).__name__}")
        if (
            isinstance(pool_size, bool)
            or not isinstance(pool_size, int)
            or not 1 <= pool_size <= 1024
        ):
            raise ParameterError(f"pool_size must be an integer from 1 to 1024, got {pool_size!r}")
        self.timeout = timeouts(timeout)
        self.proxies = {} if proxy is None else {"http": _proxy(proxy), "https": _proxy(proxy)}
        self.owned = session is None
        if session is None:
            session = requests.Session()
            for prefix in ("https://", "http://"):
                session.mount(
                    prefix,
                    requests.adapters.HTTPAdapter(pool_maxsize=pool_size, max_retries=0),
                )
        self.session = session

    def close(self) -> None:
        """Close the connections of dtmfkit's own session (a caller's is the caller's)."""
        if self.owned:
            self.session.close()

    def send(self, prepared: requests.PreparedRequest, *, secrets: tuple[str, ...]) -> Answer:
        """Send one prepared request once; return the answer or raise :class:`TransportError`.

        The whole exchange — connecting, sending, reading the answer — takes at most the
        connect and the read timeouts together: a server that sends its answer a byte at a
        time is cut off, where a per-read timeout would wait for it forever.
        """
        url = prepared.url or ""
        settings = self.session.merge_environment_settings(
            url, dict(self.proxies), True, None, None
        )
        exchange = _Exchange(self.session, prepared, self.timeout, settings)
        worker = threading.Thread(target=exchange.run, name="dtmfkit-http", daemon=True)
        worker.start()
        worker.join(sum(self.timeout))
        if worker.is_alive():
            exchange.abandon()
            raise TransportError(
                f"no complete answer within {sum(self.timeout):g} s "
                f"({redact(url, secrets)}); the request may have arrived: the digits may have "
                "been played, check the call before sending again",
                may_have_played=True,
            )
        outcome = exchange.outcome
        if isinstance(outcome, requests.exceptions.RequestException):
            raise self._failure(outcome, prepared, secrets) from _scrubbed(outcome)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _failure(
        self,
        exc: requests.exceptions.RequestException,
        prepared: requests.PreparedRequest,
        secrets: tuple[str, ...],
    ) -> TransportError:
        sent = _may_have_arrived(exc)
        where = redact(prepared.url or "", secrets)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            what = f"no answer within the {self.timeout[1]:g} s read timeout"
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            what = f"no connection within the {self.timeout[0]:g} s connect timeout"
        elif isinstance(exc, requests.exceptions.SSLError):
            what = "the TLS connection failed"
        elif not sent:
            what = "could not connect"
        else:
            what = "the connection broke after the request was sent"
        consequence = (
            "the request may have arrived: the digits may have been played, check the call "
            "before sending again"
            if sent
            else "nothing was sent"
        )
        return TransportError(f"{what} ({where}); {consequence}", may_have_played=sent)


class _Exchange:
    """One request and its answer, in a worker thread that the caller can stop waiting for."""

    def __init__(
        self,
        session: requests.Session,
        prepared: requests.PreparedRequest,
        timeout: tuple[float, float],
        settings: Mapping[str, Any],
    ) -> None:
        self.session, self.prepared, self.timeout, self.settings = (
            session,
            prepared,
            timeout,
            settings,
        )
        #: The answer, or what was raised instead (run() always sets one).
        self.outcome: Answer | BaseException = TransportError("the exchange did not run")
        self.response: requests.Response | None = None

    def run(self) -> None:
        try:
            response = self.session.send(
                self.prepared, timeout=self.timeout, allow_redirects=False, **self.settings
            )
            self.response = response
            with response:
                try:
                    body, truncated = _read_capped(response.iter_content(8192), MAX_ANSWER_BYTES)
                except requests.exceptions.RequestException:
                    # The status line and headers arrived: the answer stands without its body.
                    body, truncated = b"", True
            headers = {key.lower(): value for key, value in response.headers.items()}
            self.outcome = Answer(
                response.status_code, response.reason or "", headers, body, truncated
            )
        except BaseException as exc:  # handed to the caller's thread
            self.outcome = exc

    def abandon(self) -> None:
        """Cut the connection of an answer that is too slow (its worker then ends)."""
        response = self.response
        connection = getattr(response.raw, "connection", None) if response is not None else None
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _scrubbed(exc: requests.exceptions.RequestException) -> requests.exceptions.RequestException:
    """`exc` without the request it carries: its Authorization header must not travel on."""
    exc.request = None
    exc.response = None
    return exc


def _proxy(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"proxy must be a str, not {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise ParameterError(f"proxy must be a URL like 'http://proxy:3128', got {value!r}")
    return value


def _read_capped(chunks: Iterator[bytes], cap: int) -> tuple[bytes, bool]:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > cap:
            return bytes(body[:cap]), True
    return bytes(body), False


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [
            current.__cause__,
            current.__context__,
            *[a for a in current.args if isinstance(a, BaseException)],
        ]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def _may_have_arrived(exc: requests.exceptions.RequestException) -> bool:
    """False only when the failure certainly came before any byte of the request was sent."""
    import urllib3.exceptions

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    for cause in _causes(exc):
        # Refused, unknown host, no route: the connection was never made (a proxy's too).
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            return False
        # The server's certificate was refused in the handshake, before anything was sent.
        if isinstance(cause, ssl.SSLCertVerificationError):
            return False
    return True


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by ``***`` (secrets shorter than 4 are left: they would
    mangle every message and hide nothing)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


@dataclass(frozen=True, slots=True)
class Rules:
    """How a platform's answers are read: success, errors, waits, what may be sent again.

    Attributes
    ----------
    error : callable
        ``(answer) -> CatapultError``: the typed error for an answer that is not a success.
    success : callable
        ``(answer) -> bool``.
    not_executed : callable
        ``(error) -> str | None``: which retry budget covers an error the platform did not
        execute (``"rate_limit"``, ``"unavailable"``), or None.
    deduplicated : bool
        Whether the platform ignores a repeated request (so a send that may have arrived
        can be sent again, unchanged).
    """

    error: Callable[[Answer], CatapultError]
    success: Callable[[Answer], bool]
    not_executed: Callable[[CatapultError], str | None]
    deduplicated: bool = False


def typed_error(
    answer: Answer,
    *,
    platform: str,
    fields: tuple[str | None, str | None, str | None],
    secrets: tuple[str, ...],
    classify: Callable[[int, str | None], tuple[type[CatapultError], bool] | None],
    reset_at: Callable[[Answer], float | None],
    details: Any = None,
) -> CatapultError:
    """The typed error of an answer that is not a success, for every platform.

    `fields` are the (code, category, message) the platform's body gives; `classify` may
    decide the class and whether the digits may have played for a status and code (None: the
    common rules: 3xx redirect, 401, 403, 404, 409 conflict, 429 rate limit, 5xx may have
    played); `reset_at` reads when a rate limit ends. Credentials are redacted everywhere.
    """
    code, category, message = (None if v is None else redact(v, secrets) for v in fields)
    status = answer.status
    summary = f"{platform} answered {status} {answer.reason}".rstrip()
    if code or category:
        summary += f" ({code or category})"
    if message:
        summary += f": {message}"
    elif not any(fields) and answer.body:
        summary += f": {one_line(redact(answer.text(), secrets))}"
    extra: dict[str, Any] = {}
    decided = classify(status, code)
    if decided is not None:
        cls, played = decided
    else:
        cls, played = _COMMON.get(status, (CatapultError, False))
        if status >= 500:
            cls, played = ServerError, True
        elif 300 <= status < 400:
            cls = RedirectError
    if issubclass(cls, RedirectError):
        extra["location"] = answer.header("Location")
        summary += f" to {extra['location']!r}; redirects are not followed"
    elif issubclass(cls, RateLimitError):
        extra["reset_at"] = reset_at(answer)
        if extra["reset_at"] is not None:
            moment = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(extra["reset_at"]))
            summary += f", the limit resets at {moment}"
    summary += (
        "; the digits may have been played, check the call before sending again"
        if played
        else "; nothing was played"
    )
    return cls(
        redact(summary, secrets),
        status=status,
        category=category,
        code=code,
        message=message,
        details=details,
        may_have_played=played,
        **extra,
    )


#: One line of a body that is not JSON, at most this long, is kept in an error's message.
BODY_IN_MESSAGE: Final = 200


def one_line(text: str) -> str:
    """`text` on one line, shortened to :data:`BODY_IN_MESSAGE` characters.

    Examples
    --------
    >>> one_line("down\\n  until 03:00"), len(one_line("x" * 500))
    ('down until 03:00', 200)
    """
    line = " ".join(text.split())
    return line if len(line) <= BODY_IN_MESSAGE else line[: BODY_IN_MESSAGE - 1] + "…"


_COMMON: Final[dict[int, tuple[type[CatapultError], bool]]] = {
    401: (AuthenticationError, False),
    403: (ForbiddenError, False),
    404: (CallNotFoundError, False),
    409: (ConflictError, False),
    429: (RateLimitError, False),
}


def retry_after(answer: Answer, *, now: float) -> float | None:
    """The server's time (Unix seconds) at which to try again, from ``Retry-After``, or None.

    Examples
    --------
    >>> retry_after(Answer(429, "", {"retry-after": "2"}, b""), now=100.0)
    102.0
    >>> retry_after(Answer(429, "", {"retry-after": "9" * 5000}, b""), now=100.0) is None
    True
    """
    value = answer.header("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit() and value.isascii():
        return now + int(value) if len(value) <= _MAX_DIGITS else None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def deliver(
    transport: Transport,
    prepared: requests.PreparedRequest,
    *,
    rules: Rules,
    policy: RetryPolicy,
    secrets: tuple[str, ...],
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Answer, int]:
    """Send `prepared` until it succeeds, fails for good, or the policy says stop.

    Returns the successful answer and how many retries it took.

    Raises
    ------
    CatapultError
        The platform's typed error; ``may_have_played`` tells whether the digits may have
        been played.
    """
    used = {"connect": 0, "rate_limit": 0, "unavailable": 0, "replay": 0}
    retries = 0
    ends = time.monotonic() + policy.deadline
    while True:
        try:
            answer = transport.send(prepared, secrets=secrets)
        except TransportError as failure:
            budget = "replay" if failure.may_have_played and rules.deduplicated else "connect"
            if failure.may_have_played and not rules.deduplicated:
                raise
            pause = policy.pause(used[budget])
            if used[budget] >= getattr(policy, budget) or time.monotonic() + pause > ends:
                raise
            log.debug("%s; sending again in %.1f s", redact(str(failure), secrets), pause)
            sleep(pause)
            used[budget] += 1
            retries += 1
            continue
        log.debug(
            "%s %s -> %s", prepared.method, redact(prepared.url or "", secrets), answer.status
        )
        if rules.success(answer):
            return answer, retries
        error = rules.error(answer)
        budget_name = rules.not_executed(error)
        if budget_name is None or used[budget_name] >= getattr(policy, budget_name):
            raise error
        wait = policy.pause(used[budget_name])
        reset_at = getattr(error, "reset_at", None)
        if reset_at is not None:
            wait = max(0.0, reset_at - time.time())
            if wait > policy.max_wait:
                raise error
        if time.monotonic() + wait > ends:
            raise error
        log.debug("%s; sending again in %.1f s", redact(str(error), secrets), wait)
        sleep(wait)
        used[budget_name] += 1
        retries += 1
