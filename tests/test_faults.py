"""Attacked as a tester would: full disks, signals, hostile servers and clients, absurd numbers.

Each test reproduces one failure found that way; the name says what must hold instead.
"""

import base64
import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
import soundfile as sf

import dtmfkit
from dtmfkit import (
    CatapultClient,
    Emulator,
    EmulatorError,
    ParameterError,
    RateLimitError,
    ServerError,
    TransportError,
)
from dtmfkit import _io as io_module
from dtmfkit._batch import MAX_LINES, _chunks, read_lines
from dtmfkit._cli import build_parser, main
from dtmfkit._settings import resolve
from tests.conftest import SECRET, TOKEN
from tests.servers import drip_server, flood_server

# A rendering of about 280 MB of FLOAT: long enough to interrupt while it is being written.
BIG = ["render", "1" * 92, "--rate", "192000", "--tone-ms", "2000", "--gap-ms", "2000"]


def dtmfkit_process(*argv: str, optimize: bool = False, **options: object) -> subprocess.Popen[str]:
    flags = ["-O"] if optimize else []
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, *flags, "-m", "dtmfkit", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **{"preexec_fn": default_sigint, **options},
    )


def default_sigint() -> None:
    """In the child: Ctrl-C as a terminal delivers it, even when the tests run in the
    background (where a shell starts every job with SIGINT ignored, and so would Python)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def small_disk(limit: int) -> None:
    """In the child: files may not grow past `limit` bytes, as on a full disk (EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("optimize", [False, True], ids=["python", "python -O"])
def test_a_full_disk_fails_cleanly_and_leaves_no_file(tmp_path: Path, optimize: bool) -> None:
    process = dtmfkit_process(
        *BIG[:2],
        "-o",
        str(tmp_path / "big.wav"),
        optimize=optimize,
        preexec_fn=lambda: small_disk(100_000),
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, (out, err)
    assert err.startswith(f"dtmfkit: error: cannot write '{tmp_path / 'big.wav'}'")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def wait_for_temporary(folder: Path) -> None:
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".dtmfkit-") and p.stat().st_size for p in folder.iterdir()):
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.005)


@pytest.mark.parametrize(
    ("sent", "status", "line"),
    [
        (signal.SIGINT, 130, "dtmfkit: interrupted\n"),
        (signal.SIGTERM, 143, "dtmfkit: terminated\n"),
    ],
)
def test_a_signal_during_a_write_leaves_no_file(
    tmp_path: Path, sent: signal.Signals, status: int, line: str
) -> None:
    process = dtmfkit_process(*BIG, "--subtype", "FLOAT", "-o", str(tmp_path / "big.wav"))
    wait_for_temporary(tmp_path)
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (status, "", line)
    assert list(tmp_path.iterdir()) == []


