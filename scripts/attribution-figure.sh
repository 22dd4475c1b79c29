#!/usr/bin/env bash
# The README's attribution figure: every saliency method's map of the demo model's "3" with its deletion
# score (Petsiuk et al.), and the deletion curves, from `convscope faithfulness --methods`.
#   scripts/attribution-figure.sh [path/to/convscope]   (default: .build/release, else .build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-}"
if [ -z "$bin" ]; then
    bin=.build/release/convscope
    [ -x "$bin" ] || bin=.build/debug/convscope
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bin" faithfulness Fixtures/demo/digits_conv.h5 Fixtures/demo/digit_3.png --class 3 --metric deletion --steps 50 \
    --methods gradient,guided,gradcam,gradcam++,scorecam,integrated-gradients,smoothgrad,vargrad --out "$out"
cp "$out/faithfulness_deletion_class3_maps.png" docs/images/attribution-deletion-maps.png
cp "$out/faithfulness_deletion_class3.png" docs/images/attribution-deletion-curves.png
echo "wrote docs/images/attribution-deletion-maps.png and docs/images/attribution-deletion-curves.png"
