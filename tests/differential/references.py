"""Where tmux and xterm.js disagree, which one we follow and why; where we follow neither.

Every difference between our screen and a reference must be listed here, or the tests
fail; and every entry must still be true (the references still disagree, we still match
the one we follow), or the tests fail too, so this list never goes stale.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Follow:
    """``reference``: "tmux" or "xterm.js" (ours equals it, not the other one), or
    "neither" (ours is our own choice; the conformance table pins it down)."""

    reference: str
    reason: str


GRAPHEMES = Follow(
    "neither",
    "grapheme clusters: one cell pair, the width modern terminals (kitty, WezTerm, foot, "
    "Ghostty in mode 2027) and Rich give them; tmux 3.3a and xterm.js 6 (Unicode 11 "
    "widths, no grapheme add-on) count code points (VS16 and keycaps stay one cell, a "
    "skin tone takes two more, xterm.js splits ZWJ sequences)",
)

DECCOLM = Follow(
    "xterm.js",
    "DECCOLM (CSI ? 3 h/l): tmux clears the screen and homes the cursor; xterm by default "
    "(its allowC132 resource is off) and xterm.js ignore it, as we do",
)

REFLOW_CURSOR_LINE = Follow(
    "neither",
    "the line the cursor is on is wrapped again like any other (tmux; xterm.js leaves it "
    "alone and cuts it), and the rows it grows by use the blank rows below the cursor "
    "first (xterm.js; tmux pushes rows above the cursor into the scrollback)",
)

BS_PENDING = Follow(
    "xterm.js",
    "BS in the pending-wrap state moves back from the last column (xterm); tmux 3.3a stays on it",
)

LINK_UNDERLINE = Follow(
    "tmux", "xterm.js reports the text of an OSC 8 hyperlink as underlined (its decoration)"
)

CRAFTED: dict[str, Follow] = {
    # conformance cases (testkit/emulator_cases.py) where the references disagree
    "IL-1": Follow(
        "xterm.js",
        "IL moves the cursor to the first column (VT510, xterm); tmux 3.3a leaves it",
    ),
    "CHT-2": Follow("xterm.js", "tmux 3.3a has no CHT (CSI I)"),
    "BS-at-margin": BS_PENDING,
    "wrap-BS-from-pending": BS_PENDING,
    "IL-below-region-ignored": Follow(
        "xterm.js", "IL outside the scroll region does nothing (xterm); tmux inserts anyway"
    ),
    "BOM-WJ": Follow(
        "tmux", "xterm.js drops U+FEFF; tmux keeps it in the text with no width, as we do"
    ),
    "wide-right-half-overwritten": Follow(
        "xterm.js",
        "overwriting the right half of a wide character clears its left half; tmux 3.3a "
        "keeps showing the wide character",
    ),
    "OSC-others-harmless": LINK_UNDERLINE,
    "OSC8-hyperlink": LINK_UNDERLINE,
    "OSC8-survives-SGR-reset": LINK_UNDERLINE,
    "DECSTR": Follow(
        "xterm.js",
        "DECSTR resets the character sets to ASCII (VT510, xterm.js); tmux 3.3a keeps G0",
    ),
    "unicode-digits": Follow(
        "tmux",
        "a non-ASCII character inside a CSI is skipped (tmux); xterm.js ends the sequence "
        "there and prints the rest",
    ),
    "non-ASCII-inside-CSI": Follow(
        "tmux",
        "a non-ASCII character inside a CSI is skipped (tmux); xterm.js ends the sequence "
        "there and prints the rest",
    ),
    "BCE-SD": Follow(
        "tmux",
        "SD erases the lines it brings in with the background colour (xterm, and tmux by "
        "its code: capture-pane cannot show erased cells' colours); xterm.js does not",
    ),
    "wide-edge-nowrap": Follow(
        "tmux",
        "xterm.js reports the cell after a wide character drawn in the last two columns "
        "as a blank of its own",
    ),
    "reflow-there-and-back": Follow(
        "xterm.js",
        "lines that got shorter bring scrollback rows back down (xterm.js); tmux 3.3a "
        "leaves them in the scrollback",
    ),
    "reflow-the-cursors-line": REFLOW_CURSOR_LINE,
    "reflow-the-cursors-line-then-text": REFLOW_CURSOR_LINE,
    "reflow-wide-wraps-early": REFLOW_CURSOR_LINE,
    "reflow-cursor-past-the-text": Follow(
        "xterm.js",
        "a cursor past the end of its line's text stays at the last column (xterm.js); tmux "
        "3.3a moves it to the first",
    ),
    "reflow-prompt-then-typing": Follow(
        "xterm.js",
        "blanks at the end of a line are not its text (xterm.js): after narrowing, the "
        "cursor after a prompt's trailing space is clamped; tmux 3.3a keeps the space",
    ),
    "VS16-keeps-rest": GRAPHEMES,
    "ZWJ-keeps-rest": Follow(
        "tmux", "a ZWJ sequence is one cluster two cells wide (tmux); xterm.js splits it"
    ),
    "cluster-ZWJ": Follow(
        "tmux", "a ZWJ sequence is one cluster two cells wide (tmux); xterm.js splits it"
    ),
    "cluster-VS16": GRAPHEMES,
    "cluster-skin-tone": GRAPHEMES,
    "cluster-keycap": GRAPHEMES,
    "cluster-across-SGR": GRAPHEMES,
    "cluster-wraps-whole": GRAPHEMES,
}
"""Crafted streams (by case id) where we do not match both references."""

CORPUS: dict[tuple[str, int], Follow] = {
    ("vttest", 2): DECCOLM,
    ("vttest", 3): DECCOLM,
    ("vttest", 4): DECCOLM,
    ("vttest", 18): DECCOLM,
}
"""Recorded programs: (recording, checkpoint index) where we do not match both."""
