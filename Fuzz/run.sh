#!/usr/bin/env bash
# Builds ConvScope's libFuzzer targets (release, -sanitize=fuzzer,address) and runs each one for a
# bounded time on its seed corpus. Prints executions and crashes per target; exits 1 if any target
# crashed, hung (timeout) or ran out of memory, 2 if the build failed.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]     default 20 seconds per target, all targets
#
# Environment:
#   FUZZ_JOBS=N        parallel libFuzzer jobs per target (default 1)
#   FUZZ_WORK=DIR      where corpora, logs and crash files go (default Fuzz/.work; kept between runs,
#                      so repeated runs continue from the grown corpus)
#   FUZZ_RSS_MB=N      per-input RSS and single-malloc limit (default 2048)
#   FUZZ_TIMEOUT=S     per-input time limit (default 10)
#   FUZZ_RUNS=N        stop each target after N inputs (SECONDS still caps it); with FUZZ_SEED the run is
#   FUZZ_SEED=N        the same every time: what CI uses (scripts/hardening.sh), so it cannot flake
#   CONVSCOPE_FUZZ_IN_PROCESS=1
#                      h5, weights_h5, keras: skip the forked preflight convscope runs first, so the
#                      in-process reader (and libhdf5's own bugs) are fuzzed alone
#
# Needs only the Swift toolchain and the libraries scripts/setup.sh installs. See docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
ROOT=$(cd .. && pwd)

SECONDS_PER_TARGET=${1:-20}
shift || true
ALL_TARGETS=(h5 weights_h5 keras json png jpeg npy cifar tfjs tf_index tf_metadata)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
WORK=${FUZZ_WORK:-$FUZZ_DIR/.work}
JOBS=${FUZZ_JOBS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-10}
SCRATCH=$FUZZ_DIR/.build-fuzz
BIN=$SCRATCH/release

case "$SECONDS_PER_TARGET" in ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, got '$SECONDS_PER_TARGET'" >&2; exit 2;; esac
for t in "${TARGETS[@]}"; do
  case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "run.sh: unknown target '$t' (known: ${ALL_TARGETS[*]})" >&2; exit 2;; esac
done

# SwiftPM does not notice files added to a path dependency (the main package) until the root
# manifest changes; touching it makes every build see the current Sources/.
touch "$FUZZ_DIR/Package.swift"
echo "== building fuzz targets (release, fuzzer+address) in $SCRATCH" >&2
for t in "${TARGETS[@]}"; do
  if ! swift build -c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address \
      --explicit-target-dependency-import-check=error --product "fuzz_$t" >"$WORK.build-$t.log" 2>&1; then
    mkdir -p "$(dirname "$WORK")"
    tail -30 "$WORK.build-$t.log" >&2
    echo "run.sh: building fuzz_$t failed (log: $WORK.build-$t.log)" >&2
    exit 2
  fi
  rm -f "$WORK.build-$t.log"
done

