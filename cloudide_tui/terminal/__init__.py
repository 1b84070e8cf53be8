"""The terminal: a VT emulator on pyte, its key/mouse encoders, and local PTY sessions.

Nothing here knows Docker or Textual widgets: the widget in ``cloudide_tui.widgets.terminal``
drives a ``TerminalEmulator`` (``emulator.py``) with bytes from a ``ShellSession``.
"""
