#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's RAM, as the kernel reports it: physical pages × page size.
public enum PhysicalMemory {
    /// Bytes of RAM; `Int.max` if the kernel does not say (so a limit derived from it never refuses by mistake).
    public static let bytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        let (product, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : product
    }()
}
