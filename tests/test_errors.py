"""The error tree, as its module docstring draws it."""

import pytest

import dtmfkit
from dtmfkit import (
    AudioFileError,
    CatapultError,
    DtmfError,
    DtmfSyntaxError,
    ParameterError,
    ServerError,
    TransportError,
)


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (DtmfSyntaxError, (DtmfError, ValueError)),
        (ParameterError, (DtmfError, ValueError)),
        (AudioFileError, (DtmfError, OSError)),
        (dtmfkit.PlaybackError, (DtmfError, RuntimeError)),
        (dtmfkit.MissingDependencyError, (DtmfError, ImportError)),
        (dtmfkit.CallStateError, (dtmfkit.ForbiddenError, CatapultError)),
        (dtmfkit.SendFailedError, (ServerError, CatapultError)),
        (TransportError, (CatapultError, DtmfError)),
    ],
)
def test_tree(error: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    assert issubclass(error, bases)


def test_every_public_error_is_a_dtmf_error_and_documented() -> None:
    errors = [getattr(dtmfkit, n) for n in dtmfkit.__all__ if n.endswith("Error")]
    assert len(errors) >= 15
    for error in errors:
        assert issubclass(error, DtmfError)
        assert error.__name__ in (dtmfkit._errors.__doc__ or "")


def test_may_have_played_defaults() -> None:
    assert ServerError("x", status=500).may_have_played is True
    assert CatapultError("x", status=409).may_have_played is False
    assert TransportError("x", may_have_played=True).may_have_played is True
