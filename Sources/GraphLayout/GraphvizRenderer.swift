import CGraphviz
import Failure
import Foundation

/// Why Graphviz could not lay out or render a diagram (exit 2: the diagram came from the input file).
public struct GraphLayoutError: ConvScopeFailure {
    public let message: String
    public var description: String { message }
}

/// Graphviz in-process: the DOT text parsed (`agmemread`), laid out by `dot` (`gvLayout`) and rendered
/// (`gvRenderData`) to SVG (the core renderer) or PNG (the gd renderer). No `dot` subprocess.
///
/// Only three plugins are loaded, from Debian's libgvc6 plugin folder beside libgvc: core (SVG), dot_layout
/// and gd (PNG). Not the pango/cairo plugin `gvContext()` would pick: pango starts a fontconfig thread that
/// ThreadSanitizer reports as racing, and Graphviz 2.42's pango text sizing reads a freed font name once a
/// second context exists (AddressSanitizer: heap-use-after-free in libgvplugin_pango's textspan_size).
public enum GraphvizRenderer {
    /// Graphviz keeps global state (the parser, its error hook): one call at a time.
    private static let lock = NSLock()
    /// One context for the process, never freed (it keeps pointers into the plugin list). Guarded by `lock`.
    nonisolated(unsafe) private static var context: OpaquePointer?

    public static func render(_ diagram: Diagram, format: DiagramFormat) throws -> Data {
        try render(dot: diagram.dot(for: format), format: format)
    }

    public static func render(dot: String, format: DiagramFormat) throws -> Data {
        lock.lock(); defer { lock.unlock() }
        // Never let the library print: its messages are dropped, failures reported by return codes.
        _ = agseterrf { _ in 0 }
        if context == nil { context = try makeContext() }
        guard let gvc = context else { throw GraphLayoutError(message: "graphviz: cannot create a context") }
        guard let g = dot.withCString({ agmemread($0) }) else {
            throw GraphLayoutError(message: "graphviz: the diagram's DOT text does not parse")
        }
        defer { agclose(g) }
        guard gvLayout(gvc, g, "dot") == 0 else { throw GraphLayoutError(message: "graphviz: the dot layout failed") }
        defer { gvFreeLayout(gvc, g) }
        var buffer: UnsafeMutablePointer<CChar>?
        var length: UInt32 = 0
        let device = format == .png ? "png:gd" : "svg:svg:core"
        guard gvRenderData(gvc, g, device, &buffer, &length) == 0, let buffer else {
            throw GraphLayoutError(message: "graphviz: rendering \(format.rawValue) failed")
        }
        defer { gvFreeRenderData(buffer) }
        return Data(bytes: buffer, count: Int(length))
    }

    /// A context with the core, dot_layout and gd plugins as built-ins, read from the plugin folder
    /// (`graphviz/` beside the libgvc this process loaded).
    static func makeContext() throws -> OpaquePointer {
        // The libgvc this process mapped (Linux: /proc/self/maps), e.g. /usr/lib/x86_64-linux-gnu/libgvc.so.6.
        let maps = String(decoding: FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        guard let lib = maps.split(separator: "\n").lazy.compactMap({ line -> Substring? in
            guard let slash = line.firstIndex(of: "/"), line.contains("/libgvc.so") else { return nil }
            return line[slash...]
        }).first else {
            throw GraphLayoutError(message: "graphviz: cannot locate libgvc in /proc/self/maps")
        }
        let folder = URL(fileURLWithPath: String(lib)).deletingLastPathComponent().appendingPathComponent("graphviz").path
        let plugins = ["core", "dot_layout", "gd"]
        let list = UnsafeMutablePointer<lt_symlist_t>.allocate(capacity: plugins.count + 1)
        for (i, name) in plugins.enumerated() {
            let path = "\(folder)/libgvplugin_\(name).so.6"
            let symbol = "gvplugin_\(name)_LTX_library"
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL), let address = dlsym(handle, symbol) else {
                throw GraphLayoutError(message: "graphviz: cannot load the \(name) plugin \(path) (Debian's libgvc6 installs it)")
            }
            list[i] = lt_symlist_t(name: UnsafePointer(strdup(symbol)), address: address)
        }
        list[plugins.count] = lt_symlist_t(name: nil, address: nil)
        guard let gvc = gvContextPlugins(list, 0) else { throw GraphLayoutError(message: "graphviz: cannot create a context") }
        return gvc
    }
}
