"""The one place where project names, owners and workspace paths are checked.

Every entry point (the backend, the app, the CLI, later the server) calls these before a
name reaches Docker or a path reaches the file system, so a rule changes in one place.

Names: a project name becomes part of a folder name, a container name and a label, so it
is held to the intersection of what all three accept, lowercase so that two projects never
differ only by case (macOS and Windows file systems fold case; Docker image names refuse
upper case). ``PROJECT_NAME_RE`` is the rule; the validator's job is to say *what* is wrong.

Paths: workspace-relative POSIX strings. ``workspace_parts`` turns one into its components
or refuses it. It is only the first gate: ``WorkspaceFS`` still walks the components from
a descriptor of the workspace root without following symlinks, because a syntactically
clean path can still lead through a symlink the container made.
"""

from __future__ import annotations

import os
import pwd
import re
import unicodedata

from cloudide_tui.errors import InvalidName, InvalidPath

NAME_MAX_LENGTH = 63
"""Longest project or owner name: a DNS label's limit, so a name can become a host name."""

PROJECT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
"""The one rule for project and owner names.

Lowercase letters, digits, ``.``, ``_`` and ``-``; starting with a letter or a digit (so
never ``.``, ``..``, a hidden folder or something that reads as a command-line option);
1 to 63 characters. ``[a-zA-Z0-9][a-zA-Z0-9_.-]`` is Docker's rule for container names, so
any accepted name is also a valid container name fragment and label value.
"""

COMPONENT_MAX_BYTES = 255
"""Longest file name component in bytes (NAME_MAX on Linux file systems)."""

PATH_MAX_BYTES = 4096
"""Longest workspace-relative path in bytes (PATH_MAX on Linux)."""

_ALLOWED_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def display(text: str, limit: int = 80) -> str:
    """Quote ``text`` for an error message: control characters escaped, long text cut.

    Names come from users and from the disk; echoing them raw could put a newline or a
    terminal escape sequence into a one-line message.
    """
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode()
        for ch in shown
    )
    return f"'{escaped}'"


def _is_control(ch: str) -> bool:
    """C0, DEL and C1 controls (C1 includes 0x9b, a one-byte CSI for some terminals)."""
    return unicodedata.category(ch) == "Cc"


def _validate_name(name: object, what: str, cls: type[InvalidName]) -> str:
    if not isinstance(name, str):
        raise cls(f"A {what} name must be text, not {type(name).__name__}.")
    if name == "":
        raise cls(f"A {what} name cannot be empty.")
    if name in (".", ".."):
        raise cls(
            f"{display(name)} is not a {what} name: it means a folder itself.",
            hint="use letters and digits, e.g. 'my-project'",
        )
    if "\0" in name:
        raise cls(f"A {what} name cannot contain a NUL character.")
    if any(_is_control(ch) for ch in name):
        raise cls(
            f"The {what} name {display(name)} contains a control character "
            "(such as a newline or a tab)."
        )
    if "/" in name or "\\" in name:
        raise cls(
            f"The {what} name {display(name)} contains a slash; "
            f"a {what} name is one folder name, not a path."
        )
    if len(name) > NAME_MAX_LENGTH:
        raise cls(
            f"The {what} name {display(name, 40)} is {len(name)} characters long; "
            f"the limit is {NAME_MAX_LENGTH}."
        )
    if PROJECT_NAME_RE.fullmatch(name):
        return name
    lowered = name.lower()
    if lowered != name and PROJECT_NAME_RE.fullmatch(lowered):
        raise cls(
            f"{what.capitalize()} names are lowercase: {display(name)} has capital letters.",
            hint=f"try {display(lowered)}",
        )
    suggestion = suggest_name(name)
    hint = f"try {display(suggestion)}" if suggestion else None
    bad = sorted({ch for ch in lowered if ch not in _ALLOWED_CHARS})
    if bad:
        shown = ", ".join(display(ch) for ch in bad[:5])
        raise cls(
            f"The {what} name {display(name)} contains {shown}: use only lowercase letters, "
            "digits, '.', '_' and '-'.",
            hint=hint,
        )
    raise cls(
        f"The {what} name {display(name)} must start with a lowercase letter or a digit.",
        hint=hint,
    )


