#!/usr/bin/env bash
# CI's second step, after scripts/test.sh (which installs everything): a short, deterministic fuzz
# run of every reader (fixed seed, fixed number of inputs, fresh corpus from the seeds), then the
# whole test suite under AddressSanitizer and ThreadSanitizer. See docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== hardening: fuzz every reader (${FUZZ_RUNS:=1000} inputs each, seed ${FUZZ_SEED:=1})" >&2
FUZZ_WORK=${FUZZ_WORK:-$(mktemp -d /tmp/convscope-fuzz-ci.XXXXXX)} FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED \
  Fuzz/run.sh 300 || status=1
echo "== hardening: test suite under ASan and TSan" >&2
bash Tests/sanitizers.sh || status=1
exit "$status"
