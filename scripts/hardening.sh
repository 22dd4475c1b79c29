#!/usr/bin/env bash
# CI's second step, after scripts/test.sh (which installs everything): a short, deterministic fuzz
# run of every reader (fixed seed, fixed number of inputs, fresh corpus from the seeds), then the
# whole test suite under AddressSanitizer and ThreadSanitizer. See docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
# Inputs per target: the HDF5-based readers run ~20 inputs/s under ASan with the forked preflight,
# the others thousands; each group takes about two minutes.
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_WORK=${FUZZ_WORK:-$(mktemp -d /tmp/convscope-fuzz-ci.XXXXXX)}
export FUZZ_SEED FUZZ_WORK
echo "== hardening: fuzz every reader (seed $FUZZ_SEED, corpus from the seeds in $FUZZ_WORK)" >&2
FUZZ_RUNS=${FUZZ_RUNS_HDF5:-1500} Fuzz/run.sh 300 h5 weights_h5 keras || status=1
FUZZ_RUNS=${FUZZ_RUNS_OTHER:-50000} Fuzz/run.sh 300 json png jpeg npy cifar tfjs tf_index tf_metadata || status=1
echo "== hardening: test suite under ASan and TSan" >&2
bash Tests/sanitizers.sh || status=1
exit "$status"
