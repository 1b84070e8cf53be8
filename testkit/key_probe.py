"""``python -m testkit.key_probe``: the terminal widget on a program that prints, in hex,
every byte it receives, in an app that reads the keyboard with the app's own driver.

Run inside tmux by tests/pty/test_alt_keys_in_tmux.py: keys go through the whole real
path (tmux -> the driver's parser -> Textual -> the widget's encoder -> a PTY).
"""

from __future__ import annotations

from textual.driver import Driver

from cloudide_tui.driver import CloudIDEDriver
from testkit.terminal_support import TerminalApp, hex_echo


class KeyProbe(TerminalApp):
    """``TerminalApp`` on ``hex_echo``, reading keys as the real app does."""

    def get_driver_class(self) -> type[Driver]:
        return CloudIDEDriver


if __name__ == "__main__":
    KeyProbe(hex_echo()).run()
