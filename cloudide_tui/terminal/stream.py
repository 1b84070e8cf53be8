"""The pyte ``Stream`` subclass: one regular expression instead of pyte's parser.

pyte's parser is a generator stepped once per control character, and its CSI handlers
raise on private or surplus parameters. Input reaching :class:`EmulatorStream` has been
cleaned by ``prefilter.py`` (every sequence complete and well formed), so it tokenises
text runs, CSI and ESC sequences and controls in C, and dispatches each CSI through a
table whose handlers take a parameter list: the wrong number of parameters cannot raise,
and private forms no handler understands are ignored rather than applied as their public
meaning.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

import pyte
from pyte import charsets as cs

from .prefilter import ACTION, Action
from .screen import EmulatorScreen, parse_params


def _first(p: list[int]) -> int:
    return p[0] if p else 0


def _second(p: list[int]) -> int:
    return p[1] if len(p) > 1 else 0


# CSI final → handler(screen, params, private). Private forms no handler understands
# are ignored rather than applied as their public meaning.
_Handler = Callable[[EmulatorScreen, list[int], bool], None]


def _public(fn: Callable[[EmulatorScreen, list[int]], None]) -> _Handler:
    def handler(s: EmulatorScreen, p: list[int], private: bool) -> None:
        if not private:
            fn(s, p)

    return handler


def _scosc(s: EmulatorScreen, p: list[int]) -> None:
    if not p:
        s.save_cursor()


def _scorc(s: EmulatorScreen, p: list[int]) -> None:
    # with parameters too, as xterm.js and tmux (the kitty keyboard protocol's CSI u
    # forms all have a prefix, > < = ?, and never get here)
    s.restore_cursor()


def _insert_lines(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:
        s.insert_lines(p[0] if p else 0)


def _delete_lines(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:
        s.delete_lines(p[0] if p else 0)


def _cursor_forward(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:
        s.cursor_forward(p[0] if p else 0)


def _cursor_up(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:
        s.cursor_up(p[0] if p else 0)


def _cursor_down(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:
        s.cursor_down(p[0] if p else 0)


def _erase_line(s: EmulatorScreen, p: list[int], private: bool) -> None:
    s.erase_in_line(p[0] if p else 0)


def _margins(s: EmulatorScreen, p: list[int], private: bool) -> None:
    if not private:  # (XTRESTORE, CSI ? Pm r, is not supported)
        s.margins_to(p[0] if p else 0, p[1] if len(p) > 1 else 0)


# (the busiest handlers are written out: one call fewer than through _public)
CSI_HANDLERS: dict[str, _Handler] = {
    "@": _public(lambda s, p: s.insert_characters(_first(p))),
    "A": _cursor_up,
    "B": _cursor_down,
    "C": _cursor_forward,
    "D": _public(lambda s, p: s.cursor_back(_first(p))),
    "E": _public(lambda s, p: s.cursor_down1(_first(p))),
    "F": _public(lambda s, p: s.cursor_up1(_first(p))),
    "G": _public(lambda s, p: s.cursor_to_column(_first(p))),
    "`": _public(lambda s, p: s.cursor_to_column(_first(p))),
    "a": _public(lambda s, p: s.cursor_forward(_first(p))),
    "H": _public(lambda s, p: s.cursor_position(_first(p), _second(p))),
    "f": _public(lambda s, p: s.cursor_position(_first(p), _second(p))),
    "d": _public(lambda s, p: s.cursor_to_line(_first(p))),
    "e": _public(lambda s, p: s.cursor_down(_first(p))),
    "I": _public(lambda s, p: s.forward_tabs(_first(p))),
    "Z": _public(lambda s, p: s.backward_tabs(_first(p))),
    "J": lambda s, p, private: s.erase_in_display(_first(p)),
    "K": _erase_line,
    "L": _insert_lines,
    "M": _delete_lines,
    "P": _public(lambda s, p: s.delete_characters(_first(p))),
    "X": _public(lambda s, p: s.erase_characters(_first(p))),
    "S": _public(lambda s, p: s.scroll_up(_first(p))),
    "T": _public(lambda s, p: s.scroll_down(_first(p)) if len(p) <= 1 else None),
    "c": _public(lambda s, p: s.report_device_attributes(_first(p))),
    "n": lambda s, p, private: s.report_device_status(_first(p), private=private),
    "g": _public(lambda s, p: s.clear_tab_stop(_first(p))),
    "h": lambda s, p, private: s.set_mode(*p, private=private) if p else None,
    "l": lambda s, p, private: s.reset_mode(*p, private=private) if p else None,
    "m": lambda s, p, private: s.select_graphic_rendition(*p, private=private),
    "r": _margins,
    "s": _public(_scosc),
    "u": _public(_scorc),
}


def _next_line(s: EmulatorScreen) -> None:
    """NEL (``ESC E``): carriage return and index."""
    s.carriage_return()
    s.explicit_index()


#: ESC + final (no intermediates) → screen action.
_ESC_HANDLERS: dict[str, Callable[[EmulatorScreen], None]] = {
    "c": lambda s: s.reset(),
    "D": lambda s: s.explicit_index(),
    "E": lambda s: _next_line(s),
    "M": lambda s: s.reverse_index(),
    "H": lambda s: s.set_tab_stop(),
    "7": lambda s: s.save_cursor(),
    "8": lambda s: s.restore_cursor(),
    "=": lambda s: setattr(s, "app_keypad", True),
    ">": lambda s: setattr(s, "app_keypad", False),
}

_CONTROLS: dict[str, Callable[[EmulatorScreen], None]] = {
    "\x07": lambda s: s.bell(),
    "\x08": lambda s: s.backspace(),
    "\x09": lambda s: s.tab(),
    "\x0a": lambda s: s.linefeed(),
    "\x0b": lambda s: s.linefeed(),
    "\x0c": lambda s: s.linefeed(),
    "\x0d": lambda s: s.carriage_return(),
    "\x0e": lambda s: s.shift_out(),
    "\x0f": lambda s: s.shift_in(),
}

_NEVER = "(?!)"


def token_regex(shortcuts: bool = True) -> re.Pattern[str]:
    """The tokeniser. With ``shortcuts``, common sequences of tokens are one match (fewer
    trips through the Python loop; full-screen programs write ~9 tokens a row, e.g. top's
    ``ESC(B ESC[m text ESC(B ESC[m ESC[39;49m ESC[K CR LF``): a whole row written from
    its start (SGRs and G0 sets, text, SGRs and G0 sets, ``EL 0``, CR LFs: groups 2-5),
    a run of SGRs and G0 designations (``ESC ( B``, ``ESC ( 0``) with ``EL 0`` and the CR
    LFs after it (a row's end, 6-7), such a run with the text after it (8-9), a cursor
    position (CUP) with the text after it (10-11), a run of CR LFs (17) and a run of
    backspaces (18). Without, those groups never match and each sequence is its own
    token: the emulator's ``fast_path=False`` uses that, so the equivalence tests
    compare the two."""
    text = r"[^\x00-\x1f\x7f-\x9f]"
    sets = r"(?:\x1b\[[0-9;]*m|\x1b\([0B])"
    never2 = f"({_NEVER})({_NEVER})"
    return re.compile(
        rf"({text}+)"  # 1: text
        + (
            rf"|({sets}*+)({text}++)({sets}*+)\x1b\[0?K((?:\r\n)*+)"  # 2-5: a row
            rf"|({sets}*+)\x1b\[0?K((?:\r\n)*+)"  # 6-7: SGRs and G0 sets, EL, CR LFs
            rf"|({sets}++)({text}*)"  # 8-9: SGRs and G0 sets, text
            rf"|\x1b\[([0-9;]*)H({text}*)"  # 10-11: CUP, text
            if shortcuts
            else f"|{never2}({_NEVER})({_NEVER})|{never2}|{never2}|{never2}"
        )
        + r"|\x1b\[(\??)([0-9;]*)([\x40-\x7e])"  # 12-14: CSI (private, params, final)
        r"|\x1b([\x20-\x2f]*)([\x30-\x7e])"  # 15-16: ESC (intermediates, final)
        + (r"|((?:\r\n)+)|(\x08{2,})" if shortcuts else f"|{never2}")  # 17-18
        + r"|([\x00-\x1f\x7f-\x99\x9b-\x9f])"  # 19: a C0 control (or a stray ESC)
        + f"|({ACTION})"  # 20: the pre-filter's next action
    )


TOKEN = token_regex(True)
_PLAIN_TOKEN = token_regex(False)


class EmulatorStream(pyte.Stream):
    """A ``pyte.Stream`` whose ``feed`` tokenises with one regular expression.

    pyte's parser is a generator stepped once per control character; this ``feed``
    takes pre-filtered text (complete sequences only), matches text runs, CSI and ESC
    sequences and controls in C, and dispatches through tables whose handlers cannot be
    given the wrong number of arguments. ``use_utf8`` is False in pyte's sense: input is
    already text, and ``ESC ( 0`` selects DEC line drawing.
    """

    def __init__(self, screen: EmulatorScreen, *, shortcuts: bool = True) -> None:
        super().__init__(screen)
        self.use_utf8 = False
        self.screen = screen
        self._token = TOKEN if shortcuts else _PLAIN_TOKEN
        self.printed = False
        """Whether the last thing fed was printed text (REP repeats only right after it)."""
        self.actions: deque[Action] = deque()
        """The pre-filter's actions (the emulator shares its queue with the stream)."""

    def feed(self, data: str) -> None:
        screen = self.screen
        draw = screen.draw
        sgr = screen.sgr_text
        sgr_run = screen.sgr_run
        cup = screen.cursor_to
        csi = CSI_HANDLERS
        controls = _CONTROLS
        printed = self.printed
        for m in self._token.finditer(data):
            kind = m.lastindex
            if kind == 1:
                draw(m.group(1))
                printed = True
                continue
            if kind == 5:  # a whole row: top, htop, vim write their rows so
                before, text, after, ends = m.group(2, 3, 4, 5)
                screen.write_row(m.group(), before, text, after)
                if ends:
                    screen.newlines(len(ends) >> 1)
            elif kind == 9:
                run, text = m.group(8, 9)
                sgr_run(run)
                if text:
                    draw(text)
                    printed = True
                else:
                    printed = False
                continue
            elif kind == 11:
                params, text = m.group(10, 11)
                cup(params)
                if text:
                    draw(text)
                    printed = True
                else:
                    printed = False
                continue
            elif kind == 7:  # a row's end: top, htop, grep write it so
                run, ends = m.group(6, 7)
                if run:
                    sgr_run(run)
                screen.erase_in_line(0)
                if ends:
                    screen.newlines(len(ends) >> 1)
            elif kind == 17:
                screen.newlines(len(m.group(17)) >> 1)
            elif kind == 14:
                private, params, final = m.group(12, 13, 14)
                if final == "m" and not private:
                    sgr(params)
                elif final == "H" and not private:
                    cup(params)
                elif final == "b":
                    if printed and not private:  # REP: only right after a printed character
                        screen.repeat_last(_first(parse_params(params)))
                else:
                    handler = csi.get(final)
                    if handler is not None:
                        handler(screen, parse_params(params), bool(private))
            elif kind == 16:
                self._escape(m.group(15), m.group(16))
            elif kind == 20:
                if self.actions:
                    screen.perform(self.actions.popleft())
            elif kind == 18:
                screen.cursor_back(len(m.group(18)))  # n backspaces: n columns back
            else:
                control = controls.get(m.group(19))
                if control is not None:
                    control(screen)
            printed = False
        self.printed = printed

    def _escape(self, intermediates: str, final: str) -> None:
        screen = self.screen
        if not intermediates:
            handler = _ESC_HANDLERS.get(final)
            if handler is not None:
                handler(screen)
        elif intermediates == "#" and final == "8":
            screen.alignment_display()
        elif intermediates in ("(", ")") and final in cs.MAPS:
            screen.define_charset(final, intermediates)
