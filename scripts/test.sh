#!/usr/bin/env bash
# Sets up everything (system libraries, pinned Python), makes the Keras fixtures the tests
# compare against (small ones are committed; large ones are generated into Fixtures/cache),
# then runs the Swift test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
source scripts/test-env.sh

# Large fixtures (VGG16, ResNet50, the paper's Conv/Vonc) are made on demand and cached,
# keyed by the generator's content so a changed generator rebuilds them.
stamp="Fixtures/cache/.generator.sha"
want=$(cat Fixtures/generate.py Fixtures/py/*.py Fixtures/requirements.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "test: generating large fixtures into Fixtures/cache" >&2
  TF_CPP_MIN_LOG_LEVEL=3 "$CONVSCOPE_PYTHON" Fixtures/generate.py --only "" --large
  echo "$want" > "$stamp"
fi

# The > 2 GB ONNX export and VGG16/ResNet50 to ONNX (ONNXExportLargeTests, ONNXExportTests) run in this plain pass only, not under the sanitizers.
export CONVSCOPE_ONNX_LARGE=1

# An import of a target the importer does not declare in Package.swift fails the build.
check=--explicit-target-dependency-import-check=error
swift build "$check"
swift build --build-tests "$check"
# The per-test "started/passed" lines are dropped from the console (the full log is kept).
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee /tmp/convscope-test.log | grep -vE "^Test Case .* (started|passed)"
status=${PIPESTATUS[0]}
set -e
# A plain closing line: tests run (the last XCTest "Executed N tests" total) and test cases that failed.
summary=$(grep -E "Executed [0-9]+ tests?, with" /tmp/convscope-test.log | tail -1)
if [ -n "$summary" ]; then
  total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
  failed=$(grep -cE "^Test Case .* failed \(" /tmp/convscope-test.log || true)
  echo "tests: $((total - failed)) passed, $failed failed"
fi
exit "$status"
