"""The real command in a real terminal (tmux, 120x36), as a person starts it: the warm
``--project`` start (its shell opened by the helper process while the UI loads) gives a
working shell: it answers, it follows the window's size, closing its tab hangs it up."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit import docker_helpers
from testkit.backends import TEST_IMAGE, BackendHome
from testkit.tmux import TmuxPane

CLI = Path(sys.executable).with_name("cloudide-tui")
TIMEOUT = 60.0


def leave_terminal(pane: TmuxPane) -> None:
    """F12, and wait until the browser has the keys (its keys show in the footer)."""
    pane.send("F12")
    pane.wait_for(lambda t: "New file" in t.splitlines()[-1], "the browser's keys", TIMEOUT)


@contextmanager
def cli(home: BackendHome, *args: str) -> Iterator[TmuxPane]:
    """The command in a 120x36 pane of a tmux server of its own: one shared server would
    race between one test's kill-session (its last session: the server exits) and the
    next new-session ("server exited unexpectedly", seen on CI)."""
    env = (
        f"CLOUDIDE_OWNER={home.owner} CLOUDIDE_IMAGE={shlex.quote(TEST_IMAGE)} "
        f"CLOUDIDE_CONFIG=/dev/null TERM=xterm-256color "
        # A stale exported size (CI runners export one) must not beat the real terminal's.
        f"COLUMNS=80 LINES=24"
    )
    command = f"{env} {CLI} --data-dir {shlex.quote(str(home.data_dir))} {' '.join(args)}"
    with TmuxPane(f"{command}; sleep 600", width=120, height=36) as pane:
        yield pane


def _shell_processes(home: BackendHome, project: str) -> str:
    return docker_helpers.exec_in(home.backend().container_name(project), "ps -eo args")[1]


def test_a_warm_start_gives_a_shell_that_answers_resizes_and_hangs_up(home: BackendHome) -> None:
    with cli(home, "--project", "warmcli", "--keep-running") as screen:  # cold: made here
        screen.wait_for(lambda t: "warmcli:/workspace$" in t, "the first prompt", TIMEOUT)
        leave_terminal(screen)
        screen.send("C-q")
        screen.wait_for(lambda t: "cloudide-tui" not in t, "the app to quit", TIMEOUT)

    with cli(home, "--project", "warmcli", "--keep-running") as screen:
        screen.wait_for(
            lambda t: "warmcli:/workspace$" in t, "the prompt of the warm start", TIMEOUT
        )
        screen.send("echo hello-$((6*7)); stty size", "Enter")
        shown = screen.wait_for(
            lambda t: "hello-42" in t.replace("$((6*7))", ""), "the answer", TIMEOUT
        )
        assert "32 87" in shown, "the shell does not have the terminal's size"

        screen.tmux("resize-window", "-t", "0", "-x", "100", "-y", "30")
        deadline = time.monotonic() + TIMEOUT
        while "26 67" not in screen.screen():  # ask until the new size has gone all the way
            assert time.monotonic() < deadline, f"the shell never saw 26x67:\n{screen.screen()}"
            screen.send("clear; stty size", "Enter")
            time.sleep(0.5)

        screen.send("sleep 777 &", "Enter")
        deadline = time.monotonic() + TIMEOUT
        while "sleep 777" not in _shell_processes(home, "warmcli"):
            assert time.monotonic() < deadline, "the background job never started"
            time.sleep(0.1)
        leave_terminal(screen)
        screen.send("C-F4")  # close the tab: its shell and its jobs are hung up
        deadline = time.monotonic() + TIMEOUT  # a deadline of its own, not the rest of one
        while "sleep 777" in _shell_processes(home, "warmcli"):
            assert time.monotonic() < deadline, "closing the tab left the shell's job running"
            time.sleep(0.1)
        screen.send("C-q")
        screen.wait_for(lambda t: "cloudide-tui" not in t, "the app to quit", TIMEOUT)
