"""README's two-terminal walkthrough, run exactly as written."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def commands(terminal: int) -> list[list[str]]:
    block = re.search(rf"<!-- walkthrough: terminal {terminal} -->\n```sh\n(.*?)```", README, re.S)
    assert block, f"README has no terminal {terminal} block"
    lines = [line for line in block[1].splitlines() if line and not line.startswith("#")]
    return [[sys.executable, "-m", "dtmfkit", *shlex.split(line)[1:]] for line in lines]


def expected(name: str) -> str:
    found = re.search(rf"<!-- walkthrough: {name} -->`([^`]+)`", README)
    assert found, name
    return found[1]


def test_the_walkthrough_works_verbatim() -> None:
    (server,) = commands(1)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CATAPULT_", "DTMFKIT_"))}
    process = subprocess.Popen(
        server, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(6)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1)
            for line in printed
            if line.startswith("export ")
        )
        assert set(exports) == {
            "CATAPULT_BASE_URL",
            "CATAPULT_USER_ID",
            "CATAPULT_API_TOKEN",
            "CATAPULT_API_SECRET",
        }
        assert printed[-1] == "# active calls: c-demo\n"
        env = clean | {key: shlex.split(value)[0] for key, value in exports.items()}
        outputs = [
            subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True)
            for argv in commands(2)
        ]
    finally:
        process.terminate()
        _, logged = process.communicate(timeout=10)
    assert process.returncode == 0
    dry, sent = outputs
    assert "Authorization: Basic ***" in dry.stdout
    assert dry.stdout.endswith('\n{"dtmfOut": "1WWW,59#"}\n')
    assert sent.stdout == expected("sent") + "\n"
    # The dry run sent nothing: the emulator logged exactly the one send.
    assert logged.splitlines() == [expected("logged")]
    secrets = (env["CATAPULT_API_TOKEN"], env["CATAPULT_API_SECRET"])
    for text in (dry.stdout, dry.stderr, sent.stdout, sent.stderr, logged):
        assert not any(secret in text for secret in secrets)
