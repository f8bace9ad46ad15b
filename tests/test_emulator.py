"""The emulator on loopback: its routes, its input limits, its recordings — over real HTTP."""

import http.client
import io
import json
import socket
import time

import numpy as np
import pytest
import requests
import soundfile as sf

from dtmfkit import CatapultClient, Emulator, render
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


def test_emulator_http_control_and_recordings(emulator: Emulator, client: CatapultClient) -> None:
    call = client.create_call("+1", "+2")
    call.send_dtmf("1w2")
    base = emulator.base_url
    auth = (TOKEN, SECRET)
    received = requests.get(
        f"{base}/_emulator/calls/{call.call_id}/dtmf", auth=auth, timeout=5
    ).json()
    assert [r["dtmfOut"] for r in received["received"]] == ["1w2"]
    assert (received["samples"], received["dropped"]) == (render("1w2").size, 0)
    wav = requests.get(f"{base}/_emulator/calls/{call.call_id}/audio.wav", auth=auth, timeout=5)
    assert wav.headers["Content-Type"] == "audio/wav"
    data, rate = sf.read(io.BytesIO(wav.content), dtype="int16")
    assert rate == 8000
    assert np.array_equal(data, render("1w2", dtype="int16"))
    fault = {"status": 409, "count": 2}
    posted = requests.post(f"{base}/_emulator/faults", json=fault, auth=auth, timeout=5)
    assert posted.status_code == 201
    assert requests.delete(f"{base}/_emulator/faults", auth=auth, timeout=5).status_code == 200
    assert call.send_dtmf("3").status == 200
    bad_fault = requests.post(
        f"{base}/_emulator/faults", json={"status": "x"}, auth=auth, timeout=5
    )
    assert bad_fault.status_code == 400
    log = requests.get(f"{base}/_emulator/requests", auth=auth, timeout=5).json()
    assert [r["method"] for r in log][:3] == ["POST", "POST", "GET"]
    unknown = requests.get(f"{base}/v1/nope", auth=auth, timeout=5)
    assert (unknown.status_code, json.loads(unknown.text)["code"]) == (404, "not-found")
    assert requests.get(f"{base}/v1/nope", timeout=5).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_emulator/requests"),
        ("GET", "/_emulator/calls/{call}/dtmf"),
        ("GET", "/_emulator/calls/{call}/audio.wav"),
        ("POST", "/_emulator/faults"),
        ("DELETE", "/_emulator/faults"),
    ],
)
def test_the_control_plane_needs_the_emulators_credentials(
    emulator: Emulator, method: str, path: str
) -> None:
    call_id = emulator.create_call()
    emulator.inject(status=500)
    url = emulator.base_url + path.format(call=call_id)
    for auth in (None, ("intruder", "guess")):
        answer = requests.request(method, url, json={"status": 200}, auth=auth, timeout=5)
        assert answer.status_code == 401
        assert call_id not in answer.text
    # Nothing was changed: the fault is still queued.
    assert emulator._next_fault() is not None
