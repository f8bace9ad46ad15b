"""Hardening: emulator input, faults, secrets, and load — counted on the server side."""

import http.client
import logging
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from dtmfkit import (
    CatapultClient,
    CatapultError,
    DtmfSyntaxError,
    Emulator,
    TransportError,
)
from dtmfkit._cli import main
from tests.conftest import SECRET, TOKEN


def raw_request(emulator: Emulator, data: bytes, *, timeout: float = 5.0) -> bytes:
    host, port = emulator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
        return b"".join(chunks)


def test_oversized_body_is_refused_unread(emulator: Emulator) -> None:
    call_id = emulator.create_call()
    head = (
        f"POST /v1/users/u-test/calls/{call_id}/dtmf HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
    ).encode()
    answer = raw_request(emulator, head)  # no body is ever sent
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert emulator.requests[-1].status == 413
    assert emulator.heard(call_id) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid-json"),
        (b'{"dtmfOut": 123}', "invalid-parameter"),
        (b'{"dtmfOut": ["1"]}', "invalid-parameter"),
        (b'{"dtmfOut": null}', "invalid-parameter"),
        (b'{"digits": "1"}', "missing-parameter"),
        (b'["1"]', "missing-parameter"),
        (b"", "missing-parameter"),
        (b'{"dtmfOut": "12a"}', "invalid-dtmf-out"),
        (b'{"dtmfOut": "\\u0661"}', "invalid-dtmf-out"),
        (b"\xff\xfe", "invalid-json"),
    ],
)
def test_bad_bodies_are_400(emulator: Emulator, body: bytes, code: str) -> None:
    call_id = emulator.create_call()
    answer = requests.post(
        f"{emulator.base_url}/v1/users/u-test/calls/{call_id}/dtmf",
        data=body,
        auth=(TOKEN, SECRET),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert emulator.heard(call_id) == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/users/u-test/calls/../dtmf",
        "/v1/users/u-test/calls/a%2Fb/dtmf",
        "/v1/users/u-test/calls/" + "c" * 5000 + "/dtmf",
        "/v1/users/u-test/calls/%00/dtmf",
        "/v2/users/u-test/calls",
        "/",
        "/v1/users/u-test/calls/c-1/dtmf/extra",
        "/_emulator/calls/../audio.wav",
        "/_emulator/nothing",
    ],
)
def test_unknown_paths_and_odd_call_ids_are_404(emulator: Emulator, path: str) -> None:
    connection = http.client.HTTPConnection(*emulator.base_url[7:].split(":"), timeout=5)
    connection.request(
        "POST" if "dtmf" in path else "GET",
        path,
        body=b'{"dtmfOut": "1"}',
        headers={"Authorization": requests.auth._basic_auth_str(TOKEN, SECRET)},
    )
    assert connection.getresponse().status == 404
    connection.close()


def test_keeps_serving_while_a_client_sends_slowly(
    emulator: Emulator, client: CatapultClient
) -> None:
    call_id = emulator.create_call()
    host, port = emulator.base_url[7:].split(":")
    slow = socket.create_connection((host, int(port)), timeout=5)
    slow.sendall(
        f"POST /v1/users/u-test/calls/{call_id}/dtmf HTTP/1.1\r\nHost: x\r\n"
        'Content-Length: 20\r\n\r\n{"dtm'.encode()
    )
    try:
        started = time.monotonic()
        assert client.send_dtmf(call_id, "5").status == 200
        assert time.monotonic() - started < 5  # served while the slow body is pending
    finally:
        slow.close()
    assert emulator.heard(call_id) == ["5"]


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


def test_secrets_never_appear_in_cli_output(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CATAPULT_USER_ID", "u-test")
    monkeypatch.setenv("CATAPULT_API_TOKEN", TOKEN)
    monkeypatch.setenv("CATAPULT_API_SECRET", SECRET)
    monkeypatch.setenv("CATAPULT_BASE_URL", emulator.base_url)
    call_id = emulator.create_call()
    outputs = []
    for argv, fault in [
        (["send", call_id, "1"], None),
        (["send", call_id, "1", "--dry-run"], None),
        (["send", call_id, "1x"], None),
        (["send", "c-missing", "1"], None),
        (["send", call_id, "1"], {"status": 500, "body": f"{TOKEN}:{SECRET}"}),
        (["send", call_id, "1", "--timeout", "0.2"], {"delay": 1.0}),
        (["send", call_id, "1", "--base-url", "http://example.com"], None),
    ]:
        if fault:
            emulator.inject(**fault)
        main(argv)
        outputs.append(capsys.readouterr())
    monkeypatch.setenv("CATAPULT_API_SECRET", "s-wrong")
    main(["send", call_id, "1"])
    outputs.append(capsys.readouterr())
    for out, err in outputs:
        for secret in (TOKEN, SECRET):
            assert secret not in out
            assert secret not in err
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text


def test_load_fifty_threads(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.load import run_load

    result = run_load(threads=50, sends_per_thread=200)
    assert result.sends == 10_000
    assert result.errors == 0
    assert result.mismatched_calls == 0
    assert result.audio_mismatches == 0
    with capsys.disabled():
        print(f"\nload: {result.sends} sends from 50 threads, {result.per_second:.0f} requests/s")


def test_every_request_has_a_finite_timeout_and_tls_verification(emulator: Emulator) -> None:
    client = CatapultClient("u-test", TOKEN, SECRET)
    assert all(0 < t < float("inf") for t in client.timeout)
    assert client.session.verify is True
    adapter = client.session.get_adapter(client.base_url + "/")
    assert adapter.max_retries.read is False  # type: ignore[attr-defined]
    assert Path  # keep the import for type checkers
