#!/usr/bin/env bash
# Installs what ConvScope needs on a fresh Debian machine. Idempotent.
#   scripts/setup.sh            system libraries only (enough to build and run convscope)
#   scripts/setup.sh --python   also the pinned Python (Fixtures/requirements.txt) used as the Keras oracle
#   scripts/setup.sh --test     the pinned Python and what the tests need besides (headless Chromium for the report check)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pkg-config libhdf5-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev libvlfeat-dev libdnnl-dev libssl-dev)
APT_PACKAGES+=(libgraphviz-dev graphviz)  # GraphLayout: Graphviz in-process (gvc, cgraph) and its layout/render plugins (libgvc6)
[ "${1:-}" = "--test" ] && APT_PACKAGES+=(chromium python3-venv)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ] || [ "${1:-}" = "--test" ]; then
  VENV="${CONVSCOPE_VENV:-$HOME/.cache/convscope/venv}"
  stamp="$VENV/.requirements.sha"
  want=$(sha256sum Fixtures/requirements.txt | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: creating the pinned Python in $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r Fixtures/requirements.txt
    # Packages pinned as `# no-deps: name==version` install without their declared dependencies.
    sed -n 's/^# no-deps: //p' Fixtures/requirements.txt | while read -r pkg; do
      "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "$pkg"
    done
    echo "$want" > "$stamp"
  fi
fi
