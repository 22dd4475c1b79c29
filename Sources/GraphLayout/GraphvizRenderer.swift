import CGraphviz
import Failure
import Foundation

/// Why Graphviz could not lay out or render a diagram (exit 2: the diagram came from the input file).
public struct GraphLayoutError: ConvScopeFailure {
    public let message: String
    public var description: String { message }
}

/// Graphviz in-process: the DOT text parsed (`agmemread`), laid out by `dot` (`gvLayout`) and rendered
/// (`gvRenderData`) to SVG or PNG. No `dot` subprocess; the plugins come from Debian's libgvc6.
public enum GraphvizRenderer {
    /// Graphviz keeps global state (the parser, its error hook): one call at a time.
    private static let lock = NSLock()

    public static func render(_ diagram: Diagram, format: DiagramFormat) throws -> Data {
        try render(dot: diagram.dot(), format: format)
    }

    public static func render(dot: String, format: DiagramFormat) throws -> Data {
        lock.lock(); defer { lock.unlock() }
        // Never let the library print: its messages are dropped, failures reported by return codes.
        _ = agseterrf { _ in 0 }
        guard let gvc = gvContext() else { throw GraphLayoutError(message: "graphviz: cannot create a context") }
        defer { gvFreeContext(gvc) }
        guard let g = dot.withCString({ agmemread($0) }) else {
            throw GraphLayoutError(message: "graphviz: the diagram's DOT text does not parse")
        }
        defer { agclose(g) }
        guard gvLayout(gvc, g, "dot") == 0 else { throw GraphLayoutError(message: "graphviz: the dot layout failed") }
        defer { gvFreeLayout(gvc, g) }
        var buffer: UnsafeMutablePointer<CChar>?
        var length: UInt32 = 0
        let device = format == .png ? "png" : "svg"
        guard gvRenderData(gvc, g, device, &buffer, &length) == 0, let buffer else {
            throw GraphLayoutError(message: "graphviz: rendering \(device) failed (is Debian's libgvc6 with its plugins installed?)")
        }
        defer { gvFreeRenderData(buffer) }
        return Data(bytes: buffer, count: Int(length))
    }
}
