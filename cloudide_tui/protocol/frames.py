"""Binary frames: terminal bytes, never JSON-escaped or base64-inflated.

Every binary frame starts with a one-byte kind and a 4-byte channel (big-endian); a
channel is one attachment of one connection to one session, named by the server in
``ShellAttached``.

=========  =========  ==================================================================
kind       direction  layout after kind + channel
=========  =========  ==================================================================
1 INPUT    client     the bytes to write to the shell (keys, pastes)
2 OUTPUT   server     u64 offset of the first byte in the session's output, the bytes
3 SNAPSHOT server     u64 offset it is valid at, u16 rows, u16 cols, the redraw bytes
4 REPLY    client     the viewer's terminal's answer to a query the program printed
                      (cursor position, device attributes ...), not typed by a person
=========  =========  ==================================================================

Offsets count every byte the session has printed since it opened; the next OUTPUT after
a SNAPSHOT starts at the SNAPSHOT's offset.

REPLY exists because several viewers see the same query and each terminal answers it: the
program must get one answer, not one per viewer. The server writes the replies of one
viewer only (the one that typed last; see docs/protocol.md) and drops the others'. (A
server that predates REPLY drops it, answering ``unknown_message``.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cloudide_tui.errors import ProtocolError

INPUT = 1
OUTPUT = 2
SNAPSHOT = 3
REPLY = 4

_HEAD = struct.Struct(">BI")
_OUTPUT = struct.Struct(">BIQ")
_SNAPSHOT = struct.Struct(">BIQHH")

MAX_OFFSET = 2**63 - 1


@dataclass(frozen=True, slots=True)
class InputFrame:
    """Bytes for the shell on ``channel``."""

    channel: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ReplyFrame:
    """A terminal's answer to a query, for the shell on ``channel`` (see the module docstring)."""

    channel: int
    data: bytes


@dataclass(frozen=True, slots=True)
class OutputFrame:
    """Output of the session on ``channel``, starting at ``offset``."""

    channel: int
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class SnapshotFrame:
    """A redraw of the session's exact screen at ``offset``, at ``rows`` x ``cols``."""

    channel: int
    offset: int
    rows: int
    cols: int
    data: bytes


Frame = InputFrame | ReplyFrame | OutputFrame | SnapshotFrame


def encode_input(channel: int, data: bytes) -> bytes:
    return _HEAD.pack(INPUT, channel) + data


def encode_reply(channel: int, data: bytes) -> bytes:
    return _HEAD.pack(REPLY, channel) + data


def encode_output(channel: int, offset: int, data: bytes) -> bytes:
    return _OUTPUT.pack(OUTPUT, channel, offset) + data


def encode_snapshot(channel: int, offset: int, rows: int, cols: int, data: bytes) -> bytes:
    return _SNAPSHOT.pack(SNAPSHOT, channel, offset, rows, cols) + data


def encode_frame(frame: Frame) -> bytes:
    """The bytes of any frame."""
    if isinstance(frame, InputFrame):
        return encode_input(frame.channel, frame.data)
    if isinstance(frame, ReplyFrame):
        return encode_reply(frame.channel, frame.data)
    if isinstance(frame, OutputFrame):
        return encode_output(frame.channel, frame.offset, frame.data)
    return encode_snapshot(frame.channel, frame.offset, frame.rows, frame.cols, frame.data)


def decode_frame(data: bytes) -> Frame:
    """Read one binary frame.

    Raises:
        ProtocolError: too short, an unknown kind, channel 0, or an offset out of range.
    """
    if len(data) < _HEAD.size:
        raise ProtocolError(f"A binary frame of {len(data)} bytes is too short to read.")
    kind, channel = _HEAD.unpack_from(data)
    if channel == 0:
        raise ProtocolError("Binary frames name a channel from 1 up; this one says 0.")
    if kind == INPUT:
        return InputFrame(channel, bytes(data[_HEAD.size :]))
    if kind == REPLY:
        return ReplyFrame(channel, bytes(data[_HEAD.size :]))
    if kind == OUTPUT:
        if len(data) < _OUTPUT.size:
            raise ProtocolError("An output frame is too short for its offset.")
        _, _, offset = _OUTPUT.unpack_from(data)
        _check_offset(offset)
        return OutputFrame(channel, offset, bytes(data[_OUTPUT.size :]))
    if kind == SNAPSHOT:
        if len(data) < _SNAPSHOT.size:
            raise ProtocolError("A snapshot frame is too short for its header.")
        _, _, offset, rows, cols = _SNAPSHOT.unpack_from(data)
        _check_offset(offset)
        if rows == 0 or cols == 0:
            raise ProtocolError("A snapshot frame has a zero size.")
        return SnapshotFrame(channel, offset, rows, cols, bytes(data[_SNAPSHOT.size :]))
    raise ProtocolError(f"Unknown binary frame kind {kind}.", code="unknown_message")


def _check_offset(offset: int) -> None:
    if offset > MAX_OFFSET:
        raise ProtocolError("A frame's offset is out of range.")
