#!/usr/bin/env bash
# What the browser tier (tests/browser) needs on this machine; `make test` runs it.
#
# - Debian's Chromium and its WebDriver (chromium, chromium-driver), with a monospace
#   font, for selenium to drive a real headless browser;
# - an unprivileged account for the IDE pages' app processes (the test server runs them
#   as this account, as a real server run by root runs them as `nobody`), and the right
#   for that account to reach the Python that runs them: on a machine whose Python lives
#   in a private home (pyenv under /root), an ACL lets it traverse (x, never read) the
#   folders on the way, and nothing else. docs/deploy.md says the same for a real server.
#
#   scripts/ensure-browser.sh [PYTHON]      (default .venv/bin/python)
set -euo pipefail
PYTHON=${1:-.venv/bin/python}
ACCOUNT=${CLOUDIDE_TEST_BROWSER_USER:-cloudide-web-test}

root() { [ "$(id -u)" = 0 ]; }

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v setfacl >/dev/null || need+=(acl)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
    if root && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "ensure-browser: missing ${need[*]} (install them: apt-get install ${need[*]})" >&2
        exit 1
    fi
fi

if ! root; then
    # not root: the test server runs the app processes as its own user; nothing to grant
    exit 0
fi

id -u "$ACCOUNT" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ACCOUNT"

# every folder on the way to the interpreter, its standard library, the venv and this
# checkout (an editable install reads its sources here) must be traversable
mapfile -t places < <("$PYTHON" -c '
import os, sys
print(os.path.realpath(sys.executable))
print(os.path.realpath(sys.base_prefix))
print(os.path.realpath(sys.prefix))
print(os.getcwd())
')
for place in "${places[@]}"; do
    dir=$place
    while [ "$dir" != "/" ] && [ -n "$dir" ]; do
        if [ -d "$dir" ] && ! stat -c %A "$dir" | grep -q "[xt]$" &&
            ! getfacl -p "$dir" 2>/dev/null | grep -q "^user:$ACCOUNT:..x"; then
            setfacl -m "u:$ACCOUNT:x" "$dir"
        fi
        dir=$(dirname "$dir")
    done
done
