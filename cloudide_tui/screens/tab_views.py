"""The main screen's tabs as a person handles them: their order and labels, moving between
them, closing them with a click, showing two side by side, and saying when some do not
fit in the tab bar.

A base of ``MainScreen`` (as ``workspace_actions`` is): it arranges what the screen's
``TabbedContent`` shows and never opens or closes a shell itself (``request_close`` and
``new_terminal`` are the hub's).

**Side by side.** A split shows a second tab beside the active one: the tabbed content's
switcher lays its panes out in a row and shows two of them, the active one and the one
``beside`` it (a terminal beside an editor, two terminals...). Nothing is moved or
remounted (a terminal that left its place would close its shell): both stay where they
are in the tab order, left to right. Activating the tab beside (a click in it, Alt+N, the
prefix then o) swaps the two roles; another tab takes the active side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from textual import events, on
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTab

from cloudide_tui.screens.tabs import Tab, TabRegistry

MIDDLE_BUTTON = 2

OVERFLOW_WIDTH = 8
"""Cells at the right of the tab bar for "◂2 3▸" (main.tcss keeps them free)."""


class TabViews(Screen[None]):
    """Tab order, labels, switching, close clicks, the split and the overflow mark."""

    tabs: TabRegistry
    # The hub's (MainScreen), used here:
    focus_tab_content: Callable[..., None]
    request_close: Callable[[Tab], Awaitable[None]]
    new_terminal: Callable[[str], Awaitable[Tab]]

    beside: str | None = None
    """The pane shown beside the active one (a split), or None."""
    _active: str | None = None
    _previous: str | None = None
    """The pane active before the active one (what a split shows beside it first)."""

    @property
    def tabbed(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    @property
    def active_tab(self) -> Tab | None:
        return self.tabs.get(self.tabbed.active) if self.tabbed.active else None

    # -- order and labels -----------------------------------------------------------------
    def tab_order(self) -> list[Tab]:
        """The tabs as the tab bar shows them, left to right."""
        return [self.tabs[p.id] for p in self.tabbed.query(TabPane) if p.id and p.id in self.tabs]

    def _set_label(self, tab: Tab) -> None:
        order = self.tab_order()
        position = order.index(tab) + 1 if tab in order else None
        with contextlib.suppress(NoMatches):  # the pane is gone already
            content_tab = self.tabbed.get_tab(tab.pane_id)
            content_tab.label = self.tabs.label(tab, position)
            content_tab.tooltip = self.tabs.tooltip(tab)
        self.call_after_refresh(self.update_overflow)

    def relabel_tabs(self) -> None:
        """Every tab's label (positions change when a tab opens or closes)."""
        for tab in self.tab_order():
            self._set_label(tab)
        self.call_after_refresh(self.reveal_active_tab)

    def reveal_active_tab(self) -> None:
        """Scroll the tab bar to the active tab (its labels changed width meanwhile)."""
        with contextlib.suppress(NoMatches):
            active = self.tabbed.active
            if active:
                scroll = self.tabbed.query_one("#tabs-scroll", Widget)
                scroll.scroll_to_widget(self.tabbed.get_tab(active), animate=False, force=True)

    # -- moving between tabs ------------------------------------------------------------
    def show_tab(self, tab: Tab) -> None:
        """Make ``tab`` the active one and focus what it shows."""
        self.tabbed.active = tab.pane_id
        self.focus_tab_content(tab)

    def action_next_tab(self) -> None:
        self._move_tab(+1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        tabs = self.tab_order()
        if not tabs:
            return
        current = self.active_tab
        index = tabs.index(current) if current in tabs else -1
        # Focused here, not after the tab bar's message: that came too late sometimes,
        # and the old tab's content took the focus back.
        self.show_tab(tabs[(index + step) % len(tabs)])

    def action_go_tab(self, number: int) -> None:
        """Alt+1..9 (or the prefix, then 1..9): the ``number``-th tab, focused."""
        tabs = self.tab_order()
        if not 1 <= number <= len(tabs):
            self.notify(f"There is no tab {number}.", severity="warning", timeout=2)
            return
        self.show_tab(tabs[number - 1])

    def tab_activated(self) -> None:
        """The hub calls this when the active tab changed: the split follows, the tab
        bar shows it."""
        self.call_after_refresh(self.reveal_active_tab)
        active = self.tabbed.active
        if active != self._active:
            if self.beside is not None and active == self.beside:
                self.beside = self._active  # the tab beside became active: swap the roles
            self._previous, self._active = self._active, active
        self.arrange_split()

    # -- closing with the mouse ---------------------------------------------------------
    @on(events.Click)
    async def _tab_clicked(self, event: events.Click) -> None:
        widget = event.widget
        if not isinstance(widget, ContentTab) or widget.id is None:
            return
        tab = self.tabs.get(ContentTab.sans_prefix(widget.id))
        if tab is None:
            return
        offset = event.get_content_offset(widget)
        on_close_mark = offset is not None and offset.x >= widget.content_size.width - 1
        if event.button == MIDDLE_BUTTON or (event.button == 1 and on_close_mark):
            event.stop()
            await self.request_close(tab)

    # -- side by side ---------------------------------------------------------------------
    async def action_split(self) -> None:
        """Show another tab beside the active one, or stop (the prefix, then |)."""
        active = self.active_tab
        if self.beside is not None:
            self.beside = None
            self.arrange_split()
            return
        if active is None:
            self.notify("Open a terminal or a file first.", severity="warning", timeout=3)
            return
        order = self.tab_order()
        other = self._previous if self._previous in self.tabs else None
        if other == active.pane_id:
            other = None
        if other is None and len(order) > 1:
            other = order[(order.index(active) + 1) % len(order)].pane_id
        if other is None:
            # One tab: a new terminal on the same project beside it (tmux's split).
            self.beside = active.pane_id
            await self.new_terminal(active.project)
        else:
            self.beside = other
        self.arrange_split()

    def tab_closing(self, tab: Tab) -> str | None:
        """The hub calls this before closing ``tab``: the split ends with it. Returns the
        pane to activate after it (the one that was beside it), if any."""
        if self.beside is None:
            return None
        if tab.pane_id == self.beside:
            self.beside = None
            return None
        if tab.pane_id == self.tabbed.active:
            other, self.beside = self.beside, None
            return other
        return None

    def arrange_split(self) -> None:
        """Show the active pane, and the one beside it in a split, left to right."""
        with contextlib.suppress(NoMatches):
            switcher = self.tabbed.query_one(ContentSwitcher)
            active = self.tabbed.active
            beside = self.beside if self.beside in self.tabs else None
            self.beside = beside
            shown = [p for p in switcher.query_children(TabPane) if p.id in (active, beside)]
            for pane in switcher.query_children(TabPane):
                pane.display = pane in shown
                pane.set_class(beside is not None and pane is shown[-1], "-right")
            self.tabbed.set_class(beside is not None, "-split")
            for tab in self.tab_order():
                self.tabbed.get_tab(tab.pane_id).set_class(tab.pane_id == beside, "-beside")

    def shown_tabs(self) -> list[Tab]:
        """The tabs shown now, left to right: the active one, and the one beside it."""
        shown = (self.tabbed.active, self.beside)
        return [tab for tab in self.tab_order() if tab.pane_id in shown]

    # -- more tabs than the bar shows ---------------------------------------------------------
    def watch_tab_bar(self) -> None:
        """Keep the overflow mark current as the tab bar scrolls (to show the active tab)."""
        with contextlib.suppress(NoMatches):
            scroll = self.tabbed.query_one("#tabs-scroll")
            self.watch(scroll, "scroll_x", self._tab_bar_scrolled)

    def _tab_bar_scrolled(self) -> None:
        self.call_after_refresh(self.update_overflow)

    def update_overflow(self) -> None:
        """Say how many tabs the tab bar hides, on either side ("◂2 3▸" at its right end);
        a click on it shows the nearest hidden one."""
        with contextlib.suppress(NoMatches):
            mark = self.query_one("#tab-overflow", Static)
            left, right = self.hidden_tabs()
            overflowing = bool(left or right) and self.tabbed.display
            # The tab bar leaves room for the mark (main.tcss), so it hides no label.
            self.tabbed.set_class(overflowing, "-overflow")
            mark.display = overflowing
            if not overflowing:
                return
            text = (f"◂{len(left)}" if left else "") + (" " if left and right else "")
            mark.update(text + (f"{len(right)}▸" if right else ""))
            bar = self.tabbed.region
            parent = mark.parent
            if isinstance(parent, Widget):
                origin = parent.region
                mark.styles.offset = (bar.right - OVERFLOW_WIDTH - origin.x, bar.y - origin.y)

    def hidden_tabs(self) -> tuple[list[Tab], list[Tab]]:
        """The tabs the tab bar cannot show now: (left of the view, right of it)."""
        left: list[Tab] = []
        right: list[Tab] = []
        try:
            scroll = self.tabbed.query_one("#tabs-scroll")
        except NoMatches:
            return left, right
        start, end = scroll.scroll_offset.x, scroll.scroll_offset.x + scroll.size.width
        for tab in self.tab_order():
            try:
                region = self.tabbed.get_tab(tab.pane_id).virtual_region
            except NoMatches:
                continue
            if region.x < start:
                left.append(tab)
            elif region.right > end:
                right.append(tab)
        return left, right

    @on(events.Click, "#tab-overflow")
    def _overflow_clicked(self, event: events.Click) -> None:
        event.stop()
        left, right = self.hidden_tabs()
        nearest = right[0] if right else left[-1] if left else None
        if nearest is not None:
            self.show_tab(nearest)
