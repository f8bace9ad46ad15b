import inspect

import dtmfkit

EXPECTED = {
    "FREQUENCIES",
    "KEYS",
    "MAX_LENGTH",
    "PAUSE_SECONDS",
    "AudioFileError",
    "AuthenticationError",
    "Batch",
    "Grammar",
    "Skipped",
    "Preview",
    "PreviewWarning",
    "preview",
    "PROFILES",
    "Profile",
    "MissingDependencyError",
    "PlaybackError",
    "Detection",
    "canonical",
    "decode",
    "detect",
    "spell",
    "Call",
    "CatapultClient",
    "Emulator",
    "SendResult",
    "CallNotFoundError",
    "CallStateError",
    "CatapultError",
    "ConflictError",
    "DtmfError",
    "DtmfSyntaxError",
    "ForbiddenError",
    "ParameterError",
    "Pause",
    "RateLimitError",
    "Scheduled",
    "SendFailedError",
    "Sequence",
    "ServerError",
    "Timeline",
    "Timing",
    "Tone",
    "TransportError",
    "__version__",
    "parse",
    "read",
    "render",
    "render_many",
    "samples_needed",
    "schedule",
    "write",
}


def test_all_is_exactly_the_public_api_and_sorted() -> None:
    assert set(dtmfkit.__all__) == EXPECTED
    assert dtmfkit.__all__ == sorted(dtmfkit.__all__, key=lambda n: (not n.isupper(), n))
    assert len(dtmfkit.__all__) == len(set(dtmfkit.__all__))


def test_every_public_name_exists_and_is_documented() -> None:
    for name in dtmfkit.__all__:
        member = getattr(dtmfkit, name)
        if inspect.isfunction(member) or inspect.isclass(member):
            assert inspect.getdoc(member), name
            assert member.__module__.startswith("dtmfkit."), name


def test_public_functions_take_keyword_only_options() -> None:
    for function in (dtmfkit.render, dtmfkit.render_many, dtmfkit.schedule, dtmfkit.write):
        parameters = list(inspect.signature(function).parameters.values())
        positional = [p for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        assert len(positional) <= 2, function


def test_package_is_typed() -> None:
    from importlib.resources import files

    assert files("dtmfkit").joinpath("py.typed").is_file()


def test_every_public_function_and_class_has_an_example() -> None:
    for name in dtmfkit.__all__:
        member = getattr(dtmfkit, name)
        if inspect.isfunction(member) or inspect.isclass(member):
            doc = inspect.getdoc(member) or ""
            assert "Examples\n--------\n>>>" in doc, name
