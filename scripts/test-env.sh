# Sourced by scripts/test.sh and Tests/sanitizers.sh: what the tests that call Keras and
# headless Chromium need (scripts/setup.sh --test installs both).
VENV="${CONVSCOPE_VENV:-$HOME/.cache/convscope/venv}"
export CONVSCOPE_PYTHON="$VENV/bin/python"
export CONVSCOPE_CHROMIUM=1
