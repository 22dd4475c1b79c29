import Foundation

/// Structural check of a file's global heap collections ("GCOL"), run before libhdf5 sees the file.
///
/// Variable-length strings (h5py's `str` attributes: `model_config`, `layer_names`, …) live in global
/// heaps. libhdf5 1.10 walks a collection's objects trusting their sizes: a free-space object of size 0
/// makes it loop forever, and sizes past the collection's end make it read outside it. Each collection
/// is walked here the way libhdf5 walks it, and the file is refused if a walk does not advance or
/// leaves its collection. Found by Fuzz/ (fuzz_h5); see docs/reliability.md.
enum H5GlobalHeapCheck {
    /// Files larger than this are not scanned: a scan touches every page of the file (about 2 s for
    /// VGG16's 553 MB, against 13 ms for h5py's metadata walk). The CLI reads every file's structure in a
    /// forked child first (KerasFile.preflight), whose timeout catches the loop this check prevents.
    static let scanLimit = 64 << 20

    /// The first inconsistency found, as a one-line reason, or nil.
    static func problem(inFileAt path: String) -> String? {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int, size > scanLimit { return nil }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { problem(in: $0) }
    }

    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        let n = bytes.count
        let headerSize = 16, objectHeaderSize = 16
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u64(_ i: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) } }
        var at = 0
        while at + headerSize <= n {
            // "GCOL", version 1, three reserved zero bytes, then the collection size (8 bytes).
            guard let hit = find(bytes, from: at) else { return nil }
            at = hit + 1
            guard hit + headerSize <= n, bytes[hit + 4] == 1, bytes[hit + 5] == 0, bytes[hit + 6] == 0, bytes[hit + 7] == 0
            else { continue }
            let declared = u64(hit + 8)
            guard declared >= UInt64(headerSize), declared <= UInt64(n - hit) else {
                return "global heap at byte \(hit) declares \(declared) bytes, past the end of the \(n)-byte file"
            }
            let end = hit + Int(declared)
            var p = hit + headerSize
            while p < end {
                if p + objectHeaderSize > end { break }  // a tail too small for an object: free space
                let index = u16(p)
                let size = u64(p + 8)
                let need: UInt64 = index > 0 ? UInt64(objectHeaderSize) &+ ((size &+ 7) & ~7) : size
                guard size < UInt64(Int.max / 2), need > 0, need <= UInt64(end - p) else {
                    return "global heap at byte \(hit): object \(index) of \(size) bytes does not fit its \(declared)-byte collection"
                }
                p += Int(need)
            }
        }
        return nil
    }

    private static func find(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = start
        while i + 4 <= bytes.count {
            guard let g = memchr(base + i, 0x47, bytes.count - i - 3) else { return nil }  // "G"
            let at = base.distance(to: UnsafeRawPointer(g))
            if bytes[at + 1] == 0x43, bytes[at + 2] == 0x4F, bytes[at + 3] == 0x4C { return at }  // "COL"
            i = at + 1
        }
        return nil
    }
}
