import FuzzSupport
import Graph
import KerasIO

/// JSON text: the parser, serialization round trip, and Keras model configs built from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let json = try? JSONParser().parse(bytes) else { return 0 }
    let text = json.serialized()
    precondition((try? JSONParser().parse(text)) != nil, "serialized JSON does not parse again")
    _ = try? ModelConfigParser(file: "fuzz").parse(json: json)
    _ = try? ModelConfigParser(file: "fuzz", isKeras1: true).parse(text: text)
    return 0
}

runLibFuzzer(fuzz)
