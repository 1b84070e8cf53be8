"""The connection to the Docker engine, and the one place docker-py errors become ours.

docker-py is blocking and raises its own exceptions (and requests' ones beneath them).
Everything the backend asks of the engine goes through :class:`Engine.call`, which runs
the call in a worker thread (the event loop never waits on a socket) and translates any
failure into a :mod:`cloudide_tui.errors` error, so nothing from docker-py leaks out.

Calls that must return whatever the engine does (closing a shell, learning how it ended)
go through :meth:`Engine.call_within` instead: a deadline for the caller, and for the
thread left behind when it passes, a client of their own whose every socket operation
gives up after ``BOUNDED_SOCKET_TIMEOUT``, on threads of their own. docker-py cannot be
interrupted, so an abandoned call is not stopped: it is made to end by itself, soon,
without holding a connection or a thread that anything else waits for.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

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

#: Seconds one socket operation (connect, send, each read) of a bounded call may wait:
#: a bounded call abandoned at its deadline ends by itself at most about this much later
#: per request it was making (see ``Engine.call_within``).
BOUNDED_SOCKET_TIMEOUT = 5.0

#: Threads for bounded calls, apart from ENGINE_THREADS: calls abandoned at their deadline
#: may occupy them a little longer, and must not take slots the other calls need.
BOUNDED_THREADS = 16


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
        self._bounded_api: docker.APIClient | None = None
        self._bounded_api_lock = threading.Lock()
        self._lock = asyncio.Lock()
        self._executor = self._new_pool()
        self._bounded_executor = self._new_bounded_pool()

    @staticmethod
    def _new_pool() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="cloudide-docker")

    @staticmethod
    def _new_bounded_pool() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(BOUNDED_THREADS, thread_name_prefix="cloudide-docker-bounded")

    @property
    def description(self) -> str:
        """The words "local Docker" for a local socket, else the engine's address."""
        return engine_description(self.docker_host)

    def _connect(
        self, timeout: float | None = API_TIMEOUT, version: str = "auto"
    ) -> docker.APIClient:
        try:
            if self.docker_host:
                return docker.APIClient(base_url=self.docker_host, version=version, timeout=timeout)
            return docker.APIClient(
                version=version, timeout=timeout, **docker.utils.kwargs_from_env()
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

    async def call_within(
        self,
        seconds: float,
        what: str,
        fn: Callable[Concatenate[docker.APIClient, P], T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``fn(client, *args)`` in a thread, giving up on it after ``seconds``.

        ``fn`` gets the bounded client (its own connection pool, every socket operation
        limited to ``BOUNDED_SOCKET_TIMEOUT``) and runs on the bounded threads, so when the
        deadline passes the thread left behind ends soon by itself and meanwhile holds
        nothing the other calls need. ``fn`` must use that client, keep any loop of its
        own shorter than ``seconds``, and avoid docker-py calls that wait without a socket
        timeout (an attached ``exec_start``, ``events``, ``wait``, streamed logs).

        Raises:
            ContainerError: the deadline passed ("did not answer within N s").
            CloudIDEError: ``fn`` failed (translated as in :meth:`call`).
        """
        api = await self.api()
        version = api.api_version
        loop = asyncio.get_running_loop()

        def bounded() -> T:
            return fn(self._bounded_client(version), *args, **kwargs)

        with self.translate(what):
            future = loop.run_in_executor(self._bounded_executor, bounded)
            try:
                return await asyncio.wait_for(future, seconds)
            except TimeoutError:
                raise ContainerError(
                    f"{what}: the Docker engine did not answer within {seconds:g} s."
                ) from None

    def _bounded_client(self, version: str) -> docker.APIClient:
        """The client of bounded calls (made on first use, in a worker thread)."""
        with self._bounded_api_lock:  # held only while a client is made (no I/O)
            if self._bounded_api is None:
                self._bounded_api = self._connect(BOUNDED_SOCKET_TIMEOUT, version=version)
            return self._bounded_api

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
        except (requests.exceptions.ReadTimeout, TimeoutError):
            raise ContainerError(f"{what}: the Docker engine did not answer in time.") from None
        except Exception as e:
            if is_connection_error(e):
                raise engine_unavailable(self.docker_host, e) from None
            if isinstance(e, docker.errors.DockerException | requests.exceptions.RequestException):
                raise ContainerError(f"{what}: {e}") from None
            raise

    async def close(self) -> None:
        """Close the clients' pooled connections."""
        api, self._api = self._api, None
        bounded, self._bounded_api = self._bounded_api, None
        for client in (api, bounded):
            if client is not None:
                await self.run(client.close)
        # Threads start lazily: fresh pools keep the engine usable after close().
        old, self._executor = self._executor, self._new_pool()
        old.shutdown(wait=False)
        old, self._bounded_executor = self._bounded_executor, self._new_bounded_pool()
        old.shutdown(wait=False)


def label_filter(labels: dict[str, str]) -> dict[str, Any]:
    """docker-py's ``filters`` value selecting containers carrying all ``labels``."""
    return {"label": [f"{k}={v}" for k, v in labels.items()]}
