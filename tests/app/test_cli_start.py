"""The real command in a real terminal (tmux, 120x36), as a person starts it: the warm
``--project`` start (its shell opened by the helper process while the UI loads) gives a
working shell: it answers, it follows the window's size, closing its tab hangs it up."""

from __future__ import annotations

import secrets
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit import docker_helpers
from testkit.backends import TEST_IMAGE, BackendHome

CLI = Path(sys.executable).with_name("cloudide-tui")
TIMEOUT = 60.0


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Screen:
    """The tmux pane the app runs in: keys in, text out."""

    def __init__(self, name: str) -> None:
        self.name = name

    def text(self) -> str:
        return _tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        _tmux("send-keys", "-t", self.name, *keys)

    def leave_terminal(self) -> None:
        """F12, and wait until the browser has the keys (its keys show in the footer)."""
        self.keys("F12")
        self.wait(lambda t: "New file" in t.splitlines()[-1], "the browser's keys")

    def wait(self, condition: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        while True:
            text = self.text()
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{text}")
            time.sleep(0.05)


@contextmanager
def cli(home: BackendHome, *args: str) -> Iterator[Screen]:
    name = f"cloudide-test-{secrets.token_hex(4)}"
    env = (
        f"CLOUDIDE_OWNER={home.owner} CLOUDIDE_IMAGE={shlex.quote(TEST_IMAGE)} "
        f"CLOUDIDE_CONFIG=/dev/null TERM=xterm-256color "
        # A stale exported size (CI runners export one) must not beat the real terminal's.
        f"COLUMNS=80 LINES=24"
    )
    command = f"{env} {CLI} --data-dir {shlex.quote(str(home.data_dir))} {' '.join(args)}"
    _tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "36", f"{command}; sleep 600")
    try:
        yield Screen(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _shell_processes(home: BackendHome, project: str) -> str:
    return docker_helpers.exec_in(home.backend().container_name(project), "ps -eo args")[1]


def test_a_warm_start_gives_a_shell_that_answers_resizes_and_hangs_up(home: BackendHome) -> None:
    with cli(home, "--project", "warmcli", "--keep-running") as screen:  # cold: made here
        screen.wait(lambda t: "warmcli:/workspace$" in t, "the first prompt")
        screen.leave_terminal()
        screen.keys("C-q")
        screen.wait(lambda t: "cloudide-tui" not in t, "the app to quit")

    with cli(home, "--project", "warmcli", "--keep-running") as screen:
        screen.wait(lambda t: "warmcli:/workspace$" in t, "the prompt of the warm start")
        screen.keys("echo hello-$((6*7)); stty size", "Enter")
        shown = screen.wait(lambda t: "hello-42" in t.replace("$((6*7))", ""), "the answer")
        assert "32 87" in shown, "the shell does not have the terminal's size"

        _tmux("resize-window", "-t", screen.name, "-x", "100", "-y", "30")
        deadline = time.monotonic() + TIMEOUT
        while "26 67" not in screen.text():  # ask until the new size has gone all the way
            assert time.monotonic() < deadline, f"the shell never saw 26x67:\n{screen.text()}"
            screen.keys("clear; stty size", "Enter")
            time.sleep(0.5)

        screen.keys("sleep 777 &", "Enter")
        deadline = time.monotonic() + TIMEOUT
        while "sleep 777" not in _shell_processes(home, "warmcli"):
            assert time.monotonic() < deadline, "the background job never started"
            time.sleep(0.1)
        screen.leave_terminal()
        screen.keys("C-F4")  # close the tab: its shell and its jobs are hung up
        while "sleep 777" in _shell_processes(home, "warmcli"):
            assert time.monotonic() < deadline, "closing the tab left the shell's job running"
            time.sleep(0.1)
        screen.keys("C-q")
        screen.wait(lambda t: "cloudide-tui" not in t, "the app to quit")
