"""Where the keys go, as a person sees it: typing while ``--project`` starts reaches the
shell, the pane with the keys is marked, keys typed into the browser are not lost in
silence (and do not act as its keys); on the real engine, through Pilot and through tmux.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from textual.color import Color
from textual.widgets._tabbed_content import ContentTab

from cloudide_tui.dialogs import ConfirmDialog
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import TEST_IMAGE, BackendHome
from testkit.ide import Ide, notifications_shown, running_ide, screen_text, type_text
from testkit.tmux import TmuxPane

CLI = Path(sys.executable).with_name("cloudide-tui")


async def test_keys_typed_while_the_project_starts_reach_its_shell(home: BackendHome) -> None:
    async with running_ide(home, wait_ready=False, project="early") as ide:
        # Typed at once, before the terminal (or even the project) exists.
        await type_text(ide.pilot, "echo typed-$((6*7))\n")
        await ide.wait_for(lambda: ide.main.terminals(), "the project's terminal")
        term = ide.terminal()
        await ide.wait_for(
            lambda: "typed-42" in screen_text(term).splitlines(), "the early command's output"
        )
        # None of it went to the browser (its keys: n new file, d delete ...).
        assert not notifications_shown(ide.app), notifications_shown(ide.app)
        assert ide.app.focused is term


def test_keys_typed_at_once_after_starting_reach_the_shell_in_a_real_terminal(
    home: BackendHome,
) -> None:
    """The report: ``cloudide-tui --project X`` and typing at once showed four "Select a
    project" toasts and nothing reached the shell (tmux, the real driver and CLI)."""
    env = (
        f"CLOUDIDE_CONFIG=/dev/null CLOUDIDE_OWNER={home.owner} "
        f"CLOUDIDE_IMAGE={shlex.quote(TEST_IMAGE)}"
    )
    command = f"{env} {CLI} --data-dir {home.data_dir} --project typist"
    with TmuxPane(command, width=100, height=30) as pane:
        pane.send_text("echo early-$((6*7))")
        pane.send("Enter")
        pane.send_text("echo then-ok")
        pane.send("Enter")

        def printed(screen: str, text: str) -> bool:
            # output, not the command line echoed (by the shell, or by the tty before
            # the app took it over)
            return any(text in line and "echo" not in line for line in screen.splitlines())

        screen = pane.wait_for(lambda s: printed(s, "then-ok"), "both commands' output")
        assert printed(screen, "early-42") and "Select a project" not in screen
        pane.send("C-\\", "q")
        pane.wait_for(lambda s: "Pane is dead" in s or "cloudide-tui" not in s, "the app to quit")


def test_keys_typed_right_after_f12_go_where_f12_put_the_focus(home: BackendHome) -> None:
    """F12 and Ctrl+P arriving together (a fast typist, the browser page's key batches):
    Ctrl+P opens the palette; it used to reach the shell (its previous-history), as the
    focus moved only after the keys already read."""
    env = (
        f"CLOUDIDE_CONFIG=/dev/null CLOUDIDE_OWNER={home.owner} "
        f"CLOUDIDE_IMAGE={shlex.quote(TEST_IMAGE)}"
    )
    command = f"{env} {CLI} --data-dir {home.data_dir} --project quick"
    with TmuxPane(command, width=100, height=30) as pane:
        pane.wait_for(lambda s: "quick:/workspace$" in s, "the prompt")
        pane.send_text("echo once-$((6*7))")
        pane.send("Enter")
        pane.wait_for(lambda s: "once-42" in s.replace("$((6*7))", ""), "the output")
        pane.send("F12", "C-p")  # one write: both keys in one read
        pane.wait_for(lambda s: "🔎" in s, "the command palette")
        pane.send("Escape")
        screen = pane.wait_for(lambda s: "🔎" not in s, "the palette closed")
        prompts = [line for line in screen.splitlines() if "quick:/workspace$" in line]
        assert prompts[-1].rstrip().endswith("quick:/workspace$"), screen  # nothing recalled
        # And back: F12 from the browser with a command in the same burst.
        pane.send("F12", "echo back-$((6*7))", "Enter")
        pane.wait_for(lambda s: "back-42" in s.replace("$((6*7))", ""), "the command's output")


def focus_marks(ide: Ide) -> tuple[bool, bool]:
    """(the browser's title is marked, the active tab's label is marked), as styled."""
    block = Color.parse(ide.app.get_css_variables()["block-cursor-background"])
    tab = ide.main.tabbed.query_one("ContentTab.-active", ContentTab)
    return (
        ide.main.browser.styles.border_title_background == block,
        tab.styles.background == block,
    )


async def marked(ide: Ide, expected: tuple[bool, bool]) -> None:
    """Until the focus marks are ``expected``: styles follow the focus at the next style
    update, not as the key's handler returns (one pause was a guess)."""
    await ide.wait_for(lambda: focus_marks(ide) == expected, f"the focus marks {expected}")


async def test_which_pane_has_the_keys_is_marked_and_f12_moves_the_mark(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("marks")
        await marked(ide, (False, True))
        await ide.pilot.press("f12")
        assert ide.app.focused is ide.main.browser
        await marked(ide, (True, False))
        await ide.pilot.press("f12")
        assert isinstance(ide.app.focused, Terminal)
        await marked(ide, (False, True))


async def test_typing_into_the_browser_says_so_and_its_letter_keys_stay_letters(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("typo")
        await ide.pilot.press("f12")
        # "cd src": c does nothing here; d, typed right after, is not "delete".
        await type_text(ide.pilot, "cd src")
        await ide.wait_for(
            lambda: any("browser has the keys" in n for n in notifications_shown(ide.app)),
            "a hint",
        )
        await ide.pilot.pause(0.3)
        assert not isinstance(ide.app.screen, ConfirmDialog)
        assert sum("browser has the keys" in n for n in notifications_shown(ide.app)) == 1
        # After a pause, d is the browser's key again (asks to delete; Escape says no).
        await ide.pilot.pause(1.2)
        await ide.pilot.press("d")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.press("escape")
