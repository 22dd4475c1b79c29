#!/usr/bin/env bash
# Regenerates the README's feature-visualization figures: VGG16 (ImageNet weights, Fixtures/cache/vgg16.keras3.h5
# from `Fixtures/generate.py --large`) maximized with the regularized pixel ascent and with the Fourier
# parameterisation (Olah et al. 2017, Lucid's settings), same targets and seed:
#   docs/images/vgg16-{regularized,fourier}-block4_conv3_ch$CHANNEL.png   a block4_conv3 channel (fourier: pre-ReLU)
#   docs/images/vgg16-{regularized,fourier}-class$CLASS.png               an ImageNet class's logit
# Usage: scripts/readme-feature-visualization.sh [path/to/convscope] (default: a release build).
# FOURIER_STEPS (default 512, Lucid's), RENDER_SIZE (default 128, Lucid's: the fourier image's side; the model
# sees it stretched over its 224x224 input), REGULARIZED_STEPS (default 96), CLASS (default 130, flamingo),
# CHANNEL (default 5), SEED (default 1), METHODS (default "fourier regularized"). On 2 cores a VGG16 step
# (224x224, forward + backward) takes about 1 CPU-second.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/.build/release/convscope}"
model="$root/Fixtures/cache/vgg16.keras3.h5"
out="$root/docs/images"
fourier_steps="${FOURIER_STEPS:-512}"
render_size="${RENDER_SIZE:-128}"
regularized_steps="${REGULARIZED_STEPS:-96}"
class="${CLASS:-130}"
channel="${CHANNEL:-5}"
seed="${SEED:-1}"
methods="${METHODS:-fourier regularized}"
[ -x "$bin" ] || { echo "no convscope at $bin (swift build -c release --product convscope)" >&2; exit 2; }
[ -f "$model" ] || { echo "no $model (python Fixtures/generate.py --large)" >&2; exit 2; }
for method in $methods; do
  steps=$fourier_steps; extra=(--render-size "$render_size")
  [ "$method" = fourier ] || { steps=$regularized_steps; extra=(); }
  "$bin" maximize "$model" --layer block4_conv3 --channel "$channel" --method "$method" --steps "$steps" --seed "$seed" \
    "${extra[@]}" --out "$out/vgg16-$method-block4_conv3_ch$channel.png"
  "$bin" maximize "$model" --class "$class" --method "$method" --steps "$steps" --seed "$seed" \
    "${extra[@]}" --out "$out/vgg16-$method-class$class.png"
done
rm -f "$out"/vgg16-*.npy
