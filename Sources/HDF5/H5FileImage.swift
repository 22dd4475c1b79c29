import CHDF5
import Foundation

/// Files that live in memory: HDF5's core driver with no backing store.
extension H5File {
    /// Opens HDF5 bytes held in memory, read-only, with no file on disk at all (core driver + file image).
    /// `name` is only used in error messages (e.g. `model.keras:model.weights.h5`).
    public static func open(image: Data, name: String) throws -> H5File {
        let location = H5Location(file: name, object: "/")
        guard image.count >= 8 else { throw location.error("not an HDF5 file (\(image.count) bytes)") }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        // The superblock sits at 0, 512, 1024, 2048, … (user blocks); look where HDF5 would.
        var found = false
        var offset = 0
        while offset + 8 <= image.count {
            if image[image.startIndex + offset ..< image.startIndex + offset + 8].elementsEqual(signature) { found = true; break }
            offset = offset == 0 ? 512 : offset * 2
        }
        guard found else { throw location.error("not an HDF5 file (no HDF5 signature found)") }
        let access = try coreAccessList(location, increment: max(64 << 10, image.count))
        defer { release(access, H5Pclose) }
        // H5Pset_file_image copies the buffer, so `image` need not outlive this call.
        try image.withUnsafeBytes { raw in
            _ = try check(location, "cannot hand the file image to HDF5") {
                H5Pset_file_image(access, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
            }
        }
        let id = try check(location, "cannot open HDF5 file image (damaged or truncated?)") {
            H5Fopen(name, cs_H5F_ACC_RDONLY(), access)
        }
        return H5File(path: name, id: id, writable: false, inMemory: true)
    }

    /// Creates an empty writable file that exists only in memory; take its bytes with `imageBytes()`.
    public static func createInMemory(name: String) throws -> H5File {
        let location = H5Location(file: name, object: "/")
        let access = try coreAccessList(location, increment: 1 << 20)
        defer { release(access, H5Pclose) }
        let id = try check(location, "cannot create in-memory HDF5 file") {
            H5Fcreate(name, cs_H5F_ACC_TRUNC(), cs_H5P_DEFAULT(), access)
        }
        return H5File(path: name, id: id, writable: true, inMemory: true)
    }

    /// The complete file as bytes (flushed first), as it would be written to disk.
    public func imageBytes() throws -> Data {
        let fileID = handle.id
        let location = H5Location(file: path, object: "/")
        if isWritable {
            try check(location, "cannot flush file") { H5Fflush(fileID, H5F_SCOPE_GLOBAL) }
        }
        let size = try check(location, "cannot size the file image") { H5Fget_file_image(fileID, nil, 0) }
        var data = Data(count: size)
        let got = try data.withUnsafeMutableBytes { raw in
            try check(location, "cannot copy the file image") { H5Fget_file_image(fileID, raw.baseAddress, size) }
        }
        guard got == size else { throw location.error("file image is \(got) bytes, expected \(size)") }
        return data
    }

    /// Core driver, nothing written to disk.
    private static func coreAccessList(_ location: H5Location, increment: Int) throws -> hid_t {
        let access = try check(location, "cannot create file-access property list") { H5Pcreate(cs_H5P_FILE_ACCESS()) }
        do {
            try check(location, "cannot select the in-memory (core) driver") { H5Pset_fapl_core(access, increment, false) }
        } catch {
            release(access, H5Pclose)
            throw error
        }
        return access
    }
}
