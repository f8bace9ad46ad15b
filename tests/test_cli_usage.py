"""The command line as people use it: pipes both ways, warnings, JSON, -q and -v, completion,
messages in the words typed, and commands that import only what they use."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dtmfkit import Emulator, render
from dtmfkit._cli import build_parser, main


def dtmfkit(*argv: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "dtmfkit", *argv],
        timeout=120,
        check=False,
        **{**streams, **options},
    )


# --- Pipes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "subtype"), [("wav", "PCM_16"), ("flac", "PCM_16"), ("wav", "ULAW")]
)
def test_dash_o_writes_the_audio_to_standard_output(fmt: str, subtype: str) -> None:
    done = dtmfkit("render", "1W59#", "-o", "-", "--format", fmt, "--subtype", subtype)
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(io.BytesIO(done.stdout), dtype="int16")
    assert rate == 8000
    if subtype == "PCM_16":
        assert np.array_equal(audio, render("1W59#", dtype="int16"))
    else:
        assert audio.size == render("1W59#").size
    assert done.stderr.decode().startswith("wrote standard output: ")


def test_dash_o_to_a_terminal_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Under pytest stdout is not a terminal: the refusal is checked through a pseudo-terminal.
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        done = dtmfkit("render", "1", "-o", "-", stdout=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert b"redirect it" in done.stderr


def test_batch_dash_reads_standard_input(tmp_path: Path) -> None:
    done = dtmfkit("render", "--batch", "-", "--out-dir", str(tmp_path), input=b"12\n3W4\n")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.tsv",
        "line-00001.wav",
        "line-00002.wav",
    ]


def test_decode_dash_is_documented_and_reads_standard_input() -> None:
    assert b"- for standard input" in dtmfkit("decode", "--help").stdout
    wav = dtmfkit("render", "159#", "-o", "-", "-q").stdout
    done = dtmfkit("decode", "-", input=wav)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"159#\n", b"")


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "1" * 92, "--rate", "48000", "-o", "-"],  # megabytes of audio
        ["preview", "1", "--json"],
        ["decode", "--json", "{wav}"],
    ],
)
def test_a_closed_pipe_ends_quietly_with_the_status_of_sigpipe(
    tmp_path: Path, argv: list[str]
) -> None:
    wav = tmp_path / "keys.wav"
    sf.write(wav, render("123456789", dtype="int16"), 8000)
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before a byte is written, as `| head -c0` would be
    try:
        done = dtmfkit(*(a.format(wav=wav) for a in argv), stdout=writer)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, b"")


# --- What the user typed, and what the user is told --------------------------------------


def test_a_file_that_is_not_there_is_named_with_the_reason() -> None:
    done = dtmfkit("decode", "nope.wav")
    assert done.returncode == 2
    assert done.stderr == b"dtmfkit: error: cannot read 'nope.wav': No such file or directory\n"


def test_keys_on_another_channel_get_a_hint(tmp_path: Path) -> None:
    keys = render("159", dtype="int16")
    stereo = np.stack([np.zeros_like(keys), keys], axis=1)
    sf.write(tmp_path / "call.wav", stereo, 8000)
    done = dtmfkit("decode", str(tmp_path / "call.wav"))
    assert (done.returncode, done.stdout) == (0, b"\n")
    assert done.stderr == b"dtmfkit: no DTMF on channel 0 of 2; try --channel 1\n"
    done = dtmfkit("decode", str(tmp_path / "call.wav"), "--channel", "1")
    assert (done.stdout, done.stderr) == (b"159\n", b"")


def test_render_warns_as_preview_does(tmp_path: Path) -> None:
    done = dtmfkit("render", "11", "--gap-ms", "10", "-o", str(tmp_path / "a.wav"))
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert lines[0].startswith("dtmfkit: warning: --gap-ms 10 is under 40 ms")
    assert lines[1].startswith("dtmfkit: warning: key '1' repeats")
    assert (tmp_path / "a.wav").exists()
    quiet = dtmfkit("render", "11", "--gap-ms", "10", "-o", str(tmp_path / "b.wav"), "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, b"", b"")
    clean = dtmfkit("render", "12", "-o", str(tmp_path / "c.wav"))
    assert clean.stderr == b""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--level-dbm0", "3.5"], "--level-dbm0 must be from -90 to 3.17, got 3.5"),
        (["--tone-ms", "0"], "--tone-ms must be more than 0"),
        (["--ramp-ms", "150"], "--ramp-ms 150 is too long for --tone-ms 200"),
        (["--twist-db", "50"], "--twist-db must be from -40 to 40, got 50"),
    ],
)
def test_errors_name_the_flags_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["render", "1", "-o", str(tmp_path / "a.wav"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "_ms" not in err
    assert "_db" not in err


def test_send_names_the_flag_not_the_keyword(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["send", "c-1", "1", "--dry-run", "--base-url", "http://example.com"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "refusing plain http to non-loopback host 'example.com'" in err
    assert "(use https: plain http goes only to loopback)" in err
    assert main(["send", "c-1", "1", "--dry-run", "--base-url", "ftp://x"]) == 2
    assert capsys.readouterr().err.startswith("dtmfkit: error: --base-url must be an http(s) URL")


def test_a_batch_with_a_bad_line_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("12\nxx\n34\n5y\n")
    out = tmp_path / "out"
    assert main(["render", "--batch", str(lines), "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{lines}:2: invalid DTMF character 'x' at position 1")
    assert err[1].startswith(f"dtmfkit render: {lines}:4: invalid DTMF character 'y' at position 2")
    assert err[1].endswith("(2 bad line(s); nothing written)")
    assert not out.exists()


# --- JSON, -q, -v ---------------------------------------------------------------------------


def test_render_and_batch_speak_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "1W2", "-o", str(tmp_path / "a.wav"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "output": str(tmp_path / "a.wav"),
        "samples": 11200,
        "seconds": 1.4,
        "rate": 8000,
        "subtype": "PCM_16",
        "warnings": [],
    }
    lines = tmp_path / "lines.txt"
    lines.write_text("1\n2\n")
    assert main(["render", "--batch", str(lines), "--out-dir", str(tmp_path / "o"), "--json"]) == 0
    batch = json.loads(capsys.readouterr().out)
    assert [Path(f).name for f in batch["files"]] == ["line-00001.wav", "line-00002.wav"]
    assert batch["seconds"] == pytest.approx(0.4)


def test_send_speaks_json_and_logs_with_v(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user, token, secret = emulator.credentials
    for name, value in (
        ("CATAPULT_USER_ID", user),
        ("CATAPULT_API_TOKEN", token),
        ("CATAPULT_API_SECRET", secret),
        ("CATAPULT_BASE_URL", emulator.base_url),
    ):
        monkeypatch.setenv(name, value)
    call = emulator.create_call()
    assert main(["-v", "send", call, "12", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"call_id": call, "dtmfOut": "12", "status": 200}
    assert f"dtmfkit: POST {emulator.base_url}/v1/users/{user}/calls/{call}/dtmf -> 200" in (
        captured.err
    )
    assert token not in captured.err
    assert secret not in captured.err
    assert main(["send", call, "3", "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["send", call, "4", "--dry-run", "--json"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["method"] == "POST"
    assert request["headers"]["Authorization"] == "Basic ***"
    assert json.loads(request["body"]) == {"dtmfOut": "4"}
    assert emulator.heard(call) == ["12", "3"]


def test_q_before_or_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "render", "1", "-o", str(tmp_path / "a.wav")]) == 0
    assert main(["render", "1", "-o", str(tmp_path / "b.wav"), "-q"]) == 0
    assert main(["render", "1", "-o", str(tmp_path / "c.wav")]) == 0
    assert capsys.readouterr().out.count("wrote") == 1


# --- Completion and help -------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts_know_every_command_and_flag(shell: str) -> None:
    pytest.importorskip("shtab")
    done = dtmfkit("completion", shell)
    assert done.returncode == 0, done.stderr
    script = done.stdout.decode()
    for word in ("render", "preview", "decode", "verify", "send", "emulator"):
        assert word in script
    if shell != "tcsh":  # shtab's tcsh script completes commands only
        assert "--tone-ms" in script


def test_every_argument_has_help() -> None:
    parser = build_parser()
    subparsers = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, command in [("dtmfkit", parser), *subparsers.items()]:
        for action in command._actions:
            if action.dest not in ("help", "command"):
                assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


# --- Imports ---------------------------------------------------------------------------------

HEAVY = ("requests", "urllib3", "scipy", "matplotlib", "dtmfkit._emulator", "dtmfkit._catapult")


@pytest.mark.parametrize(
    "code",
    [
        "import dtmfkit",
        "import dtmfkit; dtmfkit.render('1'); dtmfkit.schedule('1W2').format()",
        "from dtmfkit._cli import main; main(['render', '1', '-o', {out!r}])",
        "from dtmfkit._cli import main; main(['decode', {out!r}])",
    ],
)
def test_commands_import_only_what_they_use(tmp_path: Path, code: str) -> None:
    out = str(tmp_path / "x.wav")
    sf.write(out, render("1", dtype="int16"), 8000)
    probe = f"import sys; {code.format(out=out)}; print(sorted(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.splitlines()[-1].strip("[]").replace("'", "").split(", "))
    assert not [m for m in loaded for heavy in HEAVY if m == heavy or m.startswith(heavy + ".")]
