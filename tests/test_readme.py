"""README's Python examples run as written (those that need credentials say so and are skipped)."""

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- needs credentials -->\n)?```python\n(.*?)```", re.DOTALL)


def blocks() -> list[tuple[bool, str]]:
    return [(bool(skip), code) for skip, code in BLOCK.findall(README.read_text())]


def test_readme_has_examples() -> None:
    assert sum(not skip for skip, _ in blocks()) >= 2


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for skip, code in blocks():
        if not skip:
            exec(compile(code, str(README), "exec"), namespace)
    assert os.listdir(tmp_path)  # the examples wrote their files here
