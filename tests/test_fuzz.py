"""Fuzzing the parser and the command line.

``make test`` runs a few thousand inputs; ``make fuzz`` (HYPOTHESIS_PROFILE=fuzz) runs
100 000 of each.
"""

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtmfkit import DtmfSyntaxError, parse
from dtmfkit._cli import main
from tests.strategies import VALID_CHARS, mixed_text, valid_text

REFERENCE = re.compile(r"[A-D0-9#*,wW]{1,92}")
#: At least this many inputs in ``make test``; the fuzz profile's count when it is larger.
EXAMPLES = max(2000, settings.default.max_examples)

any_unicode = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)
fuzz_text = st.one_of(
    any_unicode,
    mixed_text,
    valid_text,
    st.text(alphabet=VALID_CHARS + "\n\r\x00\t \u0661\uff11\u00b2abcd", max_size=100),
)


@settings(max_examples=EXAMPLES)
@given(fuzz_text)
def test_parse_agrees_with_the_reference_on_any_unicode(text: str) -> None:
    if REFERENCE.fullmatch(text) is not None:
        sequence = parse(text)
        assert sequence.text == text
        assert "".join(map(str, sequence.events)) == text
        return
    # Anything but DtmfSyntaxError escapes pytest.raises and fails the test.
    with pytest.raises(DtmfSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert 0 <= error.position <= max(len(text), 93)
    assert "\n" not in str(error)
    assert len(str(error)) < 500


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A fresh working directory with an audio file, a junk file and a lines file."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        sf.write(here / "in.wav", np.zeros(800), 8000)
        (here / "junk.wav").write_bytes(b"RIFF not really")
        (here / "lines.txt").write_text("123\n45x\n")
        os.chdir(here)
        try:
            yield here
        finally:
            os.chdir(before)


OPTIONS = [
    "-o", "--output", "--rate", "--tone-ms", "--gap-ms", "--level-dbm0", "--twist-db",
    "--ramp-ms", "--subtype", "--profile", "--json", "--plot", "--wav", "--pauses",
    "--channel", "--batch", "--out-dir", "--jobs", "--format",
]  # fmt: skip
VALUES = [
    "1WWW,59#", "12a4", "", "out.wav", "out.flac", "out.mp3", "no/such/dir/out.wav",
    "in.wav", "junk.wav", "missing.wav", "lines.txt", "batch", "8000", "16000", "3000", "0",
    "-1", "nan", "inf", "1e9", "0.5", "-10", "40", "ULAW", "FLOAT", "MP3", "asterisk",
    "twilio", "sip", "wav", "flac", "2", "x",
]  # fmt: skip
argv_tokens = st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES)), max_size=8)


@settings(
    max_examples=max(150, settings.default.max_examples // 20),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(["render", "preview", "decode"]), argv_tokens)
def test_cli_never_tracebacks_and_leaves_no_file_on_failure(
    command: str, tokens: list[str]
) -> None:
    with scratch() as here:
        before = set(here.rglob("*"))
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main([command, *tokens])
        message = err.getvalue()
        created = set(here.rglob("*")) - before
        assert status in (0, 1, 2)
        assert "Traceback" not in message
        if status == 0:
            return
        if not ("--batch" in tokens and "lines.txt" in tokens):
            # A batch with a bad line reports each bad line, one line each, and writes the rest.
            assert message.count("\n") == 1, message
            assert not created, created
