"""The public surface, derived from the package itself, and the rules of its layout."""

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import dtmfkit
from dtmfkit._settings import RenderOptions, TimingOptions

PACKAGE = Path(dtmfkit.__file__).parent


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]))


def public_names() -> set[str]:
    """Every name the package offers that is not private and not a submodule."""
    return {
        name
        for name in dir(dtmfkit)
        if not name.startswith("_") and not inspect.ismodule(getattr(dtmfkit, name))
    } | {"__version__"}


def test_all_is_exactly_what_the_package_offers_and_sorted() -> None:
    assert set(dtmfkit.__all__) == public_names()
    assert dtmfkit.__all__ == sorted(dtmfkit.__all__, key=lambda n: (not n.isupper(), n))
    assert len(dtmfkit.__all__) == len(set(dtmfkit.__all__))


def test_every_public_class_and_function_is_documented_with_an_example() -> None:
    for name in dtmfkit.__all__:
        member = getattr(dtmfkit, name)
        if inspect.isfunction(member) or inspect.isclass(member):
            doc = inspect.getdoc(member) or ""
            assert "Examples\n--------\n>>>" in doc, name
            assert member.__module__.startswith("dtmfkit"), name


def test_no_public_function_has_the_name_of_a_module() -> None:
    for name in modules():
        if hasattr(dtmfkit, name):
            assert inspect.ismodule(getattr(dtmfkit, name)), name
    assert [name for name in modules() if not name.startswith("_")] == ["plot"]


def test_no_import_cycles_and_no_module_imports_its_own_package() -> None:
    """Each module's dtmfkit imports (at run time, not only for type checking) form a DAG."""
    graph: dict[str, set[str]] = {}
    for name in modules():
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "dtmfkit" and name != "__init__":
                    pytest.fail(f"{name} imports the package it belongs to")
                if node.module.startswith("dtmfkit."):
                    imported.add(node.module.removeprefix("dtmfkit."))
        graph[name] = imported
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for child in graph.get(name, ()):
            visit(child, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_functions_take_the_settings_keyword_only_and_alike() -> None:
    """The flat keywords are declared once; every rendering function takes the same values."""
    functions = [
        dtmfkit.render,
        dtmfkit.render_many,
        dtmfkit.render_to_file,
        dtmfkit.preview,
        importlib.import_module("dtmfkit.plot").spectrogram,
        importlib.import_module("dtmfkit._batch").render_lines,
    ]
    for function in functions:
        parameters = inspect.signature(function).parameters
        for name in ("rate", "profile", "timing", "voice"):
            assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, function
            assert parameters[name].default is None, function
        options = parameters["options"]
        assert options.kind is inspect.Parameter.VAR_KEYWORD
        assert options.annotation == f"Unpack[{RenderOptions.__name__}]", function
    for function in (dtmfkit.schedule, dtmfkit.samples_needed):
        annotation = inspect.signature(function).parameters["options"].annotation
        assert annotation == f"Unpack[{TimingOptions.__name__}]"
    for function in [*functions, dtmfkit.schedule, dtmfkit.samples_needed, dtmfkit.write]:
        positional = [
            p
            for p in inspect.signature(function).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        assert len(positional) <= 2, function


@pytest.mark.parametrize("function", ["render", "render_many", "preview", "samples_needed"])
def test_an_unknown_keyword_is_a_type_error(function: str) -> None:
    source: object = ["1"] if function == "render_many" else "1"
    with pytest.raises(TypeError, match=rf"{function}\(\) got an unexpected keyword argument"):
        getattr(dtmfkit, function)(source, tone_mss=100)


def test_package_is_typed_and_licensed() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE.parent / "LICENSE").read_text().startswith("MIT License")


def test_import_dtmfkit_loads_no_http_stack_and_no_emulator() -> None:
    code = (
        "import sys, dtmfkit; dtmfkit.render('1'); "
        "print(sorted(m for m in ('requests', 'urllib3', 'scipy', 'matplotlib', "
        "'dtmfkit._emulator', 'dtmfkit._catapult') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
    assert inspect.isclass(dtmfkit.CatapultClient)  # loaded on first use
