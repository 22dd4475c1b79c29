import Foundation
@testable import HDF5
import TestSupport
import XCTest

/// The checks made before libhdf5 reads a variable-length string (H5VariableLengthCheck): each
/// stored descriptor is patched in a real file to every kind of lie libhdf5 1.10 would trust,
/// on disk and in memory (the two drivers ConvScope uses).
final class HDF5VariableLengthTests: XCTestCase {
    private var scratch: URL!
    private let text = "hello, heap"

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("convscope-vlen-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A file with one variable-length string attribute, its bytes, and where its descriptor is.
    private func makeFile() throws -> (bytes: [UInt8], descriptor: Int, heap: UInt64) {
        let path = scratch.appendingPathComponent("source.h5").path
        do {
            let file = try H5File.create(path)
            try file.root.setAttribute("s", .string(text))
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let heap = try XCTUnwrap(find(Array("GCOL".utf8), in: bytes), "no global heap in the file")
        // The descriptor: length (4), heap address (8), then the object index (4).
        let prefix = le(UInt64(text.utf8.count), 4) + le(UInt64(heap), 8)
        let descriptor = try XCTUnwrap(find(prefix, in: bytes), "no descriptor for the attribute in the file")
        return (bytes, descriptor, UInt64(heap))
    }

    /// Reads attribute "s" of `bytes` from disk and from memory; both must agree.
    private func readBothWays(_ bytes: [UInt8], _ label: String) -> [Result<H5AttributeValue, Error>] {
        let path = scratch.appendingPathComponent("\(label).h5").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let onDisk = Result { try H5File.open(path).root.attribute("s") }
        let inMemory = Result { try H5File.open(image: Data(bytes), name: "\(label) (memory)").root.attribute("s") }
        return [onDisk, inMemory]
    }

    func testIntactDescriptorsReadOnDiskAndInMemory() throws {
        let (bytes, _, _) = try makeFile()
        for result in readBothWays(bytes, "intact") {
            XCTAssertEqual(try result.get(), .string(text))
        }
    }

    func testEveryInconsistentDescriptorIsRefusedWithOneLine() throws {
        let (bytes, at, heap) = try makeFile()
        let cases: [(String, Int, [UInt8], String)] = [
            ("shorter", 0, le(5, 4), "declares 5 bytes but its heap object holds \(text.utf8.count)"),
            ("longer", 0, le(0xFFFF_FFF0, 4), "declares 4294967280 bytes"),
            ("unused-index", 12, le(999, 4), "names object 999"),
            ("free-space-index", 12, le(0, 4), "names object 0"),
            ("not-a-heap", 4, le(heap + 8, 8), "is not a global heap collection"),
            ("past-the-end", 4, le(1 << 40, 8), "is not a global heap collection"),
        ]
        for (label, offset, patch, message) in cases {
            var damaged = bytes
            damaged.replaceSubrange((at + offset)..<(at + offset + patch.count), with: patch)
            for result in readBothWays(damaged, label) {
                XCTAssertThrowsError(try result.get(), label) { error in
                    let line = "\(error)"
                    XCTAssertTrue(line.contains(message), "\(label): \(line)")
                    XCTAssertTrue(line.contains("refusing it"), "\(label): \(line)")
                    XCTAssertFalse(line.contains("\n"), label)
                }
            }
        }
    }

    func testDamagedCollectionIsRefusedEvenWhereTheWholeFileScanDoesNotLook() throws {
        let (bytes, _, heap) = try makeFile()
        // The first object's size made larger than the collection: found by the per-read walk alone
        // (called directly, as for files above the whole-file scan's size limit).
        var damaged = bytes
        let firstObjectSize = Int(heap) + 16 + 8
        damaged.replaceSubrange(firstObjectSize..<(firstObjectSize + 8), with: le(1 << 30, 8))
        let collection = Array(damaged[Int(heap)...])
        XCTAssertThrowsError(try collection.withUnsafeBytes {
            try H5GlobalHeapCollection.decode($0, lengthSize: 8, where: "heap")
        }) { error in
            XCTAssertTrue("\((error as? H5GlobalHeapProblem)?.reason ?? "")".contains("does not fit"), "\(error)")
        }
        let intact = Array(bytes[Int(heap)...])
        let decoded = try intact.withUnsafeBytes { try H5GlobalHeapCollection.decode($0, lengthSize: 8, where: "heap") }
        XCTAssertEqual(decoded.objectSizes.values.sorted(), [UInt64(text.utf8.count)])
    }

    /// Heap addresses are relative to the superblock, which a user block moves (h5py, make.py).
    func testFilesWithAUserBlockRead() throws {
        let url = Repository.resource("hdf5/userblock.h5")
        let file = try H5File.open(url.path)
        XCTAssertEqual(try file.root.attribute("keras_version"), .string("3.15.1"))
        XCTAssertEqual(try file.root.attribute("layer_names"), .strings(["conv", "dense"]))
        XCTAssertEqual(try file.root.group("conv").attribute("name"), .string("héllo"))
        let image = try Data(contentsOf: url)
        XCTAssertEqual(try H5File.open(image: image, name: "userblock").root.attribute("layer_names"), .strings(["conv", "dense"]))
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private func le(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
