"""The app: the backend injected, one error handler, start-up, quitting, and the factory.

``make_app`` is the one way to build the app (the CLI, the tests and the screenshot
script all use it); ``run_app`` is what ``cloudide-tui`` calls after parsing its options.

The app sits on top: it makes the main screen and hands it what it needs (the backend,
the scrollback, the ``--project`` shell opened ahead); the screen and the widgets below
never import it, they post messages up (``MainScreen.Ready``, ``messages.Activity``,
``messages.WorkFailed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from cloudide_tui import defaults, paths, tab_memory, ui_state
from cloudide_tui.backend.base import Backend, ConnectionStatus, LimitHit, ShellSession
from cloudide_tui.backend.factory import make_backend
from cloudide_tui.backend.handoff import StartedExec
from cloudide_tui.backend.lazy import LazyBackend
from cloudide_tui.commands import FilesProvider, offered
from cloudide_tui.config import Settings
from cloudide_tui.dialogs import ErrorDialog, ProgressDialog
from cloudide_tui.dialogs.error import RETRY
from cloudide_tui.early_shell import EarlyShell, ShellHelper
from cloudide_tui.errors import (
    CloudIDEError,
    ContainerError,
    EngineUnavailable,
    ImageError,
    ImageMissing,
    ResourceLimit,
)
from cloudide_tui.keymap import APP_BINDINGS, PREFIX_ID, short_key
from cloudide_tui.links import is_link, open_in_browser
from cloudide_tui.messages import Activity, ConnectionChanged, OpenLink, WorkFailed
from cloudide_tui.screens import questions
from cloudide_tui.screens.help import HelpScreen
from cloudide_tui.screens.main import MainScreen
from cloudide_tui.screens.prefix import SEND_PREFIX, PrefixScreen
from cloudide_tui.validation import validate_project_name
from cloudide_tui.warm_start import expected_terminal_size
from cloudide_tui.widgets.editor import Editor
from cloudide_tui.widgets.terminal import Terminal

DIALOG_ERRORS = (EngineUnavailable, ImageError, ContainerError, ResourceLimit)
"""Failures that stop the user's work: a dialog. Others (a bad name, a missing file) are
notifications."""

YIELD_TO_TERMINAL = frozenset({"quit", "command_palette"})
"""App priority actions (Ctrl+Q, Ctrl+P) that a focused terminal receives as keys instead."""

STOP_TIMEOUT = 30.0
"""Seconds allowed for stopping containers on quit before giving up on them."""

STATE_EVERY = 2.0
"""Seconds between checks whether the theme or the tabs changed (then they are saved)."""


class StoppedByABug(Exception):
    """How the app stops on an exception that escaped a message handler: Textual prints
    it as these few lines (``__rich__``), not as a traceback; the bug is its cause (and
    what Pilot re-raises in tests, as the cause of this)."""

    def __rich__(self) -> Text:
        return Text(str(self), style="bold red")


class CloudIDEApp(App[int]):
    """A cloud IDE in the terminal.

    The app knows its backend only through what the backend declares: its
    ``capabilities`` (do shells outlive the app? is an image prepared here? should
    quitting stop containers?) and its ``connection`` (local, or a server's state).

    Args:
        backend: Projects, files, shells and containers (``DockerBackend`` locally,
            ``RemoteBackend`` with a server).
        settings: The typed settings (``--project``, ``--keep-running``, scrollback ...);
            None: the defaults.
        log_path: Where unexpected errors are written in full (never shown as tracebacks).
        freeze_gc: See ``freeze_gc`` below.
    """

    CSS_PATH = "app.tcss"
    TITLE = "cloudide-tui"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {FilesProvider}

    @dataclass
    class LimitReached(Message):
        """A project hit a limit (a process killed for memory, a full disk); posted from
        the backend's watcher threads (``post_message`` is thread-safe)."""

        hit: LimitHit

    def __init__(
        self,
        backend: Backend,
        settings: Settings | None = None,
        *,
        log_path: Path | None = None,
        freeze_gc: bool = False,
        state_file: Path | None = None,
        helper: ShellHelper | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self._helper = helper
        self.state_file = state_file
        """Where the theme and the open tabs are remembered (None: nothing is)."""
        # Read before the app runs (a small local file; the event loop is not running).
        self._remembered, self._state_note = (
            ui_state.load(state_file) if state_file is not None else (ui_state.UIState(), None)
        )
        self._last_saved = self._remembered
        self._tabs_restored = False
        self._state_failed = False
        self.freeze_gc = freeze_gc
        """Freeze the garbage collector's view of what start-up made (``run_app`` only:
        a process that runs many apps, like the test suite, would keep each one alive)."""
        self.settings = settings if settings is not None else Settings()
        self.log_path = log_path
        self.unexpected_errors: list[BaseException] = []
        self.ready = asyncio.Event()
        """Set once start-up (engine check, image, ``--project``) is over, failed or not."""
        self._progress: ProgressDialog | None = None
        self._build: asyncio.Task[None] | None = None
        self._engine_dialog: ErrorDialog | None = None
        self._early_shell: EarlyShell | None = None
        self._prefix_action = False
        self._held_keys: list[events.Key] | None = [] if self.settings.project else None
        """Keys typed while ``--project`` starts, before its terminal has the focus (None:
        not holding): they go to that terminal once it has it."""
        if self.settings.prefix_key != defaults.PREFIX_KEY:
            self.set_keymap({PREFIX_ID: self.settings.prefix_key})

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux and macOS ours, which reads Alt+key
        as xterm sends it (``driver.py``). A driver named in ``TEXTUAL_DRIVER`` is kept."""
        driver = super().get_driver_class()
        if driver.__name__ != "LinuxDriver":  # Windows, or TEXTUAL_DRIVER
            return driver
        from cloudide_tui.driver import CloudIDEDriver  # imports termios: not on Windows

        return CloudIDEDriver

    # -- screens ----------------------------------------------------------------------
    def on_mount(self) -> None:
        self._apply_remembered_theme()
        if self.state_file is not None:
            self.set_interval(STATE_EVERY, self._save_state_if_changed)
        project = self.settings.project
        if self._helper is not None:
            # Warm start from the CLI: the helper process opened the shell while this one
            # loaded the UI; the backend's session takes it over once the backend loads.
            self._early_shell = EarlyShell.from_helper(
                self._helper, self._load_backend, self._adopt
            )
        elif project:
            # Warm start: open the shell now, while the screen mounts and the engine is
            # checked; the terminal takes it when its tab exists.
            rows, cols = expected_terminal_size(self.size.width, self.size.height)
            self._early_shell = EarlyShell.opened_by(self.backend, project, rows, cols)
        # Pushed rather than returned by get_default_screen: Textual 8 loads a screen's
        # CSS_PATH (main.tcss) only for pushed screens.
        self.push_screen(
            MainScreen(
                self.backend,
                scrollback=self.settings.scrollback,
                clipboard_from_programs=self.settings.clipboard_from_programs,
                early_shell=self._early_shell,
                alt_digits=self.settings.alt_digits,
            )
        )
        self._unwatch_limits = self.backend.watch_limits(self._limit_hit)
        self._unwatch_connection = self.backend.watch_connection(self._connection_is)
        self._asking_token = False

    async def _load_backend(self) -> Backend:
        """The real backend (loaded now if the app was given a ``LazyBackend``)."""
        backend = self.backend
        return await backend.real() if isinstance(backend, LazyBackend) else backend

    async def _adopt(self, started: StartedExec) -> ShellSession:
        """The backend's own session for the exec the helper handed over."""
        backend = await self._load_backend()
        adopt = getattr(backend, "adopt_shell", None)
        if adopt is None:
            raise TypeError(f"{type(backend).__name__} cannot adopt a handed shell")
        session: ShellSession = await adopt(started)
        return session

    # -- what is remembered between runs (ui_state) ---------------------------------------
    def _apply_remembered_theme(self) -> None:
        theme = self._remembered.theme
        if theme and theme != self.theme:
            try:
                self.theme = theme
            except Exception:  # a theme this Textual no longer has
                self._state_note = f"the theme {theme!r} is not available any more"
        if self._state_note:
            self.notify(
                f"Starting with the defaults: {self._state_note}.",
                title="Saved layout not restored",
                severity="warning",
                timeout=10,
            )

    def current_ui_state(self) -> ui_state.UIState:
        """What would be remembered now. The tabs are the saved ones until they were
        restored (an engine down at start must not make the app forget them)."""
        state = tab_memory.snapshot(self.main, theme=self.theme)
        if not self._tabs_restored:
            state = ui_state.UIState(
                state.theme, self._remembered.tabs, self._remembered.active, self._remembered.layout
            )
        return state

    def _save_state_if_changed(self) -> None:
        try:
            state = self.current_ui_state()
        except Exception:  # the main screen is not there (quitting): nothing to save
            return
        if state != self._last_saved:
            self._save_state(state)

    @work(group="ui-state", exclusive=True, exit_on_error=False)
    async def _save_state(self, state: ui_state.UIState) -> None:
        """Write the state in a thread; a failure is said once, never raised."""
        assert self.state_file is not None
        try:
            await asyncio.to_thread(ui_state.save, self.state_file, state)
        except OSError as error:
            if not self._state_failed:
                self._state_failed = True
                self.notify(
                    f"The open tabs and theme cannot be remembered: {self.state_file}: "
                    f"{error.strerror or error}.",
                    title="Layout not saved",
                    severity="warning",
                )
            return
        self._last_saved = state

    async def _restore_tabs(self) -> None:
        """Open the tabs of the last run again, once; say what could not be."""
        if self._tabs_restored:
            return
        self._tabs_restored = True
        if not self._remembered.tabs:
            return
        missing = await tab_memory.restore(
            self.main, self.backend, self._remembered, opened=self.settings.project
        )
        if missing:
            self.notify(
                "Not restored: " + "; ".join(missing[:6]) + (" …" if len(missing) > 6 else ""),
                title="Tabs of the last run",
                severity="warning",
                timeout=12,
            )

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise RuntimeError("the main screen is not installed")

    @on(MainScreen.Ready)
    def _main_screen_ready(self) -> None:
        """The main screen is mounted: the panes exist, start-up can run."""
        self.startup()

    # -- keys -----------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if (
            self._held_keys is not None
            and isinstance(event, events.Key)
            and not event.is_forwarded
            and not isinstance(self.screen, ModalScreen)  # a dialog (image build) gets them
        ):
            # ``--project`` is starting: these keys are for its shell, not for the browser
            # that has the focus meanwhile (where they did nothing or worse).
            self._held_keys.append(event)
            return
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self._held_keys is not None and isinstance(event.widget, Terminal):
            self._hand_on_held_keys(event.widget)

    def _settle_held_keys(self) -> None:
        """Start-up is over: the keys go to the focused terminal, if there is one."""
        if self._held_keys is not None:
            focused = self.focused
            self._hand_on_held_keys(focused if isinstance(focused, Terminal) else None)

    def _hand_on_held_keys(self, terminal: Terminal | None) -> None:
        """Stop holding keys: type them into ``terminal`` (which sends them once its shell
        is there), or, with no terminal to take them, drop them and say so."""
        held, self._held_keys = self._held_keys or [], None
        if terminal is not None:
            for key in held:
                terminal.type_key(key.key, key.character)
        elif held:
            self.notify(
                f"{len(held)} key(s) typed while starting were not sent: no terminal opened.",
                severity="warning",
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._prefix_action:
            return True  # chosen with the prefix key: it runs wherever the focus is
        if action == "prefix":
            # Over a dialog the prefix means nothing: the dialog gets the key.
            return isinstance(self.screen, MainScreen | PrefixScreen)
        # Ctrl+Q and Ctrl+P are priority bindings that fire before the focused widget;
        # returning False lets the key go on to a focused terminal (App._check_bindings
        # -> run_action returns False -> the key is forwarded to the focused widget).
        return not (action in YIELD_TO_TERMINAL and isinstance(self.focused, Terminal))

    def get_key_display(self, binding: Binding) -> str:
        """Keys in the footer as ``keymap.short_key`` spells them (``^N``, ``F12``, ``^\\``)."""
        return binding.key_display or short_key(binding.key.split(",")[0])

    async def action_prefix(self) -> None:
        """The prefix key: show the prefix panel; the next key chooses what to do."""
        if isinstance(self.screen, PrefixScreen):
            self.screen.press_prefix_again()
            return
        # Awaited: the key after the prefix (often in the same read) must find the panel.
        await self.push_screen(PrefixScreen(self.settings.prefix_key), self._prefix_chosen)

    def _prefix_chosen(self, action: str | None) -> None:
        # Called as the panel goes, before the main screen is back (and gives the focus
        # back to what had it): run the action after that, or the focus would undo it.
        if action is not None:
            self.call_after_refresh(self._run_prefix_action, action)

    async def _run_prefix_action(self, action: str) -> None:
        main = self.main
        if action == SEND_PREFIX:
            if isinstance(self.focused, Terminal):
                self.focused.type_key(self.settings.prefix_key)
            return
        self._prefix_action = main.prefix_action = True
        try:
            await self.run_action(action, main)
        finally:
            self._prefix_action = main.prefix_action = False

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.settings.prefix_key))

    def action_save_editor(self) -> None:
        self.action_in_editor("save")

    def action_in_editor(self, action: str) -> None:
        """Run one of the active editor's actions (the palette's editor entries)."""
        tab = self.main.active_tab
        if tab is not None and isinstance(tab.widget, Editor):
            self.call_later(tab.widget.run_action, action)
        else:
            self.notify("No editor is active.", severity="warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of ours in the palette, then Textual's own (themes, keys ...)."""
        for command in offered(self.backend.capabilities):
            yield SystemCommand(command.title, command.help, self._runner(command.action))
        if isinstance(screen, MainScreen):
            for name in sorted(screen.browser.projects):
                yield SystemCommand(
                    f"Open project {name}",
                    "Its terminal (opened if needed)",
                    self._runner(f"screen.open_project('{name}')"),
                )
        for system in super().get_system_commands(screen):
            # Textual's "Keys" panel would be a second help entry beside ours ("Keys").
            if system.title != "Keys":
                yield system

    def _runner(self, action: str) -> Any:
        async def run() -> None:
            await self.run_action(action, self.main)

        return run

    # -- start-up ---------------------------------------------------------------------------
    @work(group="startup", exclusive=True, exit_on_error=False)
    async def startup(self) -> None:
        """Check the engine and the image (building it with progress), list the projects
        (from disk, whatever the engine says), bring back the shells that outlived the
        last run (a server's), then ``--project``, then the tabs of the last run."""
        project = self.settings.project
        try:
            early = self._early_shell
            if early is not None and await early.opened():
                # The shell opened ahead means the engine answers and the project is
                # there: show its terminal before the checks and listings below, and
                # its prompt before the backend loads (docker-py: in a thread, but it
                # would share the interpreter with the first frames).
                await self.main.open_project(early.project)
                await early.shown()
            # The projects first (from disk, their states unknown if the engine is down):
            # they show behind any question or error below.
            await self.main.reload_browser()
            await self._ensure_ready()
            self.main.status.activity = ""
            restored = await self.main.restore_sessions(sorted(self.main.browser.projects))
            if restored:
                self.notify(
                    f"{restored} shell(s) still running on the server came back as tabs.",
                    title="Shells restored",
                    timeout=4,
                )
            if project:
                await self._open_at_start(project)
            await self._restore_tabs()
        finally:
            self._close_progress()
            if self._held_keys is not None:
                # Textual focuses a widget later (call_later): decide after that.
                self.call_later(self._settle_held_keys)
            self.ready.set()
            # What start-up made (Textual, the modules, the screens) lives as long as the
            # app: keep it out of the collector's full passes, which otherwise walk it every
            # few hundred ms under a terminal flood and stall the event loop 30-60 ms
            # (bench/bench_widget.py measured lag p99 35-50 ms -> 17-19 ms with it).
            if self.freeze_gc:
                gc.freeze()

    async def _ensure_ready(self) -> None:
        """The engine answers and the runner image exists: a missing image is built in a
        progress dialog (Cancel stops the build), after asking when its name is not the
        default one (a mistyped ``--image`` must not build and tag an image by itself).
        A server prepares its own image: its progress lines go to the status line."""
        if not self.backend.capabilities.prepares_image_locally:
            await self.backend.ensure_ready(progress=self._progress_line)
            return
        try:
            await self.backend.ensure_ready(build=False)
            return
        except ImageMissing as missing:
            image = missing.image
        if image != defaults.IMAGE and not await self.push_screen_wait(
            questions.build_image(image)
        ):
            self.notify(
                f"Projects need the image {image}: start again with the right --image "
                f"(the default is {defaults.IMAGE}), or build it with "
                f"`make image IMAGE={image}`.",
                title="Runner image not built",
                severity="warning",
                timeout=15,
            )
            return
        self._progress = ProgressDialog(f"Building the runner image {image} (first run)")
        self.push_screen(self._progress, partial(self._progress_closed, self._progress))
        build = asyncio.create_task(
            self.backend.ensure_ready(progress=self._progress_line, build=True)
        )
        self._build = build
        try:
            await asyncio.wait({build})
        finally:
            self._build = None
            if not build.done():  # start-up itself was cancelled (the app is quitting)
                build.cancel()
            self._close_progress()
        if build.cancelled():
            self.notify(
                "Cancelled. Projects need the runner image: restart the app (or run "
                "`make image`) to build it.",
                title="Image build cancelled",
                severity="warning",
                timeout=10,
            )
            return
        build.result()  # raises the build's failure (a dialog with its last lines)

    async def _open_at_start(self, name: str) -> None:
        """``--project``: made if missing; its terminal shown (the most recent running
        shell where shells outlive the app, else a new one) and focused."""
        validate_project_name(name)
        if name not in self.main.browser.projects:
            await self.backend.create_project(name)
            await self.main.reload_browser()
        self.main.browser.select_project(name)
        terminals = self.main.tabs.of_project(name, "terminal")
        if terminals:  # the newest one (restored shells come oldest first)
            newest = terminals[-1] if self._early_shell is None else terminals[0]
            self.main.browser.show_project(name)
            self.main.tabbed.active = newest.pane_id
            self.main.focus_tab_content(newest)
            return
        await self.main.open_project(name)

    def _progress_line(self, line: str) -> None:
        # The backend may call this from a worker thread: post_message is thread-safe.
        self.post_message(Activity(line))

    @on(Activity)
    def _activity(self, event: Activity) -> None:
        if self._progress is not None:
            self._progress.add_line(event.line)
        else:  # lines of a build that is over land here too: never a new dialog
            self.main.status.activity = event.line.strip()[:80]

    def _limit_hit(self, hit: LimitHit) -> None:
        # The backend calls from its own threads: post_message is thread-safe.
        self.post_message(self.LimitReached(hit))

    @on(LimitReached)
    def _limit_reached(self, event: LimitReached) -> None:
        """Tell the user what the limit cost them and how to raise it."""
        hit = event.hit
        title = "Out of memory" if hit.kind == "memory" else "Disk full"
        if self.backend.connection.state != "local":
            how = (
                ("Free some space (delete files in the project); " if hit.kind == "disk" else "")
                + f"the server's administrator sets the {hit.kind} limit "
                f"(cloudide-server's {hit.kind} setting)"
            )
        elif hit.kind == "disk":
            how = (
                "Free some space (delete files in the project), or raise it with "
                f'disk = "..." in {paths.config_file()} (or CLOUDIDE_DISK), then restart '
                "cloudide-tui: the disk grows when the project's container starts again"
            )
        else:
            how = (
                f'Raise it with memory = "..." in {paths.config_file()} (or CLOUDIDE_MEMORY), '
                "then restart cloudide-tui: the container is made again with it"
            )
        self.notify(f"{hit.message}\n{how}.", title=title, severity="warning", timeout=15)
        with contextlib.suppress(RuntimeError, NoMatches):  # quitting: the toast will do
            self.main.status.activity = f"{title.lower()}: {hit.project}"

    def _progress_closed(self, dialog: ProgressDialog, finished: bool | None) -> None:
        """``dialog`` closed: by ``_close_progress`` (True), or by the user's Cancel (the
        build is stopped; ``_ensure_ready`` says so). Textual calls this a moment after
        the dialog went: it forgets only that dialog."""
        if self._progress is dialog:
            self._progress = None
        if not finished and self._build is not None:
            self._build.cancel()

    def _close_progress(self) -> None:
        if self._progress is not None:
            progress, self._progress = self._progress, None
            progress.finish()

    # -- the connection to a server ---------------------------------------------------------
    def _connection_is(self, status: ConnectionStatus) -> None:
        self.post_message(ConnectionChanged(status))

    @on(ConnectionChanged)
    def _connection_changed(self, event: ConnectionChanged) -> None:
        with contextlib.suppress(RuntimeError, NoMatches):  # quitting
            self.main.status.connection = event.status
        if event.status.state == "unauthorized" and not self._asking_token:
            self.ask_token(event.status)

    def action_new_token(self) -> None:
        """The palette's "Give a new token": when the server refused the old one."""
        status = self.backend.connection
        if status.state == "local":
            self.notify("The local Docker engine needs no token.", timeout=4)
        else:
            self.ask_token(status)

    @work(group="token", exclusive=True, exit_on_error=False)
    async def ask_token(self, status: ConnectionStatus) -> None:
        """The server refused the token (expired or revoked): keep unsaved text safe
        here too, say how to get a new token, and connect again with the one given
        (shells, editors and events carry on: nothing was closed)."""
        self._asking_token = True
        try:
            saved = self._save_unsaved_text()
            how = (
                "On the server: cloudide-server token create --user "
                f"{status.user or 'NAME'}  (then paste its last line here, or start "
                "again with --token)."
            )
            why = status.message or "The server refused the token."
            token = await self.push_screen_wait(
                questions.new_token(why, how, str(saved) if saved else None)
            )
        finally:
            self._asking_token = False
        if token:
            self.backend.set_token(token.strip())
            self.notify("Connecting with the new token…", timeout=3)
        else:
            self.notify(
                "Not connected: the palette's 'Give a new token' asks again.",
                title="Token refused",
                severity="warning",
                timeout=8,
            )

    # -- links ----------------------------------------------------------------------------
    @on(OpenLink)
    def _open_link(self, event: OpenLink) -> None:
        self.open_link(event.url)

    def open_link(self, url: str) -> None:
        """Open a link for the user: copied to the clipboard always, and opened in a
        browser where one can show (``links.py``); a notice says which."""
        if not is_link(url):
            self.notify(
                "Only http, https and ftp links open.", title="Not opened", severity="warning"
            )
            return
        self.copy_to_clipboard(url)
        if self.is_web:  # served to a browser: the user's own opens it
            self.open_url(url)
            self.notify(url, title="Opened", markup=False, timeout=3)
            return
        self._open_in_browser(url)

    @work(thread=True, group="links", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        opened = open_in_browser(url, os.environ)
        title = "Opened (and copied)" if opened else "Copied the link (no browser here)"
        self.call_from_thread(self.notify, url, title=title, markup=False, timeout=4)

    # -- the one place errors become notifications or dialogs ---------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        self.report_error(event.error)

    def report_error(self, error: BaseException) -> None:
        """Show a failure to the user: a dialog or a notification, never a traceback."""
        if isinstance(error, CloudIDEError):
            if isinstance(error, EngineUnavailable):
                self._engine_unreachable(error)
            elif isinstance(error, DIALOG_ERRORS):
                self.push_screen(ErrorDialog(error.title, error.message, error.hint))
            else:
                message = error.message + (f"\n{error.hint}" if error.hint else "")
                self.notify(message, title=error.title, severity="error", timeout=8)
            return
        self.unexpected_errors.append(error)
        where = self._log_unexpected(error)
        self.push_screen(
            ErrorDialog(
                "Unexpected error",
                f"{type(error).__name__}: {error}",
                "This is a bug. The app keeps running and unsaved editor text is kept; "
                "save your work." + (f" Details were written to {where}." if where else ""),
            )
        )

    def _engine_unreachable(self, error: EngineUnavailable) -> None:
        """One dialog with a Retry (however many workers met the dead engine at once);
        Retry runs the start-up checks again. The projects stay listed meanwhile."""
        with contextlib.suppress(RuntimeError, NoMatches):  # no main screen yet, or leaving
            self.main.status.activity = "Docker engine unreachable (Ctrl+P: Retry)"
        if self._engine_dialog is not None:
            return
        self._engine_dialog = ErrorDialog(error.title, error.message, error.hint, retry=True)
        self.push_screen(self._engine_dialog, self._engine_dialog_closed)

    def _engine_dialog_closed(self, answer: str | None) -> None:
        self._engine_dialog = None
        if answer == RETRY:
            self.action_retry_engine()

    def action_retry_engine(self) -> None:
        """Try the engine again: the start-up checks (image, projects, ``--project``)."""
        self.main.status.activity = "connecting to the Docker engine…"
        self.ready.clear()
        self.startup()

    def _log_unexpected(self, error: BaseException) -> Path | None:
        if self.log_path is None:
            return None
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write("".join(traceback.format_exception(error)) + "\n")
        except OSError:
            return None
        return self.log_path

    def _handle_exception(self, error: Exception) -> None:
        # An exception escaping a message handler (not a worker: those reach
        # report_error) ends that widget's message loop; Textual then exits with a
        # traceback, and unsaved editor text would go with it. A half-dead UI is no
        # better, so exit too, but first save the unsaved text to recovery files, and
        # say so in a few lines instead of a traceback (which goes to the log).
        # Textual has no public hook for this: the override only adds to its handler and
        # hands on to it, touching none of its state. Textual shows an exception that
        # has ``__rich__`` with ``panic`` instead of a traceback: ``StoppedByABug``.
        self.unexpected_errors.append(error)
        where = self._log_unexpected(error)
        saved = self._save_unsaved_text()
        lines = [
            f"cloudide-tui stopped on an unexpected error (a bug): {type(error).__name__}: {error}"
        ]
        if where:
            lines.append(f"Details: {where}")
        if saved:
            lines.append(f"Unsaved editor text was saved to {saved}")
        stopped = StoppedByABug("\n".join(lines))
        stopped.__cause__ = error
        super()._handle_exception(stopped)

    def _save_unsaved_text(self) -> Path | None:
        """Write every editor's unsaved text under ``<data dir>/recovered/`` (on this
        machine, whatever the backend: a server that cannot be reached must not cost it)."""
        try:
            editors = [e for e in self.main.editors() if e.dirty]
        except Exception:
            return None
        if not editors or self.log_path is None:
            return None
        folder = self.log_path.parent / "recovered" / time.strftime("%Y%m%d-%H%M%S")
        try:
            for editor in editors:
                target = folder / editor.project / editor.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(editor.text, encoding="utf-8")
        except OSError:
            return None
        return folder

    # -- quitting ---------------------------------------------------------------------------
    async def action_quit(self) -> None:
        self.request_quit()

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def request_quit(self) -> None:
        """Ask first if editors hold unsaved text; then stop what we started and exit."""
        dirty = [e for e in self.main.editors() if e.dirty]
        if dirty:
            answer = await self.push_screen_wait(questions.quit_unsaved([e.path for e in dirty]))
            if answer is None or (answer == questions.SAVE and not await self._save_all(dirty)):
                return
        await self.shutdown()
        self.exit(0)

    async def _save_all(self, editors: list[Editor]) -> bool:
        """Save every editor before quitting; False (stay) if one was not written: its
        conflict question or its error is shown, and the others stay saved."""
        unsaved = []
        for editor in editors:
            try:
                written = await self.main.write_editor(editor)
            except CloudIDEError as error:
                self.report_error(error)
                written = False
            if not written:
                unsaved.append(editor.path)
        if unsaved:
            self.notify(
                f"Not quitting: {', '.join(unsaved)} could not be saved.",
                title="Unsaved changes",
                severity="warning",
            )
        return not unsaved

    async def shutdown(self) -> None:
        """Let every shell go (a server's run on: detached; local ones are hung up); stop
        the containers opened here where the backend wants that, unless --keep-running."""
        main = self.main
        sessions = [t.session for t in main.tabs.values() if t.session is not None]
        opened = set(main.opened_projects)
        if self._early_shell is not None:
            untaken = await self._early_shell.take_untaken()
            if untaken is not None:
                sessions.append(untaken)
                opened.add(self._early_shell.project)
        projects = sorted(opened)
        stop = self.backend.capabilities.stop_containers_on_quit and not self.settings.keep_running
        if self.state_file is not None:
            with contextlib.suppress(Exception):  # said already if it fails; leaving anyway
                await asyncio.to_thread(ui_state.save, self.state_file, self.current_ui_state())
        if projects and stop:
            main.status.activity = f"stopping {len(projects)} container(s)…"
            self.notify("Stopping containers (use --keep-running to keep them)…", timeout=30)
        jobs = [s.detach() for s in sessions]
        if stop:
            jobs += [self.backend.stop_container(p) for p in projects]
        if jobs:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), STOP_TIMEOUT)
        self._unwatch_limits()
        self._unwatch_connection()
        # Leaving anyway: a failure to close has nowhere left to be shown.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.backend.close(), 10)


