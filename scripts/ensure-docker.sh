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
#
# Then, when we are root: the gVisor runtime (`runsc`, the Debian package) is installed
# and registered with the engine as runtime "runsc" in /etc/docker/daemon.json (merged
# into what is there); a running engine reloads it on SIGHUP, which leaves running
# containers alone. Containers use it only with `runtime = "runsc"` (docs/backend.md).
# Not root: this step is skipped (the runsc tests then say how to get it).
set -euo pipefail

state_dir="${CLOUDIDE_DOCKERD_DIR:-/var/run/cloudide-dockerd}"
log="$state_dir/dockerd.log"
pidfile="$state_dir/dockerd.pid"

say() { printf 'ensure-docker: %s\n' "$*" >&2; }

daemon_json=/etc/docker/daemon.json
runsc_args='["--network=none"]'  # our containers have no network; runsc's own setup
                                 # of one fails in this engine's network namespace

# Register runsc in daemon.json (merged); true when the file changed.
register_runsc() {
    [ "$(id -u)" = 0 ] || return 1
    if ! command -v runsc >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || return 1
        say "installing runsc (gVisor, Debian package) ..."
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runsc >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runsc >/dev/null 2>&1; } || {
            say "could not install runsc; the gVisor runtime stays unavailable"; return 1; }
    fi
    mkdir -p "$(dirname "$daemon_json")"
    python3 - "$daemon_json" "$(command -v runsc)" "$runsc_args" <<'PY'
import json, os, sys
path, runsc, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
config = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
wanted = {"path": runsc, "runtimeArgs": args}
if config.get("runtimes", {}).get("runsc") == wanted:
    sys.exit(1)  # nothing to change
config.setdefault("runtimes", {})["runsc"] = wanted
tmp = path + ".cloudide-tmp"
with open(tmp, "w") as out:
    json.dump(config, out, indent=2)
    out.write("\n")
os.replace(tmp, path)
PY
}

engine_has_runsc() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

# A running engine: make sure it knows runsc (reloading its runtimes on SIGHUP).
ensure_runsc_running() {
    if register_runsc || ! engine_has_runsc; then
        [ -f "$daemon_json" ] && grep -q '"runsc"' "$daemon_json" || return 0
        pid="$(cat "$pidfile.dockerd" 2>/dev/null || pidof dockerd 2>/dev/null || true)"
        pid="${pid%% *}"
        if [ -n "$pid" ] && kill -HUP "$pid" 2>/dev/null; then
            for _ in $(seq 1 20); do engine_has_runsc && { say "gVisor (runsc) registered."; return 0; }; sleep 0.5; done
        fi
        say "the engine did not take up runsc from $daemon_json (restart it to use runtime = \"runsc\")"
    fi
    return 0
}

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] && ensure_runsc_running
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
register_runsc || true  # before the engine starts: it reads daemon.json at start
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
