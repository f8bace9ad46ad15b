"""A client for Catapult v1 "Send DTMF in active Call".

``POST {base}/v1/users/{userId}/calls/{callId}/dtmf`` with HTTP Basic auth ``token:secret`` and
the JSON body ``{"dtmfOut": text}``. The text goes through :func:`dtmfkit.parse` before any I/O,
and what is posted is the caller's text, unchanged. :meth:`CatapultClient.build_request` gives
the exact request, as a value, before anything is sent.

A DTMF POST is not idempotent: digits played twice can enter a PIN twice. So the client sends
again only what certainly did not execute:

- a connection that was never made (refused, unknown host, connect timeout, refused
  certificate);
- HTTP 429, which Catapult documents as "not executed", after the wait the server asks for —
  ``X-RateLimit-Reset`` (epoch milliseconds, Catapult's header) or ``Retry-After`` — unless that
  wait exceeds ``max_rate_limit_wait``, in which case :class:`RateLimitError` is raised at once;
- HTTP 503 with code ``call-unavailable`` (the call is being initialized).

It never sends again after a read timeout, a connection dropped after the request was sent, a
redirect (never followed), or any other error answer (``send-dtmf-failure`` included): those
raise an error whose ``may_have_played`` says whether the digits may have been played.

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

import asyncio
import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Self
from urllib.parse import urlsplit

import requests

from dtmfkit._errors import (
    CallNotFoundError,
    CallStateError,
    CatapultError,
    DtmfError,
    ForbiddenError,
    ParameterError,
    RateLimitError,
    SendFailedError,
    ServerError,
)
from dtmfkit._grammar import Sequence, parse
from dtmfkit._http import (
    DEFAULT_TIMEOUT,
    Answer,
    BasicAuth,
    RetryPolicy,
    Rules,
    Transport,
    check_base_url,
    deliver,
    one_line,
    redact,
    redact_headers,
    retry_after,
    segment,
    typed_error,
)
from dtmfkit._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "ENVIRONMENT",
    "AsyncCatapultClient",
    "Call",
    "CallOutcome",
    "CatapultClient",
    "SendResult",
    "format_request",
]

log = logging.getLogger("dtmfkit")

DEFAULT_BASE_URL: Final = "https://api.catapult.inetwork.com"
DEFAULT_MAX_RATE_LIMIT_WAIT: Final = 30.0
#: Where :meth:`CatapultClient.from_env` and the command line find their settings.
ENVIRONMENT: Final = {
    "user_id": "CATAPULT_USER_ID",
    "api_token": "CATAPULT_API_TOKEN",
    "api_secret": "CATAPULT_API_SECRET",
    "base_url": "CATAPULT_BASE_URL",
}


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
        Requests sent again because they certainly did not execute (429, refused, unavailable).

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
class CallOutcome:
    """What :meth:`CatapultClient.send_many` did for one call.

    Attributes
    ----------
    call_id : str
    results : tuple of SendResult
        The strings sent, in order.
    error : DtmfError or None
        Why sending to this call stopped, if it did; later strings were not sent.
    unsent : tuple of str
        The strings not sent because of `error`.

    Examples
    --------
    >>> CallOutcome("c-1", (), None, ()).ok
    True
    """

    call_id: str
    results: tuple[SendResult, ...]
    error: DtmfError | None
    unsent: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether every string was sent."""
        return self.error is None


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
        answer = self.client.request("GET", f"calls/{segment(self.call_id, 'call_id')}")
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise CatapultError(
                f"Catapult answered a call lookup with something that is not a JSON object: "
                f"{one_line(answer.text())!r}",
                status=answer.status,
            )
        return body

    def hang_up(self) -> None:
        """Complete the call (``{"state": "completed"}``)."""
        self.client.request(
            "POST", f"calls/{segment(self.call_id, 'call_id')}", json_body={"state": "completed"}
        )


