"""The client against the real emulator on 127.0.0.1; requests is never patched."""

import logging
import socket
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings

import dtmfkit
from dtmfkit import (
    AuthenticationError,
    CallNotFoundError,
    CallStateError,
    CatapultClient,
    CatapultError,
    ConflictError,
    DtmfSyntaxError,
    Emulator,
    ForbiddenError,
    ParameterError,
    RateLimitError,
    SendFailedError,
    ServerError,
    TransportError,
    parse,
    render,
)
from tests.conftest import SECRET, TOKEN
from tests.strategies import mixed_text


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_parse_render_and_send_agree_on_every_string(emulator: Emulator) -> None:
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, timeout=5.0)
    call_id = emulator.create_call()

    @settings(max_examples=300)
    @given(mixed_text)
    def check(text: str) -> None:
        before = emulator.count()
        try:
            parse(text)
            accepted = True
        except DtmfSyntaxError:
            accepted = False
        try:
            audio = render(text, dtype="int16")
            rendered = True
        except DtmfSyntaxError:
            rendered = False
        try:
            result = client.send_dtmf(call_id, text)
            sent = True
        except DtmfSyntaxError:
            sent = False
        assert accepted == rendered == sent
        if not sent:
            assert emulator.count() == before
            return
        assert result.status == 200
        assert emulator.count() == before + 1
        assert emulator.requests[-1].status == 200
        assert emulator.heard(call_id)[-1] == text
        heard = emulator.audio(call_id)
        assert np.array_equal(heard[heard.size - audio.size :], audio)

    check()
    assert REFERENCE_CHECKED(emulator, call_id)


def REFERENCE_CHECKED(emulator: Emulator, call_id: str) -> bool:  # noqa: N802
    """Everything the call heard is the renderings of everything it received, end to end."""
    expected = [render(text, dtype="int16") for text in emulator.heard(call_id)]
    return bool(np.array_equal(emulator.audio(call_id), np.concatenate(expected)))


def test_posted_text_is_unchanged_and_user_agent_names_dtmfkit(
    emulator: Emulator, client: CatapultClient
) -> None:
    call = client.create_call("+15551230000", "+15559870000")
    result = call.send_dtmf("1WWW,59#")
    assert (result.status, result.retries, result.sequence.text) == (200, 0, "1WWW,59#")
    assert emulator.heard(call.call_id) == ["1WWW,59#"]
    assert emulator.requests[-1].user_agent.startswith(f"dtmfkit/{dtmfkit.__version__} ")
    assert client.call(call.call_id).info()["state"] == "active"


