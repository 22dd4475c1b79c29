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
    var names = Set<String>()
    let object = try? JSONSerialization.jsonObject(with: Data(json))
    if let top = object as? [String: Any], let groups = top["weightsManifest"] as? [[String: Any]] {
        for group in groups {
            for p in (group["paths"] as? [String]) ?? [] {
                let n = p.hasPrefix("./") ? String(p.dropFirst(2)) : p
                if !n.isEmpty && !n.contains("/") && n != "." && n != ".." && n != "model.json" && !n.contains("\0") {
                    names.insert(n)
                }
            }
        }
    }
    let files: [String] = Array(names.sorted().prefix(64))
    let per: Int = files.isEmpty ? 0 : weights.count / files.count
    for (i, n) in files.enumerated() {
        let lo: Int = weights.startIndex + i * per
        let hi: Int = i == files.count - 1 ? weights.endIndex : lo + per
        FileManager.default.createFile(atPath: dir + "/" + n, contents: Data(weights[lo..<hi]))
    }
    if let f = try? KerasFile.open(dir, loadValues: true) { _ = f.model?.graph.nodes.count; _ = f.tfjs?.weights.count }
    return 0
}

runLibFuzzer(fuzz)
