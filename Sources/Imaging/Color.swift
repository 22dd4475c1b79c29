import Foundation

/// An RGBA colour with components in [0, 255] (alpha 255 = opaque).
public struct Color: Equatable, Sendable {
    public var r: Float
    public var g: Float
    public var b: Float
    public var a: Float

    public init(_ r: Float, _ g: Float, _ b: Float, _ a: Float = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }

    /// A grey level, opaque.
    public init(grey v: Float) { self.init(v, v, v) }

    /// The colour with alpha `a`.
    public func withAlpha(_ a: Float) -> Color { Color(r, g, b, a) }

    public static let black = Color(0, 0, 0)
    public static let white = Color(255, 255, 255)
    public static let grey = Color(128, 128, 128)
    public static let lightGrey = Color(220, 220, 220)
    public static let red = Color(214, 39, 40)
    public static let green = Color(44, 160, 44)
    public static let blue = Color(31, 119, 180)
    public static let orange = Color(255, 127, 14)
    public static let purple = Color(148, 103, 189)

    /// A qualitative palette for chart series (matplotlib's "tab10" order).
    public static let palette: [Color] = [
        blue, orange, green, red, purple,
        Color(140, 86, 75), Color(227, 119, 194), Color(127, 127, 127), Color(188, 189, 34), Color(23, 190, 207),
    ]
}
