"""Tokens: HS256 JWTs made by ``cloudide-server token create``, checked before every
websocket handshake, revocable.

Claims: ``sub`` (the user: an owner name, so it becomes the backend owner), ``iat``,
``exp``, ``aud`` (``cloudide-server``), ``jti`` (a random id, for revocation) are all
required; ``scope`` is ``user`` (everything of that user) or ``view:<session id>`` (a
read-only share of one shell). A token the server makes for the app process of an IDE
page names the page's token in ``parent``: revoking the page's token revokes it too.
PyJWT decodes with the algorithm pinned and a small
leeway. The secret comes from ``CLOUDIDE_SECRET``, ``--secret-file``, or a file generated
once into the data dir (mode 0600); one under 32 bytes is refused (PyJWT warns about
short HMAC keys: CVE-2025-45768).

Revocation: ``<data dir>/server/revoked.json`` holds revoked token ids (until they
expire) and a per-user "not before" time (revoking all of a user's tokens). The running
server watches the file and closes the connections of revoked tokens. Rotating the
secret revokes everything.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from cloudide_tui.errors import AuthError, CloudIDEError, ConfigError
from cloudide_tui.validation import validate_owner

AUDIENCE = "cloudide-server"
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
LEEWAY = 10.0
"""Seconds of clock skew tolerated on ``exp`` / ``iat``."""
DEFAULT_TTL = 30 * 24 * 3600
"""A token lives 30 days unless told otherwise."""
MAX_TTL = 366 * 24 * 3600
SECRET_FILE_NAME = "secret"
REVOKED_FILE_NAME = "revoked.json"
USER_SCOPE = "user"
VIEW_PREFIX = "view:"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token says is calling, and what it may do."""

    user: str
    token_id: str
    scope: str
    expires: float
    issued: float
    parent: str | None = None
    """The id of the token this one was made from (an IDE page's), revoked with it."""

    @property
    def view_only_session(self) -> str | None:
        """The one session a share token may watch (None: a full user token)."""
        return self.scope[len(VIEW_PREFIX) :] if self.scope.startswith(VIEW_PREFIX) else None


def server_dir(data_dir: Path) -> Path:
    """The server's own files: secret, revocations, session records."""
    return Path(data_dir) / "server"


def load_secret(
    data_dir: Path, *, secret_file: Path | None = None, environ: dict[str, str] | None = None
) -> bytes:
    """The signing secret (see the module docstring for where it comes from).

    Raises:
        ConfigError: unreadable, or shorter than 32 bytes.
    """
    env = os.environ if environ is None else environ
    if env.get("CLOUDIDE_SECRET", ""):
        secret = env["CLOUDIDE_SECRET"].encode()
        source = "environment variable CLOUDIDE_SECRET"
    elif secret_file is not None:
        source = f"secret file {secret_file}"
        try:
            secret = Path(secret_file).read_bytes().strip()
        except OSError as e:
            raise ConfigError(f"{source}: cannot be read ({e.strerror or e})") from None
    else:
        path = server_dir(data_dir) / SECRET_FILE_NAME
        source = f"secret file {path}"
        secret = _read_or_make_secret(path)
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"{source}: the secret is {len(secret)} bytes long; at least {MIN_SECRET_BYTES} "
            "are needed (HS256 keys shorter than the hash are guessable)",
            hint="make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
    return secret


