"""The per-session output ring: bytes by absolute offset, bounded, resumable."""

from __future__ import annotations

import pytest

from cloudide_server.ring import OutputRing


def test_resuming_from_an_offset_gives_exactly_the_bytes_missed() -> None:
    ring = OutputRing(limit=100)
    ring.append(b"hello ")
    ring.append(b"world")
    assert (ring.start, ring.end) == (0, 11)
    assert ring.read(6, 64) == b"world"
    assert ring.read(11, 64) == b""


def test_old_bytes_go_but_offsets_keep_counting() -> None:
    ring = OutputRing(limit=10)
    for i in range(100):
        ring.append(bytes([65 + i % 26]) * 3)
    assert ring.end == 300
    assert 10 <= ring.held <= 20
    assert not ring.holds(0) and ring.holds(ring.end - 10)
    with pytest.raises(IndexError):
        ring.read(0, 5)
    assert ring.read(ring.end - 3, 10) == bytes([65 + 99 % 26]) * 3
