"""Reading the keyboard as xterm means it: Alt+key arrives as ``alt+<key>``, whatever the key.

A terminal (xterm, tmux, gnome-terminal, konsole...) sends Alt+key as ESC followed by the
key's own bytes (xterm's ``metaSendsEscape``): Alt+. is ``ESC .``, Alt+1 is ``ESC 1``,
Alt+Enter is ``ESC CR``. Textual 8.2's parser keeps Alt only for letters; for every
other key it loses it or worse (measured, ``tests/unit/test_alt_keys.py``):

* ``ESC .``, ``ESC ,``, ``ESC /``... become plain ``.``, ``,``, ``/``;
* ``ESC 1``..``ESC 0`` become macOS Option characters (``¡``, ``™``, ``£``...);
* ``ESC f`` / ``ESC b`` become Ctrl+Right / Ctrl+Left, ``ESC DEL`` becomes Ctrl+W,
  ``ESC TAB`` becomes Shift+Tab, ``ESC CR`` becomes Enter;
* and the sequence waits for more input: a key typed right after (a fast typist, a
  ``tmux send-keys`` burst) is glued to it, and an ESC arriving next turns the pending
  ESC into a ``^`` key (Alt+. then an arrow key typed ``^.``).

``AltKeyParser`` fixes that at the source: ESC followed by any one character other than
``[`` and ``O`` (which start the cursor and function keys' sequences) is that key with
Alt, at once; ``ESC [`` and ``ESC O`` alone still wait (Textual's escape delay) and then
become Alt+[ and Alt+Shift+O. The terminal widget then sends xterm's bytes back
(``terminal/keys.py``): bash's Alt+. (last argument), Alt+digit arguments, Alt+B/F,
Alt+Backspace and emacs' Meta keys work.

``CloudIDEDriver`` is Textual's ``LinuxDriver`` reading with that parser, and
``CloudIDEWebDriver`` its ``WebDriver`` (the IDE page in a browser, where xterm.js sends
Alt+key as ESC and the key too). Textual gives no hook for the parser, so each
``run_input_thread`` is Textual's own, with the parser's name changed;
``tests/unit/test_alt_keys.py`` fails if Textual's copy changes (then copy again).
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Iterable

from textual import events, log
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers._byte_stream import ByteStream
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.web_driver import WebDriver, _ExitInput

ESC = "\x1b"

SEQUENCE_STARTS = frozenset("[O")
"""After ESC, these begin the cursor and function keys' sequences: ``ESC [`` and ``ESC O``
wait for more (and become Alt+[ / Alt+Shift+O only when nothing follows)."""


def alt_key_name(key: str) -> str:
    """``key`` with Alt added, modifiers in Textual's order: ``"ctrl+a"`` ->
    ``"alt+ctrl+a"``, ``"A"`` -> ``"alt+shift+a"``, ``"full_stop"`` -> ``"alt+full_stop"``."""
    *mods, base = key.split("+") if key != "+" else ["+"]
    if len(base) == 1 and base.isupper():
        mods.append("shift")
        base = base.lower()
    return "+".join([*sorted({*mods, "alt"}), base])


class AltKeyParser(XTermParser):
    """Textual's input parser, but ESC + one key is always that key with Alt."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._alt_next = False

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        if len(sequence) == 2 and sequence[0] == ESC and sequence[1] not in SEQUENCE_STARTS:
            if sequence[1] != ESC:
                yield from self._with_alt(sequence[1])
                return
        elif sequence == ESC and not alt:
            # Only Textual's reissue of an unfinished ``ESC [`` / ``ESC O`` asks for a lone
            # ESC (when another ESC arrived next): it would become a "^" key. The ESC is
            # the Alt of the character that follows it.
            self._alt_next = True
            return
        elif (alt or self._alt_next) and len(sequence) == 1:
            # ESC [ or ESC O that nothing (or another ESC) followed, reissued by Textual
            self._alt_next = False
            yield from self._with_alt(sequence)
            return
        yield from super()._sequence_to_key_events(sequence, alt)

    def _with_alt(self, character: str) -> Iterable[events.Key]:
        for event in super()._sequence_to_key_events(character):
            yield events.Key(alt_key_name(event.key), event.character)


class CloudIDEDriver(LinuxDriver):
    """Textual's Linux (and macOS) driver, reading keys with ``AltKeyParser``."""

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)

        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ

        parser = AltKeyParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        utf8_decoder = getincrementaldecoder("utf-8")().decode
        decode = utf8_decoder
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]],
            final: bool = False,
        ) -> None:
            """Process events from selector.

            Args:
                selector_events: List of selector events.
                final: True if this is the last call.

            """
            for last, (_selector_key, mask) in loop_last(selector_events):
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        # This can occur if the stdin is piped
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)

        finally:
            selector.close()
            try:
                for event in feed(""):  # noqa: B007  (Textual's own line)
                    pass
            except (EOFError, ParseError):
                pass


class CloudIDEWebDriver(WebDriver):
    """Textual's web driver (textual-serve's pages), reading keys with ``AltKeyParser``.

    The server starts the IDE page's app with ``TEXTUAL_DRIVER`` naming this class."""

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events."""
        input_reader = self._input_reader
        parser = AltKeyParser(debug=self._debug)
        utf8_decoder = getincrementaldecoder("utf-8")().decode
        decode = utf8_decoder
        # The server sends us a stream of bytes, which contains the equivalent of stdin, plus
        # in band data packets.
        byte_stream = ByteStream()
        try:
            for data in input_reader:
                if data:
                    for packet_type, payload in byte_stream.feed(data):
                        if packet_type == "D":
                            # Treat as stdin
                            for event in parser.feed(decode(payload)):
                                self.process_message(event)
                        else:
                            # Process meta information separately
                            self._on_meta(packet_type, payload)
                for event in parser.tick():
                    self.process_message(event)
        except _ExitInput:
            pass
        except Exception:
            from traceback import format_exc

            log(format_exc())
        finally:
            input_reader.close()
