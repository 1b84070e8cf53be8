"""Mouse reports, case by case: what the user does → what a program that asked receives."""

from __future__ import annotations

import pytest

from cloudide_tui.terminal.model import Modes
from cloudide_tui.terminal.mouse import MouseAction, encode_mouse, wants_report

A = MouseAction

SGR_CASES = [
    # (action, x, y, button, shift, meta, ctrl, expected)
    (A.PRESS, 0, 0, 1, False, False, False, b"\x1b[<0;1;1M"),
    (A.RELEASE, 0, 0, 1, False, False, False, b"\x1b[<0;1;1m"),
    (A.PRESS, 9, 4, 2, False, False, False, b"\x1b[<1;10;5M"),
    (A.PRESS, 9, 4, 3, False, False, False, b"\x1b[<2;10;5M"),
    (A.RELEASE, 9, 4, 3, False, False, False, b"\x1b[<2;10;5m"),
    (A.MOTION, 3, 2, 1, False, False, False, b"\x1b[<32;4;3M"),  # drag with left held
    (A.MOTION, 3, 2, 0, False, False, False, b"\x1b[<35;4;3M"),  # motion, no button
    (A.WHEEL_UP, 5, 5, 0, False, False, False, b"\x1b[<64;6;6M"),
    (A.WHEEL_DOWN, 5, 5, 0, False, False, False, b"\x1b[<65;6;6M"),
    (A.PRESS, 0, 0, 1, True, False, False, b"\x1b[<4;1;1M"),
    (A.PRESS, 0, 0, 1, False, True, False, b"\x1b[<8;1;1M"),
    (A.PRESS, 0, 0, 1, False, False, True, b"\x1b[<16;1;1M"),
    (A.WHEEL_UP, 0, 0, 0, False, False, True, b"\x1b[<80;1;1M"),
    (A.PRESS, 299, 120, 1, False, False, False, b"\x1b[<0;300;121M"),  # beyond X10
]


@pytest.mark.parametrize(
    ("action", "x", "y", "button", "shift", "meta", "ctrl", "expected"), SGR_CASES
)
def test_sgr_reports(
    action: MouseAction,
    x: int,
    y: int,
    button: int,
    shift: bool,
    meta: bool,
    ctrl: bool,
    expected: bytes,
) -> None:
    got = encode_mouse(action, x, y, button=button, shift=shift, meta=meta, ctrl=ctrl, sgr=True)
    assert got == expected


X10_CASES = [
    (A.PRESS, 0, 0, 1, b"\x1b[M !!"),
    (A.RELEASE, 0, 0, 1, b"\x1b[M#!!"),  # X10 release: button 3
    (A.PRESS, 9, 4, 3, b'\x1b[M"*%'),
    (A.MOTION, 3, 2, 1, b"\x1b[M@$#"),
    (A.WHEEL_UP, 5, 5, 0, b"\x1b[M`&&"),
    (A.WHEEL_DOWN, 5, 5, 0, b"\x1b[Ma&&"),
    (A.PRESS, 222, 222, 1, b"\x1b[M \xff\xff"),
    (A.PRESS, 223, 0, 1, None),  # X10 cannot carry it
]


@pytest.mark.parametrize(("action", "x", "y", "button", "expected"), X10_CASES)
def test_x10_reports(
    action: MouseAction, x: int, y: int, button: int, expected: bytes | None
) -> None:
    assert encode_mouse(action, x, y, button=button, sgr=False) == expected


def test_modes_decide_which_events_are_reported() -> None:
    off, clicks, drags, motion = (Modes(mouse_tracking=m) for m in (0, 1000, 1002, 1003))
    assert not wants_report(off, A.PRESS, False)
    assert wants_report(clicks, A.PRESS, False)
    assert wants_report(clicks, A.WHEEL_UP, False)
    assert not wants_report(clicks, A.MOTION, True)
    assert wants_report(drags, A.MOTION, True)
    assert not wants_report(drags, A.MOTION, False)
    assert wants_report(motion, A.MOTION, False)
