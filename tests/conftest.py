import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from dtmfkit import CatapultClient, Emulator

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.register_profile(
    "fuzz", deadline=None, suppress_health_check=list(HealthCheck), max_examples=100_000
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TOKEN = "t-TOKEN-7f3a9c"
SECRET = "s-SECRET-51e0b2"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(user_id="u-test", api_token=TOKEN, api_secret=SECRET) as running:
        yield running


@pytest.fixture
def client(emulator: Emulator) -> Iterator[CatapultClient]:
    with CatapultClient(
        *emulator.credentials,
        base_url=emulator.base_url,
        timeout=(2.0, 5.0),
        backoff=0.01,
        max_rate_limit_wait=5.0,
    ) as made:
        yield made
