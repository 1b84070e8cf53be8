"""Limits as the backend reports them, and the seccomp profile we ship: pure logic, no
engine (the engine tier proves each limit from inside a container)."""

from __future__ import annotations

import json

from cloudide_tui.backend import disks
from cloudide_tui.backend.base import LimitHit
from cloudide_tui.backend.containers import SECCOMP_PROFILE
from cloudide_tui.backend.limit_watch import DiskPoller, KernelLog

CONTAINER = "667c3ac7c268515776bba5a28991869679fbe65937420738cdbdff4536efff91"
OOM_RECORD = (
    "3,1234,1090262392,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
    f"cpuset={CONTAINER},mems_allowed=0,oom_memcg=/docker/{CONTAINER},"
    f"task_memcg=/docker/{CONTAINER},task=python3,pid=23539,uid=1000\n"
)


def test_a_limit_hit_says_what_was_lost_and_the_limit() -> None:
    assert LimitHit("web", "memory", "2g", "node").message == (
        "node was killed in project web: out of memory (the limit is 2g)."
    )
    assert LimitHit("web", "memory", "2g").message.startswith("A process was killed")
    assert LimitHit("web", "disk", "10g").message == (
        "The disk of project web is full (the limit is 10g)."
    )


def test_the_kernels_oom_record_names_the_process_of_that_container() -> None:
    log = KernelLog()
    log._parse(OOM_RECORD)
    log._parse(OOM_RECORD.replace("/docker/", "/system.slice/docker-").replace("python3", "cc1"))
    log._parse("6,1235,1090262410,-;Memory cgroup out of memory: Killed process 23539\n")
    assert [task for _, task in log._killed] == ["python3", "cc1"]
    assert all(memcg == CONTAINER for memcg, _ in log._killed)
    log.close()


def test_a_disk_is_reported_once_when_it_fills_and_again_after_it_had_room() -> None:
    free = {"a": 100 << 20}
    told: list[str] = []
    poller = DiskPoller(lambda: [("a", free["a"], 200 << 20)], told.append)
    poller.look()
    free["a"] = 512 << 10  # under 1 MiB left
    poller.look()
    poller.look()
    assert told == ["a"]
    free["a"] = 5 << 20  # a little room is not enough to report it again ...
    poller.look()
    free["a"] = 0
    poller.look()
    assert told == ["a"]
    free["a"] = 50 << 20  # ... real room is
    poller.look()
    free["a"] = 0
    poller.look()
    assert told == ["a", "a"]


def test_sizes_read_the_way_settings_write_them() -> None:
    assert disks.size_words(10 << 30) == "10g"
    assert disks.size_words(64 << 20) == "64m"
    assert disks.size_words(1536 << 20) == "1536m"
    assert disks.size_words(12345) == "12345"


def test_the_seccomp_profile_is_dockers_default_without_io_uring_or_capability_rules() -> None:
    profile = json.loads(SECCOMP_PROFILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    allowed = {
        name
        for rule in profile["syscalls"]
        if rule["action"] == "SCMP_ACT_ALLOW"
        for name in rule["names"]
    }
    assert not {"io_uring_setup", "io_uring_enter", "io_uring_register"} & allowed
    # What a shell needs is there; what only a capability would allow is not (clone3
    # answers ENOSYS, so that libc falls back to clone, whose flags are checked).
    assert {"read", "write", "execve", "clone", "openat", "ptrace"} <= allowed
    assert not {"mount", "unshare", "setns", "bpf", "reboot", "init_module"} & allowed
    assert not any((rule.get("includes") or {}).get("caps") for rule in profile["syscalls"])
