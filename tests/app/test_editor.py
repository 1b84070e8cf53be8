"""Living in the editor, on the real engine: moving, finding, replacing, going to a line,
the status line, reloading from disk, files that are not UTF-8 or not text, a file
deleted under the editor, and saving from the close and quit questions."""

from __future__ import annotations

from textual.widgets import Input, Label, Static

from cloudide_tui.dialogs import ConfirmDialog, QuestionDialog, TextInputDialog
from cloudide_tui.widgets.editor import Editor
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import Home
from testkit.ide import Ide, notification_titles, notifications_shown, running_ide, type_text

LINES = "\n".join(f"line {n} foo" if n % 10 == 0 else f"line {n}" for n in range(1, 41)) + "\n"
"""A 40-line file (plus the empty line after the last newline): "foo" on lines 10, 20, 30, 40."""


async def _open(ide: Ide, project: str, path: str) -> Editor:
    """Open ``path`` from the screen (as Enter in the browser does); its text focused."""
    ide.main.open_file(project, path)
    await ide.wait_for(
        lambda: any(e.path == path for e in ide.main.editors()), f"an editor on {path}"
    )
    editor = next(e for e in ide.main.editors() if e.path == path)
    await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
    return editor


def _title(ide: Ide) -> str:
    return str(ide.app.screen.query_one("#title", Label).render())


async def _make_file(ide: Ide, path: str, text: str) -> None:
    """Write the file through the backend (as the shell would: outside the editor)."""
    project = ide.main.current_project()
    assert project is not None
    await ide.backend.write_file(project, path, text.encode("utf-8"))


