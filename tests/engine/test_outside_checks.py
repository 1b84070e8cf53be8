"""The suite's look from outside a container (``testkit.docker_helpers.exec_in``) sees all
a command printed, however late it reads the engine's answer: a check that saw nothing
would pass every "this process is gone" assertion and fail every "it runs" one."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable

import pytest

from cloudide_tui.backend.docker_backend import DockerBackend
from testkit import docker_helpers

MakeBackend = Callable[..., DockerBackend]


async def test_a_command_run_from_outside_shows_its_output_to_a_late_reader(
    make_backend: MakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend()
    await backend.create_project("outside")
    await backend.start_container("outside")
    container = backend.container_name("outside")
    assert docker_helpers.exec_in(container, "echo on-time") == (0, "on-time\n")

    # A loaded machine: the engine's whole answer (its headers, the command's output, the
    # end) is there before the headers are read, so the HTTP layer reads it all at once.
    read_headers = http.client.HTTPResponse.begin

    def late(response: http.client.HTTPResponse) -> None:
        time.sleep(0.3)
        read_headers(response)

    monkeypatch.setattr(http.client.HTTPResponse, "begin", late)
    status, output = docker_helpers.exec_in(container, "echo late; echo oops >&2; exit 3")
    # (stdout and stderr are copied apart: their order is the engine's)
    assert (status, sorted(output.splitlines())) == (3, ["late", "oops"])
