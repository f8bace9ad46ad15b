"""Sending to every platform with Catapult's promises: the exact request, the string refused
before any I/O when the platform would refuse it, what the call hears equal to the platform's
rendering, errors typed with may_have_played, and a send repeated only where it is safe."""

import json
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dtmfkit
from dtmfkit import (
    PLATFORMS,
    AuthenticationError,
    CallNotFoundError,
    CallStateError,
    DtmfSyntaxError,
    Emulator,
    ParameterError,
    PlatformClient,
    RateLimitError,
    RedirectError,
    ServerError,
    TransportError,
)
from dtmfkit._cli import main

NAMES = list(PLATFORMS)


@pytest.fixture(scope="module")
def shared() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


def client(emulator: Emulator, name: str, **options: object) -> PlatformClient:
    options.setdefault("backoff", 0.01)
    return PlatformClient(
        name, emulator.credentials_for(name), base_url=emulator.base_url, **options
    )  # type: ignore[arg-type]


def posts(emulator: Emulator, call_id: str) -> int:
    """Requests that reached a send route for this call."""
    return sum(call_id in r.path and not r.path.startswith("/_emulator") for r in emulator.requests)


# --- The requests, exactly ---------------------------------------------------------------------


def test_bandwidth_sends_bxml_built_by_an_xml_library() -> None:
    request = PlatformClient(
        "bandwidth", account_id="9900", username="u", password="p"
    ).build_request("c-1", "1WWW,59#", tone_ms=150, gap_ms=300)
    assert (request.method, request.url) == (
        "PUT",
        "https://voice.bandwidth.com/api/v2/accounts/9900/calls/c-1/bxml",
    )
    assert request.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(request.body)
    (verb,) = root
    assert (root.tag, verb.tag, verb.text) == ("Bxml", "SendDtmf", "1WWW,59#")
    assert verb.attrib == {"toneDuration": "150", "toneInterval": "300"}


def test_telnyx_sends_json_with_a_command_id_per_send() -> None:
    telnyx = PlatformClient("telnyx", api_key="k")
    one = telnyx.build_request("v3:abc", "1,2", tone_ms=300)
    two = telnyx.build_request("v3:abc", "1,2", tone_ms=300)
    body = json.loads(one.body)
    assert (
        one.url == "https://api.telnyx.com/v2/calls/v3%3Aabc/actions/send_dtmf"
    )  # percent-encoded
    assert body["digits"] == "1w2"
    assert body["duration_millis"] == 300
    assert body["command_id"] != json.loads(two.body)["command_id"]


def test_twilio_sends_twiml_in_a_form() -> None:
    request = PlatformClient("twilio", account_sid="AC1", auth_token="t").build_request(
        "CA9", "1W2,3"
    )
    assert request.url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA9.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    (twiml,) = parse_qs(request.body.decode())["Twiml"]
    play = ElementTree.fromstring(twiml).find("Play")
    assert play is not None
    assert play.get("digits") == "1ww2w3"


def test_asterisk_sends_the_timing_as_query_parameters() -> None:
    request = PlatformClient(
        "asterisk", username="ari", password="p", base_url="http://127.0.0.1:8088"
    ).build_request("chan-1", "1#,2", tone_ms=120, gap_ms=80)
    query = parse_qs(urlsplit(request.url).query)
    assert urlsplit(request.url).path == "/ari/channels/chan-1/dtmf"
    assert query == {
        "dtmf": ["1#w2"],
        "before": ["0"],
        "between": ["80"],
        "duration": ["120"],
        "after": ["0"],
    }
    assert request.body is None


def test_the_bytes_a_server_receives_are_the_built_request(shared: Emulator) -> None:
    for name in NAMES:
        call = shared.create_call()
        sender = client(shared, name)
        built = sender.build_request(call, "12", command_id="fixed")
        with requests.Session() as session:
            answer = session.send(built, timeout=5, allow_redirects=False)
        assert answer.status_code < 300, (name, answer.text)
        assert shared.heard(call) == ["12"]


# --- Refused before any I/O, and what the call hears otherwise -----------------------------


