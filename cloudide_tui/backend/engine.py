"""The connection to the Docker engine, and the one place docker-py errors become ours.

docker-py is blocking and raises its own exceptions (and requests' ones beneath them).
Everything the backend asks of the engine goes through :class:`Engine.call`, which runs
the call in a worker thread (the event loop never waits on a socket) and translates any
failure into a :mod:`cloudide_tui.errors` error, so nothing from docker-py leaks out.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import docker
import docker.errors
import requests.exceptions

from cloudide_tui.backend.engine_address import engine_address, engine_description
from cloudide_tui.errors import CloudIDEError, ContainerError, EngineUnavailable, NotFound

P = ParamSpec("P")
T = TypeVar("T")

ENGINE_HINT = (
    "start it with `make engine` (or scripts/ensure-docker.sh), or start Docker; "
    "set DOCKER_HOST (or the docker_host setting, CLOUDIDE_DOCKER_HOST) if it listens elsewhere"
)

#: Seconds docker-py waits for an HTTP answer (not for shell output: exec sockets are ours).
API_TIMEOUT = 60.0

#: Threads for engine calls. Their own pool, not asyncio's default one (cpu + 4 threads):
#: slow calls (a container stopping, ten shells settling how they ended) must not starve
#: the file operations that share the default pool.
ENGINE_THREADS = 32


def engine_unavailable(docker_host: str | None, cause: BaseException) -> EngineUnavailable:
    """The error shown when the engine does not answer, with how to start it."""
    return EngineUnavailable(
        f"Cannot reach the Docker engine at {engine_address(docker_host)}: {_why(cause)}.",
        hint=ENGINE_HINT,
    )


def _why(cause: BaseException) -> str:
    """The cause in a few words (docker-py wraps it in several layers of text)."""
    text = str(cause)
    for marker, words in (
        ("FileNotFoundError", "no engine listens there (the socket does not exist)"),
        ("No such file", "no engine listens there (the socket does not exist)"),
        ("ConnectionRefused", "the connection was refused"),
        ("Connection refused", "the connection was refused"),
        ("PermissionError", "permission denied (are you in the docker group?)"),
        ("Permission denied", "permission denied (are you in the docker group?)"),
        ("timed out", "it did not answer in time"),
    ):
        if marker in text:
            return words
    first = text.strip().splitlines()[0] if text.strip() else type(cause).__name__
    return first[:200]


def is_connection_error(exc: BaseException) -> bool:
    """True when ``exc`` means the engine itself is unreachable (not an API refusal)."""
    if isinstance(exc, docker.errors.APIError):
        return False
    return isinstance(
        exc, requests.exceptions.ConnectionError | ConnectionError | FileNotFoundError
    ) or (isinstance(exc, docker.errors.DockerException) and "connection" in str(exc).lower())


def api_message(exc: docker.errors.APIError) -> str:
    """The engine's own words for a refusal (``explanation``), without the HTTP noise."""
    text = exc.explanation if exc.explanation else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip()


class Engine:
    """A lazily connected docker-py low-level client, with calls translated and threaded.

    Connecting asks the engine for its API version, so it happens on first use (in a
    thread), never in the constructor.

    Args:
        docker_host: ``unix:///path``, ``tcp://host:port``...; None: docker-py's
            environment (DOCKER_HOST, DOCKER_TLS_VERIFY...) or the default socket.
    """

    def __init__(self, docker_host: str | None = None) -> None:
        self.docker_host = docker_host
        self._api: docker.APIClient | None = None
        self._lock = asyncio.Lock()
        self._executor = self._new_pool()

    @staticmethod
    def _new_pool() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="cloudide-docker")

    @property
    def description(self) -> str:
        """The words "local Docker" for a local socket, else the engine's address."""
        return engine_description(self.docker_host)

    def _connect(self, timeout: float | None = API_TIMEOUT) -> docker.APIClient:
        try:
            if self.docker_host:
                return docker.APIClient(base_url=self.docker_host, version="auto", timeout=timeout)
            return docker.APIClient(
                version="auto", timeout=timeout, **docker.utils.kwargs_from_env()
            )
        except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as e:
            raise engine_unavailable(self.docker_host, e) from None

    def new_client(self, timeout: float | None = None) -> docker.APIClient:
        """A client of its own, for a stream that must not time out (blocking)."""
        return self._connect(timeout)

    async def api(self) -> docker.APIClient:
        """The connected client (connecting on first use)."""
        if self._api is None:
            async with self._lock:
                if self._api is None:
                    self._api = await self.run(self._connect)
        return self._api

    def api_now(self) -> docker.APIClient:
        """The client from a worker thread that knows ``api()`` was awaited before."""
        if self._api is None:
            self._api = self._connect()
        return self._api

    async def call(self, what: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking docker-py call in a thread; translate its errors.

        Args:
            what: What we were doing, for the error message ("starting the container").
        """
        await self.api()
        with self.translate(what):
            return await self.run(fn, *args, **kwargs)

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking call on the engine's threads (no error translation)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    @contextmanager
    def translate(self, what: str) -> Iterator[None]:
        """Turn docker-py / requests exceptions raised inside into CloudIDEErrors."""
        try:
            yield
        except CloudIDEError:
            raise
        except docker.errors.NotFound as e:
            raise NotFound(f"{what}: {api_message(e)}") from None
        except docker.errors.APIError as e:
            raise ContainerError(f"{what}: {api_message(e)}") from None
        except Exception as e:
            if is_connection_error(e):
                raise engine_unavailable(self.docker_host, e) from None
            if isinstance(e, docker.errors.DockerException | requests.exceptions.RequestException):
                raise ContainerError(f"{what}: {e}") from None
            raise

    async def close(self) -> None:
        """Close the client's pooled connections."""
        api, self._api = self._api, None
        if api is not None:
            await self.run(api.close)
        # Threads start lazily: a fresh pool keeps the engine usable after close().
        old, self._executor = self._executor, self._new_pool()
        old.shutdown(wait=False)


def label_filter(labels: dict[str, str]) -> dict[str, Any]:
    """docker-py's ``filters`` value selecting containers carrying all ``labels``."""
    return {"label": [f"{k}={v}" for k, v in labels.items()]}
