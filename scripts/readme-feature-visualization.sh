#!/usr/bin/env bash
# Regenerates docs/images/vgg16-{regularized,fourier}-block4_conv3_ch5.png for the README:
# VGG16 (ImageNet weights, Fixtures/cache/vgg16.keras3.h5 from `Fixtures/generate.py --large`) maximized
# with the regularized pixel ascent and with the Fourier parameterisation, same targets and seed.
# Usage: scripts/readme-feature-visualization.sh [path/to/convscope] (default: a release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/.build/release/convscope}"
model="$root/Fixtures/cache/vgg16.keras3.h5"
out="$root/docs/images"
steps="${STEPS:-96}"
[ -x "$bin" ] || { echo "no convscope at $bin (swift build -c release --product convscope)" >&2; exit 2; }
[ -f "$model" ] || { echo "no $model (python Fixtures/generate.py --large)" >&2; exit 2; }
for method in regularized fourier; do
  "$bin" maximize "$model" --layer block4_conv3 --channel 5 --method "$method" --steps "$steps" --seed 1 \
    --out "$out/vgg16-$method-block4_conv3_ch5.png"
done
rm -f "$out"/vgg16-*.npy