def test_golden_examples_are_heard_as_rendered(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    for text in ("9193334444", "1WWW,59#", "1Ww2Ww1Ww#"):
        client.send_dtmf(call_id, text)
    heard = emulator.audio(call_id)
    assert heard.size == 44_800 + 40_800 + 42_400
    assert np.array_equal(heard[44_800:85_600], render("1WWW,59#", dtype="int16"))


def test_invalid_text_makes_no_request(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    for bad in ("12a", "", "1" * 93, "1\n", "\uff11"):
        with pytest.raises(DtmfSyntaxError):
            client.send_dtmf(call_id, bad)
    with pytest.raises(TypeError):
        client.send_dtmf(call_id, 1234)  # type: ignore[arg-type]
    assert emulator.requests == []


def test_wrong_secret_is_authentication_error(emulator: Emulator) -> None:
    client = CatapultClient("u-test", TOKEN, "s-wrong-secret", base_url=emulator.base_url)
    with pytest.raises(AuthenticationError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert (caught.value.status, caught.value.category) == (401, "authentication")
    assert not caught.value.may_have_played
    assert emulator.count() == 1


def test_another_users_call_is_forbidden(emulator: Emulator, client: CatapultClient) -> None:
    other = emulator.create_call(user_id="u-someone-else")
    with pytest.raises(ForbiddenError) as caught:
        client.send_dtmf(other, "1")
    assert not isinstance(caught.value, CallStateError)
    assert caught.value.status == 403
    assert emulator.heard(other) == []
    assert emulator.count() == 1


def test_completed_call_is_invalid_state(emulator: Emulator, client: CatapultClient) -> None:
    call = client.create_call("+1", "+2")
    call.hang_up()
    assert call.info()["state"] == "completed"
    with pytest.raises(CallStateError, match="nothing was played") as caught:
        call.send_dtmf("1")
    assert (caught.value.status, caught.value.code) == (403, "call-invalid-state")
    assert emulator.heard(call.call_id) == []
    assert emulator.count() == 1


def test_unknown_call_is_not_found(emulator: Emulator, client: CatapultClient) -> None:
    with pytest.raises(CallNotFoundError) as caught:
        client.send_dtmf("c-missing", "1")
    assert (caught.value.status, caught.value.code) == (404, "call-not-found")
    assert caught.value.message == "The call c-missing was not found"
    assert caught.value.details == []
    assert emulator.count() == 1


def test_conflict(emulator: Emulator, client: CatapultClient) -> None:
    emulator.inject(status=409, body={"category": "conflict", "code": "dtmf-in-progress"})
    with pytest.raises(ConflictError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        409,
        "dtmf-in-progress",
        None,
    )
    assert emulator.count() == 1


def test_429_with_ratelimit_reset_waits_then_sends_once(
    emulator: Emulator, client: CatapultClient
) -> None:
    call_id = emulator.create_call()
    reset = time.time() + 0.4
    emulator.inject(
        status=429,
        headers={"X-RateLimit-Reset": str(int(reset * 1000))},
        body={"category": "too-many-requests", "code": "rate-limit-reached"},
    )
    result = client.send_dtmf(call_id, "123")
    assert result.retries == 1
    assert emulator.heard(call_id) == ["123"]
    first, second = emulator.requests
    assert (first.status, second.status) == (429, 200)
    # The retry went out after the reset time the server gave (timestamps from the server).
    assert second.time >= reset - 0.05


def test_429_with_retry_after(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    emulator.inject(status=429, headers={"Retry-After": "1"})
    assert client.send_dtmf(call_id, "4").retries == 1
    assert [r.status for r in emulator.requests] == [429, 200]
    assert emulator.requests[1].time - emulator.requests[0].time >= 0.9
    assert emulator.heard(call_id) == ["4"]


def test_429_beyond_the_wait_cap_raises_at_once(emulator: Emulator, client: CatapultClient) -> None:
    reset = time.time() + 60
    emulator.inject(status=429, headers={"X-RateLimit-Reset": str(int(reset * 1000))})
    with pytest.raises(RateLimitError, match="nothing was played") as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert caught.value.status == 429
    assert caught.value.reset_at == pytest.approx(reset, abs=1.0)
    assert not caught.value.may_have_played
    assert emulator.count() == 1


def test_429_every_time_gives_up_after_the_retry_budget(emulator: Emulator) -> None:
    client = CatapultClient(
        *emulator.credentials, base_url=emulator.base_url, rate_limit_retries=2, backoff=0.01
    )
    emulator.inject(status=429, count=10)
    with pytest.raises(RateLimitError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert caught.value.reset_at is None
    assert emulator.count() == 3


def test_503_call_unavailable_is_retried(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    emulator.inject(
        status=503,
        body={"category": "service-unavailable", "code": "call-unavailable"},
        count=2,
    )
    assert client.send_dtmf(call_id, "5").retries == 2
    assert [r.status for r in emulator.requests] == [503, 503, 200]
    assert emulator.heard(call_id) == ["5"]


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "0"}])
def test_503_send_dtmf_failure_is_never_retried(
    emulator: Emulator, client: CatapultClient, headers: dict[str, str]
) -> None:
    emulator.inject(
        status=503,
        headers=headers,
        body={"category": "service-unavailable", "code": "send-dtmf-failure", "message": "x"},
        execute=True,
    )
    call_id = emulator.create_call()
    with pytest.raises(SendFailedError, match="may have been played") as caught:
        client.send_dtmf(call_id, "1")
    assert caught.value.may_have_played
    assert caught.value.status == 503
    assert emulator.count() == 1


def test_500_with_html_body(emulator: Emulator, client: CatapultClient) -> None:
    emulator.inject(status=500, body="<html><body>Internal error</body></html>")
    with pytest.raises(ServerError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    error = caught.value
    assert (error.status, error.category, error.code, error.message) == (500, None, None, None)
    assert error.may_have_played
    assert emulator.count() == 1


def test_empty_error_body(emulator: Emulator, client: CatapultClient) -> None:
    emulator.inject(status=502)
    with pytest.raises(ServerError, match="502 Bad Gateway; the digits may have been played"):
        client.send_dtmf(emulator.create_call(), "1")
    assert emulator.count() == 1


def test_read_timeout_is_one_request_that_may_have_played(emulator: Emulator) -> None:
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, timeout=(2, 0.3))
    call_id = emulator.create_call()
    emulator.inject(delay=1.0)
    with pytest.raises(TransportError, match="may have been played") as caught:
        client.send_dtmf(call_id, "7")
    assert caught.value.may_have_played
    assert caught.value.status is None
    wait_for(lambda: emulator.count() == 1)
    time.sleep(0.2)
    assert emulator.count() == 1
    assert emulator.heard(call_id) == ["7"]


def test_dropped_connection_after_request_may_have_played(
    emulator: Emulator, client: CatapultClient
) -> None:
    call_id = emulator.create_call()
    emulator.inject(drop=True, execute=True)
    with pytest.raises(TransportError, match="may have been played") as caught:
        client.send_dtmf(call_id, "8")
    assert caught.value.may_have_played
    assert emulator.count() == 1
    assert emulator.heard(call_id) == ["8"]


def test_slow_answer_within_timeout_succeeds(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    emulator.inject(delay=0.5)
    assert client.send_dtmf(call_id, "9").status == 200
    assert emulator.count() == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_retried_then_nothing_was_sent() -> None:
    client = CatapultClient(
        "u", TOKEN, SECRET, base_url=f"http://127.0.0.1:{free_port()}", backoff=0.01
    )
    with pytest.raises(TransportError, match=r"could not connect.*nothing was sent") as caught:
        client.send_dtmf("c-1", "1")
    assert not caught.value.may_have_played
    assert isinstance(caught.value.__cause__, Exception)


def test_repr_and_errors_never_show_credentials(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = CatapultClient("u-test", TOKEN, SECRET, base_url=emulator.base_url, backoff=0.01)
    texts = [repr(client), str(client.__dict__.get("base_url"))]
    # A server that echoes credentials back must not get them into our messages.
    emulator.inject(status=400, body={"message": f"bad {TOKEN}:{SECRET}"})
    emulator.inject(status=429, headers={"Retry-After": "600"})
    for _ in range(2):
        with pytest.raises(CatapultError) as caught:
            client.send_dtmf(emulator.create_call(), "1")
        texts += [str(caught.value), repr(caught.value), str(caught.value.message)]
    texts.append(caplog.text)
    for text in texts:
        assert TOKEN not in text
        assert SECRET not in text


def test_from_env(emulator: Emulator) -> None:
    env = {
        "CATAPULT_USER_ID": "u-test",
        "CATAPULT_API_TOKEN": TOKEN,
        "CATAPULT_API_SECRET": SECRET,
        "CATAPULT_BASE_URL": emulator.base_url,
    }
    client = CatapultClient.from_env(env)
    assert client.send_dtmf(emulator.create_call(), "1").status == 200
    with pytest.raises(ParameterError, match="set CATAPULT_API_SECRET in the environment"):
        CatapultClient.from_env({k: v for k, v in env.items() if k != "CATAPULT_API_SECRET"})


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://api.example.com", "refusing plain http to non-loopback host"),
        ("http://10.0.0.1:8080", "refusing plain http"),
        ("ftp://127.0.0.1", "must be an http"),
        ("https://user:pw@api.example.com", "must not hold credentials"),
        ("https://", "must be an http"),
    ],
)
def test_base_url_policy(base_url: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        CatapultClient("u", TOKEN, SECRET, base_url=base_url)


def test_insecure_http_only_when_allowed_and_tls_verification_stays_on() -> None:
    client = CatapultClient(
        "u", TOKEN, SECRET, base_url="http://api.example.com", allow_insecure_http=True
    )
    assert client.session.verify is True
    for loopback in ("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"):
        CatapultClient("u", TOKEN, SECRET, base_url=loopback)
    assert CatapultClient("u", TOKEN, SECRET).session.verify is True


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (None, TypeError),
        (0, ParameterError),
        (float("inf"), ParameterError),
        ((1,), ParameterError),
    ],
)
def test_timeouts_are_finite(timeout: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        CatapultClient("u", TOKEN, SECRET, timeout=timeout)  # type: ignore[arg-type]


def test_call_ids_are_one_path_segment(emulator: Emulator, client: CatapultClient) -> None:
    with pytest.raises(CallNotFoundError):
        client.send_dtmf("../../calls", "1")
    assert emulator.requests[-1].path.endswith("/calls/..%2F..%2Fcalls/dtmf")
    with pytest.raises(ParameterError):
        client.send_dtmf("", "1")


def test_thirty_two_threads_share_one_client(emulator: Emulator, client: CatapultClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    calls = [emulator.create_call() for _ in range(32)]
    texts = {call_id: [f"{i}{j}" for j in range(8)] for i, call_id in enumerate(calls)}

    def one_call(call_id: str) -> list[int]:
        return [client.send_dtmf(call_id, text).status for text in texts[call_id]]

    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(one_call, calls))
    assert statuses == [[200] * 8] * 32
    assert all(emulator.heard(call_id) == texts[call_id] for call_id in calls)
    assert emulator.count() == 256


def test_send_many_keeps_each_calls_order_and_reports_each_call(
    emulator: Emulator, client: CatapultClient
) -> None:
    first, second, hung = (emulator.create_call() for _ in range(3))
    emulator.hang_up(hung)
    plan = [(first, "1"), (second, "A"), (hung, "9"), (first, "2"), (hung, "8"), (first, "3")]
    outcomes = client.send_many(plan, workers=2)
    assert [o.call_id for o in outcomes] == [first, second, hung]
    assert [[r.sequence.text for r in o.results] for o in outcomes] == [["1", "2", "3"], ["A"], []]
    assert [o.ok for o in outcomes] == [True, True, False]
    assert isinstance(outcomes[2].error, CallStateError)
    assert outcomes[2].unsent == ("8",)
    assert emulator.heard(first) == ["1", "2", "3"]
    assert emulator.heard(hung) == []
    assert emulator.count() == 5  # the hung-up call got one request, not two


def test_send_many_checks_every_string_before_sending(
    emulator: Emulator, client: CatapultClient
) -> None:
    call_id = emulator.create_call()
    with pytest.raises(DtmfSyntaxError, match="'x' at position 2"):
        client.send_many({call_id: ["1", "2x"]})
    assert emulator.requests == []
    assert client.send_many({}) == []
    with pytest.raises(ParameterError, match="workers"):
        client.send_many({call_id: "1"}, workers=0)


def test_the_asyncio_face_runs_the_same_code(emulator: Emulator, client: CatapultClient) -> None:
    import asyncio

    calls = [emulator.create_call() for _ in range(5)]

    async def all_at_once() -> list[int]:
        results = await asyncio.gather(*(client.aio.send_dtmf(c, "5#") for c in calls))
        return [r.status for r in results]

    assert asyncio.run(all_at_once()) == [200] * 5
    assert all(emulator.heard(c) == ["5#"] for c in calls)
    with pytest.raises(DtmfSyntaxError):
        asyncio.run(client.aio.send_dtmf(calls[0], "5x"))
    assert emulator.count() == 5
    assert "runs the very same synchronous code" in " ".join(
        (type(client.aio).__doc__ or "").split()
    )


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (
            "Service down for maintenance\n  back at 03:00",
            "Service down for maintenance back at 03:00",
        ),
        ("<html><body>" + "x" * 500 + "</body></html>", "<html><body>" + "x" * 187 + "…"),
    ],
)
def test_a_body_that_is_not_json_is_kept_on_one_line(
    emulator: Emulator, client: CatapultClient, body: str, shown: str
) -> None:
    emulator.inject(status=500, body=body)
    with pytest.raises(ServerError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert str(caught.value).startswith(f"Catapult answered 500 Internal Server Error: {shown}")
    assert "\n" not in str(caught.value)


def test_reset_at_is_the_servers_time_even_when_past(emulator: Emulator) -> None:
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, rate_limit_retries=0)
    past_ms = int(time.time() * 1000) - 60_000
    emulator.inject(status=429, headers={"X-RateLimit-Reset": str(past_ms)})
    with pytest.raises(RateLimitError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert caught.value.reset_at == past_ms / 1000
    assert emulator.count() == 1


def test_call_id_not_found_under_403_is_a_call_not_found_error(
    emulator: Emulator, client: CatapultClient
) -> None:
    emulator.inject(status=403, body={"category": "forbidden", "code": "call-id-not-found"})
    with pytest.raises(CallNotFoundError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    assert (caught.value.status, caught.value.may_have_played) == (403, False)


def test_connection_refused_is_retried_until_the_server_comes_up() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started: list[Emulator] = []

    def start_later() -> None:
        time.sleep(0.4)
        started.append(
            Emulator(port=port, user_id="u-test", api_token=TOKEN, api_secret=SECRET).start()
        )

    thread = threading.Thread(target=start_later)
    thread.start()
    try:
        client = CatapultClient(
            "u-test",
            TOKEN,
            SECRET,
            base_url=f"http://127.0.0.1:{port}",
            connect_retries=8,
            backoff=0.1,
        )
        thread.join(5)
        call_id = started[0].create_call()
        result = client.send_dtmf(call_id, "42")
        # Refused attempts never reached a server; the one that did was executed once.
        assert result.status == 200
        assert started[0].count() == 1
        assert started[0].heard(call_id) == ["42"]
    finally:
        thread.join(5)
        for emulator in started:
            emulator.stop()


def test_connection_refused_for_good_says_nothing_was_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CatapultClient(
        "u-test", TOKEN, SECRET, base_url=f"http://127.0.0.1:{port}", backoff=0.01
    )
    with pytest.raises(TransportError, match="nothing was sent") as caught:
        client.send_dtmf("c-1", "1")
    assert caught.value.may_have_played is False


def every_failure(emulator: Emulator) -> list[BaseException]:
    """Drive the client through every error path; return the exceptions raised."""
    caught: list[BaseException] = []
    client = CatapultClient(
        "u-test",
        TOKEN,
        SECRET,
        base_url=emulator.base_url,
        timeout=(2, 0.3),
        backoff=0.01,
        max_rate_limit_wait=1,
        rate_limit_retries=1,
        unavailable_retries=1,
    )
    wrong = CatapultClient("u-test", TOKEN, "s-wrong-" + SECRET, base_url=emulator.base_url)
    call_id = emulator.create_call()
    other = emulator.create_call(user_id="u-other")
    faults = [
        {"status": 409},
        {"status": 429, "headers": {"Retry-After": "60"}},
        {"status": 500, "body": f"<html>{TOKEN} {SECRET}</html>"},
        {"status": 503, "body": {"code": "send-dtmf-failure", "message": f"bad {SECRET}"}},
        {"status": 503, "body": {"code": "call-unavailable"}, "count": 3},
        {"delay": 1.0},
        {"drop": True},
    ]
    attempts = [lambda: wrong.send_dtmf(call_id, "1"), lambda: client.send_dtmf(other, "1")]
    attempts += [
        lambda: client.send_dtmf("c-missing", "1"),
        lambda: client.send_dtmf(call_id, "1x"),
    ]
    for fault in faults:
        attempts.append(
            lambda fault=fault: (emulator.inject(**fault), client.send_dtmf(call_id, "1"))
        )
    for attempt in attempts:
        try:
            attempt()
        except (CatapultError, DtmfSyntaxError) as error:
            caught.append(error)
    emulator.clear_faults()
    return caught


def test_secrets_never_appear(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    client = CatapultClient("u-test", TOKEN, SECRET, base_url=emulator.base_url)
    texts = [repr(client), str(vars(client)), str(vars(client.session))]
    errors = every_failure(emulator)
    assert len(errors) == 11
    for error in errors:
        texts += [str(error), repr(error), str(error.__cause__), repr(error.args)]
        texts += [str(getattr(error, "message", "")), str(getattr(error, "details", ""))]
    texts.append(caplog.text)
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert TOKEN not in text
        assert SECRET not in text