def test_a_wav_past_4_gib_is_written_as_rf64(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is 4 GiB; lowered here so that the test writes kilobytes, not gigabytes.
    monkeypatch.setattr(io_module, "WAV_LIMIT", 1000)
    target = tmp_path / "long.wav"
    timeline = dtmfkit.render_to_file(target, "1W2")
    info = sf.info(target)
    assert (info.format, info.frames) == ("RF64", timeline.length)
    audio, _ = dtmfkit.read(target)
    assert np.max(np.abs(audio - dtmfkit.render("1W2", dtype="float64"))) <= 1 / 32767
    monkeypatch.setattr(io_module, "FLAC_LIMIT", 100)
    with pytest.raises(ParameterError, match="FLAC holds at most 100 frames"):
        dtmfkit.render_to_file(tmp_path / "long.flac", "1")
    assert not (tmp_path / "long.flac").exists()


def test_a_flac_that_claims_2_to_the_36_frames_is_refused_before_allocating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lies.flac"
    sf.write(path, np.zeros(4096, dtype=np.int16), 8000)
    data = bytearray(path.read_bytes())
    # STREAMINFO starts after "fLaC" and a 4-byte block header; its total-samples field is the
    # low 4 bits of byte 13 and bytes 14-17 of the block.
    start = 8
    data[start + 13] |= 0x0F
    data[start + 14 : start + 18] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    assert sf.info(path).frames == 2**36 - 1
    with pytest.raises(ParameterError, match=r"would need 512\.0 GiB of memory"):
        dtmfkit.read(path)
    assert main(["decode", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.fixture
def tls_emulator() -> Iterator[tuple[Emulator, Path]]:
    import ssl

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with Emulator(user_id="u-test", api_token=TOKEN, api_secret=SECRET, tls=context) as running:
        bundle = Path(os.environ.get("PYTEST_TMP", "/tmp")) / f"ca-{os.getpid()}.pem"
        authority.cert_pem.write_to_path(str(bundle))
        yield running, bundle
        bundle.unlink(missing_ok=True)


def test_a_tls_failure_after_the_post_was_read_may_have_played(
    tls_emulator: tuple[Emulator, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator, bundle = tls_emulator
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, backoff=0.01)
    call_id = emulator.create_call()
    emulator.inject(drop=True, execute=True)  # read the POST, play it, then break the TLS link
    with pytest.raises(TransportError, match="may have been played") as caught:
        client.send_dtmf(call_id, "1")
    assert caught.value.may_have_played is True
    assert emulator.heard(call_id) == ["1"]
    assert emulator.count() == 1  # never sent again
    client.close()


def test_echoed_credentials_are_redacted_everywhere(emulator: Emulator) -> None:
    header = "Basic " + base64.b64encode(f"{TOKEN}:{SECRET}".encode()).decode()
    echoed = f"you sent {header} ({TOKEN}:{SECRET})"
    emulator.inject(
        status=500,
        body={"category": echoed, "code": "x", "message": echoed, "details": [{"auth": echoed}]},
    )
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
    with pytest.raises(ServerError) as caught:
        client.send_dtmf(emulator.create_call(), "1")
    error = caught.value
    shown = [str(error), repr(error), error.category, error.message, json.dumps(error.details)]
    for text in shown:
        assert header[6:] not in text
        assert TOKEN not in text
        assert SECRET not in text
    emulator.inject(drop=True)
    with pytest.raises(TransportError) as dropped:
        client.send_dtmf(emulator.create_call(), "1")
    assert getattr(dropped.value.__cause__, "request", None) is None
    client.close()


def test_a_dripping_answer_is_cut_off_at_the_deadline() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + b"x" * 40
    with drip_server(answer, interval=0.2) as (url, served):
        client = CatapultClient("u-1", TOKEN, SECRET, base_url=url, timeout=(0.5, 0.5))
        with pytest.raises(TransportError, match=r"no complete answer within 1 s") as caught:
            client.send_dtmf("c-1", "1")
        client.close()
    assert caught.value.may_have_played is True
    assert served.requests == 1
    assert served.sent < len(answer)  # cut off long before the drip ended


def test_a_huge_error_body_is_not_read_whole() -> None:
    with flood_server(500, 1 << 30) as (url, served):
        client = CatapultClient("u-1", TOKEN, SECRET, base_url=url)
        with pytest.raises(ServerError) as caught:
            client.send_dtmf("c-1", "1")
        client.close()
    assert len(str(caught.value)) < 400
    assert served.sent < 64 << 20  # the client hung up after about a megabyte


def test_a_5000_digit_retry_after_is_a_rate_limit_not_a_crash(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, backoff=0.01)
    emulator.inject(status=429, headers={"Retry-After": "9" * 5000}, count=100)
    with pytest.raises(RateLimitError):
        client.send_dtmf(emulator.create_call(), "1")
    client.close()
    for name, value in zip(
        ("USER_ID", "API_TOKEN", "API_SECRET"), emulator.credentials, strict=True
    ):
        monkeypatch.setenv(f"CATAPULT_{name}", value)
    monkeypatch.setenv("CATAPULT_BASE_URL", emulator.base_url)
    assert main(["send", emulator.create_call(), "1"]) == 1
    assert capsys.readouterr().err.startswith("dtmfkit: send failed: Catapult answered 429")


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--tone-ms", "1e10000000"], "--tone-ms must be"),
        (["--level-dbm0", "1e400"], "--level-dbm0 must be"),
        (["--rate", "9" * 5000], "not an integer"),
    ],
)
def test_absurd_numbers_on_the_command_line_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], flag: str
) -> None:
    assert main(["render", "1", "-o", str(tmp_path / "a.wav"), *argv]) == 2
    err = capsys.readouterr().err
    assert flag in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_absurd_timeouts_are_refused_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(ParameterError, match="read timeout"):
        CatapultClient(*emulator.credentials, base_url=emulator.base_url, timeout=(5, 1e10))
    assert main(["send", "c-1", "1", "--timeout", "1e400", "--dry-run"]) == 2
    assert emulator.requests == []


