"""Stable error codes: one per ``CloudIDEError`` subclass, both ways.

The server sends ``code``, ``message`` and ``hint``; the client makes the same class
again, so the app shows a remote failure exactly as a local one (titles stay in the app).
A test checks that every subclass has a code.
"""

from __future__ import annotations

from cloudide_tui import errors
from cloudide_tui.validation import InvalidOwner

ERROR_CODES: dict[type[errors.CloudIDEError], str] = {
    errors.CloudIDEError: "error",
    errors.EngineUnavailable: "engine_unavailable",
    errors.ServerUnavailable: "server_unavailable",
    errors.ImageError: "image_error",
    errors.InvalidName: "invalid_name",
    InvalidOwner: "invalid_owner",
    errors.InvalidPath: "invalid_path",
    errors.NotFound: "not_found",
    errors.AlreadyExists: "already_exists",
    errors.Conflict: "conflict",
    errors.DeletedOnDisk: "deleted_on_disk",
    errors.FileTooLarge: "file_too_large",
    errors.BinaryFile: "binary_file",
    errors.ImageMissing: "image_missing",
    errors.InvalidPosition: "invalid_position",
    errors.ContainerError: "container_error",
    errors.ResourceLimit: "resource_limit",
    errors.SessionEnded: "session_ended",
    errors.FileOperationError: "file_operation_failed",
    errors.ConfigError: "config_error",
    errors.AuthError: "unauthorized",
    errors.NotAllowed: "not_allowed",
    errors.ProtocolError: "bad_message",
}

PROTOCOL_CODES = {
    "bad_message": "a frame that is not a valid message (JSON, fields, types, sizes)",
    "unknown_message": "a message or frame kind this server does not know",
    "unsupported_version": "a hello with a protocol version the server does not speak",
    "unknown_channel": "a channel this connection has not (or no longer) attached",
    "internal": "a bug on the server (logged there); the connection goes on",
}
"""The codes of ``ProtocolError`` (``error.code``), which has several."""

_CLASS_OF = {code: cls for cls, code in ERROR_CODES.items()}


def code_of(error: errors.CloudIDEError) -> str:
    """The code to send for ``error`` (a protocol error keeps its own)."""
    if isinstance(error, errors.ProtocolError):
        return error.code
    for cls in type(error).__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]
    return "error"


def error_from(code: str, message: str, hint: str | None = None) -> errors.CloudIDEError:
    """The error to raise for a received ``error`` message."""
    if code in PROTOCOL_CODES:
        return errors.ProtocolError(message, hint=hint, code=code)
    cls = _CLASS_OF.get(code, errors.CloudIDEError)
    return cls(message, hint=hint)
