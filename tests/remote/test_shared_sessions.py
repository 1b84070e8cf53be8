"""One server, two apps (two machines of one person, or a pair): the same shell seen
live in both, how many watch it on the tab, a read-only view, and an editor that follows
what the other app saved."""

from __future__ import annotations

from collections.abc import Callable

from cloudide_tui.dialogs import ChoiceDialog, ConfirmDialog
from cloudide_tui.widgets.terminal import Terminal
from testkit.ide import Ide, notification_titles, running_ide, screen_text, type_text
from testkit.remote_ide import RemoteHome

MakeHome = Callable[..., RemoteHome]


async def open_editor(ide: Ide, project: str, path: str) -> None:
    # From the app's own loop: the widgets it mounts belong to it (with two apps in one
    # process, a call from the test's task would give them to the app entered last).
    ide.app.call_later(ide.main.open_file, project, path)
    await ide.wait_for(lambda: ide.main.editors(), f"an editor on {path}")
    editor = ide.main.editors()[0]
    await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")


async def test_two_apps_on_one_shell_see_it_live_and_the_tab_says_two_watch(
    home: RemoteHome, make_home: MakeHome
) -> None:
    async with running_ide(home) as laptop:
        mine = await laptop.create_project("pair")
        await laptop.run_in_terminal("echo from-laptop-$((1+1))", "from-laptop-2")
        async with running_ide(make_home(home.user), project="pair") as desk:
            theirs = await desk.wait_prompt()
            await desk.wait_for(lambda: "from-laptop-2" in screen_text(theirs), "the history")
            await desk.wait_for(lambda: desk.app.focused is theirs, "the desk's terminal focus")
            await laptop.wait_for(lambda: "2 watching" in laptop.tab_label(mine), "2 watch")
            await desk.wait_for(lambda: "2 watching" in desk.tab_label(theirs), "2 watch")
            await desk.run_in_terminal("echo from-desk-$((2+2))", "from-desk-4")
            await laptop.wait_for(lambda: "from-desk-4" in screen_text(mine), "the desk's echo")
        # the desk quit: its view went, the shell stays, the laptop watches alone again
        await laptop.wait_for(lambda: "watching" not in laptop.tab_label(mine), "one viewer")
        await laptop.run_in_terminal("echo still-$((3+3))", "still-6")


def screen_lines(terminal: Terminal) -> list[str]:
    """The screen's rows, right-trimmed."""
    return screen_text(terminal).splitlines()


async def test_two_apps_of_different_sizes_show_the_shell_at_the_size_of_who_typed_last(
    home: RemoteHome, make_home: MakeHome
) -> None:
    """A long line typed on the narrow screen wraps for its width: the wide screen shows
    it the same (not bash's narrow-width redraw garbled at a wider width), and typing
    on the wide one makes the shell, and both views, its size."""
    long = "echo done-$((20+22)) # " + "-".join(f"word{i}" for i in range(9))
    async with running_ide(home, size=(120, 36)) as wide:
        big = await wide.create_project("sizes")
        big_width = big.emulator.columns
        async with running_ide(make_home(home.user), size=(80, 24), project="sizes") as narrow:
            small = await narrow.wait_prompt()
            small_width = small.emulator.columns
            assert small_width < len(long) < big_width
            await narrow.run_in_terminal(long, "done-42")
            await wide.wait_for(
                lambda: big.emulator.columns == small_width, "the wide view at the shell's size"
            )
            await wide.wait_for(
                lambda: screen_lines(big) == screen_lines(small), "the same screen in both"
            )
            assert "done-42" in screen_lines(big)

            await wide.run_in_terminal("echo wide-$((7*6))", "wide-42")
            await wide.wait_for(lambda: big.emulator.columns == big_width, "its own width back")
            await narrow.wait_for(
                lambda: small.emulator.columns == big_width, "the narrow view follows"
            )
            await narrow.wait_for(lambda: "wide-42" in screen_text(small), "the echo there")
            # Taller than the narrow view: shown from its top, as the live screen (not as
            # scrollback to page down through).
            assert small.emulator.lines > small.scrollable_content_region.height
            await narrow.pilot.pause()
            assert small.scrolled_back == 0


async def test_a_read_only_view_shows_everything_and_types_nothing(
    home: RemoteHome, make_home: MakeHome
) -> None:
    async with running_ide(home) as owner:
        mine = await owner.create_project("show")
        await owner.run_in_terminal("echo before-$((5+5))", "before-10")
        async with running_ide(make_home(home.user)) as guest:
            await guest.put_cursor("show")
            await guest.search_palette("watch a running shell", shows="watch a running shell")
            await guest.pilot.press("enter")
            await guest.wait_screen(ChoiceDialog, "the list")
            await guest.pilot.press("enter")
            await guest.wait_for(lambda: guest.main.terminals(), "the view")
            view = guest.terminal()
            await guest.wait_for(lambda: "before-10" in screen_text(view), "the screen")
            assert "read-only" in guest.tab_label(view)
            await guest.wait_for(lambda: guest.app.focused is view, "the view's focus")
            await type_text(guest.pilot, "echo typed-by-guest\n")
            await guest.wait_for(
                lambda: "Not typed in show" in notification_titles(guest.app), "a note"
            )
            await owner.run_in_terminal("echo after-$((6+6))", "after-12")
            await guest.wait_for(lambda: "after-12" in screen_text(view), "live output")
            assert "typed-by-guest" not in screen_text(mine)


async def test_an_editor_follows_a_save_in_the_other_app_and_a_dirty_one_asks(
    home: RemoteHome, make_home: MakeHome
) -> None:
    async with running_ide(home) as one:
        await one.create_project("notes")
        await one.run_in_terminal("printf 'first\\n' > todo.txt; echo made", "made")
        async with running_ide(make_home(home.user)) as two:
            await open_editor(one, "notes", "todo.txt")
            await open_editor(two, "notes", "todo.txt")
            mine, theirs = one.main.editors()[0], two.main.editors()[0]
            # each tab says someone else has the file open
            await one.wait_for(lambda: "(+1)" in one.tab_label(mine), "presence in one")
            await two.wait_for(lambda: "(+1)" in two.tab_label(theirs), "presence in two")

            await type_text(one.pilot, "saved-in-one ")
            await one.pilot.press("ctrl+s")
            await one.wait_for(lambda: not mine.dirty, "the save")
            await two.wait_for(lambda: theirs.text.startswith("saved-in-one "), "two follows")
            assert not theirs.dirty

            # two has unsaved text when one saves again: two keeps it, and saving asks
            await type_text(two.pilot, "unsaved-in-two ")
            await type_text(one.pilot, "again ")
            await one.pilot.press("ctrl+s")
            await one.wait_for(lambda: not mine.dirty, "the second save")
            await two.pilot.press("ctrl+s")
            await two.wait_screen(ConfirmDialog, "the question")
            assert theirs.text.startswith("unsaved-in-two saved-in-one ")
            await two.pilot.press("escape")  # cancel: both texts stay
            assert theirs.dirty
        # two closed: one is alone with the file again
        await one.wait_for(lambda: "(+1)" not in one.tab_label(mine), "presence gone")
