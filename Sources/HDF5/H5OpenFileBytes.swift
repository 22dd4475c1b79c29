import CHDF5
import Foundation

/// Raw bytes of an open HDF5 file, read beside libhdf5 through the same driver handle it uses
/// (a file descriptor for files on disk, the memory buffer for in-memory images).
///
/// Used to check structures libhdf5 would trust before it follows them. Addresses are HDF5 file
/// addresses: relative to the superblock, which a user block moves away from byte 0.
struct H5OpenFileBytes {
    /// Bytes per file address and per length field (8 and 8 in every file Keras writes).
    let addressSize: Int
    let lengthSize: Int
    private let baseAddress: UInt64
    private let fileSize: UInt64
    private let source: Source

    private enum Source {
        case descriptor(Int32)
        case memory(UnsafePointer<UInt8>)
    }

    /// The bytes of the file `object` (any identifier inside it) belongs to. Call under the library lock.
    init(fileOf object: hid_t, at location: H5Location) throws {
        let file = try check(location, "cannot find the file of this object") { H5Iget_file_id(object) }
        defer { release(file, H5Fclose) }
        let creation = try check(location, "cannot read the file's creation properties") { H5Fget_create_plist(file) }
        defer { release(creation, H5Pclose) }
        var addressSize = 0, lengthSize = 0
        try check(location, "cannot read the file's address sizes") { H5Pget_sizes(creation, &addressSize, &lengthSize) }
        var userBlock: hsize_t = 0
        try check(location, "cannot read the file's user block size") { H5Pget_userblock(creation, &userBlock) }
        var size: hsize_t = 0
        try check(location, "cannot read the file's size") { H5Fget_filesize(file, &size) }
        let access = try check(location, "cannot read the file's access properties") { H5Fget_access_plist(file) }
        defer { release(access, H5Pclose) }
        let driver = try check(location, "cannot read the file's driver") { H5Pget_driver(access) }
        var handle: UnsafeMutableRawPointer?
        try check(location, "cannot reach the file's driver handle") { H5Fget_vfd_handle(file, access, &handle) }
        guard let handle else { throw location.error("the file's driver gave no handle") }
        if driver == cs_H5FD_SEC2() {
            source = .descriptor(handle.load(as: Int32.self))
        } else if driver == cs_H5FD_CORE() {
            // The core driver hands out the address of its buffer pointer.
            guard let memory = handle.load(as: UnsafePointer<UInt8>?.self) else {
                throw location.error("the in-memory file has no buffer")
            }
            source = .memory(memory)
        } else {
            throw location.error("cannot check variable-length data through this HDF5 driver")
        }
        self.addressSize = addressSize
        self.lengthSize = lengthSize
        self.baseAddress = userBlock
        self.fileSize = size
    }

    /// `count` bytes at file address `address`, or nil when they are not all inside the file.
    func read(address: UInt64, count: Int) -> [UInt8]? {
        let (start, overflow) = baseAddress.addingReportingOverflow(address)
        guard !overflow, count >= 0, start <= fileSize, UInt64(count) <= fileSize - start else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        switch source {
        case .memory(let memory):
            bytes.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: memory + Int(start), count: count)) }
            return bytes
        case .descriptor(let fd):
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(start) + off_t(done)) }
                if got <= 0 { return nil }
                done += got
            }
            return bytes
        }
    }

    /// An unsigned little-endian integer of `count` bytes taken from `bytes` at `offset`.
    static func decode(_ bytes: ArraySlice<UInt8>, count: Int) -> UInt64? {
        Array(bytes).withUnsafeBytes { H5GlobalHeapCollection.littleEndian($0, at: 0, count: count) }
    }
}
