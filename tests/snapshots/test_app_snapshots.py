"""Pictures of the main screens at 120x36 and 80x24 (pytest-textual-snapshot).

These use the in-memory ``FakeBackend`` ONLY so that the pictures are the same on every
run; each flow drawn here is also tested for real against Docker in ``test_flows.py``.
Update the pictures with ``pytest tests/app/test_snapshots.py --snapshot-update`` and
look at them (``snapshot_report.html``) before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from cloudide_tui.app import CloudIDEApp
from cloudide_tui.dialogs import ErrorDialog
from cloudide_tui.errors import EngineUnavailable
from cloudide_tui.screens.prefix import PrefixScreen
from testkit.fake_backend import FakeBackend
from testkit.ide import screen_text, wait_for

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


def demo_app() -> CloudIDEApp:
    return CloudIDEApp(FakeBackend.demo())


def ide(pilot: Pilot[Any]) -> CloudIDEApp:
    app = pilot.app
    assert isinstance(app, CloudIDEApp)
    return app


async def started(pilot: Pilot[Any]) -> None:
    app = ide(pilot)
    await app.ready.wait()
    await pilot.pause()


def then(
    *steps: Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await started(pilot)
        for step in steps:
            await step(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run


async def open_demo_terminal(pilot: Pilot[Any]) -> None:
    app = ide(pilot)
    await wait_for(
        pilot,
        lambda: (item := app.main.browser.cursor_item) is not None and item.is_project,
        "the cursor on the first project",
    )
    await pilot.press("enter")  # the cursor starts on the first project

    def shown() -> bool:
        terminals = app.main.terminals()
        return bool(terminals) and screen_text(terminals[0]).count("$") == 3

    await wait_for(pilot, shown, "the demo shell's output")
    await wait_for(pilot, lambda: app.main.terminals()[0].backlog == 0, "the output drawn")
    await pilot.pause()


async def open_python_file(pilot: Pilot[Any]) -> None:
    app = ide(pilot)
    app.main.open_file("demo", "src/app.py")
    await wait_for(
        pilot,
        lambda: any(app.focused is e.text_area for e in app.main.editors()),
        "the editor, focused",
    )
    await pilot.pause()


async def show_engine_error(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, CloudIDEApp)
    app.report_error(
        EngineUnavailable(
            "Cannot reach the Docker engine at unix:///var/run/docker.sock.",
            hint="Start it (sudo systemctl start docker, or make engine) and try again.",
        )
    )
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ErrorDialog) and app.screen.is_mounted,
        "the dialog, mounted",
    )


@pytest.mark.parametrize("size", SIZES)
def test_empty_state(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=then())


@pytest.mark.parametrize("size", SIZES)
def test_no_projects_yet(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(CloudIDEApp(FakeBackend()), terminal_size=size, run_before=then())


@pytest.mark.parametrize("size", SIZES)
def test_a_project_with_its_terminal(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=then(open_demo_terminal))


@pytest.mark.parametrize("size", SIZES)
def test_an_editor_with_highlighted_python(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        demo_app(), terminal_size=size, run_before=then(open_demo_terminal, open_python_file)
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_help_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, press=["f1"], run_before=then())


@pytest.mark.parametrize("size", SIZES)
def test_an_error_dialog(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=then(show_engine_error))


async def press_the_prefix_key(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+backslash")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, PrefixScreen) and pilot.app.screen.is_mounted,
        "the panel, mounted",
    )


async def split_beside_the_terminal(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+backslash", "vertical_line")
    await wait_for(pilot, lambda: ide(pilot).main.beside is not None, "the split")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_the_prefix_panel_over_a_terminal(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        demo_app(), terminal_size=size, run_before=then(open_demo_terminal, press_the_prefix_key)
    )


@pytest.mark.parametrize("size", SIZES)
def test_an_editor_beside_a_terminal(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        demo_app(),
        terminal_size=size,
        run_before=then(open_demo_terminal, open_python_file, split_beside_the_terminal),
    )
