"""Fixtures for the app's Pilot tests: a real DockerBackend per test module (the helpers
that drive the app are in ``testkit.ide``)."""

from __future__ import annotations

import pytest

from testkit.backends import BackendHome


@pytest.fixture
def home(backend_home: BackendHome) -> BackendHome:
    return backend_home