def _read_or_make_secret(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise ConfigError(f"secret file {path}: cannot be read ({e.strerror or e})") from None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(secret + b"\n")
    return secret


def create_token(
    secret: bytes,
    user: str,
    *,
    ttl: float = DEFAULT_TTL,
    scope: str = USER_SCOPE,
    parent: str | None = None,
) -> tuple[str, str]:
    """A signed token for ``user``; returns (token, its id). ``parent``: the id of the
    token it is made from (revoked with it).

    Raises:
        InvalidOwner: ``user`` is not a valid owner name.
        ConfigError: a ttl out of range.
    """
    validate_owner(user)
    if not 1 <= ttl <= MAX_TTL:
        raise ConfigError(f"--ttl must be between 1 and {MAX_TTL} seconds, got {ttl:g}")
    now = int(time.time())
    jti = uuid.uuid4().hex
    claims = {
        "sub": user,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + int(ttl),
        "jti": jti,
        "scope": scope,
    }
    if parent is not None:
        claims["parent"] = parent
    return jwt.encode(claims, secret, algorithm=ALGORITHM), jti


class Revocations:
    """The deny-list (token ids) and per-user not-before times, kept in a JSON file.

    Written atomically (temp file + rename) so the server never reads half a file.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = server_dir(data_dir) / REVOKED_FILE_NAME
        self.token_ids: dict[str, float] = {}  # jti -> its expiry (dropped after it)
        self.not_before: dict[str, float] = {}  # user -> tokens issued before are void
        self._seen: tuple[int, int] | None = None
        self.reload()

    def refresh(self) -> None:
        """Read the file again if it changed since last read (one stat: cheap enough to do
        before every check, so a revocation counts from the moment it is written)."""
        try:
            st = self.path.stat()
            seen: tuple[int, int] | None = (st.st_mtime_ns, st.st_ino)
        except OSError:
            seen = None
        if seen != self._seen:
            self.reload()

    def reload(self) -> None:
        """Read the file again (a missing or broken file counts as empty, never as 'all')."""
        try:
            st = self.path.stat()
            self._seen = (st.st_mtime_ns, st.st_ino)
        except OSError:
            self._seen = None
        try:
            data: Any = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        tokens, users = data.get("tokens", {}), data.get("users", {})
        self.token_ids = {
            str(k): float(v) for k, v in (tokens.items() if isinstance(tokens, dict) else [])
        }
        self.not_before = {
            str(k): float(v) for k, v in (users.items() if isinstance(users, dict) else [])
        }

    def _save(self) -> None:
        now = time.time()
        self.token_ids = {k: v for k, v in self.token_ids.items() if v + LEEWAY > now}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".revoked-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"tokens": self.token_ids, "users": self.not_before}, f)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def revoke_token(self, token_id: str, expires: float | None = None) -> None:
        self.reload()
        self.token_ids[token_id] = expires if expires is not None else time.time() + MAX_TTL
        self._save()

    def revoke_user(self, user: str) -> None:
        """Void every token of ``user`` issued until now."""
        validate_owner(user)
        self.reload()
        self.not_before[user] = int(time.time()) + 1  # iat is whole seconds: cover this one
        self._save()

    def is_revoked(self, principal: Principal) -> bool:
        if principal.token_id in self.token_ids or principal.parent in self.token_ids:
            return True
        return principal.issued < self.not_before.get(principal.user, float("-inf"))


class TokenChecker:
    """Checks tokens for the server: signature, claims, scope, revocation."""

    def __init__(self, secret: bytes, revocations: Revocations) -> None:
        self._secret = secret
        self.revocations = revocations

    def check(self, token: str | None) -> Principal:
        """The principal of a valid token.

        Raises:
            AuthError: no token, or forged, expired, malformed or revoked (the message
                says which, without echoing the token).
        """
        if not token:
            raise AuthError(
                "No token: send 'Authorization: Bearer <token>' or ?token=<token>.",
                hint="make one with: cloudide-server token create --user NAME",
            )
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                leeway=LEEWAY,
                options={"require": ["sub", "iat", "exp", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("The token has expired.", hint="make a new one") from None
        except jwt.InvalidTokenError as e:
            raise AuthError(f"The token is not valid ({_why(e)}).") from None
        try:
            user = validate_owner(claims["sub"])
            principal = Principal(
                user=user,
                token_id=str(claims["jti"]),
                scope=str(claims.get("scope", USER_SCOPE)),
                expires=float(claims["exp"]),
                issued=float(claims["iat"]),
                parent=str(claims["parent"]) if "parent" in claims else None,
            )
        except (CloudIDEError, TypeError, ValueError):
            raise AuthError("The token is not valid (bad claims).") from None
        if principal.scope != USER_SCOPE and principal.view_only_session is None:
            raise AuthError("The token is not valid (unknown scope).")
        self.revocations.refresh()
        if self.revocations.is_revoked(principal):
            raise AuthError("The token has been revoked.", hint="ask for a new one")
        return principal


def _why(error: jwt.InvalidTokenError) -> str:
    """A few words on a token failure that never include the token itself."""
    if isinstance(error, jwt.InvalidSignatureError):
        return "bad signature"
    if isinstance(error, jwt.InvalidAudienceError):
        return "wrong audience"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"missing claim {error.claim}"
    if isinstance(error, jwt.ImmatureSignatureError):
        return "issued in the future"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "algorithm not allowed"
    if isinstance(error, jwt.DecodeError):
        return "malformed"
    return type(error).__name__
