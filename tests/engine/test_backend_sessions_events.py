"""The backend's remote-ready extensions on the real engine: sessions have ids and can be
listed and attached again; files, projects, containers and shells push change events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from cloudide_tui.backend.base import ContainerState, EventStream
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.events import (
    BackendEvent,
    ContainerChanged,
    FileChanged,
    ProjectChanged,
    ShellEnded,
    ShellOpened,
)
from cloudide_tui.errors import NotFound
from testkit.docker_helpers import ShellDriver


async def next_matching(
    events: EventStream, wanted: Callable[[BackendEvent], bool], timeout: float = 30.0
) -> tuple[BackendEvent, float]:
    """The first event ``wanted`` accepts, and how long it took to come."""
    start = time.monotonic()
    async with asyncio.timeout(timeout):
        while True:
            event = await events.get()
            if wanted(event):
                return event, time.monotonic() - start


async def test_a_shell_can_be_listed_and_attached_again_by_its_id(
    make_backend: Callable[..., DockerBackend],
) -> None:
    backend = make_backend()
    await backend.create_project("ids")
    session = await backend.open_shell("ids", 24, 80)
    try:
        assert session.session_id
        shells = await backend.list_shells("ids")
        assert [s.session_id for s in shells] == [session.session_id]
        assert shells[0].project == "ids"
        attached = await backend.attach_shell(session.session_id)
        driver = ShellDriver(attached)
        await driver.prompt()
        assert "hello" in await driver.run("echo hello")
    finally:
        await session.close()
    assert await backend.list_shells("ids") == []
    try:
        await backend.attach_shell(session.session_id)
    except NotFound as e:
        assert "no running shell session" in e.message
    else:
        raise AssertionError("a closed session could be attached")


async def test_events_tell_of_shells_files_projects_and_containers(
    make_backend: Callable[..., DockerBackend],
) -> None:
    backend = make_backend()
    async with backend.events() as events:
        await backend.create_project("watched")
        event, _ = await next_matching(events, lambda e: isinstance(e, ProjectChanged))
        assert event == ProjectChanged("watched", "created")

        session = await backend.open_shell("watched", 24, 80)
        await next_matching(
            events, lambda e: e == ContainerChanged("watched", ContainerState.RUNNING)
        )
        await next_matching(events, lambda e: e == ShellOpened("watched", session.session_id))

        driver = ShellDriver(session)
        await driver.prompt()
        await driver.run("mkdir -p src && echo hi > src/made-in-shell.txt")
        # How fast it is told is a figure for bench/, not a bound here (a loaded machine).
        await next_matching(
            events, lambda e: isinstance(e, FileChanged) and e.path == "src/made-in-shell.txt"
        )

        await backend.write_file("watched", "api.txt", b"x")
        event, _ = await next_matching(
            events, lambda e: isinstance(e, FileChanged) and e.path == "api.txt"
        )
        await backend.delete_path("watched", "api.txt")
        await next_matching(events, lambda e: e == FileChanged("watched", "api.txt", "deleted"))

        await session.close()
        event, _ = await next_matching(events, lambda e: isinstance(e, ShellEnded))
        assert isinstance(event, ShellEnded) and event.session_id == session.session_id

        await backend.stop_container("watched")
        await next_matching(
            events, lambda e: e == ContainerChanged("watched", ContainerState.STOPPED)
        )


async def test_a_project_filter_keeps_other_projects_out(
    make_backend: Callable[..., DockerBackend],
) -> None:
    backend = make_backend()
    await backend.create_project("one")
    await backend.create_project("two")
    async with backend.events("two") as events:
        await backend.write_file("one", "a.txt", b"1")
        await backend.write_file("two", "b.txt", b"2")
        event, _ = await next_matching(events, lambda e: isinstance(e, FileChanged))
        assert event == FileChanged("two", "b.txt", "created")
