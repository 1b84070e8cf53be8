#!/usr/bin/env bash
# Build the per-project runner image (the Dockerfile beside this script), tag $CLOUDIDE_IMAGE.
# This folder ships inside the package (cloudide_tui/runner), so an installed cloudide-tui
# builds its image from there; `make image` runs it from the checkout.
#
# The Dockerfile starts FROM $BASE_IMAGE (default debian:bookworm-slim). Where that base
# cannot be pulled (no registry reachable), we make it ourselves: debootstrap a minimal
# bookworm into a temporary folder and `docker import` it as cloudide-base:bookworm.
# Both steps are cached: the base is made once, and `docker build` reuses its layer cache,
# so a second run with nothing changed takes seconds.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
image="${CLOUDIDE_IMAGE:-cloudide-runner:latest}"
base="${BASE_IMAGE:-debian:bookworm-slim}"
local_base="cloudide-base:bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

say() { printf 'build-image: %s\n' "$*" >&2; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have_image "$base"; then
    if have_image "$local_base"; then
        base="$local_base"
    elif timeout 60 docker pull "$base" >/dev/null 2>&1; then
        say "pulled $base"
    else
        say "cannot pull $base (no registry reachable?): bootstrapping $local_base with debootstrap"
        if ! command -v debootstrap >/dev/null 2>&1; then
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
            else
                say "debootstrap is missing; install it (apt-get install debootstrap) or make $base pullable."
                exit 1
            fi
        fi
        root="$(mktemp -d /tmp/cloudide-base.XXXXXX)"
        trap 'rm -rf "$root"' EXIT
        debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
            say "debootstrap failed; last lines of $root.log:"; tail -n 20 "$root.log" >&2; exit 1; }
        rm -f "$root.log"
        # Drop what an image does not need: apt lists and caches make it bigger, nothing else.
        rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
        tar -C "$root" -c . | docker import - "$local_base" >/dev/null
        base="$local_base"
        say "made $local_base"
    fi
fi

say "building $image on $base"
docker build --network host --build-arg BASE_IMAGE="$base" -t "$image" "$here"