def format_request(prepared: requests.PreparedRequest) -> str:
    """A prepared request as HTTP/1.1 text, credentials redacted (for ``--dry-run``).

    Examples
    --------
    >>> client = CatapultClient("u-1", "t-token", "s-secret")
    >>> print(format_request(client.build_request("c-9", "1W2")))  # doctest: +ELLIPSIS
    POST /v1/users/u-1/calls/c-9/dtmf HTTP/1.1
    Host: api.catapult.inetwork.com
    User-Agent: dtmfkit/...
    Accept: application/json
    Accept-Encoding: identity
    Content-Type: application/json
    Content-Length: 18
    Authorization: Basic ***
    <BLANKLINE>
    {"dtmfOut": "1W2"}
    """
    lines = [f"{prepared.method} {prepared.path_url} HTTP/1.1"]
    lines += [f"{key}: {value}" for key, value in redact_headers(prepared.headers).items()]
    body = prepared.body or b""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    return "\n".join([*lines, "", text])


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
        A session to send through. It is never modified: credentials and headers go on each
        request; its proxies, certificates and adapters are used as they are.
    proxy : str, optional
        Send through this proxy whatever the environment says (``HTTPS_PROXY`` and the like
        are honoured otherwise, as ``requests`` does).
    max_rate_limit_wait : float, default 30.0
        Longest wait honoured after a 429; a longer one raises :class:`RateLimitError` at once.
    connect_retries, rate_limit_retries, unavailable_retries : int
        Retries of connections never made (3), after 429 answers (5), after 503
        ``call-unavailable`` answers (3).
    backoff : float, default 0.5
        First pause between retries without a server-given wait; it doubles each time.
    allow_insecure_http : bool, default False
    pool_size : int, default 32
        Connections kept for concurrent sends from many threads.

    Notes
    -----
    An instance holds no mutable state besides its connection pool: one client can be shared
    by any number of threads.

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
        proxy: str | None = None,
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
        self._auth = BasicAuth(api_token, api_secret)
        self.base_url = check_base_url(
            base_url, allow_insecure_http=allow_insecure_http, default=DEFAULT_BASE_URL
        )
        self.policy = RetryPolicy(
            connect=connect_retries,
            rate_limit=rate_limit_retries,
            unavailable=unavailable_retries,
            replay=0,
            backoff=backoff,
            max_wait=max_rate_limit_wait,
        )
        self._transport = Transport(
            session=session, timeout=timeout, proxy=proxy, pool_size=pool_size
        )
        self._rules = Rules(error=self._error, success=_success, not_executed=_not_executed)

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds."""
        return self._transport.timeout

    @property
    def session(self) -> requests.Session:
        """The session requests go through (never modified by dtmfkit)."""
        return self._transport.session

    @property
    def aio(self) -> AsyncCatapultClient:
        """The same client for ``asyncio``: ``await client.aio.send_dtmf(...)``."""
        return AsyncCatapultClient(self)

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
        """Close the connections (of dtmfkit's own session; a caller's stays the caller's)."""
        self._transport.close()

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
        answer = self.request("POST", "calls", json_body={"from": from_number, "to": to_number})
        location = answer.header("Location") or ""
        call_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not location or not call_id:
            raise CatapultError(
                "Catapult created a call but sent no Location", status=answer.status
            )
        return Call(self, call_id)

    def build_request(self, call_id: str, dtmf_out: str | Sequence) -> requests.PreparedRequest:
        """The exact request :meth:`send_dtmf` sends for these arguments, built without I/O.

        The credentials are in its ``Authorization`` header and nowhere in its repr;
        :func:`format_request` shows it with them redacted.

        Raises
        ------
        DtmfSyntaxError, TypeError
            As :func:`dtmfkit.parse`: only Catapult's grammar may leave, even for a Sequence
            parsed under another profile.

        Examples
        --------
        >>> request = CatapultClient("u-1", "t", "s").build_request("c-9", "1W2")
        >>> request, request.body
        (<PreparedRequest [POST]>, b'{"dtmfOut": "1W2"}')
        >>> request.url
        'https://api.catapult.inetwork.com/v1/users/u-1/calls/c-9/dtmf'
        """
        sequence = _catapult(dtmf_out)
        return self._prepare(
            "POST",
            self.dtmf_url(call_id),
            {"dtmfOut": sequence.text},
        )

    def _prepare(self, method: str, url: str, json_body: Any = None) -> requests.PreparedRequest:
        headers = {
            "Host": urlsplit(url).netloc,
            "User-Agent": f"dtmfkit/{__version__} python-requests/{requests.__version__}",
            "Accept": "application/json",
            # Every header goes out as built: http.client adds none of its own.
            "Accept-Encoding": "identity",
        }
        data = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode()
        return requests.Request(method, url, headers=headers, data=data, auth=self._auth).prepare()

    def send_dtmf(self, call_id: str, dtmf_out: str | Sequence) -> SendResult:
        """Send DTMF into an active call.

        Parameters
        ----------
        call_id : str
        dtmf_out : str or Sequence
            The ``dtmfOut`` string; parsed with Catapult's grammar before any I/O, posted
            unchanged.

        Returns
        -------
        SendResult

        Raises
        ------
        DtmfSyntaxError, TypeError
            The text is not valid; no request was made.
        AuthenticationError, ForbiddenError, CallStateError, CallNotFoundError, ConflictError
            Catapult refused the request (nothing was played).
        RedirectError
            Catapult answered with a redirect, which is never followed (nothing was played).
        RateLimitError
            Still rate limited after the allowed retries or wait (nothing was played).
        ServerError, SendFailedError
            Catapult failed; the digits may have been played.
        TransportError
            No usable answer; ``may_have_played`` tells whether the request may have arrived.
        """
        prepared = self.build_request(call_id, dtmf_out)
        answer, retries = deliver(
            self._transport,
            prepared,
            rules=self._rules,
            policy=self.policy,
            secrets=self._auth.secrets(),
        )
        return SendResult(call_id, _catapult(dtmf_out), answer.status, retries)

    def send_many(
        self,
        plan: Mapping[str, str | Sequence | Iterable[str | Sequence]]
        | Iterable[tuple[str, str | Sequence]],
        *,
        workers: int = 8,
    ) -> list[CallOutcome]:
        """Send DTMF to many calls at once, each call's strings in order.

        Every string is checked before anything is sent. Calls are served by at most `workers`
        threads; within a call, strings go one after the other, and the first error stops
        that call (the others go on).

        Parameters
        ----------
        plan : mapping or iterable of (call_id, text)
            ``{call_id: text or [texts]}``, or ``(call_id, text)`` pairs (a call may appear
            more than once: its strings keep their order).
        workers : int, default 8

        Returns
        -------
        list of CallOutcome
            One per call, in the order calls first appear.

        Raises
        ------
        DtmfSyntaxError, TypeError
            A string is not valid; nothing was sent.

        Examples
        --------
        >>> from dtmfkit._emulator import Emulator
        >>> with Emulator() as emulator:
        ...     client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
        ...     a, b = emulator.create_call(), emulator.create_call()
        ...     outcomes = client.send_many({a: ["1", "2"], b: "3"})
        ...     [emulator.heard(a), emulator.heard(b)], [o.ok for o in outcomes]
        ([['1', '2'], ['3']], [True, True])
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
            raise ParameterError(f"workers must be an integer from 1 to 256, got {workers!r}")
        calls: dict[str, list[Sequence]] = {}
        pairs = plan.items() if isinstance(plan, Mapping) else plan
        for call_id, texts in pairs:
            segment(call_id, "call_id")
            many = [texts] if isinstance(texts, str | Sequence) else list(texts)
            calls.setdefault(call_id, []).extend(_catapult(text) for text in many)

        def serve(call_id: str) -> CallOutcome:
            results: list[SendResult] = []
            sequences = calls[call_id]
            for index, sequence in enumerate(sequences):
                try:
                    results.append(self.send_dtmf(call_id, sequence))
                except DtmfError as error:
                    unsent = tuple(s.text for s in sequences[index + 1 :])
                    return CallOutcome(call_id, tuple(results), error, unsent)
            return CallOutcome(call_id, tuple(results), None, ())

        if not calls:
            return []
        with ThreadPoolExecutor(max_workers=min(workers, len(calls))) as pool:
            return list(pool.map(serve, calls))

    def request(self, method: str, path: str, *, json_body: Any = None) -> Answer:
        """Make one API request under ``/v1/users/{userId}/`` and raise for an error answer."""
        prepared = self._prepare(method, f"{self.base_url}/v1/users/{self._user}/{path}", json_body)
        answer, _ = deliver(
            self._transport,
            prepared,
            rules=self._rules,
            policy=self.policy,
            secrets=self._auth.secrets(),
        )
        return answer

    def _error(self, answer: Answer) -> CatapultError:
        """The typed error for an answer that is not a success."""
        secrets = self._auth.secrets()
        try:
            body = json.loads(answer.body) if answer.body else None
        except ValueError:
            body = None
        fields = body if isinstance(body, dict) else {}
        category, code, message = (
            value if isinstance(value := fields.get(key), str) else None
            for key in ("category", "code", "message")
        )
        details = fields.get("details")
        if details is not None:
            details = json.loads(redact(json.dumps(details), secrets))
        return typed_error(
            answer,
            platform="Catapult",
            fields=(code, category, message),
            secrets=secrets,
            classify=_classify,
            reset_at=_reset_at,
            details=details,
        )


def _classify(status: int, code: str | None) -> tuple[type[CatapultError], bool] | None:
    """Catapult's own readings of a status: call-id-not-found and call-invalid-state are
    403s; of 503s, call-unavailable ("being initialized ... retry later") did not run."""
    if status == 403:
        chosen: type[CatapultError] = {
            "call-invalid-state": CallStateError,
            "call-id-not-found": CallNotFoundError,
        }.get(code or "", ForbiddenError)
        return chosen, False
    if status >= 500:
        if code == "send-dtmf-failure":
            return SendFailedError, True
        return ServerError, code != "call-unavailable"
    return None


def _catapult(dtmf_out: str | Sequence) -> Sequence:
    """The Catapult sequence of a text or of a Sequence (whatever grammar parsed it)."""
    return parse(dtmf_out.text if isinstance(dtmf_out, Sequence) else dtmf_out)


def _success(answer: Answer) -> bool:
    return 200 <= answer.status < 300


def _not_executed(error: CatapultError) -> str | None:
    if isinstance(error, RateLimitError):
        return "rate_limit"
    # Catapult: 503 call-unavailable means "being initialized ... retry later": not run.
    if error.status == 503 and error.code == "call-unavailable":
        return "unavailable"
    return None


def _reset_at(answer: Answer) -> float | None:
    """When the rate limit resets, as the server says: Retry-After, else Catapult's
    X-RateLimit-Reset (epoch milliseconds), kept as is even when it is past."""
    now = time.time()
    found = retry_after(answer, now=now)
    if found is not None:
        return found
    reset = (answer.header("X-RateLimit-Reset") or "").strip()
    if reset.isascii() and reset.isdigit() and len(reset) <= 16:
        return int(reset) / 1000
    return None


def _clock(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))


class AsyncCatapultClient:
    """A :class:`CatapultClient` for ``asyncio``.

    Each coroutine runs the very same synchronous code in a worker thread
    (:func:`asyncio.to_thread`), so every guarantee of the client holds; cancelling the
    awaiting task does not stop a request already under way.

    Examples
    --------
    >>> import asyncio
    >>> from dtmfkit._emulator import Emulator
    >>> with Emulator() as emulator:
    ...     client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
    ...     call_id = emulator.create_call()
    ...     result = asyncio.run(client.aio.send_dtmf(call_id, "42"))
    ...     emulator.heard(call_id)
    ['42']
    """

    def __init__(self, client: CatapultClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"AsyncCatapultClient({self.client!r})"

    async def send_dtmf(self, call_id: str, dtmf_out: str | Sequence) -> SendResult:
        """:meth:`CatapultClient.send_dtmf`, awaited."""
        return await asyncio.to_thread(self.client.send_dtmf, call_id, dtmf_out)

    async def send_many(
        self,
        plan: Mapping[str, str | Sequence | Iterable[str | Sequence]]
        | Iterable[tuple[str, str | Sequence]],
        *,
        workers: int = 8,
    ) -> list[CallOutcome]:
        """:meth:`CatapultClient.send_many`, awaited."""
        return await asyncio.to_thread(self.client.send_many, plan, workers=workers)
