"""`dtmfkit send` and `dtmfkit emulator`, against the real emulator."""

import logging
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from dtmfkit import Emulator
from dtmfkit._cli import main
from tests.conftest import SECRET, TOKEN


@pytest.fixture
def env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    monkeypatch.setenv("CATAPULT_USER_ID", emulator.user_id)
    monkeypatch.setenv("CATAPULT_API_TOKEN", TOKEN)
    monkeypatch.setenv("CATAPULT_API_SECRET", SECRET)
    monkeypatch.setenv("CATAPULT_BASE_URL", emulator.base_url)
    return emulator


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    for text in (out, err):
        assert TOKEN not in text
        assert SECRET not in text
        assert "Traceback" not in text
    return status, out, err


def test_send(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    call_id = env.create_call()
    status, out, err = run(capsys, "send", call_id, "1WWW,59#")
    assert (status, err) == (0, "")
    assert out == f"sent '1WWW,59#' to call {call_id}: HTTP 200\n"
    assert env.heard(call_id) == ["1WWW,59#"]


def test_dry_run_prints_the_request_and_sends_nothing(
    env: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "send", "c-1", "1Ww2", "--dry-run")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "POST /v1/users/u-test/calls/c-1/dtmf HTTP/1.1"
    assert f"Host: {env.base_url.removeprefix('http://')}" in lines
    assert "Authorization: Basic ***" in lines
    assert lines[-2:] == ["", '{"dtmfOut": "1Ww2"}']
    assert env.requests == []


def test_dry_run_needs_no_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("CATAPULT_USER_ID", "CATAPULT_API_TOKEN", "CATAPULT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CATAPULT_BASE_URL", raising=False)
    status, out, err = run(capsys, "send", "c-1", "9", "--dry-run")
    assert status == 0
    assert out.startswith("POST /v1/users/USER_ID/calls/c-1/dtmf HTTP/1.1\nHost: api.catapult")
    assert "CATAPULT_USER_ID, CATAPULT_API_TOKEN, CATAPULT_API_SECRET not set" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["send", "c-1", "12a"], "'a' at position 3"),
        (["send", "c-1", ""], "empty dtmfOut"),
        (["send", "c-1", "1", "--timeout", "0"], "--timeout must be a positive"),
        (["send", "c-1", "1", "--base-url", "http://example.com"], "refusing plain http"),
        (["send", "c-1"], "required: TEXT"),
    ],
)
def test_bad_input_exits_2_and_sends_nothing(
    env: Emulator, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1
    assert env.requests == []


def test_missing_credentials_exit_2(
    env: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CATAPULT_API_SECRET")
    status, _, err = run(capsys, "send", "c-1", "1")
    assert status == 2
    assert "set CATAPULT_API_SECRET in the environment" in err
    assert env.requests == []


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({}, "404 Not Found (call-not-found): The call c-gone was not found; nothing was played"),
        ({"status": 503, "body": {"code": "send-dtmf-failure"}}, "may have been played"),
        ({"delay": 1.5}, "no answer within the 0.3 s read timeout"),
        ({"drop": True}, "the digits may have been played"),
    ],
)
def test_failed_send_exits_1_with_one_line(
    env: Emulator, capsys: pytest.CaptureFixture[str], fault: dict[str, object], message: str
) -> None:
    if fault:
        env.inject(**fault)
    status, out, err = run(capsys, "send", "c-gone", "1", "--timeout", "0.3")
    assert (status, out) == (1, "")
    assert message in err
    assert err.startswith("dtmfkit: send failed: ")
    assert err.count("\n") == 1


def test_emulator_command_prints_exports_makes_calls_and_logs() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_")},
        "DTMFKIT_EMULATOR_TOKEN": TOKEN,
        "DTMFKIT_EMULATOR_SECRET": SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dtmfkit", "emulator", "--call", "c-1", "--call", "c-2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(6)]
        match = re.fullmatch(r"# dtmfkit emulator on (http://127\.0\.0\.1:\d+) .*\n", printed[0])
        assert match, printed
        url = match[1]
        assert printed[1:] == [
            f"export CATAPULT_BASE_URL={url}\n",
            "export CATAPULT_USER_ID=u-emulator\n",
            f"export CATAPULT_API_TOKEN={TOKEN}\n",
            f"export CATAPULT_API_SECRET={SECRET}\n",
            "# active calls: c-1, c-2\n",
        ]
        dtmf = f"{url}/v1/users/u-emulator/calls/c-2/dtmf"
        # A chunked body: the emulator reads it whole.
        chunked = requests.post(
            dtmf,
            data=iter([b'{"dtmfOut":', b' "1W2"}']),
            headers={"Content-Type": "application/json"},
            auth=(TOKEN, SECRET),
            timeout=5,
        )
        assert chunked.status_code == 200
        head = requests.head(
            f"{url}/v1/users/u-emulator/calls/c-1", auth=(TOKEN, SECRET), timeout=5
        )
        assert (head.status_code, head.content) == (200, b"")
        assert int(head.headers["Content-Length"]) > 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, logged = process.communicate(timeout=10)
    assert process.returncode == 0
    assert logged.splitlines() == [
        "POST /v1/users/u-emulator/calls/c-2/dtmf 200 dtmfOut='1W2'",
        "GET /v1/users/u-emulator/calls/c-1 200",
    ]


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
