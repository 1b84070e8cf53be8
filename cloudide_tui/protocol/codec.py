"""Encode and decode: text frames hold one JSON control message, binary frames hold
terminal bytes (``frames``). Pure functions over bytes and strings, no sockets.

Decoding is strict and total: anything a peer sends either becomes a typed message or
raises :class:`MessageError` (a ``ProtocolError``) with a stable code, never another
exception (a hypothesis test feeds it garbage).
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from cloudide_tui.errors import CloudIDEError, ProtocolError
from cloudide_tui.protocol import frames
from cloudide_tui.protocol.errors import code_of
from cloudide_tui.protocol.messages import (
    RESULT_TYPES,
    ClientMessage,
    Error,
    Message,
    Request,
    ServerMessage,
    tag_of,
)

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_client_decoder = msgspec.json.Decoder(ClientMessage)
_server_decoder = msgspec.json.Decoder(ServerMessage)
_any_decoder = msgspec.json.Decoder()

CLIENT_TAGS = frozenset(tag_of(cls) for cls in ClientMessage.__args__)
SERVER_TAGS = frozenset(tag_of(cls) for cls in ServerMessage.__args__)


class MessageError(ProtocolError):
    """A frame that could not be read; ``request_id`` is its ``id`` when one was legible
    (so the error can answer that request)."""

    def __init__(self, message: str, *, code: str = "bad_message", request_id: int | None = None):
        super().__init__(message, code=code)
        self.request_id = request_id


def encode(message: Message) -> str:
    """A control message as the text of one frame."""
    return _encoder.encode(message).decode()


def error_message(request_id: int | None, error: CloudIDEError) -> Error:
    """The ``error`` message for a failure (its code, its words)."""
    return Error(id=request_id, code=code_of(error), message=error.message, hint=error.hint)


def decode_client(frame: str | bytes) -> ClientMessage | frames.InputFrame | frames.ReplyFrame:
    """A frame the server received.

    Raises:
        MessageError: malformed (``bad_message``), unknown kind (``unknown_message``), or
            a binary frame a client may not send.
    """
    if isinstance(frame, bytes):
        decoded = _binary(frame)
        if not isinstance(decoded, frames.InputFrame | frames.ReplyFrame):
            raise MessageError("A client may only send input frames.", code="unknown_message")
        return decoded
    return _text(frame, _client_decoder, CLIENT_TAGS)  # type: ignore[no-any-return]


def decode_server(frame: str | bytes) -> ServerMessage | frames.OutputFrame | frames.SnapshotFrame:
    """A frame the client received.

    Raises:
        MessageError: as for :func:`decode_client`.
    """
    if isinstance(frame, bytes):
        decoded = _binary(frame)
        if isinstance(decoded, frames.InputFrame | frames.ReplyFrame):
            raise MessageError("A server never sends input frames.", code="unknown_message")
        return decoded
    return _text(frame, _server_decoder, SERVER_TAGS)  # type: ignore[no-any-return]


def _binary(frame: bytes) -> frames.Frame:
    try:
        return frames.decode_frame(frame)
    except ProtocolError as e:
        raise MessageError(e.message, code=e.code) from None


def _text(frame: str, decoder: msgspec.json.Decoder[Any], tags: frozenset[str]) -> Any:
    try:
        return decoder.decode(frame)
    except msgspec.ValidationError as e:
        raw = _legible(frame)
        request_id = raw.get("id") if isinstance(raw.get("id"), int) else None
        kind = raw.get("t")
        if isinstance(kind, str) and kind not in tags:
            raise MessageError(
                f"Unknown message kind {kind[:40]!r}.",
                code="unknown_message",
                request_id=request_id,
            ) from None
        raise MessageError(f"Malformed message: {e}.", request_id=request_id) from None
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        raise MessageError("A text frame that is not one JSON object.") from None


def _legible(frame: str) -> dict[str, Any]:
    """The frame as plain JSON when it parses to an object, else {}."""
    try:
        value = _any_decoder.decode(frame)
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def result_value(request: type[Request] | Request, value: Any) -> Any:
    """A ``result`` value converted to what the request's method returns.

    Raises:
        MessageError: the value does not have the method's type.
    """
    cls = request if isinstance(request, type) else type(request)
    wanted = RESULT_TYPES[cls]
    if wanted is None:
        return None
    try:
        return msgspec.convert(value, wanted)
    except msgspec.ValidationError as e:
        raise MessageError(f"A {tag_of(cls)} result is malformed: {e}.") from None
