#!/usr/bin/env bash
# Regenerates Sources/ProtoMessages/*.pb.swift from Protos/tensorflow (our minimal .proto files with TensorFlow's
# and tf-keras' field numbers) and Sources/ONNXMessages/*.pb.swift from Protos/onnx (the ONNX IR's).
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift built from swift-protobuf 1.39.0, the version Package.swift pins:
#   git clone https://github.com/apple/swift-protobuf /tmp/sp && git -C /tmp/sp checkout 1.39.0
#   (cd /tmp/sp && swift build -c release --product protoc-gen-swift)
#   PROTOC_GEN_SWIFT=/tmp/sp/.build/release/protoc-gen-swift scripts/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "protoc-gen-swift not found: set PROTOC_GEN_SWIFT" >&2; exit 2; }
command -v protoc >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }
"$plugin" --version | grep -q '1.39.0' || { echo "protoc-gen-swift must be 1.39.0 (Package.swift pins it)" >&2; exit 2; }
# One target per folder of Protos/: tensorflow → ProtoMessages, onnx → ONNXMessages.
generate() {  # generate PROTO_FOLDER TARGET
    local out="Sources/$2"
    rm -f "$out"/*.pb.swift
    mkdir -p "$out"
    protoc --plugin=protoc-gen-swift="$plugin" -I Protos \
        --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
        $(cd Protos && find "$1" -name '*.proto' | sort)
    echo "generated: $(ls "$out"/*.pb.swift | wc -l) files in $out"
}
generate tensorflow ProtoMessages
generate onnx ONNXMessages
