"""Mouse events → the reports an xterm sends to a program that asked for them.

A program turns reporting on with DEC private modes: 1000 (presses and releases, wheel),
1002 (also motion while a button is held), 1003 (all motion), and chooses the encoding
with 1006 (SGR: ``CSI < b;x;y M`` / ``m``, any coordinate) or the X10 default
(``CSI M`` + three bytes, coordinates up to 223). This module is pure: the widget decides
when the mouse belongs to the program (``Modes.mouse_tracking``) and calls ``encode_mouse``.
"""

from __future__ import annotations

import enum

from cloudide_tui.terminal.model import Modes


class MouseAction(enum.Enum):
    """What happened, in the terms the protocol distinguishes."""

    PRESS = "press"
    RELEASE = "release"
    MOTION = "motion"
    WHEEL_UP = "wheel_up"
    WHEEL_DOWN = "wheel_down"
    WHEEL_LEFT = "wheel_left"
    WHEEL_RIGHT = "wheel_right"


BUTTON_CODES = {1: 0, 2: 1, 3: 2}
"""Textual's button numbers (1 left, 2 middle, 3 right) → protocol button codes."""

WHEEL_CODES = {
    MouseAction.WHEEL_UP: 64,
    MouseAction.WHEEL_DOWN: 65,
    MouseAction.WHEEL_LEFT: 66,
    MouseAction.WHEEL_RIGHT: 67,
}

SHIFT, META, CTRL = 4, 8, 16
"""Modifier bits added to the button code."""

MOTION = 32
"""Added to the button code for motion reports."""

NO_BUTTON = 3
"""Button code of a release in X10 encoding, and of motion with no button held."""

X10_MAX = 255 - 32 - 1
"""Largest 0-based coordinate X10 encoding can carry (a byte, offset by 32, 1-based)."""


def wants_report(modes: Modes, action: MouseAction, button_held: bool) -> bool:
    """Does the program's tracking mode ask for this event?

    1000: presses, releases and wheel; 1002: plus motion with a button held; 1003: plus
    all motion.
    """
    tracking = modes.mouse_tracking
    if not tracking:
        return False
    if action is MouseAction.MOTION:
        return tracking == 1003 or (tracking == 1002 and button_held)
    return True


def encode_mouse(
    action: MouseAction,
    x: int,
    y: int,
    *,
    button: int = 1,
    shift: bool = False,
    meta: bool = False,
    ctrl: bool = False,
    sgr: bool = True,
) -> bytes | None:
    """Encode one mouse event as xterm reports it.

    Args:
        action: press, release, motion or a wheel step.
        x: 0-based column in the terminal.
        y: 0-based row in the terminal.
        button: Textual's button number (1 left, 2 middle, 3 right; 0 for none, in motion).
        shift: Shift held. meta: Alt/Meta held. ctrl: Ctrl held.
        sgr: SGR encoding (mode 1006) rather than X10.

    Returns:
        The report, or None when X10 cannot carry it (coordinates past 223) or the
        button is unknown.
    """
    if action in WHEEL_CODES:
        code = WHEEL_CODES[action]
    elif action is MouseAction.MOTION:
        code = MOTION + BUTTON_CODES.get(button, NO_BUTTON)
    else:
        if button not in BUTTON_CODES:
            return None
        code = BUTTON_CODES[button]
    code += (SHIFT if shift else 0) + (META if meta else 0) + (CTRL if ctrl else 0)
    x, y = max(0, x), max(0, y)
    if sgr:
        final = "m" if action is MouseAction.RELEASE else "M"
        return f"\x1b[<{code};{x + 1};{y + 1}{final}".encode()
    if x > X10_MAX or y > X10_MAX:
        return None
    if action is MouseAction.RELEASE:
        code = (code & ~0b11) | NO_BUTTON  # X10 releases do not say which button
    return b"\x1b[M" + bytes((32 + code, 33 + x, 33 + y))
