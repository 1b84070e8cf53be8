"""The one error hierarchy: every failure a user can meet, with words fit to show them.

Backends raise these; the UI has a single place that turns them into a notification or a
dialog (title + message + hint). Anything else that escapes is a bug, shown as a generic
"unexpected error" without a traceback.
"""

from __future__ import annotations


class CloudIDEError(Exception):
    """Base of every user-facing error.

    Args:
        message: What went wrong, in one or two plain sentences.
        hint: What the user can do about it (optional).
    """

    title: str = "Error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class EngineUnavailable(CloudIDEError):
    """The Docker engine (or the remote server) cannot be reached."""

    title = "Docker engine unreachable"


class ServerUnavailable(EngineUnavailable):
    """The cloudide-server cannot be reached, or the connection to it was lost (the
    client's own error: a server never sends it)."""

    title = "Server unreachable"


class ImageError(CloudIDEError):
    """The runner image is missing and could not be built."""

    title = "Runner image"


class ImageMissing(ImageError):
    """The runner image does not exist and nobody has said to build it yet.

    Args:
        image: The missing image's name (the app asks before building a name other than
            the default one: it may be a typo); "" when it came over the wire (the
            message names it).
    """

    title = "Runner image missing"

    def __init__(self, message: str, *, image: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.image = image


class InvalidName(CloudIDEError, ValueError):
    """A project name that the validator refuses."""

    title = "Invalid project name"


class InvalidPath(CloudIDEError, ValueError):
    """A file path outside the workspace, or otherwise refused."""

    title = "Invalid path"


class NotFound(CloudIDEError, LookupError):
    """A project, file or directory that does not exist."""

    title = "Not found"


class AlreadyExists(CloudIDEError):
    """A project or file that exists already where a new one was asked for."""

    title = "Already exists"


class Conflict(CloudIDEError):
    """The file changed on disk since it was read: writing would lose someone's work."""

    title = "File changed on disk"


class DeletedOnDisk(Conflict):
    """The file was deleted on disk since it was read: saving would make it anew."""

    title = "File deleted on disk"


class FileTooLarge(CloudIDEError):
    """A file over the size the caller accepts."""

    title = "File too large"


class BinaryFile(CloudIDEError):
    """A file that is not text (the editor would corrupt it on save)."""

    title = "Binary file"


class ContainerError(CloudIDEError):
    """The project's container could not be created, started or used."""

    title = "Container"


class ResourceLimit(CloudIDEError):
    """The container ran out of processes or memory."""

    title = "Resource limit"


class SessionEnded(CloudIDEError):
    """A shell session that has ended (its reason says why)."""

    title = "Session ended"


class FileOperationError(CloudIDEError):
    """A file operation the system refused or could not finish (disk full, permission...)."""

    title = "File operation failed"


class ConfigError(CloudIDEError, ValueError):
    """A bad setting in the config file, the environment or on the command line."""

    title = "Configuration"


class AuthError(CloudIDEError):
    """A server refused the token: none, forged, expired or revoked."""

    title = "Not signed in"


class NotAllowed(CloudIDEError):
    """Something this user or token may not do (a read-only viewer typing, a share link)."""

    title = "Not allowed"


class ProtocolError(CloudIDEError):
    """A message that breaks the client-server protocol (malformed, unknown, too large).

    Args:
        code: The protocol's error code ("bad_message", "unknown_message", ...).
    """

    title = "Protocol error"

    def __init__(self, message: str, *, hint: str | None = None, code: str = "bad_message") -> None:
        super().__init__(message, hint=hint)
        self.code = code


class InvalidPosition(CloudIDEError, ValueError):
    """A line (or line:column) that the editor's go-to-line field refuses."""

    title = "Go to line"