def test_a_batch_from_dev_zero_stops_at_the_first_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["render", "--batch", "/dev/zero", "--out-dir", str(tmp_path / "o")])
    assert status == 2
    assert "/dev/zero:1: line longer than 4096 characters" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_batch_holds_a_million_lines_and_no_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"1\n" * MAX_LINES)
    found = read_lines(lines)
    assert len(found) == MAX_LINES
    assert found[-1] == (MAX_LINES, "1")
    with lines.open("ab") as more:
        more.write(b"2\n")
    status = main(["render", "--batch", str(lines), "--out-dir", str(tmp_path / "o")])
    assert status == 2
    assert f"{lines}: more than {MAX_LINES} lines" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_batch_from_a_pipe_is_read_once(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dtmfkit",
            "render",
            "--batch",
            "/dev/stdin",
            "--out-dir",
            str(tmp_path),
        ],
        input="12\n3W4\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.tsv",
        "line-00001.wav",
        "line-00002.wav",
    ]


@pytest.mark.parametrize("separator", ["\f", "\x85", "\u2028"])
def test_a_line_break_inside_a_batch_line_is_a_bad_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], separator: str
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text(f"12{separator}34\n")
    main(["render", "--batch", str(lines), "--out-dir", str(tmp_path / "o")])
    assert (
        f"lines.txt:1: invalid DTMF character {separator!r} at position 3"
        in capsys.readouterr().err
    )


def test_batches_are_chunked_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules["dtmfkit._batch"], "CHUNK_BYTES", 200_000)  # 3 s at 8 kHz
    settings = resolve("test", None, None, None, None, {})
    good = [(n, dtmfkit.parse(text)) for n, text in enumerate(["1", "1W2", "1WWW,59#", "2"], 1)]
    chunks = _chunks(good, settings)
    assert [[n for n, _ in chunk] for chunk in chunks] == [[1, 2], [3], [4]]


def test_a_picture_at_192_khz_is_drawn_in_bounded_memory(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import dtmfkit.plot

    tracemalloc.start()
    try:
        dtmfkit.plot.save_spectrogram(tmp_path / "p.png", "1WWW,59#" * 4, rate=192000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rendering = dtmfkit.samples_needed("1WWW,59#" * 4, rate=192000) * 8
    # The rendering and the bins drawn: the spectrum of every bin of every frame took 11x.
    assert peak < 5 * rendering
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_odd_call_ids_and_answers(emulator: Emulator) -> None:
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
    for odd in (".", ".."):
        with pytest.raises(ParameterError, match="resolve away"):
            client.call(odd)
    call_id = emulator.create_call()
    emulator.inject(status=200, body="<html>not json</html>")
    with pytest.raises(dtmfkit.CatapultError, match="not a JSON object: '<html>not json</html>'"):
        client.call(call_id).info()
    client.close()


# The emulator, attacked


def raw(emulator: Emulator, data: bytes, *, timeout: float = 5.0) -> bytes:
    host, port = emulator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_fault_headers_cannot_smuggle_a_line_break(emulator: Emulator) -> None:
    with pytest.raises(ParameterError, match="not a valid header"):
        emulator.inject(status=200, headers={"X-A": "1\r\nSet-Cookie: evil=1"})
    posted = requests.post(
        f"{emulator.base_url}/_emulator/faults",
        json={"status": 200, "headers": {"X-A\r\nEvil": "1"}},
        auth=(TOKEN, SECRET),
        timeout=5,
    )
    assert posted.status_code == 400


@pytest.mark.parametrize(
    ("body", "length"),
    [(b"[" * 20_000 + b"]" * 20_000, None), (b"{}", "\u00b2")],
    ids=["nested JSON", "Content-Length ²"],
)
def test_hostile_bodies_are_answered_not_fatal(
    emulator: Emulator, body: bytes, length: str | None
) -> None:
    call_id = emulator.create_call()
    declared = length if length is not None else str(len(body))
    auth = base64.b64encode(f"{TOKEN}:{SECRET}".encode()).decode()
    head = (
        f"POST /v1/users/u-test/calls/{call_id}/dtmf HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {auth}\r\nConnection: close\r\nContent-Length: {declared}\r\n\r\n"
    )
    answer = raw(emulator, head.encode("utf-8") + body)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:80]
    assert emulator.heard(call_id) == []


def test_a_client_dripping_its_request_is_cut_off() -> None:
    with Emulator(request_deadline=0.5) as emulator:
        host, port = emulator.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            for byte in b"POST /v1/users/u-emulator/calls HTTP/1.1\r\n":
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.05)
            sock.settimeout(5)
            assert sock.recv(100) == b""  # the emulator hung up on it


