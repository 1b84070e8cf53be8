"""Websocket close codes the server uses, and what each means (docs/protocol.md lists them)."""

from __future__ import annotations

NORMAL = 1000
GOING_AWAY = 1001
POLICY = 1008
TOO_BIG = 1009
INTERNAL = 1011
BAD_HELLO = 4400
UNAUTHORIZED = 4401
HELLO_TIMEOUT = 4408
UNSUPPORTED_VERSION = 4426
TOO_MANY = 4429

CLOSE_CODES: dict[int, str] = {
    NORMAL: "the client closed, or the session of the original endpoint ended",
    GOING_AWAY: "the server is shutting down (shells end; reconnect later)",
    POLICY: "a cross-site Origin, or binary where the original endpoint wants text",
    TOO_BIG: "a frame over the size limit (websockets closes by itself)",
    INTERNAL: "a bug on the server, or keepalive pings not answered",
    BAD_HELLO: "the first message was not a valid hello",
    UNAUTHORIZED: "the token was revoked or expired while connected",
    HELLO_TIMEOUT: "no hello within the time allowed",
    UNSUPPORTED_VERSION: "the hello asked for a protocol version the server does not speak",
    TOO_MANY: "too many connections or sessions for this user",
}
