import CHDF5
import Foundation

/// Process-wide state of libhdf5: one-time setup and the lock that serialises calls.
///
/// Debian's serial build is not thread-safe, and the error stack read after a
/// failure is global, so every call and its error lookup happen under one lock.
enum H5Library {
    private static let lock = NSRecursiveLock()

    /// Runs once: initialises the library and silences its automatic stderr error printing.
    private static let ready: Bool = {
        H5open()
        H5Eset_auto2(cs_H5E_DEFAULT(), nil, nil)
        return true
    }()

    /// Runs `body` with the library initialised and locked.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        _ = ready
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The innermost (most specific) description on the current error stack, then clears the stack.
    static func takeInnermostError() -> String? {
        let box = ErrorBox()
        let walker: H5E_walk2_t = { index, entry, context in
            guard index == 0, let entry, let context else { return 0 }
            let box = Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue()
            let desc = entry.pointee.desc.map { String(cString: $0) } ?? ""
            let function = entry.pointee.func_name.map { String(cString: $0) } ?? ""
            box.message = desc.isEmpty ? function : desc
            return 0
        }
        // Walking upward starts at the function where the error was first detected.
        _ = H5Ewalk2(cs_H5E_DEFAULT(), H5E_WALK_UPWARD, walker, Unmanaged.passUnretained(box).toOpaque())
        H5Eclear2(cs_H5E_DEFAULT())
        return box.message
    }
}

/// Carries the message out of the C error-walk callback.
private final class ErrorBox {
    var message: String?
}

/// Calls into libhdf5 under the library lock and turns a failure result into an `H5Error`.
///
/// Most HDF5 functions signal failure with a negative value; pass `failsIf` for the others.
@discardableResult
func check<T: BinaryInteger>(
    _ location: H5Location,
    _ message: @autoclosure () -> String,
    failsIf failed: (T) -> Bool = { $0 < 0 },
    _ call: () -> T
) throws -> T {
    try H5Library.locked {
        let result = call()
        guard failed(result) else { return result }
        throw H5Error(
            filePath: location.file,
            objectPath: location.object,
            message: message(),
            detail: H5Library.takeInnermostError()
        )
    }
}

/// Closes a temporary identifier (type, space, property list) whose close failure cannot be acted on.
func release(_ id: hid_t, _ close: (hid_t) -> herr_t) {
    H5Library.locked {
        if id >= 0, close(id) < 0 { H5Eclear2(cs_H5E_DEFAULT()) }
    }
}

/// An identifier for a long-lived HDF5 object, closed exactly once when released or closed explicitly.
final class H5Handle {
    private(set) var id: hid_t
    private let closer: (hid_t) -> herr_t

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    /// Closes the identifier now; later calls do nothing.
    func close() {
        H5Library.locked {
            guard id >= 0 else { return }
            release(id, closer)
            id = -1
        }
    }

    deinit { close() }
}