@pytest.mark.parametrize(
    ("name", "text", "options", "message"),
    [
        ("twilio", "1#", {}, "twilio cannot send '#' at position 2 in '1#'"),
        ("twilio", "A", {}, "twilio cannot send 'A' at position 1"),
        ("bandwidth", "1" * 51, {}, "bandwidth takes at most 50 characters"),
        ("bandwidth", "1", {"tone_ms": 40}, "accepts tone_ms from 50 to 5000, got 40"),
        ("bandwidth", "1", {"gap_ms": 50.5}, "takes gap_ms in whole ms"),
        ("telnyx", "1", {"tone_ms": 600}, "accepts tone_ms from 100 to 500, got 600"),
        ("telnyx", "1", {"gap_ms": 100}, "telnyx has no gap length to set"),
        ("twilio", "1", {"tone_ms": 100}, "twilio has no tone length to set"),
        ("catapult", "1", {"gap_ms": 100}, "catapult has no gap length to set"),
        ("asterisk", "1", {"tone_ms": 50}, "accepts tone_ms from 80 to 10000, got 50"),
        ("catapult", "1a", {}, "invalid DTMF character 'a' at position 2"),
    ],
)
def test_what_a_platform_would_refuse_never_leaves(
    shared: Emulator, name: str, text: str, options: dict[str, object], message: str
) -> None:
    call = shared.create_call()
    with pytest.raises((DtmfSyntaxError, ParameterError), match=message):
        client(shared, name).send_dtmf(call, text, **options)  # type: ignore[arg-type]
    assert posts(shared, call) == 0


CATAPULT_STRINGS = st.text(alphabet="0123456789ABCD*#,wW", min_size=1, max_size=60)


@pytest.mark.parametrize("name", NAMES)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=CATAPULT_STRINGS)
def test_accepted_means_one_request_and_the_call_hears_the_platforms_rendering(
    shared: Emulator, name: str, text: str
) -> None:
    platform = PLATFORMS[name]
    call = shared.create_call()
    try:
        expected = platform.schedule(text)
    except DtmfSyntaxError:
        with pytest.raises(DtmfSyntaxError):
            client(shared, name).send_dtmf(call, text)
        assert posts(shared, call) == 0
        return
    result = client(shared, name).send_dtmf(call, text)
    assert posts(shared, call) == 1
    assert shared.heard(call) == [platform.translate(text)] == [result.sequence.text]
    assert np.array_equal(shared.audio(call), dtmfkit.render(expected, dtype="int16"))


# --- Answers, errors and retries ------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_wrong_credentials_and_unknown_calls_are_typed(shared: Emulator, name: str) -> None:
    wrong = {key: value + "x" for key, value in shared.credentials_for(name).items()}
    with pytest.raises(AuthenticationError) as caught:
        PlatformClient(name, wrong, base_url=shared.base_url).send_dtmf(shared.create_call(), "1")
    assert caught.value.may_have_played is False
    with pytest.raises(CallNotFoundError) as missing:
        client(shared, name).send_dtmf("no-such-call", "1")
    assert missing.value.may_have_played is False


@pytest.mark.parametrize("name", ["bandwidth", "telnyx", "twilio", "asterisk"])
def test_a_rate_limit_is_waited_out_and_sent_once_more(name: str) -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        headers = {"Retry-After": "0"} if name in ("bandwidth", "asterisk") else {}
        if name == "telnyx":
            headers = {"x-ratelimit-reset": str(int(time.time()))}
        body = {"code": 20429, "message": "Too many requests"} if name == "twilio" else None
        emulator.inject(status=429, headers=headers, body=body)
        result = client(emulator, name).send_dtmf(call, "5")
        assert (result.retries, emulator.heard(call), posts(emulator, call)) == (1, ["5"], 2)


def test_a_rate_limit_past_the_wait_is_raised_with_the_servers_time() -> None:
    with Emulator() as emulator:
        later = time.time() + 3600
        emulator.inject(status=429, headers={"x-ratelimit-reset": str(int(later))})
        with pytest.raises(RateLimitError) as caught:
            client(emulator, "telnyx").send_dtmf(emulator.create_call(), "5")
        assert caught.value.reset_at == pytest.approx(int(later))
        assert caught.value.may_have_played is False


@pytest.mark.parametrize("name", NAMES)
def test_a_server_error_may_have_played_and_is_not_repeated(name: str) -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        emulator.inject(status=500, body={"message": "boom"}, execute=True)
        with pytest.raises(ServerError) as caught:
            client(emulator, name).send_dtmf(call, "5")
        assert caught.value.may_have_played is True
        assert posts(emulator, call) == 1