async def test_moving_finding_replacing_and_going_to_a_line(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("editing")
        await _make_file(ide, "lines.py", LINES)
        editor = await _open(ide, "editing", "lines.py")
        status = ide.main.status
        await ide.wait_for(lambda: status.position == "Ln 1, Col 1  Python", "Ln 1 in the status")

        # Ctrl+End / Ctrl+Home: the end and the start of the file.
        await ide.pilot.press("ctrl+end")
        assert editor.cursor == (40, 0)
        await ide.wait_for(lambda: status.position.startswith("Ln 41, Col 1"), "Ln 41")
        await ide.pilot.press("ctrl+home", "right", "right")
        assert editor.cursor == (0, 2)
        await ide.wait_for(lambda: status.position.startswith("Ln 1, Col 3"), "Col 3")

        # Ctrl+F: the first match is selected, "1 of 4"; Enter and Down go on, Up back.
        await ide.pilot.press("ctrl+f")
        bar = editor.find_bar
        await ide.wait_for(lambda: bar.is_open, "the find bar")
        await type_text(ide.pilot, "foo")
        await ide.wait_for(lambda: editor.text_area.selected_text == "foo", "a match selected")
        assert editor.cursor == (9, 11)
        count = bar.query_one("#count", Label)
        assert str(count.render()) == "1 of 4"
        await ide.pilot.press("enter", "down")
        assert editor.cursor == (29, 11) and str(count.render()) == "3 of 4"
        await ide.pilot.press("up")
        assert editor.cursor == (19, 11)
        await ide.pilot.press("escape")  # closes the bar; the text has the keys again
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the text's focus")
        assert not bar.is_open
        await ide.pilot.press("f3")  # next match with the bar closed
        assert editor.cursor == (29, 11)

        # Ctrl+R: replace one (Enter in the replace field), then all the others.
        await ide.pilot.press("ctrl+home", "ctrl+r")
        await ide.wait_for(lambda: bar.is_open, "the replace bar")
        assert bar.query_one("#find", Input).value == "foo"
        await ide.pilot.press("tab")
        await type_text(ide.pilot, "BAR\n")
        await ide.wait_for(lambda: "line 10 BAR" in editor.text, "one replaced")
        assert editor.text.count("foo") == 3
        await ide.pilot.click("#replace-all")
        await ide.wait_for(lambda: "foo" not in editor.text, "all replaced")
        assert editor.text.count("BAR") == 4 and editor.dirty
        await ide.pilot.press("escape")

        # Ctrl+G: a line that does not exist is refused in the field; 25:4 goes there.
        await ide.pilot.press("ctrl+g")
        await ide.wait_screen(TextInputDialog, "the question")
        await type_text(ide.pilot, "99")
        error = str(ide.app.screen.query_one("#error", Static).render())
        assert "lines 1 to 41" in error
        ide.app.screen.query_one(Input).value = ""
        await type_text(ide.pilot, "25:4\n")
        await ide.wait_for(lambda: editor.cursor == (24, 3), "the cursor on line 25")
        assert ide.app.focused is editor.text_area
        await ide.wait_for(lambda: status.position.startswith("Ln 25, Col 4"), "Ln 25")

        # A terminal tab shows no editor position.
        await ide.pilot.press("ctrl+pageup")
        await ide.wait_for(lambda: isinstance(ide.app.focused, Terminal), "the terminal")
        await ide.wait_for(lambda: status.position == "", "no position for a terminal")


async def test_reloading_from_disk_asks_only_when_there_are_changes(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("reloads")
        await _make_file(ide, "r.txt", "first\n")
        editor = await _open(ide, "reloads", "r.txt")
        await type_text(ide.pilot, "mine ")
        await _make_file(ide, "r.txt", "from disk\n")
        await ide.pilot.press("f5")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.press("escape")  # keep my text
        assert editor.text == "mine first\n" and editor.dirty
        await ide.pilot.press("f5")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.click("#confirm")
        await ide.wait_for(lambda: editor.text == "from disk\n", "the text from disk")
        assert not editor.dirty
        # Without changes, F5 reloads at once (no question).
        await ide.pilot.press("f5")
        await ide.wait_for(
            lambda: any("Reloaded r.txt" in n for n in notifications_shown(ide.app)), "reloaded"
        )
        assert not isinstance(ide.app.screen, ConfirmDialog)


async def test_a_latin1_file_opens_read_only_and_a_binary_one_is_named_so(
    home: Home,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("encodings")
        await ide.run_in_terminal(
            r"printf 'caf\xe9 cr\xe8me\n' > latin.txt; head -c 64 /bin/ls > prog.bin; echo ok-made",
            "ok-made",
        )
        editor = await _open(ide, "encodings", "latin.txt")
        assert editor.read_only and editor.text == "café crème\n"
        notice = str(editor.query_one("#notice", Static).render())
        assert "not valid UTF-8" in notice and "Latin-1" in notice
        assert "File too large" not in notification_titles(ide.app)
        await ide.pilot.press("ctrl+s")
        await ide.wait_for(
            lambda: any("read-only" in n for n in notifications_shown(ide.app)), "refused"
        )
        assert (await ide.backend.read_file("encodings", "latin.txt")).data == b"caf\xe9 cr\xe8me\n"

        ide.main.open_file("encodings", "prog.bin")
        await ide.wait_for(
            lambda: "Binary file" in notification_titles(ide.app), "the binary file notice"
        )
        assert not any(e.path == "prog.bin" for e in ide.main.editors())


async def test_saving_a_file_deleted_on_disk_says_it_was_deleted(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("deleted")
        await _make_file(ide, "gone.txt", "kept\n")
        editor = await _open(ide, "deleted", "gone.txt")
        await type_text(ide.pilot, "still ")
        await ide.backend.delete_path("deleted", "gone.txt")
        # The editor notices by itself (unsaved text and all) ...
        notice = editor.query_one("#notice", Static)
        await ide.wait_for(lambda: "deleted on disk" in str(notice.render()), "the notice")
        # ... and saving asks whether to make it again, not whether to overwrite a change.
        await ide.pilot.press("ctrl+s")
        await ide.wait_screen(ConfirmDialog, "the question")
        assert _title(ide) == "File deleted on disk"
        await ide.pilot.press("escape")
        assert editor.dirty and editor.text == "still kept\n"
        await ide.pilot.press("ctrl+s")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.click("#confirm")
        await ide.wait_for(lambda: not editor.dirty, "the save")
        assert (await ide.backend.read_file("deleted", "gone.txt")).data == b"still kept\n"
        await ide.wait_for(lambda: "deleted on disk" not in str(notice.render()), "no notice")


async def test_closing_an_unsaved_editor_can_save_it_first(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("closing")
        await _make_file(ide, "c.txt", "text\n")
        editor = await _open(ide, "closing", "c.txt")
        await type_text(ide.pilot, "more ")
        await ide.pilot.press("ctrl+f4")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.press("escape")  # Cancel: nothing happens
        assert editor in ide.main.editors() and editor.dirty
        await ide.pilot.press("ctrl+f4")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.press("enter")  # the first answer, focused: Save
        await ide.wait_for(lambda: editor not in ide.main.editors(), "the tab closed")
        assert (await ide.backend.read_file("closing", "c.txt")).data == b"more text\n"


async def test_quitting_can_save_every_editor_first(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("savequit")
        for name in ("a.txt", "b.txt"):
            await _make_file(ide, name, f"{name}\n")
            await _open(ide, "savequit", name)
            await type_text(ide.pilot, "edited ")
        await ide.pilot.press("ctrl+q")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.click("#answer-0")  # Save all & quit
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
    backend = home.backend()
    try:
        for name in ("a.txt", "b.txt"):
            assert (await backend.read_file("savequit", name)).data == f"edited {name}\n".encode()
    finally:
        await backend.close()


async def test_quitting_stays_when_a_save_meets_a_change_on_disk(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("staying")
        await _make_file(ide, "s.txt", "base\n")
        editor = await _open(ide, "staying", "s.txt")
        await type_text(ide.pilot, "mine ")
        await _make_file(ide, "s.txt", "theirs\n")
        await ide.pilot.press("ctrl+q")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.click("#answer-0")  # Save all & quit: the save meets a conflict
        await ide.wait_screen(ConfirmDialog, "overwrite?")
        await ide.pilot.press("escape")
        assert ide.app.is_running and editor.dirty
        assert (await ide.backend.read_file("staying", "s.txt")).data == b"theirs\n"
