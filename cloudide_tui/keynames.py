"""Textual's key names and the characters they stand for, without Textual.

Textual names a key that types a character by the character's Unicode name, lower case,
``_`` for spaces and hyphens (``full_stop``, ``less_than_sign``), and shortens a few
(``slash``, ``backslash``...). The terminal's key encoder and the settings (the prefix
key) need the way back, and neither may import Textual (the emulator floor is kept free
of it; the settings load before it): hence this small module at the bottom floor.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

NAME_REPLACEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "slash": "solidus",
        "backslash": "reverse_solidus",
        "at": "commercial_at",
        "minus": "hyphen_minus",
        "plus": "plus_sign",
        "underscore": "low_line",
    }
)
"""Textual's short names of a few characters, back to their Unicode names (Textual names
a character by its Unicode name, lower case, ``_`` for spaces and hyphens, then shortens
these; ``tests/unit/test_alt_keys.py`` checks the table against Textual's)."""


@lru_cache(maxsize=256)
def key_character(base: str) -> str | None:
    """The character a Textual key name stands for (``"full_stop"`` -> ``"."``), or None.

    Needed where a key arrives without its character: the kitty keyboard protocol sends
    Alt+. as ``alt+full_stop`` alone.
    """
    if len(base) == 1:
        return base
    words = NAME_REPLACEMENTS.get(base, base).upper().split("_")
    if len(words) > 6:
        return None
    # Each "_" was a space or a hyphen ("less_than_sign" is LESS-THAN SIGN): try both.
    for separators in itertools.product(" -", repeat=len(words) - 1):
        name = words[0] + "".join(s + w for s, w in zip(separators, words[1:], strict=True))
        try:
            return unicodedata.lookup(name)
        except KeyError:
            continue
    return None