@pytest.mark.parametrize("name", NAMES)
def test_a_redirect_is_not_followed(name: str) -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        emulator.inject(status=302, headers={"Location": "https://example.invalid/"})
        with pytest.raises(RedirectError):
            client(emulator, name).send_dtmf(call, "5")
        assert posts(emulator, call) == 1


def test_telnyx_sends_again_after_a_cut_and_the_call_hears_it_once() -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        emulator.inject(drop=True, execute=True)
        result = client(emulator, "telnyx").send_dtmf(call, "1W2")
        assert result.retries == 1
        assert posts(emulator, call) == 2
        assert emulator.heard(call) == ["1W2"]  # the repeat carried the same command_id


@pytest.mark.parametrize("name", ["catapult", "bandwidth", "twilio", "asterisk"])
def test_elsewhere_a_cut_after_sending_is_never_repeated(name: str) -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        emulator.inject(drop=True, execute=True)
        with pytest.raises(TransportError) as caught:
            client(emulator, name).send_dtmf(call, "1")
        assert caught.value.may_have_played is True
        assert posts(emulator, call) == 1


def test_asterisk_says_when_the_channel_is_not_in_a_state_to_play() -> None:
    with Emulator() as emulator:
        call = emulator.create_call()
        emulator.hang_up(call)
        with pytest.raises(CallStateError):
            client(emulator, "asterisk").send_dtmf(call, "1")


# --- Credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_credentials_come_from_the_platforms_variables_and_never_show(
    shared: Emulator, name: str
) -> None:
    platform = PLATFORMS[name]
    values = shared.credentials_for(name)
    environ = {platform.credentials[key]: value for key, value in values.items()}
    environ[platform.base_url_variable] = shared.base_url
    sender = PlatformClient.from_env(name, environ)
    assert sender.base_url == shared.base_url
    secret = values.get("password") or values.get("api_key") or values.get("auth_token")
    secret = secret or values["api_secret"]
    assert secret not in repr(sender)
    assert secret not in str(vars(sender)) if hasattr(sender, "__dict__") else True
    with pytest.raises(ParameterError, match=f"set {next(iter(environ))}"):
        PlatformClient.from_env(name, {})


def test_asterisk_needs_its_url() -> None:
    with pytest.raises(ParameterError, match="give base_url"):
        PlatformClient("asterisk", username="a", password="b")


# --- The command line ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_send_dry_run_for_every_platform(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in PLATFORMS[name].credentials.values():
        monkeypatch.delenv(variable, raising=False)
    text = "1W2,3" if name == "twilio" else "1WWW,59#"
    assert main(["send", "--platform", name, "c-1", text, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    first = out.splitlines()[0]
    assert first.startswith(("POST /", "PUT /"))
    assert "***" in out
    assert "not set: placeholders shown" in err


def test_send_through_the_emulator_and_refusals_exit_2(
    shared: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = PLATFORMS["bandwidth"]
    for key, value in shared.credentials_for("bandwidth").items():
        monkeypatch.setenv(platform.credentials[key], value)
    monkeypatch.setenv(platform.base_url_variable, shared.base_url)
    call = shared.create_call()
    assert main(["send", "--platform", "bandwidth", call, "1w2", "--tone-ms", "100"]) == 0
    assert "sent '1w2' to bandwidth call" in capsys.readouterr().out
    assert shared.timelines(call)[0].timing.tone_ms == 100
    assert main(["send", "--platform", "twilio", call, "1#"]) == 2
    assert "twilio cannot send '#'" in capsys.readouterr().err
    assert posts(shared, call) == 1


def test_preview_shows_the_request_and_what_the_call_hears(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["preview", "--platform", "twilio", "1W2"]) == 0
    out = capsys.readouterr().out
    assert "POST /2010-04-01/Accounts/ACCOUNT_SID/Calls/CALL_ID.json" in out
    assert "preview of '1ww2' (twilio profile" in out


def test_the_command_line_knows_every_platform() -> None:
    from dtmfkit._cli import PLATFORM_NAMES

    assert tuple(PLATFORMS) == PLATFORM_NAMES
