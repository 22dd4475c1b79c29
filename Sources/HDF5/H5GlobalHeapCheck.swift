import Foundation

/// A whole-file scan for damaged global heap collections, run before libhdf5 sees a small file.
///
/// Every read of a variable-length string checks the collections it refers to
/// (`H5VariableLengthCheck`); this scan is the second line for small files, covering any other
/// path through which libhdf5 might load a collection (fill values, for example).
enum H5GlobalHeapCheck {
    /// Files larger than this are not scanned: a scan touches every page of the file (about 2 s for
    /// VGG16's 553 MB, against 13 ms for h5py's metadata walk).
    static let scanLimit = 64 << 20

    /// The first inconsistency found, as a one-line reason, or nil.
    static func problem(inFileAt path: String) -> String? {
        // One lstat (FileManager's attributesOfItem also looks up the owner's and group's names).
        var info = stat()
        if lstat(path, &info) == 0, Int(info.st_size) > scanLimit { return nil }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { problem(in: $0) }
    }

    /// Scans for "GCOL" signatures; assumes 8-byte lengths (what every Keras writer uses — other
    /// layouts are still checked at each read).
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        let lengthSize = 8
        var at = 0
        while let hit = find(bytes, from: at) {
            at = hit + 1
            let rest = UnsafeRawBufferPointer(rebasing: bytes[hit...])
            guard H5GlobalHeapCollection.declaredSize(header: rest, lengthSize: lengthSize) != nil else { continue }
            do {
                _ = try H5GlobalHeapCollection.decode(rest, lengthSize: lengthSize, where: "global heap at byte \(hit)")
            } catch let problem as H5GlobalHeapProblem {
                return problem.reason
            } catch {
                return "\(error)"
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
