#!/usr/bin/env bash
# Sets up everything (system libraries, pinned Python), makes the Keras fixtures the tests
# compare against (small ones are committed; large ones are generated into Fixtures/cache),
# then runs the Swift test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python
VENV="${CONVSCOPE_VENV:-$HOME/.cache/convscope/venv}"
export CONVSCOPE_PYTHON="$VENV/bin/python"

# Large fixtures (VGG16, ResNet50, the paper's Conv/Vonc) are made on demand and cached,
# keyed by the generator's content so a changed generator rebuilds them.
stamp="Fixtures/cache/.generator.sha"
want=$(cat Fixtures/generate.py Fixtures/requirements.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "test: generating large fixtures into Fixtures/cache" >&2
  TF_CPP_MIN_LOG_LEVEL=3 "$CONVSCOPE_PYTHON" Fixtures/generate.py --only "" --large
  echo "$want" > "$stamp"
fi

# The experiment report is checked in a real headless browser (Tests/report_check.sh).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing chromium for the report check" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export CONVSCOPE_CHROMIUM=1

swift build --build-tests
swift test --skip-build 2>&1 | tee /tmp/convscope-test.log | grep -vE "^Test Case .* (started|passed)" || true
# swift test's status is lost in the pipe above; recover it from its closing line.
grep -qE "Executed [0-9]+ tests?, with 0 failures" /tmp/convscope-test.log
