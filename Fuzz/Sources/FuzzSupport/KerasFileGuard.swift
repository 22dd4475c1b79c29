import Foundation
import KerasIO

/// How the HDF5-based targets open a file: the way `convscope` does (default), or in-process only.
///
/// `convscope` reads every Keras file's structure in a forked child first (`KerasFile.preflight`),
/// so a crash inside libhdf5 is a refusal, not a crash of the tool; with ASan's
/// `abort_on_error=1` (run.sh sets it) a memory error in the child is such a crash too. The targets
/// model that by default. `CONVSCOPE_FUZZ_IN_PROCESS=1` skips the preflight, exposing libhdf5's
/// own bugs directly (long campaigns that look for new checks to add in Sources/HDF5).
public enum KerasFileGuard {
    public static let inProcessOnly = ProcessInfo.processInfo.environment["CONVSCOPE_FUZZ_IN_PROCESS"] == "1"

    /// Whether the tool would go on to read `path` in-process.
    public static func admits(_ path: String) -> Bool {
        inProcessOnly || (try? KerasFile.preflight(path, timeout: 10)) != nil
    }
}