def test_a_burst_of_500_connections_is_served() -> None:
    with Emulator() as emulator:
        url = f"{emulator.base_url}/v1/users/u-emulator/calls"
        failures: list[BaseException] = []
        statuses: list[int] = []

        def connect() -> None:
            try:
                statuses.append(requests.get(url, timeout=30).status_code)
            except requests.RequestException as exc:  # pragma: no cover - the failure itself
                failures.append(exc)

        threads = [threading.Thread(target=connect) for _ in range(500)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert failures == []
    assert statuses == [401] * 500  # every one answered (no credentials: 401)


def test_stop_cuts_kept_alive_connections_and_cannot_be_undone() -> None:
    emulator = Emulator().start()
    host, port = emulator.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", "/")
    connection.getresponse().read()
    emulator.stop()

    def again() -> None:
        connection.request("GET", "/")
        connection.getresponse()

    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        again()
    connection.close()
    with pytest.raises(EmulatorError, match="stopped: make a new one"):
        emulator.start()


def test_the_emulator_keeps_texts_not_audio(emulator: Emulator, client: CatapultClient) -> None:
    call_id = emulator.create_call()
    text = "1234567890ABCD*#" * 5  # 80 keys: 48 s of audio, 768 kB as int16
    tracemalloc.start()
    try:
        for _ in range(300):
            client.send_dtmf(call_id, text)
        grown = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert grown < 8 << 20  # 300 renderings would be 230 MB
    wav = requests.get(
        f"{emulator.base_url}/_emulator/calls/{call_id}/audio.wav", auth=(TOKEN, SECRET), timeout=60
    )
    assert int(wav.headers["Content-Length"]) == 44 + 2 * 300 * dtmfkit.samples_needed(text)


def test_the_oldest_recordings_are_dropped_first() -> None:
    with Emulator(max_recordings=10) as emulator:
        client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
        call_id = emulator.create_call()
        for i in range(15):
            client.send_dtmf(call_id, str(i % 10))
        client.close()
        assert emulator.heard(call_id) == [str(i % 10) for i in range(5, 15)]
        summary = requests.get(
            f"{emulator.base_url}/_emulator/calls/{call_id}/dtmf",
            auth=emulator.credentials[1:],
            timeout=5,
        ).json()
        assert summary["dropped"] == 5


def test_the_decoders_filter_banks_are_bounded() -> None:
    bank = sys.modules["dtmfkit._detect"]._bank
    for rate in range(8000, 8000 + 20 * 500, 500):
        dtmfkit.detect(np.zeros(800), rate)
    assert bank.cache_info().currsize <= bank.cache_info().maxsize <= 8


def test_no_secret_goes_on_the_emulators_command_line() -> None:
    parser = build_parser()
    emulator = next(
        action
        for action in parser._subparsers._group_actions  # type: ignore[union-attr]
        if action.dest == "command"
    ).choices["emulator"]
    flags = {option for action in emulator._actions for option in action.option_strings}
    assert not any("token" in flag or "secret" in flag for flag in flags)