def make_app(
    settings: Settings | None = None,
    backend: Backend | None = None,
    *,
    remember: bool = True,
    helper: ShellHelper | None = None,
) -> CloudIDEApp:
    """The app, for the CLI, the tests and the screenshots alike.

    Args:
        settings: The typed settings; ``None`` means the defaults.
        backend: Injected backend; ``None``: the one the settings ask for
            (``backend.factory``: a server with ``server``, else local Docker made on
            first use: docker-py loads after the first frame).
        remember: Restore the theme and tabs of the last run in this data dir, and
            remember them for the next (``paths.ui_state_file``; a server's apart).
        helper: The warm start's helper process, opening ``--project``'s shell
            (``warm_start.fork_helper``: the CLI forks it before importing the UI).
    """
    if settings is None:
        settings = Settings()
    if backend is None:
        backend = make_backend(settings)
    log_path = Path(settings.data_dir) / "cloudide-tui.log" if settings.data_dir else None
    state_file = (
        paths.ui_state_file(settings.data_dir, settings.owner, server=settings.server)
        if remember
        else None
    )
    return CloudIDEApp(backend, settings, log_path=log_path, state_file=state_file, helper=helper)


def run_app(settings: Settings, forked: tuple[int, socket.socket, str] | None = None) -> int:
    """Run the app in this terminal; returns the process exit status.

    Args:
        forked: The warm start's helper, forked by the CLI (``warm_start.fork_helper``).
    """
    helper = ShellHelper(*forked) if forked is not None else None
    app = make_app(settings, helper=helper)
    app.freeze_gc = True
    result = app.run()
    return app.return_code if app.return_code is not None else (result or 0)
