#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and then ThreadSanitizer, each in its own
# scratch folder (.build-asan, .build-tsan). Exits non-zero if either run fails.
#
#   Tests/sanitizers.sh            both
#   Tests/sanitizers.sh address    one of: address, thread
#
# RegressionTests.testInspectExitsTwoWithOneLineOnRefusedFiles runs the debug CLI at .build/debug/convscope,
# so this script builds it first (plain debug build, no sanitizer).
#
# Suppressions and options (kept here so they are visible in one place):
#   ASan  detect_leaks=0: LeakSanitizer is not part of the toolchain's runtime on every setup and libhdf5,
#         libpng and Foundation keep process-lifetime caches that it would report; HDF5 handle leaks are
#         checked by RegressionTests.testNoHDF5IdentifiersLeakAcrossEveryFixtureAndBadFile instead.
#   TSan  no suppressions. OpenBLAS is built with its own pthreads pool, which TSan cannot see into, so
#         OPENBLAS_NUM_THREADS=1 keeps it single-threaded; oneDNN runs on OpenMP (libgomp), whose barriers
#         TSan cannot see either, so OMP_NUM_THREADS=1 (which OneDNN.setThreads honours as a cap);
#         ConvScope's own parallelFor and the HDF5 wrapper's lock are still exercised.
set -uo pipefail
cd "$(dirname "$0")/.."

which_runs=("${@:-address thread}")
read -r -a which_runs <<<"${which_runs[*]}"

source scripts/test-env.sh
# An import of a target the importer does not declare in Package.swift fails the build.
check=--explicit-target-dependency-import-check=error

echo "== debug build (the CLI used by RegressionTests)" >&2
swift build "$check" >/dev/null || { echo "sanitizers.sh: swift build failed" >&2; exit 2; }

status=0
for s in "${which_runs[@]}"; do
  case "$s" in
    address) scratch=.build-asan; export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1} ;;
    thread)  scratch=.build-tsan; export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
             export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ;;
    *) echo "sanitizers.sh: unknown sanitizer '$s' (address or thread)" >&2; exit 2 ;;
  esac
  log=$scratch.log
  echo "== swift test --sanitize=$s --scratch-path $scratch (log: $log)" >&2
  if swift test "$check" --sanitize="$s" --scratch-path "$scratch" >"$log" 2>&1; then
    echo "   $s: $(grep -E 'Executed [0-9]+ tests' "$log" | tail -1 | sed 's/^[[:space:]]*//')" >&2
  else
    status=1
    grep -m5 -E 'ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|SUMMARY|error:|failed' "$log" >&2
    echo "   $s: FAILED (see $log)" >&2
  fi
done
exit "$status"
