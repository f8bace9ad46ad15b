"""One string, any platform: DTMF sent to Catapult v1, Bandwidth Voice v2, Telnyx, Twilio and
Asterisk ARI with the same promises.

A :class:`Platform` is a value: the profile of what its calls hear (grammar, limits, timing,
pause rule), how a Catapult ``dtmfOut`` string translates into its digits, which of the timing
it takes as parameters and within what ranges, the credentials it needs and where they come
from, how its requests are built and its answers read. :class:`PlatformClient` sends to any of
them through the one retry loop of :mod:`dtmfkit._http`:

- the string is a Catapult ``dtmfOut`` string (``[A-D0-9#*,wW]``, what dtmfkit previews); it is
  translated for the platform (Twilio: ``,`` → ``w``, ``W`` → ``ww``; Telnyx and ARI: ``,`` →
  ``w``), and a character the platform does not document, or a string past its limit, is
  refused before any I/O, naming the character, its position and the platform;
- the tone and gap are the platform's parameters where it has them (BXML ``toneDuration`` and
  ``toneInterval``, Telnyx ``duration_millis``, ARI ``duration`` and ``between``), whole
  milliseconds within the documented range: a value outside it is refused, never clamped; a
  platform without the parameter refuses it;
- a send that may have arrived is never repeated, except on Telnyx, which ignores a repeated
  ``command_id`` for the same call: there a send cut off after it left is sent again with the
  same ``command_id`` (up to ``replay_retries`` times), and the result says so;
- answers map to the typed errors with ``may_have_played``, rate limits to
  :class:`~dtmfkit.RateLimitError` with ``reset_at``.

The contracts and their sources are in ``PLATFORMS.md`` (shared with the project) and in each
platform's ``sources``.

Examples
--------
>>> from dtmfkit import PLATFORMS
>>> PLATFORMS["twilio"].translate("1W2,3")
'1ww2w3'
>>> PLATFORMS["twilio"].translate("1#")
Traceback (most recent call last):
...
dtmfkit.DtmfSyntaxError: twilio cannot send '#' at position 2 in '1#': <Play digits> ...
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Self
from urllib.parse import urlencode, urlsplit

from dtmfkit._errors import (
    CallStateError,
    CatapultError,
    DtmfSyntaxError,
    ParameterError,
    RateLimitError,
)
from dtmfkit._grammar import Sequence, parse
from dtmfkit._profiles import (
    ASTERISK_ARI,
    BANDWIDTH_BXML,
    CATAPULT_PROFILE,
    TELNYX,
    TWILIO,
    Profile,
)
from dtmfkit._version import __version__

if TYPE_CHECKING:
    import requests

    from dtmfkit._catapult import SendResult
    from dtmfkit._http import Answer
    from dtmfkit._timeline import Timeline
    from dtmfkit._timing import Timing

__all__ = ["PLATFORMS", "Platform", "PlatformClient"]


@dataclass(frozen=True)
class Platform:
    """What one platform takes, plays and answers.

    Attributes
    ----------
    name : str
    title : str
    profile : Profile
        What its calls hear: the translated string is rendered and previewed with it.
    characters : str
        The characters it takes as they are (its documented keys and pauses).
    translations : mapping of str to str
        How a Catapult pause character is written for it (identity when absent).
    max_length : int or None
        The longest string it takes, after translation, when it says.
    parameters : tuple of str
        Which of ``tone_ms`` and ``gap_ms`` it takes as request parameters.
    credentials : mapping of str to str
        Each credential it needs, and the environment variable it comes from.
    base_url_variable : str
        The environment variable that points its client elsewhere.
    default_base_url : str or None
        Where its API lives (None: self-hosted, the URL must be given).
    deduplicated : bool
        Whether it ignores a repeated request (Telnyx's ``command_id``).
    assumed : str
        What dtmfkit assumes where the platform says nothing.

    Examples
    --------
    >>> from dtmfkit import PLATFORMS
    >>> PLATFORMS["bandwidth"].parameters, PLATFORMS["bandwidth"].max_length
    (('tone_ms', 'gap_ms'), 50)
    >>> PLATFORMS["telnyx"].deduplicated
    True
    """

    name: str
    title: str
    profile: Profile
    characters: str
    translations: Mapping[str, str]
    max_length: int | None
    parameters: tuple[str, ...]
    credentials: Mapping[str, str]
    base_url_variable: str
    default_base_url: str | None
    deduplicated: bool = False
    assumed: str = ""
    why: str = field(default="", repr=False)

    def translate(self, text: str | Sequence) -> str:
        """The platform's digits for a Catapult ``dtmfOut`` string, or a one-line refusal.

        Raises
        ------
        DtmfSyntaxError
            Not a Catapult string, a character the platform does not document (named with
            its position), or longer than the platform takes.
        """
        sequence = parse(text.text if isinstance(text, Sequence) else text)
        out = []
        for position, char in enumerate(sequence.text, start=1):
            if char in self.translations:
                out.append(self.translations[char])
            elif char in self.characters:
                out.append(char)
            else:
                raise DtmfSyntaxError(
                    f"{self.name} cannot send {char!r} at position {position} in "
                    f"{sequence.text!r}: {self.why}",
                    text=sequence.text,
                    position=position,
                )
        digits = "".join(out)
        if self.max_length is not None and len(digits) > self.max_length:
            raise DtmfSyntaxError(
                f"{self.name} takes at most {self.max_length} characters; {sequence.text!r} "
                f"is {len(digits)} as {self.name} writes it",
                text=sequence.text,
                position=self.max_length + 1,
            )
        return digits

    def timing(self, tone_ms: object = None, gap_ms: object = None) -> Timing:
        """The timing of a send: the profile's, with the tone and gap given, each a
        parameter of this platform, in whole milliseconds within its documented range.

        Raises
        ------
        ParameterError
            A value the platform has no parameter for, not whole, or out of its range.
        """
        from dtmfkit._limits import milliseconds

        chosen: dict[str, Fraction] = {}
        for name, value in (("tone_ms", tone_ms), ("gap_ms", gap_ms)):
            if value is None:
                continue
            if name not in self.parameters:
                raise ParameterError(
                    f"{self.name} has no {name.replace('_ms', '')} length to set"
                    + (" (it is not configurable)" if not self.parameters else "")
                )
            checked = milliseconds(value, name)
            if checked.denominator != 1:
                raise ParameterError(f"{self.name} takes {name} in whole ms, got {value}")
            chosen[name] = checked
        return self.profile.timing_for(**chosen)  # type: ignore[arg-type]

    def schedule(
        self,
        text: str | Sequence,
        *,
        tone_ms: object = None,
        gap_ms: object = None,
        rate: int = 8000,
    ) -> Timeline:
        """What a call on this platform hears for a Catapult string: its translation,
        scheduled with the platform's profile and the timing of the send."""
        from dtmfkit._timeline import schedule

        return schedule(
            self.translate(text),
            profile=self.profile,
            timing=self.timing(tone_ms, gap_ms),
            rate=rate,
        )


def _bandwidth_request(
    credentials: Mapping[str, str], base: str, call_id: str, digits: str, timing: Timing, _: str
) -> tuple[str, str, dict[str, str], bytes]:
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.Element("Bxml")
    verb = ElementTree.SubElement(
        root,
        "SendDtmf",
        toneDuration=str(int(timing.tone_ms)),
        toneInterval=str(int(timing.gap_ms)),
    )
    verb.text = digits
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    account = _segment(credentials["account_id"], "account_id")
    url = f"{base}/api/v2/accounts/{account}/calls/{_segment(call_id, 'call_id')}/bxml"
    return "PUT", url, {"Content-Type": "application/xml; charset=utf-8"}, body


def _telnyx_request(
    credentials: Mapping[str, str],
    base: str,
    call_id: str,
    digits: str,
    timing: Timing,
    command_id: str,
) -> tuple[str, str, dict[str, str], bytes]:
    body = {"digits": digits, "duration_millis": int(timing.tone_ms), "command_id": command_id}
    url = f"{base}/v2/calls/{_segment(call_id, 'call_control_id')}/actions/send_dtmf"
    return "POST", url, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _twilio_request(
    credentials: Mapping[str, str], base: str, call_id: str, digits: str, timing: Timing, _: str
) -> tuple[str, str, dict[str, str], bytes]:
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.Element("Response")
    ElementTree.SubElement(root, "Play", digits=digits)
    twiml = ElementTree.tostring(root, encoding="unicode")
    account = _segment(credentials["account_sid"], "account_sid")
    url = f"{base}/2010-04-01/Accounts/{account}/Calls/{_segment(call_id, 'call_sid')}.json"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return "POST", url, headers, urlencode({"Twiml": twiml}).encode()


def _asterisk_request(
    credentials: Mapping[str, str], base: str, call_id: str, digits: str, timing: Timing, _: str
) -> tuple[str, str, dict[str, str], bytes]:
    query = urlencode(
        {
            "dtmf": digits,
            "before": 0,
            "between": int(timing.gap_ms),
            "duration": int(timing.tone_ms),
            "after": 0,
        }
    )
    url = f"{base}/ari/channels/{_segment(call_id, 'channel_id')}/dtmf?{query}"
    return "POST", url, {}, b""


_BUILDERS: Final[dict[str, Callable[..., tuple[str, str, dict[str, str], bytes]]]] = {
    "bandwidth": _bandwidth_request,
    "telnyx": _telnyx_request,
    "twilio": _twilio_request,
    "asterisk": _asterisk_request,
}

_ANY_KEY: Final = "0123456789*#ABCDabcd"

#: Every platform by name.
PLATFORMS: Final = MappingProxyType(
    {
        platform.name: platform
        for platform in (
            Platform(
                "catapult",
                "Bandwidth Catapult v1",
                CATAPULT_PROFILE,
                "0123456789*#ABCD,wW",
                {},
                92,
                (),
                {
                    "user_id": "CATAPULT_USER_ID",
                    "api_token": "CATAPULT_API_TOKEN",
                    "api_secret": "CATAPULT_API_SECRET",
                },
                "CATAPULT_BASE_URL",
                "https://api.catapult.inetwork.com",
                assumed="tone 200 ms and gap 400 ms (Catapult says 'a marginal delay')",
            ),
            Platform(
                "bandwidth",
                "Bandwidth Voice API v2 (BXML <SendDtmf>)",
                BANDWIDTH_BXML,
                _ANY_KEY + ",wW",
                {},
                50,
                ("tone_ms", "gap_ms"),
                {
                    "account_id": "BW_ACCOUNT_ID",
                    "username": "BW_USERNAME",
                    "password": "BW_PASSWORD",
                },
                "BW_VOICE_BASE_URL",
                "https://voice.bandwidth.com",
            ),
            Platform(
                "telnyx",
                "Telnyx Call Control (send_dtmf)",
                TELNYX,
                "0123456789*#ABCDwW",
                {",": "w"},
                None,
                ("tone_ms",),
                {"api_key": "TELNYX_API_KEY"},
                "TELNYX_BASE_URL",
                "https://api.telnyx.com",
                deduplicated=True,
                assumed="a 250 ms gap (undocumented); ',' sent as 'w'",
                why="Telnyx documents 0-9, A-D, *, # and the pauses w and W",
            ),
            Platform(
                "twilio",
                "Twilio (call update, <Play digits>)",
                TWILIO,
                "0123456789w",
                {",": "w", "W": "ww"},
                None,
                (),
                {"account_sid": "TWILIO_ACCOUNT_SID", "auth_token": "TWILIO_AUTH_TOKEN"},
                "TWILIO_BASE_URL",
                "https://api.twilio.com",
                assumed="100 ms tones and gaps (undocumented); ',' sent as 'w', 'W' as 'ww'",
                why="<Play digits> documents 0-9 and w only",
            ),
            Platform(
                "asterisk",
                "Asterisk ARI (channels/{id}/dtmf)",
                ASTERISK_ARI,
                _ANY_KEY + "wW",
                {",": "w"},
                None,
                ("tone_ms", "gap_ms"),
                {"username": "ARI_USERNAME", "password": "ARI_PASSWORD"},
                "ARI_URL",
                None,
                assumed="',' sent as 'w' (ARI would skip it)",
            ),
        )
    }
)


def _segment(value: object, name: str) -> str:
    from dtmfkit._http import segment

    return segment(value, name)


def resolve_platform(platform: str | Platform) -> Platform:
    """The platform of this name, or `platform` itself."""
    if isinstance(platform, Platform):
        return platform
    if not isinstance(platform, str):
        raise TypeError(f"platform must be a name or a Platform, not {type(platform).__name__}")
    try:
        return PLATFORMS[platform]
    except KeyError:
        known = ", ".join(PLATFORMS)
        raise ParameterError(f"unknown platform {platform!r}; known: {known}") from None


class PlatformClient:
    """Send DTMF into live calls on any platform (see the module's description).

    Parameters
    ----------
    platform : str or Platform
        ``"catapult"``, ``"bandwidth"``, ``"telnyx"``, ``"twilio"`` or ``"asterisk"``.
    credentials : mapping, optional
        The platform's credentials by name (``Platform.credentials``); or give them as
        keywords.
    base_url : str, optional
        The API's root (the platform's by default; required for Asterisk).
    timeout, session, proxy, connect_retries, rate_limit_retries, backoff,
    max_rate_limit_wait, allow_insecure_http, pool_size
        As :class:`~dtmfkit.CatapultClient`.
    replay_retries : int, default 2
        On a platform that de-duplicates (Telnyx), how often a send cut off after it left is
        sent again unchanged.

    Examples
    --------
    >>> client = PlatformClient("telnyx", api_key="KEY-secret")
    >>> client
    PlatformClient(platform='telnyx', base_url='https://api.telnyx.com')
    >>> request = client.build_request("v3-call", "1W2", tone_ms=200, command_id="c-1")
    >>> request.method, request.url
    ('POST', 'https://api.telnyx.com/v2/calls/v3-call/actions/send_dtmf')
    >>> request.body
    b'{"digits": "1W2", "duration_millis": 200, "command_id": "c-1"}'
    >>> request.headers["Authorization"]
    'Bearer KEY-secret'
    """

    def __init__(
        self,
        platform: str | Platform,
        credentials: Mapping[str, str] | None = None,
        *,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        session: requests.Session | None = None,
        proxy: str | None = None,
        connect_retries: int = 3,
        rate_limit_retries: int = 5,
        replay_retries: int = 2,
        backoff: float = 0.5,
        max_rate_limit_wait: float = 30.0,
        allow_insecure_http: bool = False,
        pool_size: int = 32,
        **named: str,
    ) -> None:
        from dtmfkit._http import (
            BasicAuth,
            BearerAuth,
            RetryPolicy,
            Rules,
            Transport,
            check_base_url,
        )

        self.platform = resolve_platform(platform)
        given = {**(credentials or {}), **named}
        names = list(self.platform.credentials)
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise TypeError(
                f"{self.platform.name} takes the credentials {', '.join(names)}, not {unknown[0]!r}"
            )
        missing = [name for name in names if not given.get(name)]
        if missing:
            raise ParameterError(f"{self.platform.name} needs {', '.join(missing)}")
        for name in names:
            if not isinstance(given[name], str):
                raise TypeError(f"{name} must be a str, not {type(given[name]).__name__}")
        default = self.platform.default_base_url
        if base_url is None and default is None:
            raise ParameterError(
                f"{self.platform.name} has no public API: give base_url (or set "
                f"{self.platform.base_url_variable})"
            )
        self.base_url = check_base_url(
            base_url or default,
            allow_insecure_http=allow_insecure_http,
            default=default or "http://localhost:8088",
        )
        self._catapult = None
        if self.platform.name == "catapult":
            from dtmfkit._catapult import CatapultClient

            self._catapult = CatapultClient(
                given["user_id"],
                given["api_token"],
                given["api_secret"],
                base_url=self.base_url,
                timeout=timeout,
                session=session,
                proxy=proxy,
                max_rate_limit_wait=max_rate_limit_wait,
                connect_retries=connect_retries,
                rate_limit_retries=rate_limit_retries,
                backoff=backoff,
                allow_insecure_http=allow_insecure_http,
                pool_size=pool_size,
            )
            return
        # Identifiers (account, SID) are not secret; keys, tokens and passwords are.
        self._ids = {k: v for k, v in given.items() if k in ("account_id", "account_sid")}
        if self.platform.name == "telnyx":
            self._auth: Any = BearerAuth(given["api_key"])
        elif self.platform.name == "twilio":
            self._auth = BasicAuth(given["account_sid"], given["auth_token"])
        else:
            self._auth = BasicAuth(given["username"], given["password"])
        self.policy = RetryPolicy(
            connect=connect_retries,
            rate_limit=rate_limit_retries,
            unavailable=0,
            replay=replay_retries if self.platform.deduplicated else 0,
            backoff=backoff,
            max_wait=max_rate_limit_wait,
        )
        self._transport = Transport(
            session=session, timeout=timeout, proxy=proxy, pool_size=pool_size
        )
        self._rules = Rules(
            error=self._error,
            success=_success,
            not_executed=_not_executed,
            deduplicated=self.platform.deduplicated,
        )

    @classmethod
    def from_env(
        cls, platform: str | Platform, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> PlatformClient:
        """A client whose credentials (and base URL) come from the platform's variables.

        Raises
        ------
        ParameterError
            Naming every variable that is missing (never a value).

        Examples
        --------
        >>> PlatformClient.from_env("twilio", {})
        Traceback (most recent call last):
        ...
        dtmfkit.ParameterError: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN in the environment
        """
        chosen = resolve_platform(platform)
        env = os.environ if environ is None else environ
        missing = [var for var in chosen.credentials.values() if not env.get(var)]
        if missing:
            raise ParameterError(f"set {', '.join(missing)} in the environment")
        if env.get(chosen.base_url_variable):
            kwargs.setdefault("base_url", env[chosen.base_url_variable])
        credentials = {name: env[var] for name, var in chosen.credentials.items()}
        return cls(chosen, credentials, **kwargs)

    def __repr__(self) -> str:
        return f"PlatformClient(platform={self.platform.name!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the connections (of dtmfkit's own session)."""
        if self._catapult is not None:
            self._catapult.close()
        else:
            self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def build_request(
        self,
        call_id: str,
        text: str | Sequence,
        *,
        tone_ms: object = None,
        gap_ms: object = None,
        command_id: str | None = None,
    ) -> requests.PreparedRequest:
        """The exact request :meth:`send_dtmf` sends, built without I/O (credentials hidden
        from its repr; :func:`~dtmfkit.format_request` shows it redacted). On Telnyx,
        `command_id` is a new UUID unless given.

        Raises
        ------
        DtmfSyntaxError, ParameterError, TypeError
            A string or timing the platform would refuse; nothing is sent.
        """
        return self._prepare(call_id, text, tone_ms, gap_ms, command_id)[1]

    def _prepare(
        self,
        call_id: str,
        text: str | Sequence,
        tone_ms: object,
        gap_ms: object,
        command_id: str | None,
    ) -> tuple[str, requests.PreparedRequest]:
        """The platform's digits for `text`, and the request that sends them."""
        import requests

        platform = self.platform
        digits = platform.translate(text)
        timing = platform.timing(tone_ms, gap_ms)
        if self._catapult is not None:
            return digits, self._catapult.build_request(call_id, digits)
        builder = _BUILDERS[platform.name]
        command = command_id if command_id is not None else str(uuid.uuid4())
        method, url, extra, body = builder(
            {**self._ids}, self.base_url, call_id, digits, timing, command
        )
        headers = {
            "Host": urlsplit(url).netloc,
            "User-Agent": f"dtmfkit/{__version__} python-requests/{requests.__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            **extra,
        }
        request = requests.Request(method, url, headers=headers, data=body or None)
        request.auth = self._auth
        prepared = request.prepare()
        if not body:
            prepared.headers["Content-Length"] = "0"
        return digits, prepared

    def send_dtmf(
        self, call_id: str, text: str | Sequence, *, tone_ms: object = None, gap_ms: object = None
    ) -> SendResult:
        """Send a Catapult ``dtmfOut`` string into a call on this platform.

        Returns
        -------
        SendResult
            ``sequence`` is what the platform was sent, in its profile's grammar; ``retries``
            counts requests sent again (on Telnyx, possibly after one that may have arrived:
            it ignores the repeat).

        Raises
        ------
        DtmfSyntaxError, ParameterError, TypeError
            Refused before any I/O.
        CatapultError
            As :meth:`~dtmfkit.CatapultClient.send_dtmf`: typed by status, with
            ``may_have_played``.
        """
        from dtmfkit._catapult import SendResult
        from dtmfkit._http import deliver

        if self._catapult is not None:
            self.platform.timing(tone_ms, gap_ms)  # Catapult has no timing to set
            return self._catapult.send_dtmf(call_id, self.platform.translate(text))
        # One command_id per send (a new UUID): Telnyx ignores its repeats.
        digits, prepared = self._prepare(call_id, text, tone_ms, gap_ms, None)
        answer, retries = deliver(
            self._transport,
            prepared,
            rules=self._rules,
            policy=self.policy,
            secrets=self._auth.secrets(),
        )
        return SendResult(
            call_id, Sequence(digits, self.platform.profile.grammar), answer.status, retries
        )

    def _error(self, answer: Answer) -> CatapultError:
        """The typed error for an answer of this platform that is not a success."""
        return typed_error(answer, self.platform, self._auth.secrets())


def _success(answer: Answer) -> bool:
    return 200 <= answer.status < 300


def _not_executed(error: CatapultError) -> str | None:
    # 429 on every platform is a refusal: nothing ran (Twilio 20429: "safe to retry").
    return "rate_limit" if isinstance(error, RateLimitError) else None


def _fields(platform: str, body: Any) -> tuple[str | None, str | None, str | None]:
    """(code, category, message) from each platform's error body."""
    if not isinstance(body, dict):
        return None, None, None

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    if platform == "bandwidth":  # VoiceApiError {"type", "description", "id"}
        return text(body.get("type")), None, text(body.get("description"))
    if platform == "telnyx":  # {"errors": [{"code", "title", "detail"}]}
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        first = first if isinstance(first, dict) else {}
        code = first.get("code")
        return (
            str(code) if isinstance(code, int | str) else None,
            text(first.get("title")),
            text(first.get("detail")),
        )
    if platform == "twilio":  # {"code": 20404, "message": ...}
        code = body.get("code")
        return str(code) if isinstance(code, int | str) else None, None, text(body.get("message"))
    return None, None, text(body.get("message"))  # asterisk: {"message": ...}


def typed_error(answer: Answer, platform: Platform, secrets: tuple[str, ...]) -> CatapultError:
    """The typed error of a platform's answer that is not a success, credentials redacted."""
    from dtmfkit._http import typed_error as common

    try:
        body = json.loads(answer.body) if answer.body else None
    except ValueError:
        body = None
    fields = _fields(platform.name, body)

    def classify(status: int, code: str | None) -> tuple[type[CatapultError], bool] | None:
        if status in (409, 412) and platform.name == "asterisk":
            # ARI: 409 not in a Stasis application, 412 channel in an invalid state.
            return CallStateError, False
        if code in ("20429", "10011"):  # Twilio's and Telnyx's rate-limit codes
            return RateLimitError, False
        return None

    def reset_at(answer: Answer) -> float | None:
        from dtmfkit._http import retry_after

        now = time.time()
        found = retry_after(answer, now=now)
        reset = (answer.header("x-ratelimit-reset") or "").strip()
        if found is None and reset.isascii() and reset.isdigit() and len(reset) <= 16:
            # Telnyx does not document the unit: a Unix time in seconds, or seconds to wait.
            found = float(reset) if int(reset) > 10**9 else now + int(reset)
        return found

    return common(
        answer,
        platform=platform.name,
        fields=fields,
        secrets=secrets,
        classify=classify,
        reset_at=reset_at,
    )
