/// The layers a wrapper runs, for code that accounts for them one by one (the `Cost` target) without
/// reaching into the wrapper.
public protocol WrappingLayer: Layer {
    /// The wrapped layers, each run once per application of the wrapper (per time step for `TimeDistributed`).
    var wrappedLayers: [any Layer] { get }
}

extension TimeDistributed: WrappingLayer { public var wrappedLayers: [any Layer] { [inner] } }
extension Bidirectional: WrappingLayer { public var wrappedLayers: [any Layer] { [forwardLayer, backwardLayer] } }
extension ChannelsFirst: WrappingLayer { public var wrappedLayers: [any Layer] { [inner] } }
extension StagedVolume: WrappingLayer { public var wrappedLayers: [any Layer] { [plane, depth] } }
