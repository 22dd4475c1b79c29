import CHDF5
import Foundation

/// An open HDF5 file. HDF5 keeps the file itself open until every object taken from it is released too.
public final class H5File {
    /// Path of the file on disk, as given when opening or creating it.
    public let path: String
    /// Whether the file was opened for writing.
    public let isWritable: Bool
    /// Whether the file lives only in memory (`open(image:name:)`, `createInMemory(name:)`).
    public let isInMemory: Bool
    let handle: H5Handle

    init(path: String, id: hid_t, writable: Bool, inMemory: Bool = false) {
        self.path = path
        self.isWritable = writable
        self.isInMemory = inMemory
        self.handle = H5Handle(id, closer: H5Fclose)
    }

    /// Opens an existing file read-only; throws for missing files, directories and non-HDF5 or damaged files.
    public static func open(_ path: String) throws -> H5File {
        let location = H5Location(file: path, object: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw location.error("no such file")
        }
        guard !isDirectory.boolValue else { throw location.error("is a directory, not an HDF5 file") }
        // Checking the signature first gives a clear error for text, empty and foreign files.
        let signature = try check(location, "cannot read the file to look for an HDF5 signature") { H5Fis_hdf5(path) }
        guard signature > 0 else { throw location.error("not an HDF5 file (no HDF5 signature found)") }
        let access = try accessList(location)
        defer { release(access, H5Pclose) }
        let id = try check(location, "cannot open HDF5 file (damaged or truncated?)") {
            H5Fopen(path, cs_H5F_ACC_RDONLY(), access)
        }
        return H5File(path: path, id: id, writable: false)
    }

    /// Creates a file for writing, replacing any existing file at `path`.
    public static func create(_ path: String) throws -> H5File {
        let location = H5Location(file: path, object: "/")
        let access = try accessList(location)
        defer { release(access, H5Pclose) }
        let id = try check(location, "cannot create HDF5 file") {
            H5Fcreate(path, cs_H5F_ACC_TRUNC(), cs_H5P_DEFAULT(), access)
        }
        return H5File(path: path, id: id, writable: true)
    }

    /// File-access properties: use file locking where the file system supports it, ignore it where not.
    private static func accessList(_ location: H5Location) throws -> hid_t {
        let access = try check(location, "cannot create file-access property list") {
            H5Pcreate(cs_H5P_FILE_ACCESS())
        }
        do {
            try check(location, "cannot configure file locking") { H5Pset_file_locking(access, true, true) }
        } catch {
            release(access, H5Pclose)
            throw error
        }
        return access
    }

    /// The root group "/", opened afresh on each access.
    public var root: H5Group {
        get throws {
            let location = H5Location(file: path, object: "/")
            let id = try check(location, "cannot open root group") { H5Gopen2(handle.id, "/", cs_H5P_DEFAULT()) }
            return H5Group(id: id, location: location)
        }
    }

    /// Writes buffered data of this file to disk.
    public func flush() throws {
        let fileID = handle.id
        try check(H5Location(file: path, object: "/"), "cannot flush file") { H5Fflush(fileID, H5F_SCOPE_LOCAL) }
    }

    /// Releases this file identifier now; objects still held keep HDF5's copy of the file open.
    public func close() {
        handle.close()
    }

    /// Identifiers (the file itself, groups, datasets, attributes, types) open in this file.
    public func openObjectCount() throws -> Int {
        let fileID = handle.id
        return try check(H5Location(file: path, object: "/"), "cannot count open objects") {
            H5Fget_obj_count(fileID, cs_H5F_OBJ_ALL())
        }
    }

    /// Identifiers open across all HDF5 files in this process; 0 once everything has been released.
    public static func openObjectCountInAllFiles() throws -> Int {
        try check(H5Location(file: "(all files)", object: "/"), "cannot count open objects") {
            H5Fget_obj_count(hid_t(cs_H5F_OBJ_ALL()), cs_H5F_OBJ_ALL())
        }
    }
}
