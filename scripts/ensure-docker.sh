#!/usr/bin/env bash
# Make sure a Docker engine answers `docker info`.
#
# 1. If one already answers, use it (nothing else is touched).
# 2. Else, when we are root on Debian/Ubuntu: install docker.io if needed and start
#    `dockerd` in the background with its own pid and log file under $CLOUDIDE_DOCKERD_DIR
#    (default /var/run/cloudide-dockerd). It keeps running for later commands.
#    The engine runs without a bridge network (--bridge=none): project containers get
#    no network, and nothing we start can send traffic off this machine.
# 3. Else stop with a message that says what the user must do.
set -euo pipefail

state_dir="${CLOUDIDE_DOCKERD_DIR:-/var/run/cloudide-dockerd}"
log="$state_dir/dockerd.log"
pidfile="$state_dir/dockerd.pid"

say() { printf 'ensure-docker: %s\n' "$*" >&2; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers 'docker info', and we are not root, so we cannot start one."
    say "Start Docker yourself (e.g. 'sudo systemctl start docker') and make sure your user may use it"
    say "(e.g. 'sudo usermod -aG docker \$USER', then log in again). Then run this again."
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        say "installing docker.io (Debian/Ubuntu package) ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq docker.io >/dev/null
    else
        say "no Docker engine is installed and this is not a Debian/Ubuntu machine (no apt-get)."
        say "Install Docker Engine (https://docs.docker.com/engine/install/), start it, then run this again."
        exit 1
    fi
fi

mkdir -p "$state_dir"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "dockerd (pid $(cat "$pidfile")) is running but does not answer yet; waiting ..."
else
    say "starting dockerd in the background (log: $log) ..."
    # setsid: the engine must outlive the make target (and a CI step) that started it.
    setsid dockerd --bridge=none --iptables=false --ip-masq=false \
        --pidfile "$pidfile.dockerd" >>"$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
fi

for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        say "Docker engine is up."
        exit 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        say "dockerd exited while starting. Last lines of $log:"
        tail -n 20 "$log" >&2 || true
        exit 1
    fi
    sleep 1
done
say "dockerd did not answer within 60 s. Last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