# TF.js seeds (fuzz_tfjs's input form), made from the committed fixtures into $WORK/tfjs-seeds.
tfjs_seeds() {
  local out=$WORK/tfjs-seeds
  rm -rf "$out" && mkdir -p "$out"
  for d in "$ROOT"/Fixtures/tfjs/*/; do
    [ -f "$d/model.json" ] || continue
    { cat "$d/model.json"; printf '\0'; find "$d" -maxdepth 1 -name '*.bin' | sort -V | xargs cat; } > "$out/$(basename "$d")"
    echo "$out/$(basename "$d")"
  done
}

# Seed files for a target, one path per line: the repository's fixtures plus Fuzz/seeds/<target>
# (for json: the model configs of committed fixtures, one per layer kind, extracted as text).
seeds() {
  local small=(-size -200k)
  case "$1" in
    # (Resources/contained crash libhdf5 itself; they would stop an in-process run at its first input.)
    h5)         find "$ROOT/Fixtures" "$ROOT/Tests/Resources" -name '*.h5' -not -path '*/contained/*' "${small[@]}" ;;
    weights_h5) find "$ROOT/Fixtures" "$ROOT/Tests/Resources" \( -name '*.weights.h5' -o -name '*-weights.h5' \) -not -path '*/contained/*' "${small[@]}" ;;
    keras)      find "$ROOT/Fixtures" -name '*.keras' ;;
    json)       find "$ROOT/Fixtures" "$ROOT/Tests/Resources" -name '*.json' "${small[@]}" ;;
    png)        find "$ROOT/Fixtures" "$ROOT/Tests/Resources" -name '*.png' "${small[@]}" ;;
    jpeg)       find "$ROOT/Fixtures" "$ROOT/Tests/Resources" -name '*.jpg' "${small[@]}" ;;
    npy)        find "$ROOT/Fixtures/formats" "$ROOT/Tests/Resources/imaging" -name '*.npy' "${small[@]}" ;;
    cifar)      true ;;
    # TF.js: each fixture folder as one input, model.json + NUL + its weight files in manifest order.
    tfjs)       tfjs_seeds ;;
    tf_index)   find "$ROOT/Fixtures/tfcontainers" -name '*.index' "${small[@]}" ;;
    tf_metadata) find "$ROOT/Fixtures/tfcontainers" \( -name 'saved_model.pb' -o -name 'keras_metadata.pb' \) "${small[@]}" ;;
  esac
  [ -d "$FUZZ_DIR/seeds/$1" ] && find "$FUZZ_DIR/seeds/$1" -type f
  [ -d "$ROOT/Tests/Resources/regressions" ] &&
    find "$ROOT/Tests/Resources/regressions" -type f -name "$1-*"
  true
}

mkdir -p "$WORK"
failed=0
summary=()
for t in "${TARGETS[@]}"; do
  corpus=$WORK/corpus/$t
  seeddir=$WORK/seeds/$t
  artifacts=$WORK/artifacts/$t/
  log=$WORK/$t.log
  mkdir -p "$corpus" "$artifacts"
  rm -rf "$seeddir" && mkdir -p "$seeddir"
  seeds "$t" | while read -r f; do cp "$f" "$seeddir/$(echo "$f" | sed "s|^$ROOT/||; s|/|_|g")"; done
  before=$(find "$artifacts" -maxdepth 1 -type f | wc -l)
  touch "$log.start"
  echo "== fuzz_$t: ${SECONDS_PER_TARGET}s, $(ls "$seeddir" | wc -l) seeds, corpus $corpus" >&2
  rss=${FUZZ_RSS_MB:-2048}
  args=(-max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -timeout="$TIMEOUT"
        -artifact_prefix="$artifacts" -print_final_stats=1)
  if [ "$JOBS" -gt 1 ]; then
    args+=(-jobs="$JOBS" -workers="$JOBS")
  fi
  # Structure-aware targets have a dictionary of tokens (Fuzz/dictionaries/<target>.dict).
  [ -f "$FUZZ_DIR/dictionaries/$t.dict" ] && args+=(-dict="$FUZZ_DIR/dictionaries/$t.dict")
  [ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")
  [ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
  # ASan: leaks inside libhdf5/libpng on error paths are their own; we check handles with a test instead.
  # abort_on_error: a memory error is a signal, which the HDF5 targets' forked preflight (what
  # convscope does) turns into a refusal; see Sources/FuzzSupport/KerasFileGuard.swift.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:abort_on_error=1} \
    "$BIN/fuzz_$t" "${args[@]}" "$corpus" "$seeddir" >"$log" 2>&1
  rc=$?
  if [ "$JOBS" -gt 1 ]; then cat "$WORK"/fuzz-*.log >>"$log" 2>/dev/null; rm -f "$WORK"/fuzz-*.log fuzz-*.log; fi
  execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{s += $2} END {print s + 0}')
  # A memory error inside the HDF5 targets' forked preflight child is what convscope contains: the child
  # dies, the file is refused and the parent never reads it. libFuzzer's sanitizer death callback still
  # runs in that child and writes a crash file, so every new crash file is run again through the target:
  # one the target then runs without crashing (the child's error was contained) moves to contained/ and
  # is reported, not counted; one that crashes the process counts.
  contained=0
  for f in $(find "$artifacts" -maxdepth 1 -type f -name 'crash-*' -newer "$log.start" 2>/dev/null); do
    if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:abort_on_error=1} \
         "$BIN/fuzz_$t" -timeout="$TIMEOUT" -rss_limit_mb="$rss" "$f" >/dev/null 2>&1; then
      mkdir -p "$artifacts/contained" && mv "$f" "$artifacts/contained/"
      contained=$((contained + 1))
    fi
  done
  [ "$contained" -gt 0 ] && echo "   fuzz_$t: $contained input(s) crashed only the forked preflight child (contained, refused; kept in ${artifacts}contained/)" >&2
  after=$(find "$artifacts" -maxdepth 1 -type f | wc -l)
  new=$((after - before))
  status=ok
  if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
    status="FAILED (exit $rc, $new new crash/timeout/oom files in $artifacts)"
    failed=1
    grep -m3 -E 'ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY' "$log" >&2
  fi
  summary+=("$(printf '%-11s %12s execs  %3d crash files  %s' "$t" "$execs" "$new" "$status")")
done

echo
echo "target      executions          crashes"
printf '%s\n' "${summary[@]}"
echo "logs: $WORK/<target>.log"
exit "$failed"
