"""What the user reads when the engine does not answer: the address actually tried."""

from __future__ import annotations

import pytest

from cloudide_tui.backend.engine import engine_unavailable


def test_the_engine_error_names_the_address_used(monkeypatch: pytest.MonkeyPatch) -> None:
    cause = FileNotFoundError("No such file or directory")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    error = engine_unavailable(None, cause)
    assert "unix:///var/run/docker.sock (the default)" in error.message
    assert "no engine listens there" in error.message
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    assert "tcp://127.0.0.1:1 (from DOCKER_HOST)" in engine_unavailable(None, cause).message
    given = engine_unavailable("unix:///run/x.sock", cause).message
    assert "unix:///run/x.sock (the docker_host setting)" in given
