"""Hanging up a shell session: ending every process it started, within a deadline.

One job shared by three callers: closing a session, a session whose stream could not be
taken over, and the server's start (the shells its last run left in their containers).
Blocking (docker-py): run it through ``Engine.call_within``, never on the event loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import docker
import docker.errors

#: Hang up the session's processes: those in its POSIX session (pid recorded by the
#: wrapper) and those whose environment carries its id (catches setsid / double forks);
#: SIGHUP first, SIGKILL to what is left after ~1 s. $1 = the session id. Its exit
#: status 0 says it ran to its end (it could not even start without a process slot).
HANGUP_SCRIPT = r"""
id="$1"; f="/tmp/.cloudide-sessions/$id"
sid=$(cat "$f" 2>/dev/null)
# A live leader without our id is another session that got the pid again: not ours.
if [ -n "$sid" ] && [ -r "/proc/$sid/environ" ] &&
   ! grep -qzx "CLOUDIDE_SESSION=$id" "/proc/$sid/environ" 2>/dev/null; then sid=""; fi
targets() {
    { [ -n "$sid" ] && pgrep -s "$sid"
      grep -lzx "CLOUDIDE_SESSION=$id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
    } | grep -vx "$$" | sort -u
}
pids=$(targets)
[ -n "$pids" ] && kill -HUP $pids 2>/dev/null
i=0
while [ $i -lt 10 ]; do
    pids=$(targets)
    [ -z "$pids" ] && break
    sleep 0.1; i=$((i+1))
done
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
rm -f "$f"
exit 0
"""

#: Seconds ``close`` gives the hang-up (retries, and stopping a container whose every
#: process slot is taken, included) before it returns anyway.
CLOSE_DEADLINE = 8.0
#: Seconds the hang-up retries a script that could not start (no process slot) before
#: it looks at stopping the container: within CLOSE_DEADLINE, leaving room for that.
HANG_UP_PATIENCE = 3.0


@dataclass(frozen=True)
class HangUp:
    """Hang up session ``session_id`` in ``container_id``, running the script as ``user``.

    The script runs detached and we poll its end: an attached ``exec_start`` reads
    its output without any timeout. When the container has no process slot left even
    for that exec (a fork bomb), stopping the container is the only way to end the
    session's processes; its other shells could not start a command either.
    """

    container_id: str
    session_id: str
    user: str

    def __call__(self, api: docker.APIClient) -> None:
        started = time.monotonic()
        deadline = started + HANG_UP_PATIENCE
        # A script that did start is waited for until close's own deadline nearly: under
        # load its SIGHUP, wait and SIGKILL of what ignores SIGHUP (nohup) take seconds.
        finish_by = started + CLOSE_DEADLINE - 1.0
        cmd = ["sh", "-c", HANGUP_SCRIPT, "cloudide-hangup", self.session_id]
        for delay in (0.2, 0.5, 1.0, None):
            if self._run(api, cmd, finish_by):
                return
            if delay is None or time.monotonic() + delay > deadline:
                break
            time.sleep(delay)  # maybe a slot frees up
        if pids_exhausted(api, self.container_id) is not None:
            api.stop(self.container_id, timeout=1)

    def _run(self, api: docker.APIClient, cmd: list[str], finish_by: float) -> bool:
        """Run the hang-up script once; True when it ran to its end before ``finish_by``.

        Raises:
            docker.errors.NotFound, APIError: no such container, or it is not running.
        """
        ex = api.exec_create(self.container_id, cmd, user=self.user)
        try:
            api.exec_start(ex["Id"], detach=True)
        except docker.errors.APIError as e:
            if e.status_code in (404, 409):  # gone, or not running: nothing to hang up
                raise
            return False  # it could not start (no process slot left)
        while True:
            info = api.exec_inspect(ex["Id"])
            if not info.get("Running"):
                return bool(info.get("ExitCode") == 0)
            if time.monotonic() > finish_by:
                return False
            time.sleep(0.02)


def pids_exhausted(api: docker.APIClient, container_id: str) -> int | None:
    """The container's pids limit when (nearly) every slot is taken, else None."""
    try:
        stats = api.stats(container_id, stream=False, one_shot=True)
    except docker.errors.APIError:
        return None
    pids = stats.get("pids_stats") or {}
    current, limit = pids.get("current"), pids.get("limit")
    if isinstance(current, int) and isinstance(limit, int) and 0 < limit <= current + 2:
        return limit
    return None
