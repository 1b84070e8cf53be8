"""A session's recent output, by absolute offset, bounded.

Offsets count every byte the session ever printed; the ring holds the last ``limit``
bytes of them (``start`` to ``end``). A viewer that resumes from an offset still held
gets exactly the bytes it missed; an older offset is gone (the viewer gets a snapshot).
"""

from __future__ import annotations

DEFAULT_LIMIT = 1 << 20
"""Bytes of output kept per session (the resume window)."""


class OutputRing:
    """Append-only bytes with a sliding start (amortised O(1) append and trim).

    Args:
        limit: Bytes kept at least (up to twice as many before a trim).
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = max(1, limit)
        self._buffer = bytearray()
        self._start = 0  # offset of _buffer[0]

    @property
    def start(self) -> int:
        """Oldest offset still held."""
        return self._start

    @property
    def end(self) -> int:
        """Offset after the newest byte (= every byte ever appended)."""
        return self._start + len(self._buffer)

    def append(self, data: bytes) -> None:
        self._buffer += data
        excess = len(self._buffer) - 2 * self.limit
        if excess > 0:
            drop = len(self._buffer) - self.limit
            del self._buffer[:drop]
            self._start += drop

    def holds(self, offset: int) -> bool:
        """Whether every byte from ``offset`` to the end is still here."""
        return self.start <= offset <= self.end

    def read(self, offset: int, most: int) -> bytes:
        """Up to ``most`` bytes from ``offset`` (which :meth:`holds` must accept)."""
        if not self.holds(offset):
            raise IndexError(f"offset {offset} is not held ({self.start}..{self.end})")
        at = offset - self._start
        return bytes(self._buffer[at : at + most])

    @property
    def held(self) -> int:
        """Bytes held now."""
        return len(self._buffer)
