"""Change events: the hub's fan-out and bounds, and how disk changes map to events."""

from __future__ import annotations

from pathlib import Path

import watchfiles

from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.events import (
    ContainerChanged,
    EventHub,
    EventsLost,
    FileChanged,
    ProjectChanged,
    ShellOpened,
)
from cloudide_tui.backend.watch import container_event, file_events


async def test_every_subscriber_gets_what_it_asked_for() -> None:
    hub = EventHub()
    everything = hub.subscribe()
    only_demo = hub.subscribe("demo")
    hub.publish(ShellOpened("demo", "a1"))
    hub.publish(ShellOpened("other", "b2"))
    assert await everything.get() == ShellOpened("demo", "a1")
    assert await everything.get() == ShellOpened("other", "b2")
    assert await only_demo.get() == ShellOpened("demo", "a1")
    await only_demo.close()
    assert only_demo.closed


async def test_a_subscriber_that_falls_behind_is_told_once_instead_of_growing() -> None:
    hub = EventHub()
    slow = hub.subscribe(limit=10)
    for i in range(25):
        hub.publish(FileChanged("demo", f"f{i}", "created"))
    first = await slow.get()
    assert isinstance(first, EventsLost)
    assert first.dropped >= 10
    assert slow.pending < 10  # bounded: what came after the loss, nothing more


async def test_closing_ends_a_waiting_reader_and_the_hub_stops_its_sources() -> None:
    started, stopped = [], []
    hub = EventHub(start=lambda: started.append(1), stop=lambda: stopped.append(1))
    subscription = hub.subscribe()
    assert started == [1] and hub.active
    async with subscription:
        pass
    assert stopped == [1] and not hub.active
    seen = [event async for event in subscription]
    assert seen == []


def test_disk_changes_become_project_and_file_events(tmp_path: Path) -> None:
    root = tmp_path
    changes = {
        (watchfiles.Change.added, str(root / "demo")),
        (watchfiles.Change.added, str(root / "demo" / "src" / "main.py")),
        (watchfiles.Change.modified, str(root / "demo" / "README.md")),
        (watchfiles.Change.deleted, str(root / "old")),
        (watchfiles.Change.modified, str(root / "demo")),  # a folder's mtime: no event
        (watchfiles.Change.added, str(root / ".hidden" / "x")),  # not a project name
        (watchfiles.Change.added, "/elsewhere/file"),
    }
    assert file_events(root, changes) == [
        ProjectChanged("demo", "created"),
        FileChanged("demo", "README.md", "changed"),
        FileChanged("demo", "src/main.py", "created"),
        ProjectChanged("old", "deleted"),
    ]


def test_engine_events_of_other_owners_or_apps_are_ignored() -> None:
    def event(action: str, **labels: str) -> dict[str, object]:
        return {"Type": "container", "Action": action, "Actor": {"Attributes": labels}}

    ours = {"cloudide.app": "cloudide-tui", "cloudide.owner": "ann", "cloudide.project": "demo"}
    assert container_event(event("start", **ours), "ann") == ContainerChanged(
        "demo", ContainerState.RUNNING
    )
    assert container_event(event("die", **ours), "ann") == ContainerChanged(
        "demo", ContainerState.STOPPED
    )
    assert container_event(event("destroy", **ours), "ann") == ContainerChanged(
        "demo", ContainerState.NONE
    )
    assert container_event(event("start", **ours), "bob") is None
    assert container_event(event("exec_start", **ours), "ann") is None
    assert container_event(event("start", **{**ours, "cloudide.app": "x"}), "ann") is None


def test_what_is_inside_a_new_directory_is_reported_too(tmp_path: Path) -> None:
    from cloudide_tui.backend.watch import _inside_new_dirs

    (tmp_path / "demo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "demo" / "a" / "b" / "f.txt").write_text("x")
    (tmp_path / "demo" / "a" / ".git").mkdir()
    (tmp_path / "demo" / "a" / ".git" / "HEAD").write_text("x")
    found = _inside_new_dirs([str(tmp_path / "demo" / "a"), str(tmp_path / "gone")])
    assert file_events(tmp_path, found) == [
        FileChanged("demo", "a/b", "created"),
        FileChanged("demo", "a/b/f.txt", "created"),
    ]