def suggest_name(name: str) -> str | None:
    """A valid name close to ``name`` ("My Project!" -> "my-project"), or None.

    Used only as a hint in refusals; a name is never changed behind the user's back.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    dashed = re.sub(r"[^a-z0-9._-]+", "-", lowered)
    cleaned = re.sub(r"^[^a-z0-9]+", "", dashed).rstrip("-")[:NAME_MAX_LENGTH].rstrip("-")
    if cleaned and PROJECT_NAME_RE.fullmatch(cleaned):
        return cleaned
    return None


def name_from_login(login: str, uid: int) -> str:
    """A valid owner and account name made from a host login name.

    "jane" stays "jane", "Jane.Doe" becomes "jane.doe"; a name that would start with a
    digit gets a "u" in front (a user name must not read as a uid); a login with nothing
    usable in it gives ``u<uid>``. Deterministic: the same login always gives the same name.
    """
    name = suggest_name(login)
    if name is None:
        return f"u{uid}"
    if not name[0].isalpha():
        name = ("u" + name)[:NAME_MAX_LENGTH]
    return name


def host_user_name() -> str:
    """This process's host user as an owner / account name (see :func:`name_from_login`),
    from the password database (not the environment, which anyone can set)."""
    uid = os.geteuid()
    try:
        login = pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        login = ""
    return name_from_login(login, uid)


def validate_project_name(name: str) -> str:
    """Check a project name and return it unchanged.

    Raises:
        InvalidName: with a message saying exactly what is wrong (empty, ``.``/``..``,
            slash, NUL, control character, too long, capital letters, other characters,
            first character) and, where one exists, a suggestion as the hint.
    """
    return _validate_name(name, "project", InvalidName)


class InvalidOwner(InvalidName):
    """An owner name that the validator refuses (owners appear in container names)."""

    title = "Invalid owner name"


def validate_owner(owner: str) -> str:
    """Check an owner (user) name with the same rule as project names.

    Owners become part of folder names, container names and labels, exactly like projects.

    Raises:
        InvalidOwner: (an ``InvalidName``) saying what is wrong.
    """
    return _validate_name(owner, "owner", InvalidOwner)


def validate_file_name(name: str) -> str:
    """Check one name for a new file or folder, or a rename, and return it unchanged.

    A single path component, not a path: the dialogs ask for a name in a folder the
    browser chose. The backend checks the full path again (``workspace_parts``).

    Raises:
        InvalidPath: empty, ``.``/``..``, a slash, a NUL or control character, or longer
            than a file name may be.
    """
    if not name or name in (".", ".."):
        raise InvalidPath("Give a name (not . or ..).")
    if "/" in name:
        raise InvalidPath("A name cannot contain a slash.")
    if any(_is_control(ch) for ch in name):
        raise InvalidPath("A name cannot contain control characters.")
    try:
        size = len(os.fsencode(name))
    except UnicodeError:
        raise InvalidPath("The name contains characters that cannot be a file name.") from None
    if size > COMPONENT_MAX_BYTES:
        raise InvalidPath(f"A name is at most {COMPONENT_MAX_BYTES} bytes long.")
    return name


def validate_new_path(path: str) -> str:
    """Check what the "new file" / "new folder" field holds: one name, or a path of names
    (``src/main.py``: the missing folders are made too), relative to the folder the
    browser chose. Returns it unchanged.

    Each name follows ``validate_file_name``; the backend checks the full path again
    (``workspace_parts``).

    Raises:
        InvalidPath: a leading '/', an empty name (two slashes, a slash at the end), a
            name refused by ``validate_file_name``, or a path longer than a path may be.
    """
    if path.startswith("/"):
        raise InvalidPath(
            "A new path is relative to the chosen folder.", hint="leave out the leading '/'"
        )
    for part in path.split("/"):
        if part == "" and path:
            raise InvalidPath("A path cannot have an empty name (two slashes, or one at the end).")
        validate_file_name(part)
    if len(os.fsencode(path)) > PATH_MAX_BYTES:
        raise InvalidPath(f"A path is at most {PATH_MAX_BYTES} bytes long.")
    return path


def workspace_parts(path: str) -> tuple[str, ...]:
    """Split a workspace-relative POSIX path into its components, or refuse it.

    ``""`` (and ``"."``, ``"/"``-free variants of it) is the workspace root: ``()``.

    Normalised, because they are unambiguous and harmless: empty components (``a//b``, a
    trailing ``/``) and ``.`` components are dropped, as the kernel itself would. Refused:

    - absolute paths (``/etc/passwd``): the API speaks workspace-relative paths only;
    - ``..`` anywhere, even where it would stay inside (``a/../b``): removing it by text
      could disagree with the file system when ``a`` is a symlink, and a path with ``..``
      is never needed to name a file of the workspace;
    - NUL and control characters (C0, DEL, C1): the first truncates C strings, the others
      can hide as terminal escapes in messages and listings;
    - a component over 255 bytes or a path over 4096 bytes (UTF-8), Linux's own limits;
    - text that cannot be encoded as a file name (lone surrogates not from ``os.fsdecode``).

    Backslashes are accepted as ordinary characters: on the Linux host where the files
    live ``\\`` is not a separator, the shell can create such names, and refusing them
    would make those files unreachable; safety does not depend on it, because the file
    layer opens one component at a time.

    Raises:
        InvalidPath: saying what is wrong with the path.
    """
    if not isinstance(path, str):
        raise InvalidPath(f"A path must be text, not {type(path).__name__}.")
    if "\0" in path:
        raise InvalidPath("A path cannot contain a NUL character.")
    if any(_is_control(ch) for ch in path):
        raise InvalidPath(
            f"The path {display(path)} contains a control character (such as a newline)."
        )
    if path.startswith("/"):
        raise InvalidPath(
            f"The path {display(path)} is absolute; paths are relative to the workspace.",
            hint="leave out the leading '/'",
        )
    try:
        encoded = os.fsencode(path)
    except UnicodeError:
        raise InvalidPath(
            f"The path {display(path)} contains characters that cannot be a file name."
        ) from None
    if len(encoded) > PATH_MAX_BYTES:
        raise InvalidPath(f"The path is {len(encoded)} bytes long; the limit is {PATH_MAX_BYTES}.")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise InvalidPath(
                f"The path {display(path)} contains '..'; paths cannot leave or climb "
                "within the workspace.",
                hint="name the file from the workspace root",
            )
        size = len(os.fsencode(part))
        if size > COMPONENT_MAX_BYTES:
            raise InvalidPath(
                f"The name {display(part, 40)} is {size} bytes long; "
                f"the limit is {COMPONENT_MAX_BYTES}."
            )
        parts.append(part)
    return tuple(parts)


def join_parts(parts: tuple[str, ...]) -> str:
    """The canonical workspace-relative string of validated components ("" for the root)."""
    return "/".join(parts)
