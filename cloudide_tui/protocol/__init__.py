"""The client-server protocol, Sans-I/O: typed messages, binary frames, a codec; no sockets.

``cloudide-server`` and the client (``RemoteBackend``) are thin socket layers over this.
It mirrors ``cloudide_tui.backend.base`` (every ``Backend`` method, every
``ShellSession`` operation) plus what a shared server adds: session ids, attaching again,
several viewers, change events. docs/protocol.md describes it; a test keeps the two equal.
"""

from cloudide_tui.protocol.codec import (
    MessageError,
    decode_client,
    decode_server,
    encode,
    error_message,
    result_value,
)
from cloudide_tui.protocol.messages import PROTOCOL_VERSION

__all__ = [
    "PROTOCOL_VERSION",
    "MessageError",
    "decode_client",
    "decode_server",
    "encode",
    "error_message",
    "result_value",
]
