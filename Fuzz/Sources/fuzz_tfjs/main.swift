import Foundation
import FuzzSupport
import KerasIO

/// TF.js layers models: `model.json` (manifest, both forms) and its weight files. The input is the
/// model.json text, then a NUL byte, then the weight bytes; they are written as the files the manifest
/// names (plain names only, split evenly between them) in a fresh folder, which is then opened with values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzInput.data(data, size)
    let cut = bytes.firstIndex(of: 0) ?? bytes.endIndex
    let json = bytes[bytes.startIndex..<cut]
    let weights = cut < bytes.endIndex ? bytes[(cut + 1)...] : Data()[...]
    let dir = FuzzInput.folder + "/tfjs"
    try? FileManager.default.removeItem(atPath: dir)
    mkdir(dir, 0o700)
    FileManager.default.createFile(atPath: dir + "/model.json", contents: Data(json))
    // The files the manifest names, where they are plain names in this folder.
    let names = (try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        .flatMap { $0["weightsManifest"] as? [[String: Any]] }?
        .flatMap { ($0["paths"] as? [String]) ?? [] }
        .map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }
        .filter { !$0.isEmpty && !$0.contains("/") && $0 != "." && $0 != ".." && $0 != "model.json" && !$0.contains("\0") } ?? []
    let unique = Array(Set(names)).sorted().prefix(64)
    let share = unique.isEmpty ? 0 : weights.count / unique.count
    for (i, n) in unique.enumerated() {
        let lo = weights.startIndex + i * share
        let hi = i == unique.count - 1 ? weights.endIndex : lo + share
        FileManager.default.createFile(atPath: dir + "/" + n, contents: Data(weights[lo..<hi]))
    }
    if let f = try? KerasFile.open(dir, loadValues: true) { _ = f.model?.graph.nodes.count; _ = f.tfjs?.weights.count }
    return 0
}

runLibFuzzer(fuzz)
