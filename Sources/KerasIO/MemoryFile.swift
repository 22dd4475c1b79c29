import Foundation
import HDF5

/// Hands the bytes of `model.weights.h5` (from inside a `.keras` zip) to the HDF5 library without any
/// file on disk: HDF5's core driver opens the bytes as a read-only file image (`H5File.open(image:)`).
enum MemoryFile {
    /// Opens `bytes` as an HDF5 file named `label` (used in messages only).
    static func open(bytes: Data, label: String) throws -> H5File {
        try H5Reading.guarded(label) { try H5File.open(image: bytes, name: label) }
    }
}
